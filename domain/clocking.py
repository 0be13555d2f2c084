"""Clocking 打卡: /clockin and /clockout, a supervisor's fix, and forgotten clock-outs.

One open entry per person (a unique column, so also under concurrency). An entry is closed
once: by its worker (now, or at a time they give: "/clockout 17:30"), by a supervisor's fix, or
at the end of the person's shift when the factory pays hours from the shift calendar. Closing
freezes the person's hourly rate and the paid minutes; the hours are booked on the day the
entry is closed (domain/wages.py). An entry nobody closed is never closed silently and is not
paid: after `clock_forgot_minutes` (counted from the end of the person's shift when the
calendar has one) the `clock_open` ladder reminds the worker, who can answer with the time
they left, then the supervisors of their team, who get a Fix button.

A time someone types ("17:30", "8点30", "11-20 17:30") means the first such moment after the
clock-in: a night shift's "06:00" is the next morning. It must be after the clock-in, not in
the future, and at most 24 hours after the clock-in; anything else is refused, nothing changes.

hours_source = shift: an entry clocked in during a shift (or up to two hours before it) is
paid for the part of it inside the shift, and closes by itself at the shift's end (source
"shift", audited, the worker told). Clocking in outside any shift is paid as clocked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, reminders, shifts
from domain.db import rows_changed
from domain.errors import DomainError
from domain.factory_settings import FactorySettings, load_settings, parse_clock
from domain.models import ClockEntry, ClockSource, Person, Reminder, Role
from domain.notifications import Button, Notice, notify_person
from domain.payload import normalize_text
from domain.reminders import Follow, rules_of, scratch, step_target
from domain.rules import FactoryRules
from domain.wages import PAID_KINDS, clock_span, money, supervises

CLOCK_OPEN = "clock_open"  # the forgotten clock-out ladder
SHIFT_END = "clock_shift_end"  # closing at the shift's end (hours_source = shift)
ENTITY = "clock_entry"
# Clocking in this long before a shift starts counts as coming to that shift.
EARLY = timedelta(hours=2)
# No clocked stretch is longer: a later time is a typo.
MAX_SPAN = timedelta(hours=24)
_DAY = re.compile(r"(\d{1,2})[-/月.](\d{1,2})日?")


@dataclass(frozen=True)
class ClockedIn:
    entry: ClockEntry
    shift: shifts.Occurrence | None  # the shift it counts for, when the calendar has one
    closes_at: datetime | None  # closed by itself then (hours_source = shift)
    again: bool = False  # the same update delivered twice: nothing new was recorded


@dataclass(frozen=True)
class Closed:
    entry: ClockEntry
    person: Person
    minutes: int
    rate: Decimal
    amount: Decimal
    paid: bool  # does the person's wage mode pay hours?


# --- clocking in and out -------------------------------------------------------------------


async def clock_in(session: AsyncSession, person: Person, *, now: datetime, key: str,
                   rules: FactoryRules) -> ClockedIn:
    """Open an entry at `now`; refused while one is open. Idempotent by the update's key."""
    settings = await load_settings(session)
    calendar = await shifts.load_shifts(session)
    zone = ZoneInfo(rules.timezone)
    again = await session.scalar(select(ClockEntry).where(ClockEntry.idempotency_key == key))
    if again is not None and again.person_id == person.id:
        shift = shift_for(person.team, again.clock_in_at, calendar, zone)
        return ClockedIn(again, shift, _closes_at(settings, shift), again=True)
    await _refuse_if_open(session, person)
    entry = ClockEntry(person_id=person.id, open_person_id=person.id, clock_in_at=now,
                       idempotency_key=key, created_at=now)
    try:
        async with session.begin_nested():
            session.add(entry)
            await session.flush()
    except IntegrityError:  # clocked in meanwhile by a concurrent update
        await _refuse_if_open(session, person)
        raise
    shift = shift_for(person.team, now, calendar, zone)
    closes_at = _closes_at(settings, shift)
    if closes_at is not None:
        await reminders.follow(session, kind=SHIFT_END, fact_key=f"{SHIFT_END}:{entry.id}",
                               entity=ENTITY, entity_id=entry.id, started_at=closes_at,
                               due_at=closes_at, now=now, rules=rules)
    else:
        forgot = (shift.end if shift else now) + timedelta(minutes=settings.clock_forgot_minutes)
        await reminders.follow(session, kind=CLOCK_OPEN, fact_key=f"{CLOCK_OPEN}:{entry.id}",
                               entity=ENTITY, entity_id=entry.id, started_at=forgot, now=now,
                               rules=rules)
    audit.record(session, "clock.in", actor_person_id=person.id, entity=ENTITY,
                 entity_id=entry.id, at=now, shift=shift.shift.name if shift else None)
    return ClockedIn(entry, shift, closes_at)


async def clock_out(session: AsyncSession, person: Person, *, now: datetime, key: str,
                    rules: FactoryRules, at: str | datetime | None = None,
                    entry_id: int | None = None) -> Closed:
    """Close the person's open entry now, or at the time they give (after a reminder).

    `entry_id` (the reminder's button) makes sure the entry asked about is the open one.
    """
    entry = await open_entry(session, person)
    if entry is None or (entry_id is not None and entry.id != entry_id):
        raise DomainError("clock.not_in")
    zone = ZoneInfo(rules.timezone)
    out = now if at is None else out_time(at, entry.clock_in_at, now, zone)
    if out <= entry.clock_in_at:
        raise DomainError("clock.out_before_in", since_at=entry.clock_in_at)
    return await _close(session, entry, person, out=out, source=ClockSource.chat, by=person,
                        reason=None, now=now, rules=rules, key=key)


async def fix_clock_out(session: AsyncSession, supervisor: Person, *, out: str | datetime,
                        reason: str | None, now: datetime, key: str, rules: FactoryRules,
                        entry_id: int | None = None, person_code: str | None = None) -> Closed:
    """A supervisor sets the clock-out a worker forgot (the entry by id, or the person's open
    one): hours booked on the day of the fix, the worker told."""
    entry, person = await entry_to_fix(session, supervisor, entry_id, person_code)
    zone = ZoneInfo(rules.timezone)
    out_at = out_time(out, entry.clock_in_at, now, zone)
    reason = (reason or "").strip()[:200] or None
    closed = await _close(session, entry, person, out=out_at, source=ClockSource.fix,
                          by=supervisor, reason=reason, now=now, rules=rules, key=key)
    notify_person(session, person, Notice("clock.fixed_notice", {
        "span": clock_span(entry, zone), "by": supervisor.name,
        "minutes_seconds": closed.minutes * 60, "note": reason or "—"}),
        default_lang=rules.default_language)
    return closed


async def entry_to_fix(session: AsyncSession, supervisor: Person, entry_id: int | None,
                       person_code: str | None = None) -> tuple[ClockEntry, Person]:
    """The open entry (by id, or a person's by code) if this supervisor may fix it."""
    if not supervisor.has_role(Role.supervisor):
        raise DomainError("auth.forbidden", needed=Role.supervisor.value)
    entry, person = await _entry_to_fix(session, entry_id, person_code)
    if person.id == supervisor.id:
        raise DomainError("clock.fix_own")
    if not supervises(supervisor, person):
        raise DomainError("wages.not_your_team", name=person.name, code=person.code)
    return entry, person


def out_time(given: str | datetime, since: datetime, now: datetime, zone: ZoneInfo) -> datetime:
    """The clock-out a person means: the first such local time after `since`, unless a date
    is given ("11-20 17:30"). Refused when not after `since`, in the future, or too late."""
    if isinstance(given, datetime):
        out = given
        same_day_before = False
    else:
        out, same_day_before = _parse_out(given, since, zone)
    if out <= since or (out > now and same_day_before):
        raise DomainError("clock.out_before_in", out_at=out, since_at=since)
    if out > now:
        raise DomainError("clock.in_future", out_at=out)
    if out - since > MAX_SPAN:
        raise DomainError("clock.too_long", out_at=out, since_at=since)
    return out


def split_time(text: str) -> tuple[str, str | None]:
    """"17:30 忘记打卡" → ("17:30", "忘记打卡"); "11-20 17:30 原因" → ("11-20 17:30", "原因")."""
    words = normalize_text(text).split()
    if not words:
        raise DomainError("clock.bad_time", text=text)
    n = 2 if len(words) > 1 and _DAY.fullmatch(words[0]) else 1
    return " ".join(words[:n]), " ".join(words[n:]) or None


