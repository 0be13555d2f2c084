"""The Bot API calls a process makes before it serves: getMe, then deleteWebhook (polling) or
setWebhook, then the command menus.

A process restarted during a Telegram outage or a flood (after a crash, a deploy, a reboot) must
come up once Telegram answers, not exit: the calls it needs wait out 5xx answers, timeouts,
refused connections and 429s, with a line in the log for each try. Only what waiting cannot
mend ends the start: a refused token, a bad request. The command menus are a convenience: one
Telegram will not take (a Bot API server without setMyCommands) is skipped with a warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.pacing import retry_seconds

log = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_WAIT = 1.0  # seconds; doubled after each failure
LONGEST_WAIT = 30.0


async def when_answered(call: Callable[[], Awaitable[T]], what: str, *,
                        first_wait: float = FIRST_WAIT) -> T:
    """`call()`'s result once Telegram answers it; transient failures are waited out."""
    wait = first_wait
    while True:
        try:
            return await call()
        except BadRequest:  # a NetworkError in the library's terms, but waiting will not mend it
            raise
        except RetryAfter as error:
            pause = retry_seconds(error.retry_after)
            reason: TelegramError = error
        except NetworkError as error:  # 5xx, timed out, connection refused
            pause, reason = wait, error
            wait = min(wait * 2, LONGEST_WAIT)
        log.warning("Telegram did not answer %s (%s); trying again in %.0f s", what, reason,
                    pause)
        await asyncio.sleep(pause)


async def optional(call: Callable[[], Awaitable[object]], what: str) -> bool:
    """Like when_answered, but a refusal is logged and skipped: False then."""
    try:
        await when_answered(call, what)
    except TelegramError as error:
        log.warning("Telegram refused %s (%s); going on without it", what, error)
        return False
    return True
