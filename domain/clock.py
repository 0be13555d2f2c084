"""The one clock every rule reads: real UTC time, or a fast clock for demos and tests.

`GONGDAN_CLOCK=2026-11-21T17:58:00+08:00@60` starts the process's clock at that instant and runs
it 60 times faster than the wall clock, so a daily summary due at 18:00 arrives two real seconds
later and a day of escalations plays out in minutes. Everything that stamps or compares times
(reports, reminders, the outbox, the summary job) asks `now()`; intervals between jobs stay real.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class FastClock:
    start: datetime  # aware: the clock's reading when the process set it
    speed: float
    wall_start: float  # time.monotonic() at that moment

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.wall_start) * self.speed)


_fast: FastClock | None = None


def now() -> datetime:
    return _fast.now() if _fast is not None else datetime.now(UTC)


def parse(spec: str) -> FastClock:
    """Read "ISO-INSTANT[@SPEED]"; the instant must carry its offset. Raises ValueError."""
    instant, _, speed = spec.partition("@")
    start = datetime.fromisoformat(instant.strip())
    if start.tzinfo is None:
        raise ValueError("the clock's start needs an offset, e.g. 2026-11-21T17:58:00+08:00")
    factor = float(speed) if speed.strip() else 1.0
    if not factor > 0:
        raise ValueError("the clock's speed must be positive")
    return FastClock(start.astimezone(UTC), factor, time.monotonic())


def set_clock(spec: str | None) -> None:
    """Install a fast clock for this process (None: back to the real one)."""
    global _fast
    _fast = parse(spec) if spec else None
