"""Telegram's flood limits as token buckets: ~30 messages/s overall, ~1 message/s per
private chat (with a small burst), 20 messages/min per group."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

SENDING_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "forwardMessage",
    "copyMessage", "sendAudio", "sendVideo", "sendVoice", "sendAnimation", "sendSticker",
    "sendLocation", "sendContact", "sendPoll", "sendDice", "sendVideoNote", "sendVenue",
})


@dataclass
class RateLimits:
    """Limits in force when ``LocalBotApi(rate_limits=...)`` is on.

    Each scope is a token bucket: ``*_burst`` messages may go at once, refilled at the
    given rate. A request that finds any bucket empty gets 429 with ``retry_after`` =
    whole seconds until that bucket has a token again (at least 1).
    """

    global_per_sec: float = 30.0
    global_burst: int = 30
    private_per_sec: float = 1.0
    private_burst: int = 3
    group_per_min: float = 20.0
    group_burst: int = 20
    methods: frozenset[str] = field(default_factory=lambda: SENDING_METHODS)


class _Bucket:
    __slots__ = ("capacity", "rate", "tokens", "stamp")

    def __init__(self, capacity: float, rate: float, now: float):
        self.capacity, self.rate, self.tokens, self.stamp = capacity, rate, capacity, now

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    def __init__(self, limits: RateLimits, clock=time.monotonic):
        self.limits = limits
        self.clock = clock
        self._global: _Bucket | None = None
        self._chats: dict[int, _Bucket] = {}

    def check(self, chat_id: int | None, chat_type: str | None) -> tuple[str, int] | None:
        """Consume one message; None if allowed, else (scope, retry_after)."""
        lim = self.limits
        now = self.clock()
        if self._global is None:
            self._global = _Bucket(lim.global_burst, lim.global_per_sec, now)
        buckets = [("global", self._global)]
        if chat_id is not None and chat_type is not None:
            bucket = self._chats.get(chat_id)
            if bucket is None:
                if chat_type == "private":
                    bucket = _Bucket(lim.private_burst, lim.private_per_sec, now)
                else:
                    bucket = _Bucket(lim.group_burst, lim.group_per_min / 60.0, now)
                self._chats[chat_id] = bucket
            buckets.append(("private" if chat_type == "private" else "group", bucket))
        worst: tuple[str, float] | None = None
        for scope, bucket in buckets:
            bucket.refill(now)
            wait = bucket.wait_time()
            if wait > 0 and (worst is None or wait > worst[1]):
                worst = (scope, wait)
        if worst is not None:
            return worst[0], max(1, math.ceil(worst[1]))
        for _, bucket in buckets:
            bucket.tokens -= 1
        return None


def busiest_second(stamps: list[float], seconds: float = 1.0) -> int:
    """The most events (sorted times in seconds) within any one second (or any `seconds`):
    what a limit of N per second (or per minute) is measured against."""
    best, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamp - stamps[first] >= seconds:
            first += 1
        best = max(best, last - first + 1)
    return best
