"""Outgoing webhooks, sent: drains due deliveries (domain/erp/deliveries.py) over HTTP.

Each delivery is POSTed as JSON {"id", "event", "created_at", "data"} with the headers
X-Gongdan-Event, X-Gongdan-Delivery, X-Gongdan-Timestamp and X-Gongdan-Signature
(sha256=HMAC-SHA256(secret, timestamp + "." + body)). A 2xx answer delivers it; anything else
(another status, a refused connection, a timeout) is tried again with backoff, then given up.
Several senders (in several processes) run at once: each delivery is claimed by one of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.metrics import count
from domain.erp import deliveries
from domain.erp.deliveries import Attempt, Claimed, Policy
from domain.models.base import utcnow

log = logging.getLogger(__name__)

USER_AGENT = "Gongdan-Webhooks/1"
BATCH = 20  # deliveries in flight at once
TIMEOUT_SECONDS = 10.0  # per attempt: well within the claim's lease
IDLE_SECONDS = 1.0  # how often to look for due deliveries when not woken
ERROR_TEXT = 300  # how much of a failed answer is kept


class WebhookSender:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings, *,
                 policy: Policy | None = None, timeout: float = TIMEOUT_SECONDS,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        self.sessions = sessions
        self.settings = settings
        self.policy = policy or Policy()
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.idle_seconds = idle_seconds
        self.wakeup = asyncio.Event()

    def wake(self) -> None:
        self.wakeup.set()

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=self.timeout) as http:
            while True:
                self.wakeup.clear()
                try:
                    sent = await self.pump(http)
                except Exception:  # the database went away for a moment: try again soon
                    log.exception("webhook sender pass failed")
                    sent = 0
                if sent < BATCH:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self.wakeup.wait(), self.idle_seconds)

    async def drain(self, timeout: float = 10.0) -> None:
        """Send until no delivery waits any more, retries included, or `timeout` seconds
        passed (for the CLI and tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession(timeout=self.timeout) as http:
            while loop.time() < deadline:
                if not await self.pump(http):
                    async with self.sessions() as session:
                        if not await deliveries.waiting(session):
                            return
                    await asyncio.sleep(0.02)

    async def pump(self, http: aiohttp.ClientSession) -> int:
        """One pass: claim a batch, POST each, record the outcomes; how many were attempted."""
        async with self.sessions() as session, session.begin():
            claimed = await deliveries.claim(session, utcnow(), limit=BATCH,
                                             policy=self.policy)
        if not claimed:
            return 0
        attempts = await asyncio.gather(*(self.post(http, c) for c in claimed))
        async with self.sessions() as session, session.begin():
            for delivery, attempt in zip(claimed, attempts, strict=True):
                outcome = await deliveries.record(session, delivery, attempt, utcnow(),
                                                  policy=self.policy)
                count(f"webhook_attempts_{'ok' if attempt.ok else 'failed'}")
                if outcome == "failed":
                    log.warning("webhook delivery %s (%s) given up after %d attempts: %s",
                                delivery.id, delivery.event, delivery.attempt, attempt.error)
        return len(claimed)

    async def post(self, http: aiohttp.ClientSession, delivery: Claimed) -> Attempt:
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Gongdan-Event": delivery.event,
            "X-Gongdan-Delivery": str(delivery.id),
            "X-Gongdan-Timestamp": timestamp,
            "X-Gongdan-Signature": deliveries.signature(delivery.secret, timestamp,
                                                        delivery.body),
        }
        started = time.monotonic()
        try:
            async with http.post(delivery.url, data=delivery.body, headers=headers,
                                 allow_redirects=False) as response:
                answer = (await response.content.read(ERROR_TEXT)).decode(errors="replace")
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as error:
            return Attempt(None, _ms(started), f"{type(error).__name__}: {error}"[:ERROR_TEXT])
        error = None if 200 <= status < 300 else f"HTTP {status}: {answer}"[:ERROR_TEXT]
        return Attempt(status, _ms(started), error)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
