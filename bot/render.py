"""Turns outbox payloads (notices) into Telegram text, entities and inline keyboards.

Mentions become `text_mention` entities on a last line of names: they notify those people in a
group without needing a username or a parse mode. Telegram counts offsets and limits in UTF-16
code units (an emoji is two, a Chinese character one), so every length here is measured so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, User

from bot.i18n import render_text

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MENTION_MARK = "🔔"
ELLIPSIS = "…"


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None
    entities: list[MessageEntity] = field(default_factory=list)
    photo: str | None = None  # a Telegram file id: send as a photo with the text as caption
    attachment: dict[str, Any] | None = None  # a file to make and send (bot/attachments.py)
    lang: str = "zh"  # the reader's: a file made at sending time speaks it too


def u16len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def render(payload: dict[str, Any], lang: str, zone: ZoneInfo,
           limit: int = TEXT_LIMIT) -> Rendered:
    """The notice in `lang`, its text (mentions included) at most `limit` UTF-16 units."""
    parts = [render_text(payload["key"], lang, payload.get("params", {}), zone)]
    parts += [render_text(key, lang, params, zone) for key, params in payload.get("lines", [])]
    text = "\n".join(parts).strip()  # Telegram trims; entity offsets must match what it keeps
    rows = [
        [InlineKeyboardButton(render_text(b["label"], lang, b.get("params", {}), zone)[:60],
                              callback_data=b["data"]) for b in row]
        for row in payload.get("buttons", [])
    ]
    text, entities = _mentioned(text, [(str(n), int(i)) for n, i in payload.get("mentions", [])],
                                limit)
    return Rendered(text, InlineKeyboardMarkup(rows) if rows else None, entities,
                    payload.get("photo"), payload.get("attachment"), lang)


def _mentioned(text: str, mentions: list[tuple[str, int]],
               limit: int) -> tuple[str, list[MessageEntity]]:
    """Append a line naming each person as a text_mention; the body gives way if too long."""
    if not mentions:
        return shorten(text, limit), []
    line, entities = MENTION_MARK, []
    for name, user_id in mentions:
        name = name.strip() or str(user_id)
        line += " "
        entities.append((u16len(line), u16len(name), name, user_id))
        line += name
    if u16len(line) > limit // 2:  # a wall of names: keep the message, drop the mentions
        return shorten(text, limit), []
    body = shorten(text, limit - u16len(line) - 1)
    start = u16len(body) + 1
    return body + "\n" + line, [
        MessageEntity(MessageEntity.TEXT_MENTION, start + offset, length,
                      user=User(user_id, name, is_bot=False))
        for offset, length, name, user_id in entities]


def shorten(text: str, limit: int) -> str:
    """At most `limit` UTF-16 units, cut with an ellipsis (never inside a surrogate pair)."""
    if u16len(text) <= limit:
        return text
    budget = limit - u16len(ELLIPSIS)
    kept, used = [], 0
    for ch in text:
        used += u16len(ch)
        if used > budget:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + ELLIPSIS


def as_caption(rendered: Rendered) -> Rendered | None:
    """The same message as a photo caption, or None when the text is too long for one."""
    if u16len(rendered.text) <= CAPTION_LIMIT:
        return rendered
    return None


def caption_head(rendered: Rendered) -> str:
    """A short caption for a photo whose full text follows as its own message: the first line."""
    return shorten(rendered.text.split("\n", 1)[0], CAPTION_LIMIT)


def edited_caption(rendered: Rendered) -> Rendered:
    """For editing a photo's caption: the text cut to the caption limit, the mentions that
    still fit kept."""
    if u16len(rendered.text) <= CAPTION_LIMIT:
        return rendered
    text = shorten(rendered.text, CAPTION_LIMIT)
    kept = [e for e in rendered.entities if e.offset + e.length <= u16len(text) - 1]
    return replace(rendered, text=text, entities=kept)


_COMMANDS = {
    "start": ("注册 / 开始", "register / start"),
    "tasks": ("我的任务", "my tasks"),
    "report": ("怎么报工", "how to report work"),
    "status": ("所有未完工单", "every open work order"),
    "invite": ("生成注册邀请", "invite a person"),
    "exception": ("报告异常", "report an exception"),
    "link": ("绑定本群：exceptions / qc / management / status [班组]",
             "link this group: exceptions / qc / management / status [team]"),
    "unlink": ("解除本群绑定", "unlink this group"),
    "me": ("我的产量和工资", "my output and earnings"),
    "clockin": ("上班打卡", "clock in"),
    "clockout": ("下班打卡", "clock out"),
    "team": ("班组产量和工资", "my team's output and wages"),
    "kpi": ("关键指标", "key figures (KPIs)"),
    "summary": ("日报 [日期]", "daily summary [date]"),
    "export": ("导出 Excel", "export to Excel"),
    "board": ("车间看板链接", "shop-floor board link"),
    "assign": ("派工", "assign a task"),
    "unassign": ("撤下派工", "take someone off a task"),
    "remove": ("移出离职人员", "remove someone who left"),
    "open": ("开放认领", "open a task for claiming"),
    "dispatch": ("排产建议 [班组]", "dispatch suggestion [team]"),
    "rush": ("插单（先看影响再确认）", "rush order (preview, then confirm)"),
    "change": ("变更工单：数量 / 交期", "change a work order: qty / due"),
    "hold": ("暂停工单", "put a work order on hold"),
    "resume": ("恢复工单", "resume a work order"),
    "cancel": ("取消工单", "cancel a work order"),
    "issue": ("领料", "issue material to a work order"),
    "return": ("退料", "return material from a work order"),
    "materials": ("工单物料需求", "a work order's materials"),
    "stock": ("库存", "stock"),
    "lang": ("切换语言", "change language"),
    "help": ("帮助", "help"),
}
_BY_ROLE = {
    None: ("start", "lang", "help"),
    "worker": ("tasks", "report", "exception", "me", "clockin", "clockout", "lang", "help"),
    "qc": ("tasks", "report", "exception", "me", "clockin", "clockout", "lang", "help"),
    "supervisor": ("tasks", "report", "exception", "status", "assign", "open", "unassign",
                   "dispatch", "materials", "issue", "return", "stock", "team", "kpi", "summary", "export", "me", "clockin", "clockout",
                   "invite", "lang", "help"),
}
_MANAGER = ("status", "dispatch", "rush", "change", "hold", "resume", "cancel", "assign", "open",
            "unassign", "materials", "issue", "return", "stock", "summary", "kpi", "team", "export", "board", "exception", "tasks", "me",
            "clockin", "clockout", "invite", "remove", "lang", "help")


def commands_for(role: str | None, lang: str) -> list[BotCommand]:
    names = _BY_ROLE.get(role, _MANAGER)
    index = 0 if lang == "zh" else 1
    return [BotCommand(name, _COMMANDS[name][index]) for name in names]


def group_commands(lang: str) -> list[BotCommand]:
    """The menu in group chats (BotCommandScopeAllGroupChats): linking the group."""
    index = 0 if lang == "zh" else 1
    return [BotCommand(name, _COMMANDS[name][index]) for name in ("link", "unlink", "summary")]
