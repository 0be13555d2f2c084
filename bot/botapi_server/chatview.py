"""What the people in one chat see of the bot, and the waiting helpers tests use."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

from .markup import detect_entities, u16len
from .methods_common import member_json, new_message, store_document, store_photo
from .models import CallbackAnswer, CallbackRec, ChatState, SimEvent, SimMessage

if TYPE_CHECKING:
    from .server import LocalBotApi
    from .sim import SimUser

Predicate = Union[None, str, "re.Pattern[str]", Callable[[SimMessage], bool]]


class SimTimeout(TimeoutError):
    """Nothing matching arrived in time; the message says what did arrive."""


def _matcher(pred: Predicate) -> Callable[[SimMessage], bool]:
    if pred is None:
        return lambda m: True
    if isinstance(pred, str):
        return lambda m: pred in m.content
    if isinstance(pred, re.Pattern):
        return lambda m: bool(pred.search(m.content))
    return pred


class ChatView:
    """What the people in one chat see of the bot. Shared by SimUser (private chat) and
    SimGroup. Cursors make wait_message/wait_edit return each bot message/edit once."""

    server: LocalBotApi
    chat: ChatState

    def _init_view(self) -> None:
        self._cursor = 0
        self._edit_cursor = 0

    # ---- looking
    @property
    def messages(self) -> list[SimMessage]:
        """Bot messages in this chat, oldest first, without deleted ones (live objects)."""
        return [m for m in self.chat.bot_messages if not m.deleted]

    @property
    def all_messages(self) -> list[SimMessage]:
        """Every message in the chat, both directions, deleted ones included."""
        return list(self.chat.messages.values())

    @property
    def last_message(self) -> SimMessage | None:
        visible = self.messages
        return visible[-1] if visible else None

    @property
    def keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown (None if none / removed)."""
        markup = self.chat.keyboard
        if not markup:
            return None
        return [[b if isinstance(b, str) else b.get("text", "") for b in row]
                for row in markup.get("keyboard", [])]

    @property
    def actions(self) -> list[str]:
        """sendChatAction actions seen in this chat, in order."""
        return list(self.chat.actions)

    def message(self, message_id: int) -> SimMessage:
        return self.chat.messages[message_id]

    def inbox(self) -> list[SimMessage]:
        """Bot messages not consumed yet by wait_message/drain (not consuming them)."""
        return self.chat.bot_messages[self._cursor:]

    def drain(self) -> list[SimMessage]:
        """Consume and return every not-yet-consumed bot message."""
        out = self.inbox()
        self._cursor = len(self.chat.bot_messages)
        return out

    # ---- waiting
    def _timeout(self, what: str, timeout: float, seen: list[SimMessage]) -> SimTimeout:
        errors = [f"{r.method} {r.status} {r.description}" for r in list(self.server.requests)
                  if r.status != 200 and str(r.params.get("chat_id")) == str(self.chat.id)][-5:]
        return SimTimeout(
            f"{what} in chat {self.chat.display_name!r} ({self.chat.id}) within {timeout}s; "
            f"seen meanwhile: {seen!r}; bot API errors in this chat: {errors}")

    async def wait_message(self, predicate: Predicate = None, timeout: float = 5.0) -> SimMessage:
        """The next bot message after the last consumed one (or the first later one that
        matches ``predicate``: a substring of text/caption, a regex, or a callable). Skipped
        and returned messages count as consumed (nothing is consumed on timeout).
        Raises SimTimeout."""
        match = _matcher(predicate)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            msgs = self.chat.bot_messages
            for i in range(self._cursor, len(msgs)):
                if match(msgs[i]):
                    self._cursor = i + 1
                    return msgs[i]
            remaining = deadline - loop.time()
            if remaining <= 0:
                what = "no bot message" + (f" matching {predicate!r}" if predicate else "")
                raise self._timeout(what, timeout, msgs[self._cursor:])
            await self.chat.wait_change(remaining)

    async def wait_messages(self, count: int, timeout: float = 5.0) -> list[SimMessage]:
        """The next ``count`` bot messages."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        return [await self.wait_message(timeout=max(deadline - loop.time(), 0.0))
                for _ in range(count)]

    async def wait_edit(self, predicate: Predicate = None, message: SimMessage | int | None = None,
                        timeout: float = 5.0) -> SimMessage:
        """The next edit of a bot message (optionally only of ``message``) after the last
        consumed edit, as a snapshot of the message right after that edit."""
        match = _matcher(predicate)
        mid = message.message_id if isinstance(message, SimMessage) else message
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        start = self._edit_cursor
        while True:
            edits = self.chat.edits
            for i in range(self._edit_cursor, len(edits)):
                snap = edits[i]
                if (mid is None or snap.message_id == mid) and match(snap):
                    self._edit_cursor = i + 1
                    return snap
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise self._timeout("no edit" + (f" of #{mid}" if mid else "")
                                    + (f" matching {predicate!r}" if predicate else ""),
                                    timeout, edits[start:])
            await self.chat.wait_change(remaining)

    async def wait_answer(self, callback_id: str, timeout: float = 5.0) -> CallbackAnswer:
        """The bot's answerCallbackQuery for a press."""
        rec = self.server.callbacks[callback_id]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while rec.answer is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise self._timeout(f"no answerCallbackQuery for {callback_id} "
                                    f"(data={rec.data!r})", timeout, self.inbox())
            await self.chat.wait_change(remaining)
        return rec.answer

    async def assert_no_message(self, within: float = 0.3) -> None:
        """Wait ``within`` seconds and fail if the bot sent anything unconsumed."""
        await asyncio.sleep(within)
        if self.inbox():
            raise AssertionError(f"unexpected bot messages: {self.inbox()!r}")

    # ---- acting (shared implementation; public wrappers in SimUser / SimGroup)
    def _check_open(self) -> None:
        if self.chat.migrated_to is not None:
            raise RuntimeError(f"chat {self.chat.id} was migrated to {self.chat.migrated_to}")

    def _post(self, user: SimUser, kind: str, shown: str, **fields: Any) -> SimMessage:
        self._check_open()
        if self.chat.type == "private":
            if self.chat.blocked:
                set_blocked(self.server, self.chat.id, False, True)
            self.chat.started = True
        elif self.chat.members.get(user.id) in (None, "left", "kicked"):
            self.chat.members[user.id] = "member"  # only members can post
        msg = new_message(self.server, self.chat, outgoing=False, sender=user.to_dict(),
                          **fields)
        self.server.emit(SimEvent(kind, "in", self.chat.id, self.chat.display_name, user.name,
                                  shown, [], msg.message_id))
        if self._bot_sees(msg):
            self.server.push_update({"message": msg.to_api()})
        return msg

    def _bot_sees(self, msg: SimMessage) -> bool:
        """Telegram's privacy mode: a group bot that is not an admin only gets commands,
        replies to its own messages, mentions of it and service messages."""
        server, chat = self.server, self.chat
        if (chat.type == "private" or not server.privacy_mode
                or chat.bot_status in ("administrator", "creator")):
            return True
        if msg.extra and "contact" not in msg.extra:
            return True  # service message
        if msg.reply_to is not None and msg.reply_to.outgoing:
            return True
        content = msg.content
        entities = msg.entities or msg.caption_entities
        if any(e["type"] == "bot_command" and e["offset"] == 0 for e in entities):
            head = content.split()[0]
            return "@" not in head or head.lower().endswith("@" + server.bot_username.lower())
        return f"@{server.bot_username}".lower() in content.lower()

    def _reply(self, reply_to: SimMessage | int | None) -> SimMessage | None:
        if reply_to is None:
            return None
        return reply_to if isinstance(reply_to, SimMessage) else self.chat.messages[reply_to]

    def _send_text(self, user: SimUser, text: str, reply_to: Any = None,
                   kind: str = "text") -> SimMessage:
        return self._post(user, kind, text, text=text, entities=detect_entities(text),
                          reply_to=self._reply(reply_to))

    def _command(self, user: SimUser, command: str, arg: str | None,
                 mention: bool = False) -> SimMessage:
        cmd = command if command.startswith("/") else f"/{command}"
        if mention and "@" not in cmd:
            cmd = f"{cmd}@{self.server.bot_username}"
        text = f"{cmd} {arg}" if arg else cmd
        entities = [{"type": "bot_command", "offset": 0, "length": u16len(cmd)}]
        entities += [e for e in detect_entities(text) if e["offset"] > 0]
        return self._post(user, "command", text, text=text, entities=entities)

    def _send_photo(self, user: SimUser, data: bytes, caption: str | None) -> SimMessage:
        sizes = store_photo(self.server, data)
        return self._post(user, "photo", caption or "", photo=sizes, caption=caption,
                          caption_entities=detect_entities(caption) if caption else [])

    def _send_document(self, user: SimUser, data: bytes, filename: str,
                       mime_type: str | None, caption: str | None) -> SimMessage:
        rec = store_document(self.server, data, filename, mime_type)
        return self._post(user, "document", f"{filename} {caption or ''}".strip(), document=rec,
                          caption=caption,
                          caption_entities=detect_entities(caption) if caption else [])

    def _find_button(self, key: str, message: SimMessage | int | None) -> SimMessage | None:
        if message is not None:
            msg = message if isinstance(message, SimMessage) else self.chat.messages[message]
            msg = self.chat.messages[msg.message_id]  # the live version
            if msg.deleted or msg.find_button(key) is None:
                raise LookupError(f"no button {key!r} on {msg!r}")
            return msg
        for msg in reversed(self.chat.bot_messages):
            if not msg.deleted and msg.find_button(key) is not None:
                return msg
        return None

    def _press(self, user: SimUser, key: str, message: SimMessage | int | None) -> str | None:
        self._check_open()
        msg = self._find_button(key, message)
        if msg is None:
            kb = self.keyboard or []
            if any(key == text for row in kb for text in row):
                if (self.chat.keyboard or {}).get("one_time_keyboard"):
                    self.chat.keyboard = None
                self._send_text(user, key)
                return None
            raise LookupError(f"no button {key!r} in chat {self.chat.display_name!r}; "
                              f"buttons: {[m.button_texts for m in self.messages]}, "
                              f"keyboard: {kb}")
        text, data = msg.find_button(key)  # type: ignore[misc]
        if data is None:
            raise LookupError(f"button {text!r} has no callback_data (url/other button)")
        server = self.server
        cid = str(4_100_000_000_000_000_000 + server.next_seq())
        server.callbacks[cid] = CallbackRec(cid, self.chat.id, msg.message_id, user.id, data)
        server.emit(SimEvent("press", "in", self.chat.id, self.chat.display_name, user.name,
                             text, [], msg.message_id, data))
        server.push_update({"callback_query": {
            "id": cid, "from": user.to_dict(), "message": msg.to_api(),
            "chat_instance": str(abs(self.chat.id) * 2654435761 % (2 ** 63)), "data": data}})
        return cid



