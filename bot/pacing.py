"""Token buckets for Telegram's limits: per bot, per private chat, per group."""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta


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


# Stay a little under each limit: our clock and Telegram's do not start their windows together.
MARGIN = 0.9


class Pacer:
    def __init__(self, per_bot: float, per_chat: float, chat_burst: int,
                 group_per_minute: int) -> None:
        # In any one second a bucket lets out its burst plus its rate: the burst is what the
        # margin leaves, so a fan-out to hundreds never exceeds the cap even in its first second.
        rate = per_bot * MARGIN
        self.global_bucket = Bucket(rate, max(1.0, per_bot - rate))
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
        return max(paused, self._chat(chat_id).wait_time(now), self.global_bucket.wait_time(now))

    def take(self, chat_id: int) -> None:
        now = time.monotonic()
        self._chat(chat_id).take(now)
        self.global_bucket.take(now)

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
