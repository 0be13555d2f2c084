"""Task on-time rate and order on-time delivery: due times in factory time, late when past."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.kpis import FACTORY, Scope
from domain.kpis.delivery import delivery_on_time
from domain.kpis.localtime import Span
from domain.kpis.tasks import task_on_time
from domain.models import TaskAssignee, WorkOrderStatus
from domain.periods import Period
from tests.domain import kpi_floor
from tests.domain.kpi_floor import ZONE, at

DAY = Period.day(date(2026, 11, 21))
LATER = at("2026-11-23 12:00")


def figures(kpi):
    return kpi.value, kpi.numerator, kpi.denominator


async def on_time(session, period=DAY, scope=FACTORY, now=LATER):
    return figures(await task_on_time(session, Span.of(period, ZONE, now), scope))


async def delivered(session, period=DAY, scope=FACTORY, now=LATER):
    return figures(await delivery_on_time(session, Span.of(period, ZONE, now), scope))


async def task_floor(session):
    floor = await kpi_floor.build(session)
    a1, a2, b1 = floor["A1"], floor["A2"], floor["B1"]
    # WO1 (P1, due 11-21, no planning): due at 11-22 00:00 local.
    wo1 = await kpi_floor.work_order(session, floor, "P1", due=date(2026, 11, 21))
    cut1, weld1 = await kpi_floor.tasks_of(session, wo1)
    cut1.done_at = at("2026-11-21 10:00")  # on time
    # weld1 not done: late once 11-22 00:00 has passed, not counted before
    # WO2 (P1, due 11-25) planned into 11-21.
    wo2 = await kpi_floor.work_order(session, floor, "P1", due=date(2026, 11, 25))
    cut2, weld2 = await kpi_floor.tasks_of(session, wo2)
    cut2.planned_end, cut2.done_at = at("2026-11-21 12:00"), at("2026-11-21 12:30")  # late
    weld2.planned_end = at("2026-11-21 14:00")  # not done: late after 14:00
    # WO3 (P2): planned to end at local midnight: due on 11-20, not 11-21.
    wo3 = await kpi_floor.work_order(session, floor, "P2", due=date(2026, 11, 20))
    cut3, pack3 = await kpi_floor.tasks_of(session, wo3)
    cut3.planned_end, cut3.done_at = at("2026-11-21 00:00"), at("2026-11-20 23:00")  # on 11-20
    pack3.planned_end, pack3.done_at = at("2026-11-21 18:00"), at("2026-11-21 17:00")  # on time
    # WO4 cancelled: its tasks never count.
    wo4 = await kpi_floor.work_order(session, floor, "P1", due=date(2026, 11, 21),
                                     status=WorkOrderStatus.cancelled)
    cut4, _ = await kpi_floor.tasks_of(session, wo4)
    cut4.done_at = at("2026-11-22 10:00")
    # WO5: planned to 23:30 local (15:30 UTC: still 11-21), and a task due with its work order.
    wo5 = await kpi_floor.work_order(session, floor, "P1", due=date(2026, 11, 21))
    cut5, weld5 = await kpi_floor.tasks_of(session, wo5)
    cut5.planned_end, cut5.done_at = at("2026-11-21 23:30"), at("2026-11-21 22:00")  # on time
    weld5.done_at = at("2026-11-22 00:10")  # 10 minutes after its due time: late
    # Who: A1 is assigned CUT of WO1 and WO2; B1 reported on WO2 WELD (nobody assigned) and on
    # WO1 CUT (assigned to A1: not B1's); A2 reported on WO5 CUT (nobody assigned).
    session.add_all([TaskAssignee(task_id=cut1.id, person_id=a1.id),
                     TaskAssignee(task_id=cut2.id, person_id=a1.id)])
    await kpi_floor.report(session, weld2, b1, 1, reported="2026-11-21 13:00")
    await kpi_floor.report(session, cut1, b1, 1, reported="2026-11-21 09:00")
    await kpi_floor.report(session, cut5, a2, 1, reported="2026-11-21 20:00")
    await session.commit()


async def test_task_on_time_for_the_factory(session):
    await task_floor(session)
    # Due on 11-21: WO1 CUT on time, WO1 WELD late (not done, due passed), WO2 CUT late, WO2
    # WELD late, WO3 PACK on time, WO5 CUT on time, WO5 WELD late: 3 of 7.
    assert await on_time(session) == (Decimal("42.9"), 3, 7)
    # Asked at 15:00 on 11-21: WO1 WELD is not due yet (midnight); WO2 WELD is (14:00).
    assert await on_time(session, now=at("2026-11-21 15:00")) == (Decimal("50.0"), 3, 6)
    # 11-20 holds WO3 CUT, planned to end at midnight.
    assert await on_time(session, Period.day(date(2026, 11, 20))) == (Decimal("100.0"), 1, 1)
    assert await on_time(session, Period.week(date(2026, 11, 21))) == (Decimal("50.0"), 4, 8)
    assert await on_time(session, Period.day(date(2026, 11, 19))) == (None, 0, 0)


async def test_task_on_time_by_scope(session):
    await task_floor(session)
    # Team A: assigned WO1 CUT (on time) and WO2 CUT (late); WO5 CUT, unassigned, reported by A2.
    assert await on_time(session, scope=Scope("team", "A")) == (Decimal("66.7"), 2, 3)
    # B1 reported WO2 WELD (unassigned, late); WO1 CUT is A1's.
    assert await on_time(session, scope=Scope("worker", "B1")) == (Decimal("0.0"), 0, 1)
    assert await on_time(session, scope=Scope("operation", "WELD")) == (Decimal("0.0"), 0, 3)
    assert await on_time(session, scope=Scope("product", "P2")) == (Decimal("100.0"), 1, 1)


async def delivery_floor(session):
    floor = await kpi_floor.build(session)
    due = date(2026, 11, 21)
    # 23:30 local on the due date: on time. 00:10 local the next day (16:10 UTC on the due
    # date): late.
    await kpi_floor.work_order(session, floor, due=due, done_at=at("2026-11-21 23:30"),
                               status=WorkOrderStatus.done)
    await kpi_floor.work_order(session, floor, due=due, done_at=at("2026-11-22 00:10"),
                               status=WorkOrderStatus.closed)
    await kpi_floor.work_order(session, floor, due=due)  # not done
    await kpi_floor.work_order(session, floor, due=due, status=WorkOrderStatus.cancelled)
    await kpi_floor.work_order(session, floor, due=date(2026, 11, 20),
                               done_at=at("2026-11-19 12:00"), status=WorkOrderStatus.done)
    await kpi_floor.work_order(session, floor, "P2", due=due, done_at=at("2026-11-20 12:00"),
                               status=WorkOrderStatus.done)
    await session.commit()


async def test_delivery_on_time(session):
    await delivery_floor(session)
    # Due 11-21: done 23:30 on time, done 00:10 next day late, not done late, P2 on time.
    assert await delivered(session) == (Decimal("50.0"), 2, 4)
    # Before the due date is over the open one counts neither way.
    assert await delivered(session, now=at("2026-11-21 20:00")) == (Decimal("66.7"), 2, 3)
    assert await delivered(session, Period.week(date(2026, 11, 21))) == (Decimal("60.0"), 3, 5)
    assert await delivered(session, Period.month(date(2026, 11, 1))) == (Decimal("60.0"), 3, 5)
    assert await delivered(session, Period.month(date(2026, 12, 1))) == (None, 0, 0)
    assert await delivered(session, scope=Scope("product", "P2")) == (Decimal("100.0"), 1, 1)
    # Teams, workers and operations do not deliver work orders.
    for scope in (Scope("team", "A"), Scope("worker", "A1"), Scope("operation", "CUT")):
        assert await delivered(session, scope=scope) == (None, 0, 0)
