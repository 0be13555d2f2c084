"""Outbound, never lost: drains the outbox within Telegram's limits.

Rows are sent in order within a chat (answers to people before broadcasts), paced per bot, per
private chat and per group, with 429 retry_after honoured and transient failures retried with
backoff. A chat that blocked the bot is marked unreachable; a group that became a supergroup is
followed. Results are written back in batches; a crash between send and write-back sends a
message twice at worst, never zero times.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, BotCommandScopeChat
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.config import Settings
from bot.pacing import Pacer, nap, retry_seconds
from bot.render import commands_for, render
from domain.models import ChatState, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 32
MAX_ATTEMPTS = 25


@dataclass
class Outcome:
    row_id: int
    status: str | None = None  # new status, or None to retry later
    message_id: int | None = None
    error: str | None = None
    retry_in: float = 0.0
    unreachable_chat: int | None = None
    migrated: tuple[int, int] | None = None


class OutboxSender:
    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession],
                 settings: Settings) -> None:
        self.bot = bot
        self.sessions = sessions
        self.settings = settings
        self.pacer = Pacer(settings.send_rate, settings.chat_rate, settings.chat_burst,
                           settings.group_per_minute)
        self.wakeup = asyncio.Event()
        self.in_flight: set[int] = set()
        self.busy_chats: set[int] = set()
        self.results: list[Outcome] = []
        # Sent (or given up) but not yet written back: never pick these up again meanwhile.
        self.unflushed: set[int] = set()
        self.slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.sent_count = 0

    def wake(self) -> None:
        self.wakeup.set()

    async def run(self) -> None:
        while True:
            self.wakeup.clear()
            delay = await self.pump()
            await self.flush()
            await nap(self.wakeup, min(delay, 1.0))

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
        now = datetime.now(UTC)
        async with self.sessions() as session:
            # Not only the due rows: a chat whose first message waits for a retry waits whole.
            rows = (await session.execute(
                select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending)
                .order_by(OutboxMessage.priority, OutboxMessage.id).limit(1000))).scalars().all()
            states = {s.chat_id: s for s in (await session.execute(select(ChatState))).scalars()}
        next_delay = 1.0
        seen: set[int] = set()
        for row in rows:
            if row.id in self.in_flight or row.id in self.unflushed or row.chat_id in seen:
                continue
            seen.add(row.chat_id)  # one at a time per chat keeps the chat's order
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
            self.pacer.take(chat_id)
            self.in_flight.add(row.id)
            self.busy_chats.add(row.chat_id)
            asyncio.get_running_loop().create_task(self._deliver(row, chat_id))
        return next_delay if rows else 1.0

    async def _deliver(self, row: OutboxMessage, chat_id: int) -> None:
        async with self.slots:
            outcome = await self._send(row, chat_id)
        self._settle(outcome)
        self.in_flight.discard(row.id)
        self.busy_chats.discard(row.chat_id)
        if outcome.status == OutboxStatus.sent:
            self.sent_count += 1
        if outcome.retry_in:
            self.pacer.pause(chat_id, outcome.retry_in)
        self.wake()

    def _settle(self, outcome: Outcome) -> None:
        self.results.append(outcome)
        self.unflushed.add(outcome.row_id)

    async def _send(self, row: OutboxMessage, chat_id: int) -> Outcome:
        payload = json.loads(row.payload)
        try:
            if row.method == "commands":
                await self.bot.set_my_commands(commands_for(payload["role"], row.lang),
                                               scope=BotCommandScopeChat(chat_id))
                return Outcome(row.id, OutboxStatus.sent)
            text, markup = render(payload, row.lang, self.settings.zone)
            if row.method == "edit":
                message_id = await self._edit(chat_id, payload["edit_message_id"], text, markup)
            else:
                message = await self.bot.send_message(chat_id, text, reply_markup=markup)
                message_id = message.message_id
            return Outcome(row.id, OutboxStatus.sent, message_id=message_id)
        except RetryAfter as error:
            return Outcome(row.id, None, error="429", retry_in=retry_seconds(error.retry_after))
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

    async def _edit(self, chat_id: int, message_id: int, text: str, markup: Any) -> int:
        try:
            await self.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id,
                                             reply_markup=markup)
            return message_id
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return message_id
            # Too old or gone: say it in a new message instead.
            message = await self.bot.send_message(chat_id, text, reply_markup=markup)
            return message.message_id

    async def flush(self) -> None:
        if not self.results:
            return
        results, self.results = self.results, []
        now = datetime.now(UTC)
        try:
            await self._write_back(results, now)
        finally:
            self.unflushed.difference_update(o.row_id for o in results)

    async def _write_back(self, results: list[Outcome], now: datetime) -> None:
        async with self.sessions() as session, session.begin():
            for outcome in results:
                values: dict[str, Any] = {"attempts": OutboxMessage.attempts + 1,
                                          "error": outcome.error}
                if outcome.status == OutboxStatus.sent:
                    values.update(status=OutboxStatus.sent, sent_at=now,
                                  telegram_message_id=outcome.message_id)
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
