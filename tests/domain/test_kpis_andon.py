"""Exception response times (median, p90) and downtime clipped to the period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.kpis import FACTORY, Scope
from domain.kpis.andon import downtime, median, p90, response_times
from domain.kpis.localtime import Span
from domain.periods import Period
from tests.domain import kpi_floor
from tests.domain.kpi_floor import ZONE, at

DAY = Period.day(date(2026, 11, 21))
NOW = at("2026-11-22 21:15")


async def responses(session, period=DAY, scope=FACTORY):
    found = await response_times(session, Span.of(period, ZONE, NOW), scope)
    return {name: (k.value, k.p90, k.numerator, k.denominator) for name, k in found.items()}


async def stopped(session, period=DAY, scope=FACTORY, now=NOW):
    kpi = await downtime(session, Span.of(period, ZONE, now), scope)
    return kpi.value, kpi.denominator


async def andon_floor(session):
    floor = await kpi_floor.build(session)
    a1, a2, b1 = floor["A1"], floor["A2"], floor["B1"]
    wo = await kpi_floor.work_order(session, floor, "P1")
    cut, _ = await kpi_floor.tasks_of(session, wo)
    # 11-21: acknowledged after 0.5, 1, 3 and 0.1 h (one never); resolved after 2, 6 and 3 h.
    await kpi_floor.exception(session, a1, reported="2026-11-21 08:00",
                              acknowledged="2026-11-21 08:30", resolved="2026-11-21 10:00",
                              line_stopped=True, work_order=wo, task=cut)
    await kpi_floor.exception(session, a2, reported="2026-11-21 09:00",
                              acknowledged="2026-11-21 10:00", resolved="2026-11-21 15:00")
    await kpi_floor.exception(session, b1, reported="2026-11-21 10:00",
                              acknowledged="2026-11-21 13:00")
    await kpi_floor.exception(session, b1, reported="2026-11-21 11:00")
    await kpi_floor.exception(session, a1, reported="2026-11-21 23:30",
                              acknowledged="2026-11-21 23:36", resolved="2026-11-22 02:30",
                              line_stopped=True)
    # Reported on 11-20, stopped the line until 01:00 on 11-21.
    await kpi_floor.exception(session, b1, reported="2026-11-20 22:00",
                              acknowledged="2026-11-20 22:05", resolved="2026-11-21 01:00",
                              line_stopped=True)
    # Still stopped at NOW (11-22 21:15).
    await kpi_floor.exception(session, a2, reported="2026-11-22 20:00", line_stopped=True)
    await session.commit()
    return floor


def test_median_and_nearest_rank_p90():
    assert median([3, 1, 2]) == 2 and median([4, 1, 3, 2]) == 2.5
    assert p90(list(range(1, 11))) == 9  # ceil(9.0) = 9th
    assert p90(list(range(1, 12))) == 10  # ceil(9.9) = 10th
    assert p90([5]) == 5
    assert p90(list(range(1, 71))) == 63  # ceil(0.9 × 70) = 63


async def test_response_times(session):
    await andon_floor(session)
    assert await responses(session) == {
        # [0.1, 0.5, 1, 3]: median (0.5 + 1) / 2 = 0.75 → 0.8; p90 the 4th (ceil 3.6); 4 of 5.
        "response_ack": (Decimal("0.8"), Decimal("3.0"), 4, 5),
        # [2, 3, 6]: median 3; p90 the 3rd (ceil 2.7); 3 of 5 resolved.
        "response_resolve": (Decimal("3.0"), Decimal("6.0"), 3, 5),
    }
    # B1's: acknowledged after 3 h and never; neither resolved.
    assert await responses(session, scope=Scope("worker", "B1")) == {
        "response_ack": (Decimal("3.0"), Decimal("3.0"), 1, 2),
        "response_resolve": (None, None, 0, 2)}
    # The task's operation and the work order's product: only the first exception.
    for scope in (Scope("operation", "CUT"), Scope("product", "P1")):
        assert (await responses(session, scope=scope))["response_resolve"] == (
            Decimal("2.0"), Decimal("2.0"), 1, 1)
    assert await responses(session, Period.day(date(2026, 11, 23))) == {
        "response_ack": (None, None, 0, 0), "response_resolve": (None, None, 0, 0)}


async def test_downtime_is_clipped_to_the_period(session):
    await andon_floor(session)
    # 08:00–10:00 (2 h), 23:30–24:00 (0.5 h), and 00:00–01:00 of the stop from 11-20: 3.5 h.
    assert await stopped(session) == (Decimal("3.5"), 3)
    # 11-22: 00:00–02:30 (2.5 h) and the open stop 20:00 → now 21:15 (1.25 h) = 3.75 → 3.8.
    assert await stopped(session, Period.day(date(2026, 11, 22))) == (Decimal("3.8"), 2)
    # 11-20: 22:00–24:00.
    assert await stopped(session, Period.day(date(2026, 11, 20))) == (Decimal("2.0"), 1)
    assert await stopped(session, Period.week(date(2026, 11, 21))) == (Decimal("9.3"), 4)
    assert await stopped(session, scope=Scope("team", "A")) == (Decimal("2.5"), 2)
    assert await stopped(session, scope=Scope("team", "B")) == (Decimal("1.0"), 1)
    assert await stopped(session, scope=Scope("operation", "CUT")) == (Decimal("2.0"), 1)
    assert await stopped(session, scope=Scope("product", "P1")) == (Decimal("2.0"), 1)


async def test_no_stop_is_zero_hours_only_when_the_floor_worked(session):
    floor = await andon_floor(session)
    wo = await kpi_floor.work_order(session, floor, "P2")
    cut, _ = await kpi_floor.tasks_of(session, wo)
    await kpi_floor.report(session, cut, floor["A1"], 5, reported="2026-11-24 09:00")
    await session.commit()
    assert await stopped(session, Period.day(date(2026, 11, 24))) == (Decimal("0.0"), 0)
    assert await stopped(session, Period.day(date(2026, 11, 25))) == (None, 0)
    assert await stopped(session, Period.day(date(2026, 11, 24)),
                         Scope("worker", "B1")) == (None, 0)


async def test_a_median_on_the_half_tenth_rounds_up_exactly(session):
    floor = await kpi_floor.build(session)
    # 1800.000001 s and 3599.999999 s: the median is exactly 2700 s = 0.75 h → 0.8 h.
    await kpi_floor.exception(session, floor["A1"], reported="2026-11-23 08:00:00",
                              acknowledged="2026-11-23 08:30:00.000001")
    await kpi_floor.exception(session, floor["A1"], reported="2026-11-23 09:00:00",
                              acknowledged="2026-11-23 09:59:59.999999")
    await session.commit()
    found = await responses(session, Period.day(date(2026, 11, 23)))
    assert found["response_ack"] == (Decimal("0.8"), Decimal("1.0"), 2, 2)
