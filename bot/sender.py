"""Outbound, never lost: drains the outbox within Telegram's limits.

Rows are sent in order within a chat (answers to people before broadcasts), paced per bot, per
private chat and per group, with 429 retry_after honoured and transient failures retried with
backoff. A chat that blocked the bot is marked unreachable; a group that became a supergroup is
followed. Results are written back in batches; a crash between send and write-back sends a
message twice at worst, never zero times.

A notice with a photo goes out as a photo with the text as its caption (a text too long for a
caption follows the photo as its own message, which then carries the buttons). An edit of an
earlier outbox row waits until that row was sent, then edits the message it sent (its caption
when it is a photo); when that row failed, or its message is gone or too old to edit, the
notice is sent as a new message, which later edits of that row then follow (the calls
themselves, and their fallbacks, are bot/telegram_out.py's).

Several processes on one PostgreSQL drain one outbox together: each sends only to the chats
whose lease it holds (bot/outbox_leases.py), and all take from one bot-wide budget
(bot/send_budget.py). SQLite's single process keeps both limits in itself.

A payload with `"pin": true` has its message pinned silently once sent (an edit's only when it
had to become a new message: the pinned live status stays pinned). A row of method "unpin"
unpins the message its `edit_outbox_id` row showed. A refused pin (the bot may not pin in that
group) leaves the message as it is.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, BotCommandScopeChat
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot import attachments, metrics, outbox_leases
from bot.config import Settings
from bot.pacing import Budget, Grant, LocalBudget, Pacer, nap, retry_seconds
from bot.processes import wall_clock
from bot.render import commands_for, render
from bot.send_budget import SharedBudget
from bot.telegram_out import EditTarget, Poster
from domain.db import DatabaseHealth
from domain.models import ChatState, OutboxMessage, OutboxStatus
from domain.models.base import utcnow

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 32
MAX_ATTEMPTS = 25
# Chats a process leases per pump beyond those it can send to now: enough to keep its share of
# the budget busy, few enough that the other processes get chats too.
NEW_LEASES = 4


@dataclass
class Outcome:
    row_id: int
    status: str | None = None  # new status, or None to retry later
    message_id: int | None = None
    error: str | None = None
    retry_in: float = 0.0
    unreachable_chat: int | None = None
    migrated: tuple[int, int] | None = None
    # An edit that had to become a new message: (outbox row it edited, the new message).
    moved: tuple[int, int] | None = None
    # False when the try failed for a reason that is not the message's (the database away):
    # it does not count towards MAX_ATTEMPTS.
    counted: bool = True
    # The payload to keep once sent, without the notice's secret params (a board link's token).
    forgotten: str | None = None


class OutboxSender:
    """`shared`: other processes drain the same outbox (chat leases, one budget in the
    database); by default on PostgreSQL, not on SQLite."""

    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession],
                 settings: Settings, *, name: str | None = None, shared: bool | None = None,
                 lease: timedelta = outbox_leases.LEASE,
                 health: DatabaseHealth | None = None) -> None:
        self.bot = bot
        self.health = health or DatabaseHealth()
        self.sessions = sessions
        self.settings = settings
        self.name = (name or settings.process_name)[:64]
        self.shared = _dialect(sessions) == "postgresql" if shared is None else shared
        self.lease = lease
        self.held: set[int] = set()  # the chats whose lease this process holds
        self.poster = Poster(bot, attachments.Making(sessions, settings))
        self.pacer = Pacer(settings.chat_rate, settings.chat_burst, settings.group_per_minute)
        self.budget: Budget = (SharedBudget(sessions, settings.send_rate) if self.shared
                               else LocalBudget(settings.send_rate))
        self.wakeup = asyncio.Event()
        self.in_flight: set[int] = set()
        self.busy_chats: set[int] = set()
        self.results: list[Outcome] = []
        # Sent (or given up) but not yet written back: never pick these up again meanwhile.
        self.unflushed: set[int] = set()
        self.slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.deliveries: set[asyncio.Task[None]] = set()
        self.sent_count = 0

    def wake(self) -> None:
        self.wakeup.set()

    async def run(self) -> None:
        while True:
            self.wakeup.clear()
            try:
                # Results first: each send wakes us, so a kill loses as few as can be.
                await self.flush()
                delay = await self.pump()
            except Exception as error:  # nothing is lost: the rows wait, results stay here
                if self.health.failed(error, "outbox sender") is not None:
                    await asyncio.sleep(self.health.retry_delay())
                    continue
                log.exception("outbox sender: trying again in a second")
                delay = 1.0
            await nap(self.wakeup, min(delay, 1.0))

    async def stop(self, timeout: float = 5.0) -> None:
        """A clean stop: let the sends under way finish, write their results back, and hand
        this process's chats over to the others."""
        if self.deliveries:
            await asyncio.wait(self.deliveries, timeout=timeout)
        await self.flush()
        if self.shared:
            async with self.sessions() as session, session.begin():
                await outbox_leases.release(session, self.name, wall_clock())

    async def drain(self, timeout: float = 10.0) -> None:
        """Send everything that is due now (used by the CLI and tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            delay = await self.pump()
            while self.in_flight:
                await asyncio.sleep(0.01)
            await self.flush()
            if not await self._pending():
                return
            await asyncio.sleep(min(max(delay, 0.01), 0.2))

    async def _pending(self) -> bool:
        async with self.sessions() as session:
            return await session.scalar(select(OutboxMessage.id).where(
                OutboxMessage.status == OutboxStatus.pending).limit(1)) is not None

    async def pump(self) -> float:
        """Start sends for every chat that may send now; return seconds until the next could."""
        now = utcnow()
        wall = wall_clock()  # leases last real seconds, whatever the business clock's pace
        # Not only the due rows: a chat whose first message waits for a retry waits whole.
        query = (select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending)
                 .order_by(OutboxMessage.priority, OutboxMessage.id).limit(1000))
        if self.shared:
            query = query.where(outbox_leases.not_leased_by_others(self.name, wall))
        async with self.sessions() as session:
            rows = (await session.execute(query)).scalars().all()
            states = {s.chat_id: s for s in (await session.execute(select(ChatState))).scalars()}
            targets = await self._edit_targets(session, rows)
        heads = self._chat_heads(rows, targets)
        if self.shared:
            heads = await self._leased(heads, now, wall)
        next_delay = 1.0
        ready: list[tuple[OutboxMessage, int]] = []
        for row in heads:
            if row.chat_id in self.busy_chats:
                continue
            if row.next_attempt_at > now:
                next_delay = min(next_delay, (row.next_attempt_at - now).total_seconds())
                continue
            state = states.get(row.chat_id)
            if state is not None and state.unreachable_at is not None:
                self._settle(Outcome(row.id, OutboxStatus.failed, error="unreachable"))
                continue
            chat_id = state.migrated_to if state is not None and state.migrated_to else row.chat_id
            wait = self.pacer.wait_time(chat_id)
            if wait > 0:
                next_delay = min(next_delay, wait)
                continue
            ready.append((row, chat_id))
        grant = await self.budget.take(len(ready)) if ready else Grant(0)
        for row, chat_id in ready[:grant.count]:
            self._start(row, chat_id, targets.get(row.id))
        if grant.count < len(ready):
            next_delay = min(next_delay, grant.wait)
        return next_delay if rows else 1.0

    def _chat_heads(self, rows: Sequence[OutboxMessage],
                    targets: dict[int, Any]) -> list[OutboxMessage]:
        """Each chat's next row, in the order to send them: one at a time per chat keeps the
        chat's order."""
        seen: set[int] = set()
        heads = []
        for row in rows:
            if row.id in self.in_flight or row.id in self.unflushed or row.chat_id in seen:
                continue
            if targets.get(row.id) is _WAIT:
                continue  # its message is not sent yet; the chat's other rows go on meanwhile
            seen.add(row.chat_id)
            heads.append(row)
        return heads

    async def _leased(self, heads: list[OutboxMessage], now: datetime,
                      wall: datetime) -> list[OutboxMessage]:
        """The heads of the chats this process holds: the leases it has, renewed while it has
        work for them, and a few more when it has too little to send now."""
        due = [r.chat_id for r in heads if r.next_attempt_at <= now
               and r.chat_id not in self.busy_chats]
        held_due = sum(1 for chat_id in due if chat_id in self.held)
        new = [chat_id for chat_id in due if chat_id not in self.held][:NEW_LEASES - held_due]
        wanted = (({r.chat_id for r in heads} | self.busy_chats) & self.held) | set(new)
        async with self.sessions() as session, session.begin():
            self.held = await outbox_leases.acquire(session, wanted, self.name, wall, self.lease)
        return [r for r in heads if r.chat_id in self.held]

    def _start(self, row: OutboxMessage, chat_id: int, target: EditTarget | None) -> None:
        self.pacer.take(chat_id)
        self.in_flight.add(row.id)
        self.busy_chats.add(row.chat_id)
        task = asyncio.get_running_loop().create_task(self._deliver(row, chat_id, target))
        self.deliveries.add(task)  # the loop keeps only a weak reference
        task.add_done_callback(self.deliveries.discard)

    async def _edit_targets(self, session: AsyncSession,
                            rows: Sequence[OutboxMessage]) -> dict[int, Any]:
        """For each edit row: the message to edit, None (send anew) or _WAIT (not sent yet)."""
        payloads = {r.id: json.loads(r.payload) for r in rows if r.method in _TARGETED}
        wanted = {p["edit_outbox_id"] for p in payloads.values() if "edit_outbox_id" in p}
        sources = {}
        if wanted:
            sources = {r.id: r for r in (await session.execute(
                select(OutboxMessage).where(OutboxMessage.id.in_(wanted)))).scalars()}
        targets: dict[int, Any] = {}
        for row_id, payload in payloads.items():
            if "edit_outbox_id" not in payload:
                targets[row_id] = EditTarget(int(payload["edit_message_id"]), photo=False)
                continue
            source_id = int(payload["edit_outbox_id"])
            source = sources.get(source_id)
            if source is None:
                targets[row_id] = None  # nothing to edit: send it as a new message
            elif source_id in self.unflushed or (source.status == OutboxStatus.pending
                                                 and source.telegram_message_id is None):
                targets[row_id] = _WAIT
            else:  # sent, or failed (message id 0: a new message, which later edits follow)
                photo = bool(json.loads(source.payload).get("photo"))
                targets[row_id] = EditTarget(source.telegram_message_id or 0, photo, source_id)
        return targets

    async def _deliver(self, row: OutboxMessage, chat_id: int,
                       target: EditTarget | None) -> None:
        async with self.slots:
            outcome = await self._send(row, chat_id, target)
        self._settle(outcome)
        self.in_flight.discard(row.id)
        self.busy_chats.discard(row.chat_id)
        if outcome.status == OutboxStatus.sent:
            self.sent_count += 1
            metrics.count("sent")
        if outcome.retry_in:
            self.pacer.pause(chat_id, outcome.retry_in)
        self.wake()

    def _settle(self, outcome: Outcome) -> None:
        self.results.append(outcome)
        self.unflushed.add(outcome.row_id)

    async def _send(self, row: OutboxMessage, chat_id: int,
                    target: EditTarget | None) -> Outcome:
        outcome = await self._post(row, chat_id, target)
        payload = json.loads(row.payload)
        if outcome.status == OutboxStatus.sent and payload.get("secret"):
            params = payload.get("params", {})
            payload["params"] = {k: "[sent]" if k in payload["secret"] else v
                                 for k, v in params.items()}
            outcome.forgotten = json.dumps(payload, ensure_ascii=False)
        return outcome

    async def _post(self, row: OutboxMessage, chat_id: int,
                    target: EditTarget | None) -> Outcome:
        payload = json.loads(row.payload)
        try:
            if row.method == "commands":
                await self.bot.set_my_commands(commands_for(payload["role"], row.lang),
                                               scope=BotCommandScopeChat(chat_id))
                return Outcome(row.id, OutboxStatus.sent)
            if row.method == "unpin":
                if target is not None and target.message_id:
                    await self.bot.unpin_chat_message(chat_id, message_id=target.message_id)
                return Outcome(row.id, OutboxStatus.sent)
            notice = render(payload, row.lang, self.settings.zone)
            if row.method == "edit":
                message_id = await self.poster.edit(chat_id, target, notice)
                if target is None or message_id != target.message_id:
                    await self.poster.pin(chat_id, message_id, payload)
                if target is not None and target.source_row and message_id != target.message_id:
                    return Outcome(row.id, OutboxStatus.sent, message_id=message_id,
                                   moved=(target.source_row, message_id))
            else:
                message_id = await self.poster.post(chat_id, notice)
                await self.poster.pin(chat_id, message_id, payload)
            return Outcome(row.id, OutboxStatus.sent, message_id=message_id)
        except RetryAfter as error:
            metrics.count("sender_429")
            # Told to wait, not failed: a flood that lasts uses up none of the attempts.
            return Outcome(row.id, None, error="429", retry_in=retry_seconds(error.retry_after),
                           counted=False)
        except ChatMigrated as error:
            return Outcome(row.id, None, error="migrated",
                           migrated=(row.chat_id, int(error.new_chat_id)))
        except Forbidden as error:
            return Outcome(row.id, OutboxStatus.failed, error=str(error),
                           unreachable_chat=row.chat_id)
        except BadRequest as error:
            return Outcome(row.id, OutboxStatus.failed, error=str(error))
        except TelegramError as error:  # network trouble, timeouts, 5xx: try again later
            backoff = min(60.0, 0.5 * 2 ** row.attempts)
            return Outcome(row.id, None, error=str(error), retry_in=backoff)
        except Exception as error:  # never leave the chat marked busy: try again later
            reason = self.health.failed(error, "outbox sender")
            if reason is not None:  # a file made from the database, which is away
                return Outcome(row.id, None, error=reason, counted=False,
                               retry_in=self.health.retry_delay())
            log.exception("outbox row %s could not be sent", row.id)
            return Outcome(row.id, None, error=f"{type(error).__name__}: {error}"[:2000],
                           retry_in=min(60.0, 0.5 * 2 ** row.attempts))

    async def flush(self) -> None:
        if not self.results:
            return
        results, self.results = self.results, []
        try:
            await self._write_back(results, utcnow())
        except BaseException:
            self.results[:0] = results  # written next time: a database hiccup sends nothing twice
            raise
        self.health.written()
        self.unflushed.difference_update(o.row_id for o in results)

    async def _write_back(self, results: list[Outcome], now: datetime) -> None:
        async with self.sessions() as session, session.begin():
            for outcome in results:
                tries = OutboxMessage.attempts + int(outcome.counted)
                values: dict[str, Any] = {"attempts": tries, "error": outcome.error}
                if outcome.status == OutboxStatus.sent:
                    values.update(status=OutboxStatus.sent, sent_at=now,
                                  telegram_message_id=outcome.message_id)
                    if outcome.forgotten is not None:
                        values["payload"] = outcome.forgotten
                elif outcome.status == OutboxStatus.failed:
                    values.update(status=OutboxStatus.failed)
                else:
                    values.update(next_attempt_at=now + timedelta(seconds=outcome.retry_in))
                await session.execute(update(OutboxMessage)
                                      .where(OutboxMessage.id == outcome.row_id).values(**values))
                if outcome.unreachable_chat is not None:
                    await self._chat_state(session, outcome.unreachable_chat, unreachable_at=now)
                if outcome.migrated is not None:
                    await self._chat_state(session, outcome.migrated[0],
                                           migrated_to=outcome.migrated[1])
                if outcome.moved is not None:
                    # Later edits of that row now change the message that replaced it.
                    source, message_id = outcome.moved
                    await session.execute(update(OutboxMessage).where(OutboxMessage.id == source)
                                          .values(telegram_message_id=message_id))
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.pending,
                       OutboxMessage.attempts >= MAX_ATTEMPTS)
                .values(status=OutboxStatus.failed))

    @staticmethod
    async def _chat_state(session: AsyncSession, chat_id: int, **values: Any) -> None:
        state = await session.get(ChatState, chat_id)
        if state is None:
            session.add(ChatState(chat_id=chat_id, **values))
        else:
            for name, value in values.items():
                setattr(state, name, value)


