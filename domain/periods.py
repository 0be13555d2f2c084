"""Periods people ask about (a day, an ISO week, a month, a range of days) in factory time.

Dates are the factory's local calendar; `bounds` turns them into the UTC instants the database
stores, so "today" starts at local midnight whatever the server's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("day", "week", "month", "range")


@dataclass(frozen=True)
class Period:
    kind: str  # day | week | month | range
    start: date  # first local day
    end: date  # last local day (inclusive)

    @classmethod
    def day(cls, day: date) -> Period:
        return cls("day", day, day)

    @classmethod
    def week(cls, day: date) -> Period:
        """The ISO week (Monday to Sunday) holding `day`."""
        monday = day - timedelta(days=day.weekday())
        return cls("week", monday, monday + timedelta(days=6))

    @classmethod
    def month(cls, day: date) -> Period:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return cls("month", first, following - timedelta(days=1))

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        if end < start:
            raise ValueError("a period cannot end before it starts")
        return cls("range", start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def previous(self) -> Period:
        """The period of the same kind just before (yesterday, last week, last month)."""
        if self.kind == "month":
            return Period.month(self.start - timedelta(days=1))
        return Period(self.kind, self.start - timedelta(days=self.days),
                      self.start - timedelta(days=1))

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to local midnight after the last."""
        return local_midnight(self.start, zone), local_midnight(self.end + timedelta(days=1), zone)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        """2026-11-21, 2026-W47, 2026-11, or 2026-11-01..2026-11-15: also what `parse` reads."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_WEEK = re.compile(r"(\d{4})-?w(\d{1,2})")
_RANGE = re.compile(r"(\S+?)(?:\.\.|~|～|至|to)(\S+)")


def parse(text: str, today: date) -> Period:
    """Read what people type after /summary, /me, /export...: today/今天, yesterday/昨天,
    week/本周, lastweek/上周, month/本月, lastmonth/上月, 2026-11-21, 11-21, 2026-W47, 2026-11,
    or a range 2026-11-01..2026-11-15. Raises ValueError for anything else."""
    text = text.strip().casefold().replace(" ", "").replace("/", "-")
    words = {"": Period.day(today), "today": Period.day(today), "今天": Period.day(today),
             "今日": Period.day(today),
             "yesterday": Period.day(today - timedelta(days=1)),
             "昨天": Period.day(today - timedelta(days=1)),
             "昨日": Period.day(today - timedelta(days=1)),
             "week": Period.week(today), "本周": Period.week(today), "这周": Period.week(today),
             "lastweek": Period.week(today - timedelta(days=7)),
             "上周": Period.week(today - timedelta(days=7)),
             "month": Period.month(today), "本月": Period.month(today),
             "这个月": Period.month(today),
             "lastmonth": Period.month(today.replace(day=1) - timedelta(days=1)),
             "上月": Period.month(today.replace(day=1) - timedelta(days=1)),
             "上个月": Period.month(today.replace(day=1) - timedelta(days=1))}
    if text in words:
        return words[text]
    if match := _RANGE.fullmatch(text):
        return Period.between(_day(match[1], today), _day(match[2], today))
    if match := _WEEK.fullmatch(text):
        return Period.week(date.fromisocalendar(int(match[1]), int(match[2]), 1))
    if match := _MONTH.fullmatch(text):
        return Period.month(date(int(match[1]), int(match[2]), 1))
    return Period.day(_day(text, today))


def _day(text: str, today: date) -> date:
    parts = text.split("-")
    if len(parts) == 2:  # 11-21: this year
        return date(today.year, int(parts[0]), int(parts[1]))
    if len(parts) == 3:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError(text)
