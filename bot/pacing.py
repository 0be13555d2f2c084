"""Token buckets for Telegram's limits: per bot, per private chat, per group.

The per-bot limit is a budget the sender takes from in small batches: this process's own bucket
(`LocalBudget`), or one row shared by every process on PostgreSQL (bot/send_budget.py). The
per-chat and per-group buckets stay in the process: a chat is sent to by one process at a time
(bot/outbox_leases.py), so they are exact.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol


@dataclass
class Bucket:
    rate: float  # tokens per second
    burst: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float | None = None) -> float:
        """Seconds until one token is available (0 when it is)."""
        now = time.monotonic() if now is None else now
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float | None = None) -> None:
        self._refill(time.monotonic() if now is None else now)
        self.tokens -= 1

    def take_up_to(self, want: int, now: float | None = None) -> int:
        """Take as many whole tokens as there are, at most `want`; how many were taken."""
        self._refill(time.monotonic() if now is None else now)
        count = max(0, min(want, int(self.tokens)))
        self.tokens -= count
        return count


# Stay a little under each limit: our clock and Telegram's do not start their windows together.
MARGIN = 0.9


def bot_wide(per_bot: float) -> tuple[float, float]:
    """Rate and burst of the per-bot bucket. In any one second a bucket lets out its burst plus
    its rate: the burst is what the margin leaves, less one message for the time between taking
    a token and Telegram seeing the message, so a fan-out to hundreds never exceeds the cap,
    not even in its first second."""
    rate = per_bot * MARGIN
    return rate, max(1.0, per_bot - rate - 1)


@dataclass(frozen=True)
class Grant:
    count: int  # messages that may go now
    wait: float = 0.0  # when fewer than asked: seconds until the next one is likely


class Budget(Protocol):
    """The per-bot limit: how many messages may go now."""

    async def take(self, want: int) -> Grant: ...


class LocalBudget:
    """The per-bot bucket of a process that sends alone (SQLite: one process by design)."""

    def __init__(self, per_bot: float) -> None:
        self.bucket = Bucket(*bot_wide(per_bot))

    async def take(self, want: int) -> Grant:
        count = self.bucket.take_up_to(want)
        return Grant(count, 0.0 if count == want else self.bucket.wait_time())


class Pacer:
    """Per chat: 1 message/s to a private chat (a small burst allowed), 20/min to a group, and
    the pause a 429 asked for."""

    def __init__(self, per_chat: float, chat_burst: int, group_per_minute: int) -> None:
        self.per_chat = per_chat * MARGIN
        self.chat_burst = chat_burst
        self.group_rate = group_per_minute * MARGIN / 60.0
        self.chats: dict[int, Bucket] = {}
        self.paused_until: dict[int, float] = {}

    def _chat(self, chat_id: int) -> Bucket:
        bucket = self.chats.get(chat_id)
        if bucket is None:
            # Negative ids are groups and channels: their limit is per minute.
            bucket = (Bucket(self.group_rate, 3) if chat_id < 0
                      else Bucket(self.per_chat, self.chat_burst))
            self.chats[chat_id] = bucket
        return bucket

    def wait_time(self, chat_id: int) -> float:
        now = time.monotonic()
        paused = max(0.0, self.paused_until.get(chat_id, 0.0) - now)
        return max(paused, self._chat(chat_id).wait_time(now))

    def take(self, chat_id: int) -> None:
        self._chat(chat_id).take()

    def pause(self, chat_id: int, seconds: float) -> None:
        self.paused_until[chat_id] = time.monotonic() + seconds


async def nap(event: asyncio.Event, seconds: float) -> None:
    """Sleep until the event is set or the time is up.

    (asyncio.wait_for can lose a cancellation on Python 3.11; asyncio.timeout does not.)
    """
    with suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


def retry_seconds(retry_after: int | float | timedelta) -> float:
    """Telegram's 429 retry_after as seconds (PTB gives an int or a timedelta by version)."""
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
