"""Every message in Chinese (zh-Hans) and English. Keys are the contract with the domain."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.catalog import CATALOG, LABELS

log = logging.getLogger(__name__)

DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")


def label(group: str, value: Any, lang: str) -> str:
    """Localised name of a role, status, defect reason...; the raw value when unknown."""
    entry = LABELS.get(group, {}).get(str(value))
    return entry[lang] if entry else str(value)


def duration(seconds: int, lang: str) -> str:
    """A length of time as people say it: 2小时5分钟, 45秒 / 2 h 5 min, 45 s."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    zh = lang == "zh"
    amounts = [(hours, "小时" if zh else "h"), (minutes, "分钟" if zh else "min")]
    if not hours:  # seconds matter only under an hour
        amounts.append((secs, "秒" if zh else "s"))
    shown = [(n, unit) for n, unit in amounts if n] or [amounts[-1]]
    return "".join(f"{n}{unit}" for n, unit in shown) if zh else " ".join(
        f"{n} {unit}" for n, unit in shown)


def _localise(params: dict[str, Any], lang: str, zone: ZoneInfo) -> dict[str, Any]:
    out = dict(params)
    for name, value in params.items():
        if isinstance(value, dict) and set(value) == {"zh", "en"}:
            out[name] = value[lang]  # a name kept in both languages (a configured reason...)
        elif name.endswith("_at") and isinstance(value, (str, datetime)):
            # A str from the outbox's JSON; a datetime straight from a refusal (a callback's answer).
            moment = datetime.fromisoformat(value) if isinstance(value, str) else value
            out[name] = moment.astimezone(zone).strftime("%m-%d %H:%M")
        elif name.endswith("_seconds") and isinstance(value, int):
            out[name] = duration(value, lang)
        elif name in ("role", "needed"):
            out[name] = label("role", value, lang)
        elif name == "status":
            out[name] = label("status", value, lang)
        elif name == "reason" and isinstance(value, str):
            out[name] = label("reason", value, lang)
        elif name in LABELS and isinstance(value, str):
            out[name] = label(name, value, lang)  # kind, severity, purpose...
    return out


def render_text(key: str, lang: str, params: dict[str, Any] | None = None,
                zone: ZoneInfo = DEFAULT_ZONE) -> str:
    entry = CATALOG.get(key)
    if entry is None:
        log.error("message key %r missing from the catalog", key)
        entry = CATALOG["errors.internal"]
    template = entry.get(lang) or entry["en"]
    values = _localise(params or {}, lang, zone)
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        log.exception("message %r lacks parameters %s", key, sorted(values))
        return template
