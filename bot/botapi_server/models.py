"""State of the simulated Telegram: chats, messages, callback queries, transcript events."""

from __future__ import annotations

import asyncio
import copy
import time
from dataclasses import dataclass, field
from typing import Any

from .media import FileRec

Buttons = list[list[tuple[str, str | None]]]


@dataclass(eq=False)
class SimMessage:
    """One message in a chat, as the people in the chat see it.

    ``outgoing`` is True for messages the bot sent. ``text``/``caption`` are what is
    displayed (formatting removed, see ``entities``); ``raw_text`` is exactly what the bot
    sent together with ``parse_mode``. The live object changes on edits; ``history`` holds
    snapshots of the previous versions, oldest first.
    """

    chat_id: int
    message_id: int
    date: int
    outgoing: bool
    sender: dict[str, Any]
    chat: dict[str, Any]
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    raw_text: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    photo: list[FileRec] | None = None
    document: FileRec | None = None
    reply_to: SimMessage | None = None
    edit_date: int | None = None
    deleted: bool = False
    history: list[SimMessage] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- what a person sees
    @property
    def content(self) -> str:
        """text, or the caption of a photo/document ("" if none)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> Buttons:
        """Inline keyboard rows of (text, callback_data); callback_data is None for
        url/other buttons."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows]

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text, _ in row]

    @property
    def keyboard(self) -> list[list[str]] | None:
        """Reply keyboard (button texts) sent with this message, if any."""
        rows = (self.reply_markup or {}).get("keyboard")
        if rows is None:
            return None
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]

    @property
    def photo_bytes(self) -> bytes | None:
        return self.photo[-1].data if self.photo else None

    @property
    def document_bytes(self) -> bytes | None:
        return self.document.data if self.document else None

    @property
    def file_name(self) -> str | None:
        return self.document.file_name if self.document else None

    @property
    def mime_type(self) -> str | None:
        return self.document.mime_type if self.document else None

    @property
    def reply_to_message_id(self) -> int | None:
        return self.reply_to.message_id if self.reply_to else None

    @property
    def edited(self) -> bool:
        return bool(self.history)

    def find_button(self, key: str) -> tuple[str, str | None] | None:
        for row in self.buttons:
            for text, data in row:
                if key in (text, data):
                    return text, data
        return None

    def snapshot(self) -> SimMessage:
        snap = copy.copy(self)
        snap.history = list(self.history)
        snap.reply_markup = copy.deepcopy(self.reply_markup)
        return snap

    def to_api(self, with_reply: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"message_id": self.message_id, "from": self.sender,
                               "chat": self.chat, "date": self.date}
        if self.edit_date is not None:
            out["edit_date"] = self.edit_date
        if self.reply_to is not None and with_reply:
            out["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.text is not None:
            out["text"] = self.text
            if self.entities:
                out["entities"] = self.entities
        if self.photo:
            out["photo"] = [p.photo_size() for p in self.photo]
        if self.document:
            out["document"] = self.document.document()
        if self.caption is not None:
            out["caption"] = self.caption
            if self.caption_entities:
                out["caption_entities"] = self.caption_entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            out["reply_markup"] = {"inline_keyboard": self.reply_markup["inline_keyboard"]}
        out.update(self.extra)
        return out

    def __repr__(self) -> str:
        who = "bot" if self.outgoing else self.sender.get("first_name")
        kind = "photo" if self.photo else "document" if self.document else "text"
        flags = " deleted" if self.deleted else ""
        return (f"<SimMessage #{self.message_id} chat={self.chat_id} {who} {kind} "
                f"{self.content[:60]!r} buttons={self.button_texts}{flags}>")


@dataclass
class CallbackAnswer:
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass
class CallbackRec:
    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str | None
    created: float = field(default_factory=time.monotonic)
    answer: CallbackAnswer | None = None


@dataclass
class SimEvent:
    """A transcript line. direction "in" = a person acted towards the bot, "out" = the bot
    did something a person sees. kind: text, command, photo, document, press, join,
    block, unblock, migrate (in); send, edit, delete, answer, action (out)."""

    kind: str
    direction: str
    chat_id: int
    chat_title: str
    actor: str
    text: str = ""
    buttons: Buttons = field(default_factory=list)
    message_id: int | None = None
    data: str | None = None
    ts: float = field(default_factory=time.time)

    def __str__(self) -> str:
        if self.direction == "in":
            where = "" if self.actor == self.chat_title else f" @ {self.chat_title}"
            head = f"[{self.actor}{where}] →"
            body = {"press": f"(presses) [{self.text}]",
                    "photo": f"(photo) {self.text}".rstrip(),
                    "document": f"(file) {self.text}"}.get(self.kind, self.text)
            return f"{head} {body}"
        head = f"[bot → {self.chat_title}]"
        body = {"edit": f"(edits #{self.message_id}) {self.text}",
                "delete": f"(deletes #{self.message_id})",
                "answer": f"(answers button) {self.text}",
                "action": f"({self.text}...)"}.get(self.kind, self.text)
        if self.buttons:
            body += "  " + " / ".join(" ".join(f"[{t}]" for t, _ in row) for row in self.buttons)
        return f"{head} {body}"


class ChatState:
    """A chat the simulated Telegram knows: a private chat with a SimUser or a group."""

    def __init__(self, chat_id: int, type_: str, *, title: str | None = None,
                 first_name: str | None = None, last_name: str | None = None,
                 username: str | None = None):
        self.id = chat_id
        self.type = type_
        self.title = title
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.next_message_id = 1
        self.messages: dict[int, SimMessage] = {}
        self.bot_messages: list[SimMessage] = []
        self.edits: list[SimMessage] = []
        self.members: dict[int, str] = {}
        self.blocked = False
        self.started = False
        self.migrated_to: int | None = None
        self.bot_status = "member" if type_ == "private" else "administrator"
        self.keyboard: dict[str, Any] | None = None
        self.actions: list[str] = []
        self.menu_button: dict[str, Any] | None = None
        self.pinned: list[int] = []
        self._changed = asyncio.Event()

    @property
    def display_name(self) -> str:
        if self.type == "private":
            return " ".join(x for x in (self.first_name, self.last_name) if x)
        return self.title or str(self.id)

    def api_chat(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            out["first_name"] = self.first_name
            if self.last_name:
                out["last_name"] = self.last_name
        else:
            out["title"] = self.title
        if self.username:
            out["username"] = self.username
        return out

    def full_info(self) -> dict[str, Any]:
        out = self.api_chat()
        out.update({
            "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                    "unique_gifts": False, "premium_subscription": False,
                                    "gifts_from_channels": False},
        })
        if self.type != "private":
            out["permissions"] = {"can_send_messages": True, "can_send_photos": True,
                                  "can_send_documents": True, "can_invite_users": True}
        if self.pinned and self.pinned[-1] in self.messages:
            out["pinned_message"] = self.messages[self.pinned[-1]].to_api(with_reply=False)
        return out

    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass
