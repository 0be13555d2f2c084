"""What a read asks for: a time window, a page size, and where the previous page ended.

Times are ISO 8601. A date (2026-11-21) is a day of the factory's calendar: `from` starts at its
local midnight, `to` ends at the midnight after it (the day is included). A date-time without
an offset is factory time; one with an offset (or Z) means what it says. The window is
[from, to). Wages and KPIs are booked per local day, so they take dates only (a Period).

A cursor is opaque to the client: the list it belongs to and the key of the last row it read.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import DomainError
from domain.periods import Period, local_midnight

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_PERIOD_DAYS = 366
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """As Period.bounds gives them: domain/records.py's queries read either."""
        return self.start, self.end


def window(start: str | None, end: str | None, zone: ZoneInfo) -> Window:
    lower = instant(start, zone, "from") if start else EARLIEST
    upper = instant(end, zone, "to") if end else LATEST
    if upper <= lower:
        raise DomainError("api.empty_window", field="to")
    return Window(lower, upper)


def instant(text: str, zone: ZoneInfo, field: str) -> datetime:
    """`field` is "from" or "to": a date means the start of that day, or the end of it."""
    text = text.strip()
    try:
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
            return local_midnight(day + timedelta(days=1) if field == "to" else day, zone)
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise DomainError("api.bad_time", field=field, value=text[:40]) from None


def period(start: str | None, end: str | None, today: date) -> Period:
    """Whole local days: from the 1st of the month to today unless said otherwise."""
    last = _day(end, "to") if end else today
    first = _day(start, "from") if start else last.replace(day=1)
    if last < first:
        raise DomainError("api.empty_window", field="to")
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise DomainError("api.period_too_long", field="to", limit=MAX_PERIOD_DAYS)
    return Period.between(first, last)


def _day(text: str, field: str) -> date:
    try:
        if _DATE.fullmatch(text.strip()):
            return date.fromisoformat(text.strip())
    except ValueError:
        pass
    raise DomainError("api.bad_date", field=field, value=text[:40])


def limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise DomainError("api.bad_limit", field="limit", value=text[:40], max=MAX_LIMIT)
    return int(text)


# --- cursors ---------------------------------------------------------------------------------

Key = tuple[datetime, int] | int  # (time, id) for rows in time order, else an id


def encode_cursor(kind: str, key: Key) -> str:
    data: dict[str, Any] = {"k": kind}
    if isinstance(key, tuple):
        data |= {"t": key[0].astimezone(UTC).isoformat(), "i": key[1]}
    else:
        data["i"] = key
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str | None, kind: str, *, timed: bool) -> Any:
    """The key a cursor of list `kind` holds ((time, id) when `timed`, else an id); None
    without one."""
    if text is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(data, dict) or data.get("k") != kind:
            raise ValueError(kind)
        row_id = data["i"]
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError(row_id)
        if not timed:
            return row_id
        at = datetime.fromisoformat(data["t"])
        if at.tzinfo is None:
            raise ValueError(at)
        return at.astimezone(UTC), row_id
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError,
            OverflowError):
        raise DomainError("api.bad_cursor", field="cursor") from None
