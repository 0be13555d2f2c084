"""What the HTTP routes need, handed in by the composition root (bot/web.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

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
