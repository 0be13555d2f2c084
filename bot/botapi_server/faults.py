"""Fault injection for tests: failing, rate-limited or hanging Bot API calls, and webhook
updates delivered twice."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, too_many_requests
from .params import Params

_HTTP_PHRASES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                 409: "Conflict", 500: "Internal Server Error", 502: "Bad Gateway",
                 503: "Service Unavailable", 504: "Gateway Timeout"}


@dataclass
class Fault:
    """An injected failure; see LocalBotApi.inject."""

    method: str | None
    status: int | str
    times: int | None
    retry_after: int = 1
    description: str | None = None
    delay: float = 3600.0
    process: bool = False
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


@dataclass
class RequestRecord:
    ts: float
    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None
    duration: float = 0.0
    injected: bool = False


class FaultInjector:
    faults: list[Fault]
    stats: dict[str, Any]
    _closing: asyncio.Event
    duplicate_every: int = 0
    _accepted: int = 0
    _duplicated: set[int]

    # ------------------------------------------------------------------ duplicates
    def duplicate_webhook_deliveries(self, every: int = 1) -> None:
        """POST every ``every``th update the webhook accepted once more, as Telegram does when
        it missed the answer (0: never). The same update is never duplicated twice."""
        self.duplicate_every, self._accepted, self._duplicated = max(every, 0), 0, set()

    def take_duplicate(self, update_id: int) -> bool:
        """Called for each accepted delivery: should this update go out once more?"""
        if not self.duplicate_every or update_id in self._duplicated:
            return False
        self._accepted += 1
        if self._accepted % self.duplicate_every:
            return False
        self._duplicated.add(update_id)
        self.stats["updates_duplicated"] += 1
        return True

    # ------------------------------------------------------------------ faults
    def inject(self, method: str | None = None, status: int | str = 500, times: int | None = 1,
               retry_after: int = 1, *, description: str | None = None,
               delay: float = 3600.0, process: bool = False) -> Fault:
        """Make the next ``times`` calls of ``method`` fail (None: any method except
        getUpdates; times=None: until clear_faults()). status: an HTTP code (429 carries
        ``parameters.retry_after``) or "timeout" (the response is held back ``delay`` s,
        i.e. until the client times out; with process=True the call takes effect first)."""
        fault = Fault(method, status, times, retry_after, description, delay, process)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.exhausted:
                continue
            if fault.method == method or (fault.method is None and method != "getUpdates"):
                fault.hits += 1
                if fault.exhausted:
                    self.faults.remove(fault)
                return fault
        return None

    def _fault_error(self, fault: Fault) -> ApiError:
        if fault.status == 429:
            return too_many_requests(fault.retry_after)
        code = int(fault.status)
        desc = fault.description or _HTTP_PHRASES.get(code, "Error")
        if fault.description is None and code == 400:
            desc = "Bad Request: injected failure"
        return ApiError(code, desc)

    async def _apply_fault(self, fault: Fault, func: Callable, params: Params) -> Any:
        if fault.status != "timeout":
            raise self._fault_error(fault)
        result: Any = None
        if fault.process:
            result = func(self, params)
            if inspect.isawaitable(result):
                result = await result
        try:
            await asyncio.wait_for(self._closing.wait(), fault.delay)
        except TimeoutError:
            pass
        if fault.process:
            return result
        raise ApiError(504, "Gateway Timeout")

