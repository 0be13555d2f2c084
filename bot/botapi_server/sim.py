"""Simulated people and groups that talk to the bot through a LocalBotApi.

Every action a SimUser takes becomes an update the bot receives via getUpdates, shaped
like the update a real Telegram client would cause (entities included). What the bot
sends is stored per chat and can be awaited (wait_message / wait_edit / wait_answer).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .chatview import ChatView, SimTimeout, _acting_user, set_blocked
from .markup import detect_entities
from .methods_common import member_json, new_message
from .models import ChatState, SimEvent, SimMessage

if TYPE_CHECKING:
    from .server import LocalBotApi

__all__ = ["ChatView", "SimGroup", "SimTimeout", "SimUser", "migrate", "set_blocked"]


class SimUser(ChatView):
    """A Telegram user; ``chat`` is the private chat with the bot (chat id == user id)."""

    def __init__(self, server: LocalBotApi, user_id: int, first_name: str,
                 last_name: str | None = None, username: str | None = None,
                 language_code: str | None = "zh"):
        self.server = server
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.chat = ChatState(user_id, "private", first_name=first_name, last_name=last_name,
                              username=username)
        server.chats[user_id] = self.chat
        self._init_view()

    @property
    def name(self) -> str:
        return " ".join(x for x in (self.first_name, self.last_name) if x)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        return out

    async def send_text(self, text: str, reply_to: SimMessage | int | None = None) -> SimMessage:
        """Type a message (entities for /commands, @mentions, urls are attached)."""
        msg = self._send_text(self, text, reply_to)
        await asyncio.sleep(0)
        return msg

    async def command(self, command: str, arg: str | None = None) -> SimMessage:
        """Send "/command arg" with a bot_command entity at offset 0."""
        msg = self._command(self, command, arg)
        await asyncio.sleep(0)
        return msg

    async def send_photo(self, data: bytes, caption: str | None = None) -> SimMessage:
        """Send a photo; stored as Telegram does (90/320/800 px thumbnails + the photo
        capped at 1280 px, largest last). ValueError if ``data`` is not an image."""
        msg = self._send_photo(self, data, caption)
        await asyncio.sleep(0)
        return msg

    async def send_document(self, data: bytes, filename: str, mime_type: str | None = None,
                            caption: str | None = None) -> SimMessage:
        msg = self._send_document(self, data, filename, mime_type, caption)
        await asyncio.sleep(0)
        return msg

    async def send_contact(self, phone_number: str) -> SimMessage:
        """Share the own contact (what a request_contact keyboard button does)."""
        contact = {"phone_number": phone_number, "first_name": self.first_name,
                   "user_id": self.id}
        if self.last_name:
            contact["last_name"] = self.last_name
        msg = self._post(self, "text", f"(contact {phone_number})", extra={"contact": contact})
        await asyncio.sleep(0)
        return msg

    async def send_other(self, fields: dict[str, Any], text: str | None = None) -> SimMessage:
        """Send a message of a kind with no verb here (a sticker, a voice note, a location, a
        forward): ``fields`` as the Bot API names them, with ``text`` if it has one."""
        shown = text or "(" + ", ".join(fields) + ")"
        msg = (self._post(self, "text", shown, text=text, entities=detect_entities(text),
                          extra=fields) if text is not None
               else self._post(self, "text", shown, extra=fields))
        await asyncio.sleep(0)
        return msg

    async def edit_text(self, message: SimMessage | int, text: str) -> SimMessage:
        """Edit an own text message (the bot gets an edited_message update)."""
        msg = message if isinstance(message, SimMessage) else self.chat.messages[message]
        msg.history.append(msg.snapshot())
        msg.text, msg.entities, msg.edit_date = text, detect_entities(text), self.server.now()
        self.server.emit(SimEvent("text", "in", self.chat.id, self.chat.display_name, self.name,
                                  f"(edits #{msg.message_id}) {text}", [], msg.message_id))
        self.server.push_update({"edited_message": msg.to_api()})
        await asyncio.sleep(0)
        return msg

    async def press(self, button: str, message: SimMessage | int | None = None) -> str | None:
        """Press an inline button (by text or callback_data) on ``message`` or on the latest
        bot message that has it; returns the new callback query id. If no inline button
        matches but the reply keyboard has that text, the text is sent and None returned.
        LookupError if there is no such button."""
        cid = self._press(self, button, message)
        await asyncio.sleep(0)
        return cid

    def block(self) -> None:
        self.server.block_chat(self.id)

    def unblock(self) -> None:
        self.server.unblock_chat(self.id)

    def __repr__(self) -> str:
        return f"<SimUser {self.id} {self.name!r}>"


class SimGroup(ChatView):
    """A group or supergroup with the bot in it. Actions name the acting SimUser."""

    def __init__(self, server: LocalBotApi, chat_id: int, title: str, type_: str = "supergroup",
                 *, bot_status: str = "administrator"):
        if type_ not in ("group", "supergroup"):
            raise ValueError("type must be 'group' or 'supergroup'")
        self.server = server
        self.id = chat_id
        self.title = title
        self.type = type_
        self.chat = ChatState(chat_id, type_, title=title)
        self.chat.bot_status = bot_status
        server.chats[chat_id] = self.chat
        self.migrated_to: SimGroup | None = None
        self._init_view()

    @property
    def members(self) -> dict[int, str]:
        return dict(self.chat.members)

    def add_member(self, user: SimUser, status: str = "member", announce: bool = False) -> None:
        """Add ``user`` (status: creator/administrator/member/restricted/left/kicked). With
        announce=True the bot gets the new_chat_members service message."""
        member_json(user.to_dict(), status)  # validates status
        self.chat.members[user.id] = status
        if announce:
            self._post(user, "join", "(joins the group)",
                       extra={"new_chat_members": [user.to_dict()]})

    async def send_text(self, user: SimUser, text: str,
                        reply_to: SimMessage | int | None = None) -> SimMessage:
        msg = self._send_text(user, text, reply_to)
        await asyncio.sleep(0)
        return msg

    async def command(self, user: SimUser, command: str, arg: str | None = None,
                      mention: bool = False) -> SimMessage:
        """"/command arg" (as "/command@botname arg" when mention=True)."""
        msg = self._command(user, command, arg, mention)
        await asyncio.sleep(0)
        return msg

    async def send_photo(self, user: SimUser, data: bytes,
                         caption: str | None = None) -> SimMessage:
        msg = self._send_photo(user, data, caption)
        await asyncio.sleep(0)
        return msg

    async def send_document(self, user: SimUser, data: bytes, filename: str,
                            mime_type: str | None = None,
                            caption: str | None = None) -> SimMessage:
        msg = self._send_document(user, data, filename, mime_type, caption)
        await asyncio.sleep(0)
        return msg

    async def press(self, user: SimUser, button: str,
                    message: SimMessage | int | None = None) -> str | None:
        cid = self._press(user, button, message)
        await asyncio.sleep(0)
        return cid

    def __repr__(self) -> str:
        return f"<SimGroup {self.id} {self.title!r} {self.type}>"


# ------------------------------------------------------------------ server-side actions

def migrate(server: LocalBotApi, chat_id: int, new_chat_id: int, notify: bool) -> SimGroup:
    old = server.groups.get(chat_id)
    if old is None:
        raise KeyError(f"unknown group {chat_id}")
    new = SimGroup(server, new_chat_id, old.title, "supergroup", bot_status=old.chat.bot_status)
    new.chat.members = dict(old.chat.members)
    server.groups[new_chat_id] = new
    actor = _acting_user(server, old.chat)
    if notify:
        for chat, extra in ((old.chat, {"migrate_to_chat_id": new_chat_id}),
                            (new.chat, {"migrate_from_chat_id": chat_id})):
            msg = new_message(server, chat, outgoing=False, sender=actor, extra=extra)
            server.push_update({"message": msg.to_api()})
    old.chat.migrated_to = new_chat_id
    old.migrated_to = new
    server.emit(SimEvent("migrate", "in", chat_id, old.title, actor.get("first_name", ""),
                         f"(group upgraded to supergroup {new_chat_id})"))
    return new
