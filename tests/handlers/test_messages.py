"""Every message the code can send exists in Chinese and English, with the same parameters."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.catalog import CATALOG
from bot.i18n import render_text
from bot.import_messages import IMPORT_MESSAGES
from handlers.telegram.common import language_of

ROOT = Path(__file__).resolve().parents[2]
# A message key is the first argument of whatever produces a message, or a `key = ...` choice.
CALL = re.compile(r"""(?:DomainError|WorkbookError|reply|edit|answer|Notice|Button|render_text)
                      \(\s*["']([a-z_]+\.[a-z_.]+)["']""", re.VERBOSE)
LITERAL = re.compile(r"""["']([a-z_]+\.[a-z_.]+)["']""")


def keys_used_in_code() -> set[str]:
    used: set[str] = set()
    for folder in ("domain", "handlers", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            if "botapi_server" in path.parts or path.name == "catalog.py":
                continue
            text = path.read_text(encoding="utf-8")
            used.update(CALL.findall(text))
            for line in text.splitlines():
                if re.match(r"\s*key = ", line):
                    used.update(LITERAL.findall(line))
    return used


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_in_the_code_is_in_the_catalog():
    used = keys_used_in_code()
    assert len(used) > 60  # the scan finds the keys at all
    assert sorted(used - set(CATALOG) - set(IMPORT_MESSAGES)) == []


@pytest.mark.parametrize("key", sorted(IMPORT_MESSAGES))
def test_import_messages_in_both_languages(key):
    entry = IMPORT_MESSAGES[key]
    assert fields(entry["zh"]) == fields(entry["en"])


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_both_languages_with_the_same_parameters(key):
    entry = CATALOG[key]
    assert entry.get("zh") and entry.get("en")
    if key == "text.bilingual":  # by design: each language shows its own name
        assert (fields(entry["zh"]), fields(entry["en"])) == ({"zh"}, {"en"})
        return
    assert fields(entry["zh"]) == fields(entry["en"]), key


def test_scan_errors_exist_for_every_decoder_outcome():
    for error in ("not_image", "too_large", "file_too_big", "none_found", "several"):
        assert f"scan.{error}" in CATALOG


def test_rendering_localises_roles_times_and_reasons():
    text = render_text("auth.forbidden", "zh", {"needed": "supervisor"})
    assert "班组长" in text
    text = render_text("report.recorded_scrap", "en", {
        "work_order": "WO-000001", "operation": "SMT", "good": 5, "scrap": 1, "reason": "burr",
        "total": 5, "remaining": 95, "undo_until_at": "2026-11-21T02:10:00+00:00"})
    assert "until 11-21 10:10" in text  # UTC stored, shown in Asia/Shanghai
    assert render_text("no.such.key", "en") == CATALOG["errors.internal"]["en"]


def test_language_choice_order():
    class Person:
        language = "en"

    assert language_of(Person(), "zh-hans", "zh") == "en"  # the person's own setting wins
    assert language_of(None, "zh-hant", "en") == "zh"
    assert language_of(None, "de", "zh") == "en"
    assert language_of(None, None, "zh") == "zh"
