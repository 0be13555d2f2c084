"""Messages to people, as data: who, what (a message key and parameters), which buttons.

The domain never writes Telegram text. It enqueues notices in the outbox, in the same
transaction as the state change they announce; the bot renders them in the reader's language
and a sender delivers them. A crash between commit and send delays a message, never loses it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import OutboxMessage, Person, Priority


@dataclass(frozen=True)
class Button:
    """An inline button: a label (message key + params) and the intent it sends back."""

    label: str
    data: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    """A message for one chat. `lines` are further (key, params) paragraphs joined below it.

    `photo` (a Telegram file id) sends it as a photo with the text as caption; `mentions`
    (name, Telegram user id) are appended as mentions that notify those people in a group.
    `attachment` describes a file the bot makes when sending (a chart, an Excel export):
    {"kind": ..., plain JSON values...}; see bot/attachments.py. `secret` names params the
    outbox keeps only until the message is sent.
    """

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    buttons: list[list[Button]] = field(default_factory=list)
    lines: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    photo: str | None = None
    mentions: list[tuple[str, int]] = field(default_factory=list)
    attachment: dict[str, Any] | None = None
    # Params that open something (a board link's token): the sender forgets them once the
    # message is delivered, so a copy of the database or a backup opens nothing.
    secret: list[str] = field(default_factory=list)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} into a notice")


def enqueue(
    session: AsyncSession,
    chat_id: int,
    notice: Notice,
    *,
    lang: str,
    priority: int = Priority.reply,
    edit_message_id: int | None = None,
    edit_outbox_id: int | None = None,
) -> OutboxMessage:
    """Queue a notice.

    With edit_message_id it replaces that message's text and buttons; with edit_outbox_id it
    replaces the message an earlier outbox row sent (the sender looks its message id up, and
    sends a new message if that one could not be edited).
    """
    payload = asdict(notice)
    if edit_message_id is not None:
        payload["edit_message_id"] = edit_message_id
    if edit_outbox_id is not None:
        payload["edit_outbox_id"] = edit_outbox_id
    editing = edit_message_id is not None or edit_outbox_id is not None
    message = OutboxMessage(
        chat_id=chat_id,
        method="edit" if editing else "send",
        payload=json.dumps(payload, ensure_ascii=False, default=_plain),
        lang=lang,
        priority=priority,
    )
    session.add(message)
    return message


def notify_person(session: AsyncSession, person: Person, notice: Notice, *, default_lang: str,
                  priority: int = Priority.notify) -> OutboxMessage | None:
    """Queue a notice to a person's private chat, in their language; None if not registered."""
    if person.telegram_user_id is None or not person.active:
        return None
    return enqueue(session, person.telegram_user_id, notice,
                   lang=person.language or default_lang, priority=priority)


def enqueue_commands(session: AsyncSession, chat_id: int, *, role: str | None,
                     lang: str) -> None:
    """Queue the chat's command menu for this role (Telegram's setMyCommands, chat scope);
    None: a stranger's."""
    session.add(OutboxMessage(chat_id=chat_id, method="commands", lang=lang,
                              payload=json.dumps({"role": role}), priority=Priority.notify))