async def send_alone(name: str | None = None) -> int:
    """A process that only drains the outbox (`python -m bot.sender [NAME]`, for tests and
    benchmarks of several senders): says "ready", sends until SIGTERM or SIGINT, then stops
    cleanly; returns how many messages it sent."""
    import bot.attachments_all  # noqa: F401  (registers the file builders)
    from domain.db import make_engine, make_sessionmaker

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    bot = Bot(settings.token or "", base_url=settings.bot_base_url,
              base_file_url=settings.bot_file_url)
    await bot.initialize()
    sender = OutboxSender(bot, make_sessionmaker(engine, settings.rules), settings, name=name)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    task = loop.create_task(sender.run())
    print("ready", flush=True)
    await stopping.wait()
    task.cancel()
    await asyncio.wait([task])
    await sender.stop()
    await bot.shutdown()
    await engine.dispose()
    return sender.sent_count


def _dialect(sessions: async_sessionmaker[AsyncSession]) -> str:
    bind = sessions.kw.get("bind")
    return bind.dialect.name if bind is not None else "sqlite"


_WAIT = object()  # an edit whose message has not been sent yet
_TARGETED = ("edit", "unpin")  # methods acting on the message an earlier row sent


if __name__ == "__main__":
    print(asyncio.run(send_alone(sys.argv[1] if len(sys.argv) > 1 else None)), flush=True)