def _parse_out(text: str, since: datetime, zone: ZoneInfo) -> tuple[datetime, bool]:
    """(the moment, whether the time fell at or before the clock-in on the clock-in's day)."""
    text = normalize_text(text).replace("：", ":")
    day_text, _, clock_text = text.rpartition(" ")
    try:
        hours, minutes = map(int, parse_clock(clock_text).split(":"))
    except ValueError:
        raise DomainError("clock.bad_time", text=text) from None
    at = time(hours, minutes)
    start = since.astimezone(zone)
    if day_text:
        match = _DAY.fullmatch(day_text.strip())
        if match is None:
            raise DomainError("clock.bad_time", text=text)
        day = _month_day(int(match[1]), int(match[2]), start.date(), text)
        return _local(day, at, zone), False
    same_day = _local(start.date(), at, zone)
    if same_day > since:
        return same_day, False
    return _local(start.date() + timedelta(days=1), at, zone), True


def _month_day(month: int, day: int, near: date, text: str) -> date:
    """MM-DD in the year that puts it closest to `near` (a fix across New Year)."""
    try:
        options = [date(near.year + n, month, day) for n in (-1, 0, 1)]
    except ValueError:
        raise DomainError("clock.bad_time", text=text) from None
    return min(options, key=lambda d: abs((d - near).days))


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


# --- what closing does ---------------------------------------------------------------------


def shift_for(team: str | None, at: datetime, calendar: list[shifts.ShiftSpec],
              zone: ZoneInfo) -> shifts.Occurrence | None:
    """The shift a clock-in at `at` belongs to: one running then, else one starting soon."""
    mine = shifts.shifts_of(team, calendar)
    if not mine:
        return None
    found = shifts.occurrences(mine, at, at + EARLY + timedelta(seconds=1), zone)
    running = [o for o in found if o.covers(at)]
    if running:
        return running[0]
    return next((o for o in found if at < o.start <= at + EARLY), None)


def _closes_at(settings: FactorySettings, shift: shifts.Occurrence | None) -> datetime | None:
    return shift.end if settings.hours_source == "shift" and shift is not None else None


