"""Fault injection for tests: failing, rate-limited or hanging Bot API calls, for a number of
calls or for a while (a storm), webhook updates delivered twice, and the check that a bot
honoured the retry_after of every 429 it was given."""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .params import Params

_HTTP_PHRASES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                 409: "Conflict", 500: "Internal Server Error", 502: "Bad Gateway",
                 503: "Service Unavailable", 504: "Gateway Timeout"}

EVERY_METHOD = "*"  # a fault on every method, getUpdates included (not file downloads)
FILE_DOWNLOAD = "file"  # the method name under which faults reach file downloads


class FloodError(ApiError):
    """A 429 and how far its retry_after reaches: ``window`` "bot" (every call of the bot
    must wait) or "chat" (only calls for that chat)."""

    def __init__(self, retry_after: int, window: str = "bot"):
        super().__init__(429, f"Too Many Requests: retry after {retry_after}",
                         {"retry_after": retry_after})
        self.retry_after = retry_after
        self.window = window


@dataclass
class Fault:
    """An injected failure; see LocalBotApi.inject and LocalBotApi.storm.

    With ``until`` (a time.monotonic() stamp) it lasts until then, whatever ``times`` says;
    as a context manager it ends when the block does."""

    method: str | None
    status: int | str
    times: int | None
    retry_after: int | None = 1  # None: the whole seconds left of the fault's window
    description: str | None = None
    delay: float = 3600.0
    process: bool = False
    hits: int = 0
    until: float | None = None
    methods: frozenset[str] | None = None  # several methods at once (a storm)
    chats: frozenset[int] | None = None  # only calls for these chats

    @property
    def exhausted(self) -> bool:
        if self.until is not None:
            return time.monotonic() >= self.until
        return self.times is not None and self.hits >= self.times

    @property
    def window(self) -> str:
        """How far a 429 of this fault reaches: the bot, or the chats it was injected for."""
        return "chat" if self.chats else "bot"

    def applies_to(self, method: str, params: Params | None = None) -> bool:
        if self.methods is not None:
            every = EVERY_METHOD in self.methods and method != FILE_DOWNLOAD
            hit = every or method in self.methods
        else:
            hit = self.method == method or (self.method is None
                                            and method not in ("getUpdates", FILE_DOWNLOAD))
        if not hit or self.chats is None:
            return hit
        return _chat_of(params.values if params else {}) in self.chats

    def seconds_left(self) -> int:
        """What a 429 says to wait: the fault's own retry_after, or what is left of it."""
        if self.retry_after is not None:
            return self.retry_after
        left = (self.until or 0.0) - time.monotonic()
        return max(1, math.ceil(left))

    def end(self) -> None:
        """Stop failing from now on."""
        now = time.monotonic()
        self.until = now if self.until is None else min(self.until, now)

    def __enter__(self) -> Fault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()


@dataclass
class RequestRecord:
    ts: float
    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None
    duration: float = 0.0
    injected: bool = False
    retry_after: int | None = None  # a 429's
    window: str | None = None  # a 429's reach: "bot" or "chat" (FloodError.window)

    @property
    def answered(self) -> float:
        return self.ts + self.duration

    @property
    def chat_id(self) -> int | None:
        return _chat_of(self.params)


def calls_inside_retry_after(records: Iterable[RequestRecord], slack: float = 0.3,
                             ) -> list[tuple[RequestRecord, RequestRecord]]:
    """The calls a bot began while a 429 it had been answered still said to wait, as (429,
    call) pairs. Long polling is a channel of its own: a 429 to getUpdates holds getUpdates,
    any other 429 holds the other calls, every one ("bot" window) or that chat's ("chat"). A
    call begun within ``slack`` seconds of the answer counts as already on its way (the bot
    had several calls in flight and had not read the answer yet)."""
    records = sorted(records, key=lambda r: r.ts)
    floods = [r for r in records if r.status == 429 and r.retry_after]
    broken = []
    for flood in floods:
        opens, closes = flood.answered + slack, flood.answered + (flood.retry_after or 0)
        polling = flood.method == "getUpdates"
        for call in records:
            if call.ts >= closes:
                break
            if call.ts <= opens or (call.method == "getUpdates") != polling:
                continue
            if flood.window == "chat" and call.chat_id != flood.chat_id:
                continue
            broken.append((flood, call))
    return broken


def _chat_of(values: dict[str, Any]) -> int | None:
    value = values.get("chat_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class FaultInjector:
    faults: list[Fault]
    stats: dict[str, Any]
    requests: Any  # deque[RequestRecord], kept by the server
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
               delay: float = 3600.0, process: bool = False,
               for_seconds: float | None = None) -> Fault:
        """Make the next ``times`` calls of ``method`` fail (None: any method except
        getUpdates; "*": every method; times=None: until clear_faults()), or every call for
        ``for_seconds`` from now. status: an HTTP code (429 carries
        ``parameters.retry_after``) or "timeout" (the response is held back ``delay`` s,
        i.e. until the client times out; with process=True the call takes effect first)."""
        until = None if for_seconds is None else time.monotonic() + for_seconds
        fault = Fault(method, status, None if until else times, retry_after, description,
                      delay, process, until=until)
        self.faults.append(fault)
        return fault

    def storm(self, status: int | str = 429, seconds: float | None = None, *,
              methods: str | Iterable[str] = EVERY_METHOD, chats: Iterable[int] | None = None,
              retry_after: int | None = None, description: str | None = None,
              delay: float = 3600.0, process: bool = False) -> Fault:
        """Every call of ``methods`` (default: every method, getUpdates included) fails with
        ``status`` for ``seconds`` (None: until ``fault.end()``, the end of a ``with`` block,
        or clear_faults()). With ``chats`` only calls for those chats fail, and a 429's
        retry_after holds only them; otherwise it holds the whole bot. A 429 says to wait
        ``retry_after`` seconds, by default what is left of the storm (as a flood ban does).
        "timeout" holds responses back ``delay`` seconds (see inject)."""
        names = frozenset([methods] if isinstance(methods, str) else methods)
        until = time.monotonic() + (seconds if seconds is not None else 1e9)
        if retry_after is None and seconds is None:
            retry_after = 1
        fault = Fault(None, status, None, retry_after, description, delay, process,
                      until=until, methods=names,
                      chats=frozenset(chats) if chats is not None else None)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def retry_after_ignored(self, slack: float = 0.3) -> list[tuple[RequestRecord, RequestRecord]]:
        """Calls the bot began inside a retry_after window this server announced (see
        calls_inside_retry_after); [] for a bot that honours them all."""
        return calls_inside_retry_after(self.requests, slack)

    def _take_fault(self, method: str, params: Params | None = None) -> Fault | None:
        for fault in list(self.faults):
            if fault.exhausted:
                if fault.until is not None:
                    self.faults.remove(fault)  # its time is over
                continue
            if fault.applies_to(method, params):
                fault.hits += 1
                if fault.exhausted:
                    self.faults.remove(fault)
                return fault
        return None

    def _fault_error(self, fault: Fault) -> ApiError:
        if fault.status == 429:
            return FloodError(fault.seconds_left(), fault.window)
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
