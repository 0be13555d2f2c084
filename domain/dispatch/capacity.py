"""Working time: when a person can work, from the shift calendar (domain/shifts.py).

A `Calendar` holds the working windows of one set of shifts as POSIX seconds, generated lazily
as far ahead as the plan reaches; `work(at, seconds)` answers "starting no earlier than `at`,
when does this much work start and end?", skipping nights, Sundays and every other gap.

A factory that configured no shifts (or a person whose team has none and there is no '*'
shift) is planned on `DEFAULT_SHIFT`, 08:00-17:00 Monday to Saturday in factory time: the
reminders treat such a person as always on shift, but planning 24 hours a day would promise
three times the output the floor has.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.shifts import EVERYONE, ShiftSpec, occurrences, shifts_of

DEFAULT_SHIFT = ShiftSpec(id=0, name="08:00-17:00", team=EVERYONE,
                          weekdays=frozenset(range(1, 7)), start=time(8), end=time(17))
# Windows are generated this far at a time, and never beyond the last limit (a calendar whose
# shifts never run would otherwise be searched forever).
_CHUNK = timedelta(days=28)
_LIMIT = timedelta(days=3 * 366)


class NoCapacity(Exception):
    """The calendar has no working time within the planning limit."""


class Calendar:
    """The merged working windows of a set of shifts, from `since` on."""

    def __init__(self, shifts: Sequence[ShiftSpec], zone: ZoneInfo, since: datetime) -> None:
        self.shifts = tuple(shifts) or (DEFAULT_SHIFT,)
        self.zone = zone
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._until = since - timedelta(days=1)  # yesterday's night shift may still run
        self._limit = since + _LIMIT

    def _grow(self) -> None:
        if self._until >= self._limit:
            raise NoCapacity
        since, self._until = self._until, self._until + _CHUNK
        for found in occurrences(self.shifts, since, self._until, self.zone):
            start, end = found.start.timestamp(), found.end.timestamp()
            if self._ends and start <= self._ends[-1]:  # overlapping or adjacent: one window
                self._ends[-1] = max(self._ends[-1], end)
            else:
                self._starts.append(start)
                self._ends.append(end)

    def _window(self, at: float) -> int:
        """The index of the first window that ends after `at`."""
        while True:
            index = bisect_right(self._ends, at)
            if index < len(self._ends):
                return index
            self._grow()

    def work(self, at: float, seconds: float) -> tuple[float, float]:
        """Start at the first working instant at or after `at`; end once `seconds` of working
        time are done (the gaps between shifts do not count)."""
        index = self._window(at)
        start = cursor = max(at, self._starts[index])
        left = seconds
        while True:
            room = self._ends[index] - cursor
            if left <= room:
                return start, cursor + left
            left -= room
            index += 1
            if index == len(self._ends):
                self._grow()
            cursor = self._starts[index]


def calendars(teams: Sequence[str | None], shifts: Sequence[ShiftSpec], zone: ZoneInfo,
              since: datetime) -> dict[str | None, Calendar]:
    """One calendar per team, shared by its people (they follow the same shifts)."""
    made: dict[tuple[int, ...], Calendar] = {}
    by_team = {}
    for team in dict.fromkeys(teams):
        mine = shifts_of(team, shifts)
        key = tuple(s.id for s in mine)
        if key not in made:
            made[key] = Calendar(mine, zone, since)
        by_team[team] = made[key]
    return by_team


def instant(seconds: float) -> datetime:
    """POSIX seconds back to an aware UTC datetime, to the second."""
    return datetime.fromtimestamp(round(seconds), UTC)
