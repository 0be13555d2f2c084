"""Output per worker 人效排名: accepted pieces booked in the period, ranked by standard hours."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.kpis import FACTORY, Scope, output_ranking
from domain.periods import Period
from tests.domain import kpi_floor
from tests.domain.kpi_floor import ZONE

DAY = Period.day(date(2026, 11, 21))


async def ranking(session, period=DAY, scope=FACTORY):
    return [(r.rank, r.person_code, r.team, r.good, r.scrap, r.standard_hours)
            for r in await output_ranking(session, period, ZONE, scope)]


async def test_the_day_ranks_by_standard_hours(session):
    await kpi_floor.quality_day(session, await kpi_floor.build(session))
    assert await ranking(session) == [
        # A1: R1 50 CUT × 1 min + R2 34 passed WELD × 3 min = 152 min; scrap R1 2 + QC 2.
        (1, "A1", "A", 84, 4, Decimal("2.5")),
        # B1: R7 40 P2 CUT × 2 min = 80 min (R8 was booked on 11-20, R9 on 11-22).
        (2, "B1", "B", 40, 0, Decimal("1.3")),
        # A2: R5's 2 reworked pieces passed × 3 min = 6 min; scrap 1 declared + 1 by QC.
        (3, "A2", "A", 2, 2, Decimal("0.1")),
    ]
    # 11-22: R9's 20 PACK × 0.5 min = 10 min, booked when QC passed them.
    assert await ranking(session, Period.day(date(2026, 11, 22))) == [
        (1, "B1", "B", 20, 0, Decimal("0.2"))]


async def test_scopes_keep_their_own_output(session):
    await kpi_floor.quality_day(session, await kpi_floor.build(session))
    # On CUT alone B1's 40 pieces of 2 minutes beat A1's 50 of 1 minute.
    assert await ranking(session, scope=Scope("operation", "CUT")) == [
        (1, "B1", "B", 40, 0, Decimal("1.3")), (2, "A1", "A", 50, 2, Decimal("0.8"))]
    assert [r[1] for r in await ranking(session, scope=Scope("team", "A"))] == ["A1", "A2"]
    assert await ranking(session, scope=Scope("product", "P2")) == [
        (1, "B1", "B", 40, 0, Decimal("1.3"))]
    assert await ranking(session, Period.day(date(2026, 11, 23))) == []


async def test_ties_go_by_code(session):
    floor = await kpi_floor.build(session)
    wo = await kpi_floor.work_order(session, floor)
    cut, weld = await kpi_floor.tasks_of(session, wo)
    # 60 min each: B1 20 WELD pieces in two reports, A2 60 CUT pieces, A1 20 WELD pieces.
    await kpi_floor.report(session, weld, floor["B1"], 10, reported="2026-11-23 09:00")
    await kpi_floor.report(session, weld, floor["B1"], 10, reported="2026-11-23 10:00")
    await kpi_floor.report(session, cut, floor["A2"], 60, reported="2026-11-23 09:00")
    await kpi_floor.report(session, weld, floor["A1"], 20, reported="2026-11-23 09:00")
    await session.commit()
    assert await ranking(session, Period.day(date(2026, 11, 23))) == [
        (1, "A1", "A", 20, 0, Decimal("1.0")), (2, "A2", "A", 60, 0, Decimal("1.0")),
        (3, "B1", "B", 20, 0, Decimal("1.0"))]
