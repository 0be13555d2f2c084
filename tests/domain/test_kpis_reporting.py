"""Reporting timeliness 报工及时率: the shift the work started in, its end plus the window."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from domain.kpis import FACTORY, Scope
from domain.kpis.facts import report_facts
from domain.kpis.localtime import Span
from domain.kpis.reporting import reporting_timeliness
from domain.models import FactorySetting, ReportStatus, Shift, WorkReport
from domain.periods import Period, local_date, local_midnight
from domain.shifts import load_shifts, occurrences, shifts_of
from tests.domain import kpi_floor
from tests.domain.kpi_floor import ZONE, at

NOW = at("2026-12-01 12:00")


async def timeliness(session, period, scope=FACTORY, zone=ZONE):
    return reporting_timeliness(await report_facts(session, Span.of(period, zone, NOW), scope))


async def test_without_shifts_the_local_day_ends_the_work(session):
    floor = await kpi_floor.build(session)
    wo = await kpi_floor.work_order(session, floor)
    cut, _ = await kpi_floor.tasks_of(session, wo)
    a1 = floor["A1"]
    # 11-21, window 30 min, no shift: work has until the end of its local day + 30 min.
    await kpi_floor.report(session, cut, a1, 10, started="2026-11-21 10:00",
                           reported="2026-11-21 16:00")  # timely
    await kpi_floor.report(session, cut, a1, 10, started="2026-11-20 22:00",
                           reported="2026-11-21 00:40")  # late: 11-21 00:30 was the limit
    await kpi_floor.report(session, cut, a1, 10, started="2026-11-20 22:00",
                           reported="2026-11-21 00:25")  # timely
    await kpi_floor.report(session, cut, a1, 10, reported="2026-11-21 09:00")  # no start: timely
    await kpi_floor.report(session, cut, a1, 10, started="2026-11-19 08:00",
                           reported="2026-11-21 09:00", status=ReportStatus.voided)  # not counted
    # 23:30 local is still 11-21 (15:30 UTC); 00:10 local on 11-22 is 16:10 UTC on 11-21 but
    # belongs to 11-22.
    await kpi_floor.report(session, cut, a1, 10, started="2026-11-21 23:00",
                           reported="2026-11-21 23:30")  # timely
    await kpi_floor.report(session, cut, a1, 10, started="2026-11-20 08:00",
                           reported="2026-11-22 00:10")  # late, on 11-22
    await session.commit()

    day = await timeliness(session, Period.day(date(2026, 11, 21)))
    # 5 reports, 4 timely: 80.0 %
    assert (day.value, day.numerator, day.denominator) == (Decimal("80.0"), 4, 5)
    next_day = await timeliness(session, Period.day(date(2026, 11, 22)))
    assert (next_day.value, next_day.numerator, next_day.denominator) == (Decimal("0.0"), 0, 1)
    empty = await timeliness(session, Period.day(date(2026, 11, 23)))
    assert (empty.value, empty.denominator) == (None, 0)


async def shift_floor(session):
    """Day shift for everyone on weekdays; team B works its own night shift every day."""
    floor = await kpi_floor.build(session)
    session.add_all([Shift(name="白班", team="*", weekdays="1-5", start="08:00", end="17:00"),
                     Shift(name="夜班", team="B", weekdays="1-7", start="20:00", end="04:00")])
    wo = await kpi_floor.work_order(session, floor)
    cut, _ = await kpi_floor.tasks_of(session, wo)
    a1, b1 = floor["A1"], floor["B1"]
    cases = [  # 2026-11-20 is a Friday, 11-21 a Saturday
        (a1, "2026-11-20 16:50", "2026-11-20 17:25"),  # day shift ends 17:00 → 17:30: timely
        (a1, "2026-11-20 16:50", "2026-11-20 17:35"),  # late
        (a1, "2026-11-20 18:00", "2026-11-20 23:50"),  # after the shift: end of day: timely
        (a1, "2026-11-21 10:00", "2026-11-21 17:40"),  # Saturday, no shift: timely
        (b1, "2026-11-20 09:00", "2026-11-20 17:45"),  # B has no day shift: end of day: timely
        (b1, "2026-11-21 02:00", "2026-11-21 04:20"),  # Friday's night shift → 04:30: timely
        (b1, "2026-11-21 02:00", "2026-11-21 04:45"),  # late
        (b1, "2026-11-21 21:00", "2026-11-22 04:10"),  # Saturday's night shift: timely
        (b1, "2026-11-21 21:00", "2026-11-22 05:00"),  # late
    ]
    for person, started, reported in cases:
        await kpi_floor.report(session, cut, person, 5, started=started, reported=reported)
    await session.commit()
    return floor


async def test_the_shift_the_work_started_in_sets_the_deadline(session):
    await shift_floor(session)
    week = Period.week(date(2026, 11, 20))  # 11-16 .. 11-22
    factory = await timeliness(session, week)
    assert (factory.value, factory.numerator, factory.denominator) == (Decimal("66.7"), 6, 9)
    team_b = await timeliness(session, week, Scope("team", "B"))
    assert (team_b.value, team_b.numerator, team_b.denominator) == (Decimal("60.0"), 3, 5)
    a1 = await timeliness(session, week, Scope("worker", "A1"))
    assert (a1.value, a1.numerator, a1.denominator) == (Decimal("75.0"), 3, 4)
    # Saturday only: B's 02:00 pair (one late) and A1's Saturday report; B's Sunday pair is
    # reported on Sunday.
    saturday = await timeliness(session, Period.day(date(2026, 11, 21)))
    assert (saturday.numerator, saturday.denominator) == (2, 3)


async def test_the_window_comes_from_the_settings(session):
    await shift_floor(session)
    session.add(FactorySetting(key="report_window_minutes", value="60"))
    await session.commit()
    # With an hour: 17:35 ≤ 18:00, 04:45 ≤ 05:00 and 05:00 ≤ 05:00 are all in time.
    week = await timeliness(session, Period.week(date(2026, 11, 20)))
    assert (week.value, week.numerator, week.denominator) == (Decimal("100.0"), 9, 9)


async def test_operation_and_product_scopes_follow_the_task(session):
    floor = await kpi_floor.build(session)
    p1 = await kpi_floor.work_order(session, floor, "P1")
    p2 = await kpi_floor.work_order(session, floor, "P2")
    p1_cut, p1_weld = await kpi_floor.tasks_of(session, p1)
    p2_cut, _ = await kpi_floor.tasks_of(session, p2)
    a1 = floor["A1"]
    await kpi_floor.report(session, p1_cut, a1, 1, started="2026-11-19 10:00",
                           reported="2026-11-21 10:00")  # late
    await kpi_floor.report(session, p1_weld, a1, 1, reported="2026-11-21 10:00")
    await kpi_floor.report(session, p2_cut, a1, 1, started="2026-11-21 09:00",
                           reported="2026-11-21 10:00")
    await session.commit()
    day = Period.day(date(2026, 11, 21))
    cut = await timeliness(session, day, Scope("operation", "CUT"))  # both routings' CUT
    assert (cut.value, cut.numerator, cut.denominator) == (Decimal("50.0"), 1, 2)
    p1 = await timeliness(session, day, Scope("product", "P1"))
    assert (p1.value, p1.numerator, p1.denominator) == (Decimal("50.0"), 1, 2)
    p2 = await timeliness(session, day, Scope("product", "P2"))
    assert (p2.value, p2.numerator, p2.denominator) == (Decimal("100.0"), 1, 1)
    nobody = await timeliness(session, day, Scope("team", "B"))
    assert nobody.value is None


async def test_daylight_saving_time_moves_the_local_clock(session):
    """Europe/Berlin leaves summer time on 2026-10-25: 17:35 is after a 17:00 shift + 30 min
    in both offsets (a wrong offset would read it as 16:35 or 18:35)."""
    berlin = ZoneInfo("Europe/Berlin")
    floor = await kpi_floor.build(session)
    session.add(Shift(name="day", team="*", weekdays="1-7", start="08:00", end="17:00"))
    wo = await kpi_floor.work_order(session, floor)
    cut, _ = await kpi_floor.tasks_of(session, wo)

    def local(text):
        return datetime.fromisoformat(text).replace(tzinfo=berlin).astimezone(UTC)

    for started, reported in (("2026-10-24 16:50", "2026-10-24 17:25"),  # CEST: timely
                              ("2026-10-24 16:50", "2026-10-24 17:35"),  # late
                              ("2026-10-26 16:50", "2026-10-26 17:25"),  # CET: timely
                              ("2026-10-26 16:50", "2026-10-26 17:35")):  # late
        session.add(WorkReport(task_id=cut.id, person_id=floor["A1"].id, good_qty=1,
                               source="typed", idempotency_key=f"dst{started}{reported}",
                               piece_rate=Decimal("0.1"), reported_at=local(reported),
                               work_started_at=local(started)))
    await session.commit()
    kpi = await timeliness(session, Period.between(date(2026, 10, 24), date(2026, 10, 26)),
                           zone=berlin)
    assert (kpi.numerator, kpi.denominator) == (2, 4)


def reference_deadline(team, started, shifts, window):
    """The definition, read straight off the shift calendar (domain/shifts.py)."""
    mine = shifts_of(team, shifts)
    covering = [o for o in occurrences(mine, started, started + timedelta(seconds=1), ZONE)
                if o.covers(started)]
    end = covering[0].end if covering else local_midnight(
        local_date(started, ZONE) + timedelta(days=1), ZONE)
    return end + timedelta(minutes=window)


async def test_the_sql_deadline_agrees_with_the_shift_calendar(session):
    """Random shift calendars (night shifts, 24-hour shifts, overlaps, team shifts) and random
    reports: the SQL count equals the count read off domain/shifts.py."""
    floor = await kpi_floor.build(session)
    wo = await kpi_floor.work_order(session, floor)
    cut, _ = await kpi_floor.tasks_of(session, wo)
    rng = random.Random(4)
    start = at("2026-11-16 00:00")
    people = {p.id: p for p in (floor["A1"], floor["B1"], floor["S1"])}
    for n in range(400):
        started = start + timedelta(minutes=rng.randrange(7 * 24 * 60))
        reported = started + timedelta(minutes=rng.randrange(30 * 60))
        session.add(WorkReport(task_id=cut.id, person_id=rng.choice(list(people)), good_qty=1,
                               source="typed", idempotency_key=f"r{n}",
                               piece_rate=Decimal("0.1"), reported_at=reported,
                               work_started_at=started))
    await session.commit()
    period = Period.between(date(2026, 11, 17), date(2026, 11, 22))
    low, high = period.bounds(ZONE)
    reports = [r for r in (await session.scalars(select(WorkReport))).all()
               if low <= r.reported_at < high]
    times = ["00:00", "04:00", "06:30", "08:00", "12:00", "16:00", "17:30", "20:00", "22:00"]
    for calendar in range(8):
        await session.execute(delete(Shift))
        for n in range(8):
            days = sorted(rng.sample(range(1, 8), rng.randint(1, 7)))
            session.add(Shift(name=f"s{n}", team=rng.choice(["*", "*", "A", "B"]),
                              weekdays=",".join(map(str, days)), start=rng.choice(times),
                              end=rng.choice(times)))
        await session.commit()
        shifts = await load_shifts(session)
        timely = sum(r.reported_at <= reference_deadline(people[r.person_id].team,
                                                         r.work_started_at, shifts, 30)
                     for r in reports)
        kpi = await timeliness(session, period)
        assert (calendar, kpi.numerator, kpi.denominator) == (calendar, timely, len(reports))
        assert 0 < timely < len(reports)