def _acting_user(server: LocalBotApi, chat: ChatState) -> dict[str, Any]:
    for status in ("creator", "administrator", "member"):
        for uid, st in chat.members.items():
            if st == status and uid in server.users:
                return server.users[uid].to_dict()
    return {"id": 777000, "is_bot": False, "first_name": "Telegram"}


def set_blocked(server: LocalBotApi, chat_id: int, blocked: bool, notify: bool) -> None:
    chat = server.chats.get(chat_id)
    if chat is None:
        raise KeyError(f"unknown chat {chat_id}")
    if chat.blocked == blocked:
        return
    chat.blocked = blocked
    if chat.type == "private":
        actor = server.users[chat_id].to_dict()
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
    else:
        actor = _acting_user(server, chat)
        old, new = (chat.bot_status, "kicked") if blocked else ("kicked", chat.bot_status)
    server.emit(SimEvent("block" if blocked else "unblock", "in", chat.id, chat.display_name,
                         actor.get("first_name", ""),
                         "(blocks the bot)" if blocked else "(unblocks the bot)"))
    if notify:
        server.push_update({"my_chat_member": {
            "chat": chat.api_chat(), "from": actor, "date": server.now(),
            "old_chat_member": member_json(server.bot_user(), old),
            "new_chat_member": member_json(server.bot_user(), new)}})


