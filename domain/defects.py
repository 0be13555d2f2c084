"""Defect reasons: from what a person taps or types to the code stored, and back to a name.

A reason on the factory's list is stored by its code (`burr`), so scrap and rework can be
counted by reason; free text that matches no reason is kept as typed.
"""

from __future__ import annotations

from typing import Any

from domain.factory_settings import FactorySettings
from domain.payload import normalize_text


def match_reason(settings: FactorySettings, text: str) -> str:
    """The code of the configured reason named by `text` (its code, or its zh / en name), or
    the text itself (trimmed) when it names none."""
    wanted = normalize_text(text).casefold()
    for reason in settings.defect_reasons:
        if wanted in (reason.code.casefold(), reason.name_zh.casefold(),
                      reason.name_en.casefold()):
            return reason.code
    return normalize_text(text)[:100]


def reason_label(settings: FactorySettings, stored: str | None) -> Any:
    """For a notice: a configured reason as {"zh", "en"} (shown in the reader's language),
    anything else as stored."""
    if stored is None:
        return ""
    reason = settings.reason(stored)
    return reason.names if reason is not None else stored
