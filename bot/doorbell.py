"""Wakes the outbox senders of every process at once (PostgreSQL LISTEN/NOTIFY).

A chat's messages are sent by the process holding its lease, which is often not the process
that just wrote a reply to that chat. Without a doorbell the holder finds the reply at its next
look (up to a second later); with it, the writer rings after its commit and every sender looks
now. A lost ring costs only that second: the senders still look every second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "gongdan_outbox"


class Doorbell:
    def __init__(self, database_url: str, on_ring: Callable[[], None]) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self.dsn = url.render_as_string(hide_password=False)
        self.on_ring = on_ring
        self.connection: Any = None
        self.ringing: asyncio.Task[None] | None = None
        self.again = False

    async def start(self) -> None:
        await self._listen()

    async def _listen(self) -> None:
        import asyncpg

        self.connection = await asyncpg.connect(self.dsn)
        await self.connection.add_listener(CHANNEL, lambda *_args: self.on_ring())

    async def stop(self) -> None:
        if self.ringing is not None:
            self.ringing.cancel()
        if self.connection is not None:
            await self.connection.close()
            self.connection = None

    def ring(self) -> None:
        """Tell every process's sender to look (one NOTIFY in flight; rings meanwhile fold
        into one more)."""
        if self.connection is None:
            return
        if self.ringing is not None and not self.ringing.done():
            self.again = True
            return
        self.ringing = asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        try:
            while True:
                self.again = False
                await self.connection.execute(f"NOTIFY {CHANNEL}")
                if not self.again:
                    return
        except Exception as error:  # the senders still look every second
            if self.connection.is_closed():  # dropped (a restart, an outage): listen anew
                with suppress(Exception):  # still away: the next ring tries again
                    await self._listen()
                return
            log.warning("doorbell: %s", error)