def paid_minutes(clock_in: datetime, clock_out: datetime,
                 shift: shifts.Occurrence | None = None) -> int:
    """Whole minutes between the two times as shown (08:02–17:31 is 569), clipped to the
    shift when hours come from the calendar."""
    start, end = clock_in, clock_out
    if shift is not None:
        start, end = max(start, shift.start), min(end, shift.end)
    start, end = _minute(start), _minute(end)
    return max(0, int((end - start).total_seconds() // 60))


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


async def _close(session: AsyncSession, entry: ClockEntry, person: Person, *, out: datetime,
                 source: ClockSource, by: Person | None, reason: str | None, now: datetime,
                 rules: FactoryRules, key: str | None, handled: str | None = None) -> Closed:
    settings = await load_settings(session)
    shift = None
    if settings.hours_source == "shift":
        shift = shift_for(person.team, entry.clock_in_at, await shifts.load_shifts(session),
                          ZoneInfo(rules.timezone))
    minutes = paid_minutes(entry.clock_in_at, out, shift)
    rate = person.hourly_rate or Decimal("0")
    closed = await rows_changed(session,
        update(ClockEntry)
        .where(ClockEntry.id == entry.id, ClockEntry.open_person_id.is_not(None))
        .values(open_person_id=None, clock_out_at=out, closed_at=now,
                closed_by=by.id if by else None, close_source=source, fix_reason=reason,
                hourly_rate=rate, paid_minutes=minutes)
        .execution_options(synchronize_session=False))
    if closed != 1:
        raise DomainError("clock.not_in")
    await session.refresh(entry)
    for kind in (CLOCK_OPEN, SHIFT_END):
        fact_key = f"{kind}:{entry.id}"
        if fact_key != handled:  # the sweep moves the reminder it is handling itself
            await reminders.stop(session, fact_key, now)
    audit.record(session, "clock.fixed" if source == ClockSource.fix else "clock.out",
                 actor_person_id=by.id if by else None, entity=ENTITY, entity_id=entry.id,
                 person=person.code, clock_in=entry.clock_in_at, clock_out=out, source=source,
                 paid_minutes=minutes, hourly_rate=rate, reason=reason, key=key)
    paid = "hourly" in PAID_KINDS.get(person.wage_mode, ())
    return Closed(entry, person, minutes, rate, money(minutes * rate / 60), paid)


async def open_entry(session: AsyncSession, person: Person) -> ClockEntry | None:
    return await session.scalar(select(ClockEntry).where(ClockEntry.open_person_id == person.id))


async def _refuse_if_open(session: AsyncSession, person: Person) -> None:
    entry = await open_entry(session, person)
    if entry is not None:
        raise DomainError("clock.already_in", since_at=entry.clock_in_at)


async def _entry_to_fix(session: AsyncSession, entry_id: int | None,
                        person_code: str | None) -> tuple[ClockEntry, Person]:
    if entry_id is not None:
        entry = await session.get(ClockEntry, entry_id)
        person = await session.get(Person, entry.person_id) if entry else None
        if entry is None or person is None:
            raise DomainError("clock.unknown_entry")
        if entry.open_person_id is None:
            closer = await session.get(Person, entry.closed_by) if entry.closed_by else None
            raise DomainError("clock.already_closed", name=person.name,
                              out_at=entry.clock_out_at, by=closer.name if closer else "—")
        return entry, person
    code = (person_code or "").strip().upper()
    person = await session.scalar(select(Person).where(Person.code == code))
    if person is None:
        raise DomainError("wages.unknown_person", code=code)
    entry = await open_entry(session, person)
    if entry is None:
        raise DomainError("clock.nothing_open", name=person.name, code=person.code)
    return entry, person


# --- the reminders -------------------------------------------------------------------------


async def _load(session: AsyncSession, reminder: Reminder) -> tuple[ClockEntry, Person] | None:
    memo = scratch(session)
    if ("clock", reminder.entity_id) not in memo:
        entry = await session.get(ClockEntry, reminder.entity_id)
        person = await session.get(Person, entry.person_id) if entry else None
        memo["clock", reminder.entity_id] = (entry, person) if entry and person else None
    return memo["clock", reminder.entity_id]  # type: ignore[no-any-return]


async def _still_open(session: AsyncSession, reminder: Reminder) -> bool:
    found = await _load(session, reminder)
    return found is not None and found[0].open_person_id is not None


async def _worker(session: AsyncSession, reminder: Reminder, target: str) -> list[Person] | None:
    if target != "assignee":
        return None
    found = await _load(session, reminder)
    return [found[1]] if found else []


async def _team(session: AsyncSession, reminder: Reminder) -> str | None:
    found = await _load(session, reminder)
    return found[1].team if found else None


async def _forgot_notice(session: AsyncSession, reminder: Reminder, step: int,
                         caught_up: int) -> Notice:
    found = await _load(session, reminder)
    assert found is not None  # still_holds just saw it
    entry, person = found
    lines = [("reminder.caught_up", {"count": caught_up})] if caught_up else []
    if await step_target(session, reminder, step) == "assignee":
        return Notice("clock.forgot", {"since_at": entry.clock_in_at},
                      buttons=[[Button("clock.btn_left_at", f"ck:o:{entry.id}")]], lines=lines)
    return Notice("clock.forgot_team", {"name": person.name, "code": person.code,
                                        "since_at": entry.clock_in_at},
                  buttons=[[Button("clock.btn_fix", f"ck:f:{entry.id}", {"name": person.name})]],
                  lines=lines)


async def _close_at_shift_end(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
    found = await _load(session, reminder)
    assert found is not None  # still_holds just saw it
    entry, person = found
    rules = rules_of(session)
    closed = await _close(session, entry, person, out=reminder.started_at,
                          source=ClockSource.shift, by=None, reason=None, now=now, rules=rules,
                          key=None, handled=reminder.fact_key)
    notify_person(session, person, Notice("clock.closed_by_shift", {
        "span": clock_span(entry, ZoneInfo(rules.timezone)), "minutes_seconds": closed.minutes * 60}),
        default_lang=rules.default_language)


reminders.register(CLOCK_OPEN, Follow(
    still_holds=_still_open, notice=_forgot_notice, recipients=_worker, team=_team))
# Closing at the shift's end is the factory's rule, not a message: it never waits for anyone.
reminders.register(SHIFT_END, Follow(
    still_holds=_still_open, notice=_forgot_notice, on_due=_close_at_shift_end,
    respects_shifts=False))
