"""Turns outbox payloads (notices) into Telegram text and inline keyboards."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import render_text

TEXT_LIMIT = 4096


def render(payload: dict[str, Any], lang: str,
           zone: ZoneInfo) -> tuple[str, InlineKeyboardMarkup | None]:
    parts = [render_text(payload["key"], lang, payload.get("params", {}), zone)]
    parts += [render_text(key, lang, params, zone) for key, params in payload.get("lines", [])]
    text = "\n".join(parts)
    if len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 2] + "\n…"
    rows = [
        [InlineKeyboardButton(render_text(b["label"], lang, b.get("params", {}), zone)[:60],
                              callback_data=b["data"]) for b in row]
        for row in payload.get("buttons", [])
    ]
    return text, InlineKeyboardMarkup(rows) if rows else None


_COMMANDS = {
    "start": ("注册 / 开始", "register / start"),
    "tasks": ("我的任务", "my tasks"),
    "report": ("怎么报工", "how to report work"),
    "status": ("所有未完工单", "every open work order"),
    "invite": ("生成注册邀请", "invite a person"),
    "exception": ("报告异常", "report an exception"),
    "link": ("绑定本群（群内）", "link this group (in a group)"),
    "lang": ("切换语言", "change language"),
    "help": ("帮助", "help"),
}
_BY_ROLE = {
    None: ("start", "lang", "help"),
    "worker": ("tasks", "report", "exception", "lang", "help"),
    "qc": ("tasks", "report", "exception", "lang", "help"),
}
_SUPERVISOR = ("tasks", "report", "exception", "status", "invite", "lang", "help")


def commands_for(role: str | None, lang: str) -> list[BotCommand]:
    names = _BY_ROLE.get(role, _SUPERVISOR)
    index = 0 if lang == "zh" else 1
    return [BotCommand(name, _COMMANDS[name][index]) for name in names]
