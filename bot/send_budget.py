"""Telegram's bot-wide 30 messages/s, shared by every process on one PostgreSQL.

One row of send_budget is a token bucket (tokens, stamp). A process takes a few tokens at a
time under the row's lock: refill by the time elapsed since the last taker, at the rate, up to
the burst; take what it may send now. Rate and burst have the same margins as bot/pacing.py, so
in no second do all processes together exceed the cap.

The stamp is wall-clock time (epoch seconds), read after the lock is held: processes on several
hosts need clocks kept in step (NTP); a skew of d seconds lets out at most d × rate messages
more, once. (On SQLite every transaction takes the write lock, which serves as the row lock.)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pacing import Grant, bot_wide
from domain.models import SendBudget

BUDGET = "telegram"


class SharedBudget:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], per_bot: float,
                 name: str = BUDGET, clock: Callable[[], float] = time.time) -> None:
        self.sessions = sessions
        self.name = name
        self.clock = clock
        self.rate, self.burst = bot_wide(per_bot)

    async def take(self, want: int) -> Grant:
        if want <= 0:
            return Grant(0)
        async with self.sessions() as session, session.begin():
            row = await self._locked(session)
            if row is None:
                insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
                await session.execute(insert(SendBudget).values(
                    name=self.name, tokens=self.burst, stamp=self.clock())
                    .on_conflict_do_nothing())
                row = await self._locked(session)
                assert row is not None
            now = self.clock()  # read with the lock held: no taker before us stamped later
            tokens = min(self.burst, row.tokens + max(0.0, now - row.stamp) * self.rate)
            count = max(0, min(want, int(tokens)))
            row.tokens = tokens - count
            row.stamp = max(row.stamp, now)  # a host whose clock lags refills nothing
        left = tokens - count
        return Grant(count, 0.0 if count == want else max(0.0, (1 - left) / self.rate))

    async def _locked(self, session: AsyncSession) -> SendBudget | None:
        return await session.scalar(select(SendBudget).where(SendBudget.name == self.name)
                                    .with_for_update())
