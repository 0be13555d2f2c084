"""The update queue behind getUpdates (and behind the webhook, webhook.py, which confirms an
update when the bot accepted it), with Telegram's semantics:

* updates are kept until confirmed; getUpdates with ``offset`` confirms (drops) every
  update with a lower id; with no/zero offset the earliest unconfirmed ones come again
  (so a bot killed between receiving and confirming gets them redelivered);
* a negative offset keeps only the last ``-offset`` updates;
* ``timeout`` long-polls; a newer getUpdates ends an older waiting one with 409 Conflict;
* ``allowed_updates`` (sticky between calls) decides which updates are created at all.

``stall()`` makes getUpdates calls hang before they confirm anything, so a test can kill
a bot that has received updates but not confirmed them yet.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .params import Params

if TYPE_CHECKING:
    from .server import LocalBotApi

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT_OTHER = ("Conflict: terminated by other getUpdates request; make sure that only one "
                  "bot instance is running")
CONFLICT_WEBHOOK = ("Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first")


class UpdateQueue:
    def __init__(self, server: LocalBotApi, first_update_id: int = 1):
        self.server = server
        self.next_id = first_update_id
        self.queue: deque[dict[str, Any]] = deque()
        self.forced: list[dict[str, Any]] = []  # redeliveries of confirmed updates
        self.forced_sent: set[int] = set()
        self.history: dict[int, dict[str, Any]] = {}
        self.deliveries: dict[int, int] = {}
        self.allowed: list[str] | None = None
        self.poll_gen = 0
        self._changed = asyncio.Event()
        self._running = asyncio.Event()  # cleared while polling is stalled
        self._running.set()
        self.stall_after: int | None = None

    def stall(self, after_batches: int = 0) -> None:
        if after_batches <= 0:
            self._running.clear()
            self.stall_after = None
        else:
            self.stall_after = after_batches

    def resume(self) -> None:
        self.stall_after = None
        self._running.set()

    @property
    def stalled(self) -> bool:
        return not self._running.is_set()

    def wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def changed(self) -> asyncio.Event:
        """Set at the next change of the queue (a push, a redelivery, a confirmation)."""
        return self._changed

    def _allowed(self, kind: str) -> bool:
        if self.allowed:
            return kind in self.allowed
        return kind not in DEFAULT_EXCLUDED

    def push(self, update: dict[str, Any]) -> int | None:
        kinds = [k for k in update if k != "update_id"]
        if kinds and not self._allowed(kinds[0]):
            return None
        if update.get("update_id") is None:
            update = {"update_id": self.next_id, **update}
        uid = int(update["update_id"])
        self.next_id = max(self.next_id, uid + 1)
        self.queue.append(update)
        if len(self.queue) > 1 and self.queue[-2]["update_id"] > uid:
            self.queue = deque(sorted(self.queue, key=lambda u: u["update_id"]))
        self.history[uid] = update
        self.server.stats["updates_pushed"] += 1
        self.wake()
        return uid

    def redeliver(self, update_id: int) -> bool:
        if any(u["update_id"] == update_id for u in self.queue):
            return False  # not confirmed yet: it will come again anyway
        update = self.history.get(update_id)
        if update is None:
            return False
        self.forced.append(update)
        self.forced_sent.discard(update_id)
        self.wake()
        return True

    def ack(self, update_id: int) -> None:
        """The webhook accepted this update: it leaves the queue (a redelivery first)."""
        for n, update in enumerate(self.forced):
            if update["update_id"] == update_id:
                del self.forced[n]
                break
        else:
            before = len(self.queue)
            self.queue = deque(u for u in self.queue if u["update_id"] != update_id)
            self.server.stats["updates_confirmed"] += before - len(self.queue)
        self.wake()

    def pending(self) -> list[dict[str, Any]]:
        return list(self.forced) + list(self.queue)

    def is_confirmed(self, update_id: int) -> bool:
        return update_id < self.next_id and not any(
            u["update_id"] == update_id for u in self.pending())

    async def wait_confirmed(self, update_id: int | None, timeout: float) -> None:
        target = self.next_id - 1 if update_id is None else update_id
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (self.is_confirmed(target) and (update_id is not None or not self.forced)):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"update {target} not confirmed within {timeout}s; "
                                   f"pending: {[u['update_id'] for u in self.pending()]}")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    def _confirm(self, offset: int) -> None:
        stats = self.server.stats
        if offset > 0:
            while self.queue and self.queue[0]["update_id"] < offset:
                self.queue.popleft()
                stats["updates_confirmed"] += 1
            keep = [u for u in self.forced
                    if not (u["update_id"] in self.forced_sent and u["update_id"] < offset)]
            self.forced = keep
        elif offset < 0:
            self.forced = []
            while len(self.queue) > -offset:
                self.queue.popleft()
                stats["updates_confirmed"] += 1
        self.wake()

    def _take(self, limit: int) -> list[dict[str, Any]]:
        batch = (list(self.forced) + list(self.queue))[:limit]
        stats = self.server.stats
        for update in batch:
            uid = update["update_id"]
            count = self.deliveries.get(uid, 0) + 1
            self.deliveries[uid] = count
            stats["updates_delivered"] += 1
            if count > 1:
                stats["updates_redelivered"] += 1
        self.forced_sent.update(u["update_id"] for u in self.forced[:limit])
        if batch:
            self.wake()
        return batch

    async def wait_delivered(self, update_id: int | None, timeout: float) -> None:
        target = self.next_id - 1 if update_id is None else update_id
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.deliveries.get(target):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"update {target} not delivered within {timeout}s")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    async def get_updates(self, p: Params) -> list[dict[str, Any]]:
        closing = self.server._closing
        if not self._running.is_set():  # stalled: hang before looking at offset
            self.server.stats["polls_stalled"] += 1
            waiters = [asyncio.ensure_future(self._running.wait()),
                       asyncio.ensure_future(closing.wait())]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
            if closing.is_set():
                return []
        batch = await self._poll(p, closing)
        if batch and self.stall_after is not None:
            self.stall_after -= 1
            if self.stall_after <= 0:
                self.stall()
        return batch

    async def _poll(self, p: Params, closing: asyncio.Event) -> list[dict[str, Any]]:
        if self.server.webhook.get("url"):
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = p.int("offset", 0) or 0
        limit = min(max(p.int("limit", 100) or 100, 1), 100)
        timeout = max(p.float("timeout", 0.0) or 0.0, 0.0)
        allowed = p.json("allowed_updates")
        if allowed is not None:
            self.allowed = list(allowed)
        self.poll_gen += 1
        gen = self.poll_gen
        self._confirm(offset)  # also wakes an older waiting poll, which then gets 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._take(limit)
            if batch or closing.is_set():
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass
            if self.poll_gen != gen:
                raise ApiError(409, CONFLICT_OTHER)
