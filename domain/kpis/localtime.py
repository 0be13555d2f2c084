"""Factory-local time in SQL: stored UTC instants as local epoch milliseconds.

`local_millis(column)` is the instant's wall-clock time in the factory's zone, counted in
milliseconds from 1970-01-01 00:00 *local*. Integer division by a day (86 400 000) then gives
the local day, the remainder the time of day, on any database. Zones with daylight saving change their offset:
the offsets in effect around the period are found here and picked by a CASE in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, SQLColumnExpression, case, literal

from domain.kpis.sql import epoch_millis
from domain.periods import Period

DAY = 86_400_000  # milliseconds
SECOND = 1000
# Work can start a while before the report that records it: offsets are looked up from then.
_LOOK_BACK = timedelta(days=3)


@dataclass(frozen=True)
class Span:
    """A period in a zone as the queries need it: UTC bounds [start, end) and the moment of
    asking (work not done yet is late only once its due time has passed `now`)."""

    period: Period
    zone: ZoneInfo
    start: datetime
    end: datetime
    now: datetime

    @classmethod
    def of(cls, period: Period, zone: ZoneInfo, now: datetime) -> Span:
        start, end = period.bounds(zone)
        return cls(period, zone, start, end, now)

    def offsets(self) -> list[tuple[int, int]]:
        return offsets(self.zone, self.start - _LOOK_BACK, self.end + timedelta(days=1))


def _offset(zone: ZoneInfo, at: datetime) -> int:
    delta = at.astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def offsets(zone: ZoneInfo, since: datetime, until: datetime) -> list[tuple[int, int]]:
    """[(from_epoch, offset_seconds)]: the zone's UTC offset from each instant on, within
    [since, until] (the first entry also holds before `since`, the last after `until`)."""
    since = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    found = [(int(since.timestamp()), _offset(zone, since))]
    at = since
    while at < until:
        following = at + timedelta(hours=1)
        if _offset(zone, following) != found[-1][1]:
            # The change happened within this hour: find its second.
            low, high = int(at.timestamp()), int(following.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, datetime.fromtimestamp(middle, UTC)) == found[-1][1]:
                    low = middle
                else:
                    high = middle
            found.append((high, _offset(zone, following)))
        at = following
    return found


def shift_to_local(epoch: ColumnElement[Any], table: list[tuple[int, int]]) -> ColumnElement[Any]:
    """Epoch milliseconds + the offset in effect then."""
    if len(table) == 1:
        return epoch + literal(table[0][1] * SECOND)
    branches = [(epoch < start * SECOND, literal(before * SECOND)) for (start, _), (_, before)
                in zip(table[1:], table[:-1], strict=True)]
    return epoch + case(*branches, else_=literal(table[-1][1] * SECOND))


def local_millis(column: SQLColumnExpression[datetime | None],
                 table: list[tuple[int, int]]) -> ColumnElement[Any]:
    """The stored UTC time `column` as local epoch milliseconds (NULL stays NULL)."""
    return shift_to_local(epoch_millis(column), table)
