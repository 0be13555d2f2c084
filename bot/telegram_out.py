"""How a rendered notice becomes Telegram calls: a message, a photo with its caption, a file
made at send time, or an edit of a message sent before; with the fallbacks that keep the words
going out (mentions refused, a photo id that is not a photo, a message too old to edit).
bot/sender.py decides what to send when; this decides how.

Every call the bot makes (sends, edits, callback answers, getFile) passes the `Floodgate`: a 429
shuts it for the retry_after Telegram named, for the whole bot, since a 429 does not say whether
the chat or the bot was flooding. Long polling is not held: receiving goes on (the receiver
waits out a 429 of its own), and the inbox keeps what arrives until replies may go again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot import attachments
from bot.pacing import retry_seconds
from bot.render import Rendered, as_caption, caption_head, edited_caption

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EditTarget:
    """The message an edit row changes; None as a target: send the notice as a new message."""

    message_id: int
    photo: bool  # our best guess; the other kind is tried when Telegram says otherwise
    source_row: int | None = None  # the outbox row that sent it, for edit_outbox_id


class Poster:
    def __init__(self, bot: Bot, making: attachments.Making) -> None:
        self.bot = bot
        self.making = making  # what a file's builder needs (sessions, settings)

    async def pin(self, chat_id: int, message_id: int, payload: dict[str, Any]) -> None:
        """Pin a message just sent, silently, when its payload asks; the message stands
        whatever happens to the pin."""
        if not payload.get("pin"):
            return
        try:
            await self.bot.pin_chat_message(chat_id, message_id, disable_notification=True)
        except TelegramError as error:
            log.warning("message %s not pinned in %s (%s)", message_id, chat_id, error)

    async def post(self, chat_id: int, notice: Rendered) -> int:
        """Send a new message (a photo with its caption when the notice has one)."""
        try:
            return await self._post_once(chat_id, notice)
        except BadRequest as error:
            if not notice.entities or "entit" not in str(error).lower():
                raise
            # A mention Telegram would not take: the message matters more than the ping.
            log.warning("mentions refused in %s (%s); sending without them", chat_id, error)
            return await self._post_once(chat_id, replace(notice, entities=[]))

    async def _post_once(self, chat_id: int, notice: Rendered) -> int:
        if notice.attachment:
            sent = await self._post_file(chat_id, notice)
            if sent is not None:
                return sent
        elif notice.photo:
            sent = await self._post_photo(chat_id, notice)
            if sent is not None:
                return sent
        message = await self.bot.send_message(chat_id, notice.text, reply_markup=notice.markup,
                                              entities=notice.entities or None)
        return message.message_id

    async def _post_photo(self, chat_id: int, notice: Rendered) -> int | None:
        """The photo with the notice as caption; None when only the text should go out."""
        caption = as_caption(notice)
        try:
            if caption is not None:
                message = await self._photo(chat_id, notice.photo, caption.text,
                                            caption.markup, caption.entities)
                return message.message_id
            # Too long for a caption: the photo with the first line, the full text after it.
            await self._photo(chat_id, notice.photo, caption_head(notice), None, [])
            return None
        except BadRequest as error:
            if _gone(error) or "entit" in str(error).lower():
                raise
            # The file id is not a photo, or no longer valid: the words still matter.
            log.warning("photo %s not sent to %s (%s); sending the text", notice.photo,
                        chat_id, error)
            return None

    async def _post_file(self, chat_id: int, notice: Rendered) -> int | None:
        """Make the notice's file and send it with the notice as caption; None when the text
        should follow as its own message (too long for a caption, or the file failed)."""
        assert notice.attachment is not None
        try:
            made = await attachments.build(notice.attachment, notice.lang, self.making)
        except Exception:  # a bug in a builder must not hold the words back
            log.exception("attachment %s for %s could not be made", notice.attachment, chat_id)
            return None
        caption = as_caption(notice)
        text, markup, entities = ((caption.text, caption.markup, caption.entities) if caption
                                  else (caption_head(notice), None, []))
        upload = InputFile(made.data, filename=made.filename)
        send = self.bot.send_photo if made.as_photo else self.bot.send_document
        message = await send(chat_id, upload, caption=text, reply_markup=markup,
                             caption_entities=entities or None)
        return message.message_id if caption is not None else None

    async def _photo(self, chat_id: int, photo: str | None, caption: str, markup: Any,
                     entities: list[Any]) -> Any:
        try:
            return await self.bot.send_photo(chat_id, photo, caption=caption,
                                             reply_markup=markup,
                                             caption_entities=entities or None)
        except BadRequest as error:
            if "document" not in str(error).lower():
                raise
            # A picture a worker sent as a file has a document's file id.
            return await self.bot.send_document(chat_id, photo, caption=caption,
                                                reply_markup=markup,
                                                caption_entities=entities or None)

    async def edit(self, chat_id: int, target: EditTarget | None, notice: Rendered) -> int:
        if target is None or not target.message_id:
            return await self.post(chat_id, notice)
        try:
            return await self._edit_once(chat_id, target, notice)
        except BadRequest as error:
            if not notice.entities or "entit" not in str(error).lower():
                raise
            return await self._edit_once(chat_id, target, replace(notice, entities=[]))

    async def _edit_once(self, chat_id: int, target: EditTarget, notice: Rendered) -> int:
        kinds = (True, False) if target.photo else (False, True)
        for photo in kinds:
            try:
                if photo:
                    caption = edited_caption(notice)
                    await self.bot.edit_message_caption(
                        chat_id=chat_id, message_id=target.message_id, caption=caption.text,
                        reply_markup=caption.markup, caption_entities=caption.entities or None)
                else:
                    await self.bot.edit_message_text(
                        notice.text, chat_id=chat_id, message_id=target.message_id,
                        reply_markup=notice.markup, entities=notice.entities or None)
                return target.message_id
            except BadRequest as error:
                text = str(error).lower()
                if "not modified" in text:
                    return target.message_id
                if "no text in the message" in text or "no caption in the message" in text:
                    continue  # the other kind of message: try the other edit
                if _gone(error) or "entit" in text:
                    raise
                break
        # Too old or gone: say it in a new message instead.
        return await self.post(chat_id, notice)


def _gone(error: BadRequest) -> bool:
    """The chat itself is gone: retrying as another kind of message will not help."""
    return "chat not found" in str(error).lower()


class Floodgate(BaseRateLimiter[None]):
    """PTB's hook around every Bot API call but getUpdates: after a 429 no call starts until
    its retry_after has passed, and then one call goes first, alone, to find out whether the
    flood is over. (Without that one, every call held back would go at the same moment and
    meet the next 429 together.)"""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or (lambda: asyncio.get_running_loop().time())
        self.shut_until = 0.0
        self.reopening = False  # a window has passed and no call has gone through since
        self.probe: asyncio.Event | None = None  # set when the call that went first is back
        self.floods = 0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def shut(self, seconds: float) -> None:
        """Telegram said to wait: nothing goes for `seconds` from now."""
        self.floods += 1
        self.shut_until = max(self.shut_until, self.clock() + seconds)
        self.reopening = True

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]],
                              args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: None) -> Any:
        first = await self._wait_turn()
        try:
            result = await callback(*args, **kwargs)
        except RetryAfter as error:
            self.shut(retry_seconds(error.retry_after))
            log.info("%s: 429, no calls for %ss", endpoint, error.retry_after)
            raise
        finally:
            if first:
                assert self.probe is not None
                self.probe.set()
                self.probe = None
        return result

    async def _wait_turn(self) -> bool:
        """Wait until a call may start; True when it is the one that goes first."""
        while True:
            closed = self.shut_until - self.clock()
            if closed > 0:
                await asyncio.sleep(closed)
            elif self.probe is not None:
                await self.probe.wait()
            elif self.reopening:
                self.reopening = False
                self.probe = asyncio.Event()
                return True
            else:
                return False
