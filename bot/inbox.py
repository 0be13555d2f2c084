"""Inbound, nothing lost and applied once.

The receiver long-polls getUpdates itself and writes each raw update to the inbox table; only
after that commit does it ask for the next batch, which is what confirms the previous one to
Telegram. (In webhook mode the route handlers/web/telegram_webhook.py stores them the same way
and answers 200 after the commit.) The processor feeds stored updates to the PTB Application,
one transaction per update: the handler's effects, its outbox messages and the update's
idempotency key commit together. On start it finishes whatever the inbox still holds, so
`kill -9` at any point loses nothing and applies nothing twice.

When the database is away (locked by another process, the disk full, the connection dropped),
both wait and try again (domain.db.DatabaseHealth logs the outage once, with what is wrong):
the receiver confirms nothing it could not store, so Telegram keeps those updates, and tells
each person who writes meanwhile, once, that the message will be handled (OutageNotices); the
processor leaves the update where it is, without counting the failure against it.

Several processes share one inbox (webhook mode on PostgreSQL): each scans it, and an update is
claimed inside its processing transaction (`FOR UPDATE SKIP LOCKED`). Not got means applied
already (go on) or held by another process right now: this chat's lane stops there, so a chat's
updates still apply one after another, in order. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import warnings
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, CallbackContext
from telegram.warnings import PTBUserWarning

from bot.i18n import DEFAULT_ZONE, render_text
from bot.metrics import count
from bot.pacing import Bucket, nap, retry_seconds
from domain.db import DatabaseHealth, lost_to_another_writer, rows_changed
from domain.models import InboxUpdate, ProcessedUpdate
from domain.models.base import utcnow
from domain.notifications import Notice, enqueue
from domain.registration import person_for_account
from domain.reporting import ConcurrentChange
from handlers.telegram.common import language_of
from handlers.telegram.scope import UpdateScope, current_scope

log = logging.getLogger(__name__)

# We call getUpdates through do_api_request on purpose: it returns the raw JSON we store.
warnings.filterwarnings("ignore", message="Please use 'Bot.get_updates'", category=PTBUserWarning)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_ATTEMPTS = 5
TELEGRAM_PATIENCE = 600.0  # seconds a photo may wait for Telegram to hand its file over
# A chat whose update failed, or is held by another process, is looked at again after this.
LANE_REST = 0.2
# Updates that could not be stored for a reason other than the database being away (a bug):
# asked for again after this many seconds.
STORE_RETRY = 5.0


def chat_of(raw: dict[str, Any]) -> int | None:
    for kind in ("message", "edited_message", "channel_post"):
        if kind in raw:
            return int(raw[kind]["chat"]["id"])
    if "callback_query" in raw:
        query = raw["callback_query"]
        message = query.get("message")
        return int(message["chat"]["id"]) if message else int(query["from"]["id"])
    if "my_chat_member" in raw:
        return int(raw["my_chat_member"]["chat"]["id"])
    return None


async def store_updates(sessions: async_sessionmaker[AsyncSession],
                        raws: list[dict[str, Any]]) -> None:
    """Write raw updates to the inbox; a redelivered one is already there and stays as it was."""
    if not raws:
        return
    rows = [{"update_id": int(r["update_id"]), "chat_id": chat_of(r),
             "payload": json.dumps(r, ensure_ascii=False), "received_at": utcnow(),
             "attempts": 0} for r in raws]
    async with sessions() as session, session.begin():
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        await session.execute(insert(InboxUpdate).values(rows).on_conflict_do_nothing())


class OutageNotices:
    """While the database is away, a person who writes to the bot in private is told once per
    outage that the message arrived and will be handled: else they send it again, and a report
    sent twice counts twice. Sent straight to the Bot API (the outbox is in the database), so
    best effort and paced: whoever is not told now may be at the next try."""

    def __init__(self, bot: Bot, health: DatabaseHealth, default_lang: str = "zh",
                 per_second: float = 10.0) -> None:
        self.bot = bot
        self.health = health
        self.default_lang = default_lang
        self.pace = Bucket(per_second, per_second)
        self.outage = -1.0  # DatabaseHealth.began of the outage `told` is about
        self.told: set[int] = set()
        self.sending: set[asyncio.Task[None]] = set()

    def tell(self, raws: list[dict[str, Any]]) -> None:
        if self.outage != self.health.began:
            self.outage, self.told = self.health.began, set()
        for raw in raws:
            message = raw.get("message") or {}
            chat = message.get("chat") or {}
            if chat.get("type") != "private" or chat["id"] in self.told:
                continue
            if self.pace.wait_time() > 0:
                return
            self.pace.take()
            self.told.add(chat["id"])
            code = (message.get("from") or {}).get("language_code") or ""
            lang = ("zh" if code.lower().startswith("zh") else "en") if code \
                else self.default_lang
            task = asyncio.get_running_loop().create_task(
                self._send(chat["id"], render_text("errors.storage_away", lang)))
            self.sending.add(task)
            task.add_done_callback(self.sending.discard)

    async def _send(self, chat_id: int, text: str) -> None:
        try:
            await self.bot.send_message(chat_id, text)
        except TelegramError as error:
            log.info("could not tell chat %s about the outage: %s", chat_id, error)


class Receiver:
    """Our own getUpdates loop (PTB's stock polling confirms before the handlers ran)."""

    def __init__(self, application: Application, sessions: async_sessionmaker[AsyncSession],
                 on_stored: Callable[[], None], poll_timeout: int = 25,
                 health: DatabaseHealth | None = None,
                 notices: OutageNotices | None = None) -> None:
        self.application = application
        self.sessions = sessions
        self.on_stored = on_stored
        self.poll_timeout = poll_timeout
        self.health = health or DatabaseHealth()
        self.notices = notices
        self.offset: int | None = None

    async def run(self) -> None:
        bot = self.application.bot
        backoff = 1.0
        while True:
            try:
                params: dict[str, Any] = {"timeout": self.poll_timeout,
                                          "allowed_updates": ALLOWED_UPDATES}
                if self.offset is not None:
                    params["offset"] = self.offset
                raws = await bot.do_api_request(
                    "get_updates", api_kwargs=params,
                    read_timeout=self.poll_timeout + 10)
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error.retry_after))
                continue
            except (NetworkError, TelegramError) as error:
                log.warning("getUpdates failed (%s); retrying in %.0fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            backoff = 1.0
            if not raws:
                continue
            if self.health.down and self.notices is not None:
                self.notices.tell(raws)  # before the store waits for the database again
            if not await self._store(list(raws)):
                # The offset stays: Telegram keeps them and hands them out again next time.
                await asyncio.sleep(self.health.retry_delay() if self.health.down
                                    else STORE_RETRY)
                continue
            # Only now may Telegram forget them: the next call carries this offset.
            self.offset = max(int(r["update_id"]) for r in raws) + 1
            self.on_stored()

    async def _store(self, raws: list[dict[str, Any]]) -> bool:
        try:
            await store_updates(self.sessions, raws)
        except Exception as error:  # whatever it is, the updates stay at Telegram
            if self.health.failed(error, "receiver") is None:
                log.exception("could not store %d updates; they stay unconfirmed", len(raws))
            elif self.notices is not None:
                self.notices.tell(raws)
            return False
        self.health.written()
        return True


class Processor:
    """Applies stored updates: in order within a chat, chats side by side."""

    def __init__(self, application: Application, sessions: async_sessionmaker[AsyncSession],
                 on_committed: Callable[[], None], lanes: int = 8,
                 default_lang: str = "zh", health: DatabaseHealth | None = None,
                 zone: ZoneInfo = DEFAULT_ZONE) -> None:
        self.application = application
        self.default_lang = default_lang
        self.zone = zone  # times in callback answers are shown in the factory's zone
        self.sessions = sessions
        self.on_committed = on_committed
        self.lanes = lanes
        self.health = health or DatabaseHealth()
        self.telegram_patience = TELEGRAM_PATIENCE
        self.wakeup = asyncio.Event()

    def wake(self) -> None:
        self.wakeup.set()

    async def run(self) -> None:
        """Keep up to `lanes` chats in progress; a chat's updates run one after another."""
        busy: dict[int | None, asyncio.Task[None]] = {}
        slots = asyncio.Semaphore(self.lanes)
        while True:
            if self.health.down:  # lanes that met the outage come back at once: pace them
                await asyncio.sleep(self.health.retry_delay())
            self.wakeup.clear()
            try:
                pending = await self._pending(exclude=set(busy))
            except Exception as error:
                if self.health.failed(error, "inbox processor") is None:
                    log.exception("could not read the inbox")
                await asyncio.sleep(self.health.retry_delay())
                continue
            for chat_id, updates in pending.items():
                busy[chat_id] = asyncio.get_running_loop().create_task(
                    self._lane(updates, slots))
                busy[chat_id].add_done_callback(
                    lambda _task, chat=chat_id: (busy.pop(chat, None), self.wake()))
            await nap(self.wakeup, 1.0)

    async def drain(self) -> None:
        """Process everything stored now (for tools and benchmarks without the run loop)."""
        slots = asyncio.Semaphore(self.lanes)
        while pending := await self._pending(exclude=set()):
            await asyncio.gather(*(self._lane(u, slots) for u in pending.values()))
            if self.health.down:
                await asyncio.sleep(self.health.retry_delay())

    async def _pending(self, exclude: set[int | None],
                       batch: int = 1000) -> dict[int | None, list[tuple[int, str]]]:
        async with self.sessions() as session:
            rows = (await session.execute(
                select(InboxUpdate.update_id, InboxUpdate.chat_id, InboxUpdate.payload)
                .where(InboxUpdate.processed_at.is_(None))
                .order_by(InboxUpdate.update_id).limit(batch))).all()
        by_chat: dict[int | None, list[tuple[int, str]]] = defaultdict(list)
        for update_id, chat_id, payload in rows:
            if chat_id not in exclude:
                by_chat[chat_id].append((update_id, payload))
        return by_chat

    async def _lane(self, updates: list[tuple[int, str]], slots: asyncio.Semaphore) -> None:
        async with slots:
            for update_id, payload in updates:
                if not await self.process(update_id, payload):
                    break
            else:
                return
        # Keep the chat's order: its later updates wait until this one went through.
        await asyncio.sleep(LANE_REST)

    async def process(self, update_id: int, payload: str) -> bool:
        """Apply one stored update; False when it failed (to be retried) or another process
        holds it right now."""
        key = f"u:{update_id}"
        for attempt in range(5):
            try:
                outcome = await self._apply(update_id, key, payload)
                break
            except ConcurrentChange:
                # Somebody changed the task meanwhile: read again and re-apply, after a random
                # pause, so that the losers of one race do not all meet again in the next.
                await asyncio.sleep(random.uniform(0, 0.02 * 2 ** attempt))
        else:
            outcome = _FAILED
        if outcome is _FAILED or outcome is _HELD or outcome is _AWAY:
            return False
        if outcome is _DONE:
            return True
        self.health.written()
        if outcome is not None:
            await self._answer_callback(*outcome)
        count("updates_handled")
        self.on_committed()
        return True

    async def _apply(self, update_id: int, key: str, payload: str) -> Any:
        try:
            update = Update.de_json(json.loads(payload), self.application.bot)
        except Exception as error:  # reading it again would fail again
            log.warning("update %s cannot be read (%s: %s); set aside", update_id,
                        type(error).__name__, error)
            count("updates_unreadable")
            return await self._set_aside(update_id, payload, f"unreadable: {_named(error)}",
                                         "update.unreadable")
        now = utcnow()
        async with self.sessions() as session:
            scope = UpdateScope(session=session, key=key, now=now)
            token = current_scope.set(scope)
            try:
                async with session.begin():
                    # On SQLite (one process, one lane per chat) the conditional mark below is
                    # the claim: a claim first would take the one write lock and hold it
                    # through a photo's download and decode.
                    if session.bind.dialect.name != "sqlite":
                        claim = await _claim(session, update_id)
                        if claim is not None:
                            return claim  # applied already, or another process is at it
                    await self.application.process_update(update)
                    if scope.failure is not None:
                        raise scope.failure
                    # Conditional: if the update was applied meanwhile, drop these effects.
                    claimed = await rows_changed(session,
                        update_inbox(update_id, processed_at=now)
                        .where(InboxUpdate.processed_at.is_(None)))
                    if claimed != 1:
                        raise _AlreadyApplied
                    session.add(ProcessedUpdate(key=key, processed_at=now))
            except _AlreadyApplied:
                return _DONE
            except ConcurrentChange:
                raise
            except Exception as error:
                if lost_to_another_writer(error):  # a deadlock: run it again, like a change
                    raise ConcurrentChange(update_id) from error
                if self.health.failed(error, "inbox processor") is not None:
                    return _AWAY  # not the update's fault: no attempt used up
                if _telegram_away(error):  # getFile met a 429, a 5xx or no answer
                    if await self._waited_too_long(update_id):
                        log.warning("update %s: Telegram would not hand over its file for %s s "
                                    "(%s); set aside", update_id, self.telegram_patience, error)
                        return await self._set_aside(update_id, payload,
                                                     f"gave up waiting: {_named(error)}",
                                                     "scan.telegram_gave_up")
                    count("updates_waiting_for_telegram")  # /metrics shows how often
                    log.debug("update %s waits for Telegram (%s)", update_id, error)
                    return _AWAY
                await self._failed(update_id, error)
                return _FAILED
            finally:
                current_scope.reset(token)
        query = update.callback_query
        if query is None:
            return None
        notice, lang = scope.callback_answer or (None, self.default_lang)
        text = render_text(notice.key, lang, notice.params, self.zone) if notice else ""
        return query.id, text, bool(scope.extra.get("alert"))

    async def _set_aside(self, update_id: int, payload: str, reason: str, key: str) -> Any:
        """Mark an update done without applying it, `reason` kept for the operator; whoever
        wrote it in private is told `key` in their language. None once done, like an applied
        update."""
        try:
            async with self.sessions() as session, session.begin():
                row = await session.get(InboxUpdate, update_id)
                if row is None or row.processed_at is not None:
                    return _DONE
                row.processed_at, row.error = utcnow(), reason[:2000]
                if row.chat_id is not None and row.chat_id > 0:  # a private chat: a person
                    person = await person_for_account(session, row.chat_id)
                    lang = language_of(person, _language_code(payload), self.default_lang)
                    enqueue(session, row.chat_id, Notice(key), lang=lang)
        except Exception as again:
            if self.health.failed(again, "inbox processor") is not None:
                return _AWAY
            await self._failed(update_id, again)
            return _FAILED
        return None

    async def _waited_too_long(self, update_id: int) -> bool:
        """A file Telegram has not handed over for `telegram_patience` seconds since the update
        arrived (one file id it keeps failing, say) no longer holds the chat's later updates."""
        async with self.sessions() as session:
            received = await session.scalar(select(InboxUpdate.received_at)
                                            .where(InboxUpdate.update_id == update_id))
        return received is not None and \
            (utcnow() - received).total_seconds() >= self.telegram_patience

    async def _answer_callback(self, query_id: str, text: str, alert: bool = False) -> None:
        # Answered right after the commit: the spinner stops and the answer tells the truth.
        # An alert (a refusal in a group) stays on screen until the presser dismisses it.
        try:
            await self.application.bot.answer_callback_query(query_id, text=text[:200] or None,
                                                             show_alert=alert and bool(text))
        except BadRequest:
            pass  # too old (a redelivery after a restart): the outbox message still tells them
        except TelegramError as error:
            log.info("could not answer callback %s: %s", query_id, error)

    async def _failed(self, update_id: int, error: BaseException) -> None:
        log.exception("update %s failed", update_id, exc_info=error)
        try:
            await self._count_attempt(update_id, error)
        except Exception as again:  # this attempt goes uncounted; the update is tried again
            if self.health.failed(again, "inbox processor") is None:
                log.exception("could not record the failure of update %s", update_id)

    async def _count_attempt(self, update_id: int, error: BaseException) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(InboxUpdate, update_id)
            if row is None:
                return
            row.attempts += 1
            row.error = f"{type(error).__name__}: {error}"[:2000]
            if row.attempts >= MAX_ATTEMPTS:
                # Park it rather than block the chat forever; the error stays for the operator,
                # and the person is told that this one did not go through.
                row.processed_at = utcnow()
                if row.chat_id is not None:
                    enqueue(session, row.chat_id, Notice("errors.internal"),
                            lang=self.default_lang)


class _AlreadyApplied(Exception):
    pass


_FAILED = object()
_AWAY = object()  # the database is away: the update waits, its attempts untouched
_DONE = object()  # applied already (by us before, or by another process)
_HELD = object()  # another process is applying it right now


def _named(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _language_code(payload: str) -> str | None:
    """What the sender's Telegram app speaks, from an update the library could not read."""
    try:
        raw = json.loads(payload)
        return next((part["from"].get("language_code") for part in raw.values()
                     if isinstance(part, dict) and isinstance(part.get("from"), dict)), None)
    except (ValueError, AttributeError):
        return None


def _telegram_away(error: BaseException) -> bool:
    """Telegram flooded, failing or not answering: not the update's fault, as a 400 is."""
    return isinstance(error, RetryAfter) or (isinstance(error, NetworkError)
                                             and not isinstance(error, BadRequest))


async def _claim(session: AsyncSession, update_id: int) -> object | None:
    """Lock the update's row for this transaction (PostgreSQL, several processes): None when it
    is ours to apply, else _DONE or _HELD."""
    row = (await session.execute(
        select(InboxUpdate.processed_at).where(InboxUpdate.update_id == update_id)
        .with_for_update(skip_locked=True))).first()
    if row is None:
        return _HELD
    return _DONE if row.processed_at is not None else None


async def on_error(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """PTB's error handler. A handler's exception is the processor's business: it rolls the
    update back and retries it (a concurrent change) or logs it (handled in `_failed`); other
    errors (a job's) are logged here."""
    scope = current_scope.get(None)
    if update is not None and scope is not None and scope.failure is context.error:
        return
    if update is not None and scope is not None and scope.failure is None and \
            isinstance(context.error, SQLAlchemyError):
        # Raised outside a handler's own try (looking the person up): the transaction is
        # spoilt either way, so the processor rolls it back and decides as for the others.
        scope.failure = context.error
        return
    log.error("unhandled error", exc_info=context.error)


def update_inbox(update_id: int, **values: Any) -> Any:
    return update(InboxUpdate).where(InboxUpdate.update_id == update_id).values(**values)
