"""Clocking on a real database: in and out, the times people type, forgotten clock-outs
followed up to the supervisor and fixed, hours from the shift calendar."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain import clocking, reminders, wages
from domain.errors import DomainError
from domain.models import (
    AuditEvent,
    ClockEntry,
    FactorySetting,
    OutboxMessage,
    Person,
    Reminder,
    Shift,
)
from domain.periods import Period
from domain.rules import FactoryRules
from tests import builders

RULES = FactoryRules(timezone="Asia/Shanghai", default_language="zh")
ZONE = ZoneInfo("Asia/Shanghai")
DAY1, DAY2 = date(2026, 11, 23), date(2026, 11, 24)  # a Monday and a Tuesday


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second,
                    tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
async def floor(sessions):
    people = {}
    async with sessions() as session, session.begin():
        for code, role, team, user_id in (
                ("W09", "worker", "A", 1009), ("W01", "worker", "A", 1001),
                ("S01", "supervisor", "A", 2001), ("S02", "supervisor", "B", 2002),
                ("M01", "manager", None, 3001)):
            person = await builders.person(session, code, role=role, telegram_user_id=user_id)
            person.team = team
            people[code] = person
        people["W09"].wage_mode, people["W09"].hourly_rate = "hourly", Decimal("18.50")
    return people


async def person(session, code) -> Person:
    return await session.scalar(select(Person).where(Person.code == code))


async def clock_in(sessions, code, now, key=None):
    async with sessions() as session, session.begin():
        return await clocking.clock_in(session, await person(session, code), now=now,
                                       key=key or f"in-{code}-{now:%d%H%M%S}", rules=RULES)


async def clock_out(sessions, code, now, at_text=None, key=None):
    async with sessions() as session, session.begin():
        return await clocking.clock_out(session, await person(session, code), now=now,
                                        key=key or f"out-{code}-{now:%d%H%M%S}", rules=RULES,
                                        at=at_text)


async def fix(sessions, by, now, out, code="W09", reason="忘打卡"):
    async with sessions() as session, session.begin():
        return await clocking.fix_clock_out(
            session, await person(session, by), out=out, reason=reason, now=now,
            key=f"fix-{now:%d%H%M}", rules=RULES, person_code=code)


async def refused(coroutine) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await coroutine
    return caught.value


async def entries(sessions) -> list[ClockEntry]:
    async with sessions() as session:
        return list((await session.scalars(select(ClockEntry).order_by(ClockEntry.id))).all())


async def outbox(sessions) -> list[tuple[int, dict]]:
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [(r.chat_id, json.loads(r.payload)) for r in rows if r.method != "commands"]


async def sweep(sessions, now):
    return await reminders.sweep(sessions, now, RULES)


async def payslip(sessions, code, period):
    async with sessions() as session:
        return await wages.payslip(session, await person(session, code), period, ZONE)


# --- in and out ----------------------------------------------------------------------------


async def test_clock_in_and_out_freezes_the_rate_and_pays_the_minutes_shown(sessions, floor):
    await clock_in(sessions, "W09", at(DAY1, 8, 2, 40))
    closed = await clock_out(sessions, "W09", at(DAY1, 17, 31, 10))
    # 08:02–17:31 as shown: 569 minutes, at 18.50 = 175.441… → 175.44.
    assert (closed.minutes, closed.rate, closed.amount, closed.paid) == (
        569, Decimal("18.50"), Decimal("175.44"), True)
    [entry] = await entries(sessions)
    assert (entry.open_person_id, entry.close_source, entry.paid_minutes, entry.hourly_rate,
            entry.closed_at) == (None, "chat", 569, Decimal("18.50"), at(DAY1, 17, 31, 10))
    async with sessions() as session, session.begin():
        (await person(session, "W09")).hourly_rate = Decimal("30")  # a raise, later
    slip = await payslip(sessions, "W09", Period.day(DAY1))
    assert [(x.subject, x.rate, x.amount) for x in slip.lines] == [
        ("08:02–17:31", Decimal("18.50"), Decimal("175.44"))]
    async with sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action)
                                         .where(AuditEvent.entity == "clock_entry"))).all()
    assert actions == ["clock.in", "clock.out"]


async def test_clocking_in_twice_is_refused_with_the_time(sessions, floor):
    await clock_in(sessions, "W09", at(DAY1, 8))
    error = await refused(clock_in(sessions, "W09", at(DAY1, 9)))
    assert (error.key, error.params) == ("clock.already_in", {"since_at": at(DAY1, 8)})
    assert len(await entries(sessions)) == 1


async def test_the_same_update_twice_clocks_in_once(sessions, floor):
    first = await clock_in(sessions, "W09", at(DAY1, 8), key="u:77")
    again = await clock_in(sessions, "W09", at(DAY1, 8, 0, 2), key="u:77")
    assert (first.again, again.again, again.entry.id) == (False, True, first.entry.id)
    assert len(await entries(sessions)) == 1


async def test_clocking_out_without_clocking_in_is_refused(sessions, floor):
    assert (await refused(clock_out(sessions, "W09", at(DAY1, 17)))).key == "clock.not_in"
    await clock_in(sessions, "W09", at(DAY1, 8))
    await clock_out(sessions, "W09", at(DAY1, 17))
    assert (await refused(clock_out(sessions, "W09", at(DAY1, 18)))).key == "clock.not_in"


@pytest.mark.parametrize("typed, now, key", [
    ("07:30", at(DAY1, 10), "clock.out_before_in"),  # before the clock-in that day
    ("08:00", at(DAY1, 10), "clock.out_before_in"),  # the clock-in minute itself
    ("5点半", at(DAY1, 10), "clock.out_before_in"),  # the next 05:30 has not come yet
    ("11:00", at(DAY1, 10), "clock.in_future"),
    ("11-22 17:00", at(DAY2, 10), "clock.out_before_in"),
    ("11-24 09:00", at(DAY2, 10), "clock.too_long"),  # 25 hours
    ("半夜", at(DAY1, 10), "clock.bad_time"),
    ("25:00", at(DAY1, 10), "clock.bad_time"),
])
async def test_an_unreasonable_clock_out_time_is_refused(sessions, floor, typed, now, key):
    await clock_in(sessions, "W09", at(DAY1, 8))
    assert (await refused(clock_out(sessions, "W09", now, typed))).key == key
    [entry] = await entries(sessions)
    assert entry.open_person_id is not None  # nothing changed


@pytest.mark.parametrize("typed, expected", [
    ("17:30", at(DAY1, 17, 30)), ("17：30", at(DAY1, 17, 30)), ("17点半", at(DAY1, 17, 30)),
    ("1730", at(DAY1, 17, 30)), ("11-23 17:30", at(DAY1, 17, 30)),
])
async def test_the_time_a_worker_gives_is_the_first_one_after_the_clock_in(sessions, floor,
                                                                           typed, expected):
    await clock_in(sessions, "W09", at(DAY1, 8))
    closed = await clock_out(sessions, "W09", at(DAY2, 9), typed)
    assert closed.entry.clock_out_at == expected and closed.minutes == 570
    # Booked on the day it was closed (the next morning): yesterday stays as it was shown.
    assert (await payslip(sessions, "W09", Period.day(DAY1))).lines == ()
    assert (await payslip(sessions, "W09", Period.day(DAY2))).total == Decimal("175.75")


async def test_a_night_shifts_clock_out_is_the_next_morning(sessions, floor):
    await clock_in(sessions, "W09", at(DAY1, 22))
    closed = await clock_out(sessions, "W09", at(DAY2, 7), "06:00")
    assert (closed.entry.clock_out_at, closed.minutes) == (at(DAY2, 6), 480)
    slip = await payslip(sessions, "W09", Period.day(DAY2))
    assert [(x.subject, x.amount) for x in slip.lines] == [("11-23 22:00–06:00",
                                                            Decimal("148.00"))]


async def test_a_piece_workers_hours_are_recorded_not_paid(sessions, floor):
    await clock_in(sessions, "W01", at(DAY1, 8))
    closed = await clock_out(sessions, "W01", at(DAY1, 17))
    assert (closed.minutes, closed.paid) == (540, False)
    assert (await payslip(sessions, "W01", Period.day(DAY1))).lines == ()


# --- forgotten clock-outs ------------------------------------------------------------------


async def test_a_forgotten_clock_out_goes_to_the_worker_then_the_teams_supervisor(sessions,
                                                                                   floor):
    clocked = await clock_in(sessions, "W09", at(DAY1, 8))
    entry_id = clocked.entry.id
    # clock_forgot_minutes is 12 h by default: 20:00.
    await sweep(sessions, at(DAY1, 19, 59))
    assert await outbox(sessions) == []
    await sweep(sessions, at(DAY1, 20))
    [(chat, notice)] = await outbox(sessions)
    assert (chat, notice["key"], notice["params"]) == (
        1009, "clock.forgot", {"since_at": at(DAY1, 8).isoformat()})
    assert [b["data"] for row in notice["buttons"] for b in row] == [f"ck:o:{entry_id}"]
    await sweep(sessions, at(DAY1, 21))
    chat, notice = (await outbox(sessions))[-1]
    # Team A's supervisor, not team B's.
    assert (chat, notice["key"]) == (2001, "clock.forgot_team")
    assert notice["params"] == {"name": "工人W09", "code": "W09",
                                "since_at": at(DAY1, 8).isoformat()}
    assert [b["data"] for row in notice["buttons"] for b in row] == [f"ck:f:{entry_id}"]
    # The ladder ran out; the entry is still open: never closed silently, not paid.
    await sweep(sessions, at(DAY2, 8))
    assert len(await outbox(sessions)) == 2
    [entry] = await entries(sessions)
    assert entry.open_person_id is not None
    assert (await payslip(sessions, "W09", Period.between(DAY1, DAY2))).lines == ()

    # The supervisor fixes it the next morning: the hours are booked on the day of the fix.
    closed = await fix(sessions, "S01", at(DAY2, 9), "17:30")
    assert (closed.entry.clock_out_at, closed.minutes, closed.amount) == (
        at(DAY1, 17, 30), 570, Decimal("175.75"))
    [entry] = await entries(sessions)
    assert (entry.close_source, entry.closed_by, entry.fix_reason) == (
        "fix", floor["S01"].id, "忘打卡")
    chat, notice = (await outbox(sessions))[-1]
    assert (chat, notice["key"]) == (1009, "clock.fixed_notice")
    assert notice["params"] == {"span": "08:00–17:30", "by": "工人S01",
                                "minutes_seconds": 570 * 60, "note": "忘打卡"}
    assert (await payslip(sessions, "W09", Period.day(DAY1))).lines == ()
    slip = await payslip(sessions, "W09", Period.day(DAY2))
    assert [(x.day, x.subject, x.amount) for x in slip.lines] == [
        (DAY2, "11-23 08:00–17:30", Decimal("175.75"))]
    async with sessions() as session:
        reminder = await session.scalar(select(Reminder).where(Reminder.kind == "clock_open"))
        fixed = await session.scalar(select(AuditEvent).where(AuditEvent.action == "clock.fixed"))
    assert reminder.status == "done" and fixed.actor_person_id == floor["S01"].id


async def test_clocking_out_stops_the_reminder(sessions, floor):
    await clock_in(sessions, "W09", at(DAY1, 8))
    await clock_out(sessions, "W09", at(DAY1, 17))
    await sweep(sessions, at(DAY2, 8))
    assert await outbox(sessions) == []
    async with sessions() as session:
        reminder = await session.scalar(select(Reminder).where(Reminder.kind == "clock_open"))
    assert reminder.status == "stopped"


async def test_who_may_fix_a_clock_out(sessions, floor):
    await clock_in(sessions, "W09", at(DAY1, 8))
    assert (await refused(fix(sessions, "W01", at(DAY2, 9), "17:30"))).key == "auth.forbidden"
    assert (await refused(fix(sessions, "S02", at(DAY2, 9), "17:30"))).key \
        == "wages.not_your_team"
    await clock_in(sessions, "S01", at(DAY1, 8))
    assert (await refused(fix(sessions, "S01", at(DAY2, 9), "17:30", code="S01"))).key \
        == "clock.fix_own"
    assert (await refused(fix(sessions, "M01", at(DAY2, 9), "17:30", code="W01"))).key \
        == "clock.nothing_open"
    assert (await refused(fix(sessions, "M01", at(DAY2, 9), "11-23 7:00"))).key \
        == "clock.out_before_in"
    closed = await fix(sessions, "M01", at(DAY2, 9), "17:00")  # a manager: anyone
    assert closed.minutes == 540
    assert (await refused(fix(sessions, "S01", at(DAY2, 10), "17:30"))).key \
        == "clock.nothing_open"


async def test_a_shift_calendar_moves_the_forgotten_reminder_after_the_shift(sessions, floor):
    async with sessions() as session, session.begin():
        session.add(Shift(name="白班", team="A", weekdays="1-5", start="08:00", end="17:00"))
        session.add(FactorySetting(key="clock_forgot_minutes", value="60"))
    await clock_in(sessions, "W09", at(DAY1, 7, 50))  # early for the 08:00 shift
    async with sessions() as session:
        reminder = await session.scalar(select(Reminder).where(Reminder.kind == "clock_open"))
    assert reminder.due_at == at(DAY1, 18)  # the shift's end + 60 minutes


# --- hours from the shift calendar ---------------------------------------------------------


@pytest.fixture
async def shift_hours(sessions, floor):
    async with sessions() as session, session.begin():
        session.add(Shift(name="白班", team="A", weekdays="1-5", start="08:00", end="17:30"))
        session.add(FactorySetting(key="hours_source", value="shift"))
    return floor


async def test_hours_from_the_shift_close_at_its_end(sessions, shift_hours):
    clocked = await clock_in(sessions, "W09", at(DAY1, 7, 50))
    assert clocked.closes_at == at(DAY1, 17, 30) and clocked.shift.shift.name == "白班"
    await sweep(sessions, at(DAY1, 17, 29))
    assert (await entries(sessions))[0].open_person_id is not None
    await sweep(sessions, at(DAY1, 17, 30))
    [entry] = await entries(sessions)
    # Paid from the shift's start, not from 07:50: 08:00–17:30 is 570 minutes.
    assert (entry.open_person_id, entry.close_source, entry.clock_out_at, entry.paid_minutes,
            entry.hourly_rate) == (None, "shift", at(DAY1, 17, 30), 570, Decimal("18.50"))
    [(chat, notice)] = await outbox(sessions)
    assert (chat, notice["key"], notice["params"]) == (
        1009, "clock.closed_by_shift", {"span": "07:50–17:30", "minutes_seconds": 570 * 60})
    slip = await payslip(sessions, "W09", Period.day(DAY1))
    assert [x.amount for x in slip.lines] == [Decimal("175.75")]
    async with sessions() as session:
        event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "clock.out"))
    assert json.loads(event.detail)["source"] == "shift"


async def test_leaving_early_is_paid_until_leaving(sessions, shift_hours):
    await clock_in(sessions, "W09", at(DAY1, 8, 10))
    closed = await clock_out(sessions, "W09", at(DAY1, 12))
    assert closed.minutes == 230
    await sweep(sessions, at(DAY1, 18))
    assert await outbox(sessions) == []
    async with sessions() as session:
        reminder = await session.scalar(select(Reminder)
                                        .where(Reminder.kind == "clock_shift_end"))
    assert reminder.status == "stopped"


async def test_clocking_in_outside_any_shift_is_paid_as_clocked(sessions, shift_hours):
    saturday = DAY1 + timedelta(days=5)
    clocked = await clock_in(sessions, "W09", at(saturday, 9))
    assert clocked.shift is None and clocked.closes_at is None
    closed = await clock_out(sessions, "W09", at(saturday, 12))
    assert closed.minutes == 180
