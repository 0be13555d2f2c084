"""Webhook delivery, the way Telegram does it: each queued update is POSTed as JSON to the URL
given to setWebhook, with the ``X-Telegram-Bot-Api-Secret-Token`` header when a secret was set.

* A 2xx answer confirms the update (it leaves the queue); anything else, a refused connection
  or no answer within ``timeout`` seconds, and it is tried again later with a doubling delay.
* Up to ``max_connections`` requests are in flight at once, but only one per chat, in order of
  update_id: a chat's next update waits until the previous one was accepted (Telegram's own
  server queues updates per chat the same way).
* The fault ``duplicate_webhook_deliveries(every=N)`` (faults.py) POSTs every Nth accepted
  update once more, as a redelivery: the bot must apply it once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

if TYPE_CHECKING:
    from .server import LocalBotApi

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LOOPBACK_NAMES = {"localhost"}


def allowed_url(url: str) -> bool:
    """https anywhere; plain http only to this machine (a test's or a demo's bot)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _loopback(parts.hostname)


def _loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def queue_of(update: dict[str, Any]) -> int | str:
    """Updates of one chat are delivered one after another; others side by side."""
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post",
                 "my_chat_member", "chat_member"):
        if kind in update:
            return int(update[kind]["chat"]["id"])
    query = update.get("callback_query")
    if query is not None:
        message = query.get("message")
        return int(message["chat"]["id"]) if message else int(query["from"]["id"])
    return f"update:{update['update_id']}"


@dataclass
class Retry:
    attempts: int = 0
    not_before: float = 0.0


@dataclass
class WebhookDeliverer:
    server: LocalBotApi
    url: str
    secret_token: str | None
    max_connections: int
    timeout: float
    retry_base: float
    retry_max: float
    in_flight: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    busy_queues: set[int | str] = field(default_factory=set)
    retries: dict[int, Retry] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _http: aiohttp.ClientSession | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self) -> None:
        # Made here, not in the task: a stop right after a start still closes it.
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._task = asyncio.get_running_loop().create_task(self._run(), name="webhook")

    async def stop(self) -> None:
        """Stop delivering; updates in flight stay queued (getUpdates or the next webhook)."""
        tasks = [t for t in (self._task, *self.in_flight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    def wake(self) -> None:
        self._changed.set()

    async def _run(self) -> None:
        queue = self.server.updates
        while True:
            self._changed.clear()
            next_retry = self._start_due()
            # The queue's event fires on pushes and redeliveries; ours when a POST ended.
            waits = [asyncio.ensure_future(queue.changed().wait()),
                     asyncio.ensure_future(self._changed.wait())]
            try:
                await asyncio.wait(waits, timeout=next_retry, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waits:
                    waiter.cancel()

    def _start_due(self) -> float | None:
        """Start a POST for every update that may go now; seconds until a retry is due."""
        now = time.monotonic()
        next_retry: float | None = None
        waiting: set[int | str] = set()  # chats whose earlier update has not gone through yet
        for update in self.server.updates.pending():
            if len(self.in_flight) >= self.max_connections:
                break
            update_id, chat = int(update["update_id"]), queue_of(update)
            if chat in waiting or chat in self.busy_queues or update_id in self.in_flight:
                waiting.add(chat)
                continue
            waiting.add(chat)
            retry = self.retries.get(update_id)
            if retry is not None and retry.not_before > now:
                delay = retry.not_before - now
                next_retry = delay if next_retry is None else min(next_retry, delay)
                continue
            self.busy_queues.add(chat)
            self.in_flight[update_id] = asyncio.get_running_loop().create_task(
                self._deliver(update, chat))
        return next_retry

    async def _deliver(self, update: dict[str, Any], chat: int | str) -> None:
        update_id = int(update["update_id"])
        try:
            accepted = await self._post(update)
        finally:
            self.in_flight.pop(update_id, None)
            self.busy_queues.discard(chat)
            self.wake()
        if accepted:
            self.retries.pop(update_id, None)
            self.server.updates.ack(update_id)
            if self.server.take_duplicate(update_id):
                self.server.updates.redeliver(update_id)
        else:
            retry = self.retries.setdefault(update_id, Retry())
            retry.attempts += 1
            delay = min(self.retry_base * 2 ** (retry.attempts - 1), self.retry_max)
            retry.not_before = time.monotonic() + delay

    async def _post(self, update: dict[str, Any]) -> bool:
        assert self._http is not None
        stats = self.server.stats
        update_id = int(update["update_id"])
        count = self.server.updates.deliveries.get(update_id, 0) + 1
        self.server.updates.deliveries[update_id] = count
        stats["updates_delivered"] += 1
        if count > 1:
            stats["updates_redelivered"] += 1
        headers = {"Content-Type": "application/json"}
        if self.secret_token:
            headers[SECRET_HEADER] = self.secret_token
        body = json.dumps(update, ensure_ascii=False).encode()
        try:
            async with self._http.post(self.url, data=body, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return True
                error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {type(exc).__name__} {exc}".strip()
        stats["webhook_errors"] += 1
        self.server.webhook["last_error_date"] = self.server.now()
        self.server.webhook["last_error_message"] = error
        log.debug("webhook delivery of %s failed: %s", update_id, error)
        return False
