"""What the HTTP routes need, handed in by the composition root (bot/web.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.rules import FactoryRules


class Pulse:
    """Rung after every committed update, so live pages refresh at once instead of waiting
    for their next poll (other processes' changes still arrive with the poll)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()  # waiters hold the old one, already set

    async def wait(self, timeout: float) -> bool:
        """True when rung within `timeout` seconds."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
            return True
        except TimeoutError:
            return False


@dataclass
class WebServices:
    sessions: async_sessionmaker[AsyncSession]
    rules: FactoryRules
    # How often a live page looks for changes made elsewhere (seconds).
    poll_seconds: float = 5.0
    pulse: Pulse = field(default_factory=Pulse)
    # A message in a language, from the bot's catalog (bot.i18n.render_text): the REST API's
    # errors. Without it the API answers with the message key.
    render: Callable[[str, str, dict[str, Any]], str] | None = None
    # This process's own counters for /metrics (bot.metrics.COUNTS), read at scrape time.
    counters: Callable[[], dict[str, int]] | None = None
    # A process whose heartbeat is older than this counts as gone (bot/processes.py).
    live_window: timedelta = timedelta(seconds=15)
    # Webhook mode: store raw Telegram updates in the inbox (returns after the commit), on the
    # route `webhook_path`, for requests that carry `webhook_secret`.
    receive: Callable[[list[dict[str, Any]]], Awaitable[None]] | None = None
    webhook_path: str | None = None
    webhook_secret: str | None = None
