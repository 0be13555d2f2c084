"""The shift calendar: who is at work when, so that reminders never ping people off shift.

Shifts are rows of the factory settings (`shift` table): a team ('*' for everyone), ISO weekdays
("1-5", "1,3,5"; 1 is Monday) and a start and end time in the factory's time zone. An end
earlier than the start runs past midnight (22:00-06:00); an end equal to the start is a 24-hour
shift. The weekday is the day the shift starts.

A person follows the shifts of their own team, or the '*' shifts when their team has none. When
no shift applies to a person (in particular when the factory configured no shifts at all), that
person counts as always on shift: a factory without a calendar is never kept quiet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.factory_settings import parse_weekdays
from domain.models import Shift

log = logging.getLogger(__name__)

EVERYONE = "*"
# Far enough to find the next occurrence of any shift that runs at least once a week.
_LOOKAHEAD_DAYS = 8


@dataclass(frozen=True)
class ShiftSpec:
    id: int
    name: str
    team: str
    weekdays: frozenset[int]
    start: time
    end: time

    @classmethod
    def of(cls, row: Shift) -> ShiftSpec:
        return cls(row.id, row.name, row.team or EVERYONE,
                   frozenset(parse_weekdays(row.weekdays)), parse_clock(row.start),
                   parse_clock(row.end))


@dataclass(frozen=True)
class Occurrence:
    """One shift on one day: `day` is the local date it starts; start and end are UTC."""

    shift: ShiftSpec
    day: date
    start: datetime
    end: datetime

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


def parse_clock(text: str) -> time:
    """A local time of day, "HH:MM"."""
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


async def load_shifts(session: AsyncSession) -> list[ShiftSpec]:
    """The calendar; a row that does not parse (the import checks them) is left out."""
    specs = []
    for row in (await session.scalars(select(Shift).order_by(Shift.id))).all():
        try:
            specs.append(ShiftSpec.of(row))
        except ValueError:
            log.error("shift %s (%s) is not valid: %s %s-%s", row.id, row.name, row.weekdays,
                      row.start, row.end)
    return specs


def shifts_of(team: str | None, shifts: Iterable[ShiftSpec]) -> list[ShiftSpec]:
    """The shifts a person of this team works: their team's own, else the '*' ones."""
    shifts = list(shifts)
    own = [s for s in shifts if team and s.team == team]
    return own or [s for s in shifts if s.team == EVERYONE]


def follows(shift: ShiftSpec, team: str | None, shifts: Iterable[ShiftSpec]) -> bool:
    """Does a person of this team work this shift?"""
    return shift in shifts_of(team, shifts)


def occurrence_on(shift: ShiftSpec, day: date, zone: ZoneInfo | str) -> Occurrence | None:
    """The shift on this local date, or None if it does not run that weekday."""
    if day.isoweekday() not in shift.weekdays:
        return None
    zone = _zone(zone)
    start = datetime.combine(day, shift.start, tzinfo=zone)
    end_day = day + timedelta(days=1) if shift.end <= shift.start else day
    end = datetime.combine(end_day, shift.end, tzinfo=zone)
    return Occurrence(shift, day, start.astimezone(UTC), end.astimezone(UTC))


def occurrences(shifts: Iterable[ShiftSpec], since: datetime, until: datetime,
                zone: ZoneInfo | str) -> list[Occurrence]:
    """Every occurrence that overlaps [since, until), ordered by start."""
    zone = _zone(zone)
    first = since.astimezone(zone).date() - timedelta(days=1)  # yesterday's night shift
    days = (until.astimezone(zone).date() - first).days + 1
    found = []
    for shift in shifts:
        for n in range(days):
            occurrence = occurrence_on(shift, first + timedelta(days=n), zone)
            if occurrence and occurrence.start < until and occurrence.end > since:
                found.append(occurrence)
    return sorted(found, key=lambda o: (o.start, o.shift.id))


def ending_between(shifts: Iterable[ShiftSpec], since: datetime, until: datetime,
                   zone: ZoneInfo | str) -> list[Occurrence]:
    """Occurrences whose end falls in (since, until]: the shifts about to end."""
    return [o for o in occurrences(shifts, since, until + timedelta(microseconds=1), zone)
            if since < o.end <= until]


def on_shift(team: str | None, at: datetime, shifts: Iterable[ShiftSpec],
             zone: ZoneInfo | str) -> bool:
    """Is a person of this team at work at `at`? Always, when no shift applies to them."""
    mine = shifts_of(team, shifts)
    if not mine:
        return True
    return any(o.covers(at) for o in occurrences(mine, at, at + timedelta(seconds=1), zone))


def next_shift_start(team: str | None, at: datetime, shifts: Iterable[ShiftSpec],
                     zone: ZoneInfo | str) -> datetime | None:
    """When a person of this team next starts a shift after `at`; None when none applies."""
    mine = shifts_of(team, shifts)
    starts = [o.start for o in occurrences(mine, at, at + timedelta(days=_LOOKAHEAD_DAYS), zone)
              if o.start > at]
    return min(starts, default=None)
