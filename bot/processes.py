"""The bot processes that share one database: each one's heartbeat, and the webhook that the
first to start sets and only the last to stop removes.

Each process keeps a `BotProcess` row, refreshed every `heartbeat_seconds`; a process silent for
`LIVE_BEATS` beats counts as gone (killed, its machine lost). A rolling restart of one of three
processes must not cut the other two off: a process that stops removes its row, and deletes the
webhook only when no other live webhook process is left.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import TelegramError

from bot.config import Settings
from bot.inbox import ALLOWED_UPDATES
from domain.models import BotProcess

log = logging.getLogger(__name__)

LIVE_BEATS = 3
FORGET_AFTER = timedelta(hours=1)  # rows of crashed processes stay a while, for the operator


def wall_clock() -> datetime:
    """Real time, not the process's (possibly fast) business clock: processes compare it."""
    return datetime.now(UTC)


class Heartbeat:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], name: str, mode: str,
                 seconds: float) -> None:
        self.sessions = sessions
        self.name = name
        self.mode = mode
        self.seconds = seconds

    @property
    def live_window(self) -> timedelta:
        return timedelta(seconds=self.seconds * LIVE_BEATS)

    async def beat(self, *, starting: bool = False) -> None:
        now = wall_clock()
        async with self.sessions() as session, session.begin():
            insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
            values = {"mode": self.mode, "seen_at": now}
            if starting:
                values["started_at"] = now
            await session.execute(
                insert(BotProcess).values({"name": self.name, "started_at": now, **values})
                .on_conflict_do_update(index_elements=[BotProcess.name], set_=values))
            if starting:  # only then: a beat locks no row but its own (see leave)
                await session.execute(delete(BotProcess).where(
                    BotProcess.seen_at < now - FORGET_AFTER))

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.seconds)
            try:
                await self.beat()
            except Exception:  # the database is away for a moment: the next beat tries again
                log.exception("heartbeat failed")

    async def others_live(self) -> list[str]:
        async with self.sessions() as session:
            return await _live_others(session, self)

    async def leave(self) -> list[str]:
        """Remove this process's row; the other live webhook processes left.

        The rows are locked first, in one order, so two processes stopping at the same moment
        do not each see the other and both leave the webhook behind: the second waits, then
        finds itself the last."""
        async with self.sessions() as session, session.begin():
            await session.execute(select(BotProcess.name).order_by(BotProcess.name)
                                  .with_for_update())
            await session.execute(delete(BotProcess).where(BotProcess.name == self.name))
            return await _live_others(session, self)


async def _live_others(session: AsyncSession, me: Heartbeat) -> list[str]:
    since = wall_clock() - me.live_window
    return list((await session.scalars(
        select(BotProcess.name)
        .where(BotProcess.name != me.name, BotProcess.mode == "webhook",
               BotProcess.seen_at >= since)
        .order_by(BotProcess.name))).all())


async def set_webhook(bot: Bot, settings: Settings) -> None:
    await bot.set_webhook(settings.webhook_url or "", secret_token=settings.webhook_secret,
                          allowed_updates=ALLOWED_UPDATES,
                          max_connections=settings.webhook_max_connections)


async def release_webhook(bot: Bot, heartbeat: Heartbeat, settings: Settings) -> None:
    """Leave; the last live process deletes the webhook (Telegram then keeps the updates)."""
    others = await heartbeat.leave()
    if others:
        log.info("webhook stays for %s", ", ".join(others))
        return
    try:
        await bot.delete_webhook()
        # A process that started meanwhile may have set it just before our delete: set it back.
        if await heartbeat.others_live():
            await set_webhook(bot, settings)
    except TelegramError as error:
        log.warning("could not delete the webhook: %s", error)
