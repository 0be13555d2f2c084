"""Rework rate, first-pass yield and scrap rate on a hand-built day (kpi_floor.quality_day)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.kpis import FACTORY, Scope
from domain.kpis.facts import report_facts
from domain.kpis.localtime import Span
from domain.kpis.quality import quality
from domain.periods import Period
from tests.domain import kpi_floor
from tests.domain.kpi_floor import ZONE, at

DAY = Period.day(date(2026, 11, 21))


async def figures(session, period=DAY, scope=FACTORY):
    span = Span.of(period, ZONE, at("2026-12-01 00:00"))
    found = await quality(session, span, scope, await report_facts(session, span, scope))
    return {name: (k.value, k.numerator, k.denominator) for name, k in found.items()}


async def test_the_factory_day(session):
    await kpi_floor.quality_day(session, await kpi_floor.build(session))
    assert await figures(session) == {
        # Decided on 11-21 (R6's inspection is of a voided report, R3's was decided on 11-22):
        # R2's 40 with 4 to rework, R5's re-inspection of 3 with none: 4 / 43.
        "rework_rate": (Decimal("9.3"), 4, 43),
        # First reports of 11-21 with a known outcome (R4 waits for QC, R5 is rework):
        # R1 52 → 50, R2 40 → 34, R3 10 → 0, R7 40 → 40, R9 20 → 20: 144 / 162.
        "first_pass_yield": (Decimal("88.9"), 144, 162),
        # Produced on 11-21: R1 52 + R2 40 + R3 10 + R4 8 + R7 40 + R9 20 = 170; scrapped:
        # R1's 2 and R5's 1 declared, R2's 2 and R5's 1 by QC: 6 / 170.
        "scrap_rate": (Decimal("3.5"), 6, 170),
    }


async def test_the_next_day_books_the_late_decisions(session):
    await kpi_floor.quality_day(session, await kpi_floor.build(session))
    # Decided on 11-22: R3's 10 all to rework, R9's 20 all passed: 10 / 30. Nothing produced.
    assert await figures(session, Period.day(date(2026, 11, 22))) == {
        "rework_rate": (Decimal("33.3"), 10, 30),
        "first_pass_yield": (None, 0, 0),
        "scrap_rate": (None, 0, 0),
    }


async def test_scopes(session):
    await kpi_floor.quality_day(session, await kpi_floor.build(session))
    # Team B: no inspection of theirs decided on 11-21; R3 10 → 0, R7 40, R9 20: 60 / 70;
    # produced R3 10 + R4 8 + R7 40 + R9 20 = 78, nothing scrapped.
    assert await figures(session, scope=Scope("team", "B")) == {
        "rework_rate": (None, 0, 0), "first_pass_yield": (Decimal("85.7"), 60, 70),
        "scrap_rate": (Decimal("0.0"), 0, 78)}
    # A2 only reworked: 3 re-inspected, none back to rework; they produced nothing first-hand.
    assert await figures(session, scope=Scope("worker", "A2")) == {
        "rework_rate": (Decimal("0.0"), 0, 3), "first_pass_yield": (None, 0, 0),
        "scrap_rate": (None, 2, 0)}
    # CUT of both products: R1 52 → 50 and R7 40 → 40; R1's 2 scrap of 92.
    assert await figures(session, scope=Scope("operation", "CUT")) == {
        "rework_rate": (None, 0, 0), "first_pass_yield": (Decimal("97.8"), 90, 92),
        "scrap_rate": (Decimal("2.2"), 2, 92)}
    # P2: R7 40 and R9 20 (its inspection was on 11-22).
    assert await figures(session, scope=Scope("product", "P2")) == {
        "rework_rate": (None, 0, 0), "first_pass_yield": (Decimal("100.0"), 60, 60),
        "scrap_rate": (Decimal("0.0"), 0, 60)}


async def test_a_week_and_a_month_hold_both_days(session):
    await kpi_floor.quality_day(session, await kpi_floor.build(session))
    week = await figures(session, Period.week(date(2026, 11, 21)))
    # Rework: 4 + 0 + 10 + 0 of 43 + 30. FPY adds R8 (11-20, 30 → 30): 174 / 192. Scrap: 6 of
    # 170 + 30.
    assert week == {"rework_rate": (Decimal("19.2"), 14, 73),
                    "first_pass_yield": (Decimal("90.6"), 174, 192),
                    "scrap_rate": (Decimal("3.0"), 6, 200)}
    assert await figures(session, Period.month(date(2026, 11, 1))) == week
    assert await figures(session, Period.month(date(2026, 12, 1))) == {
        "rework_rate": (None, 0, 0), "first_pass_yield": (None, 0, 0),
        "scrap_rate": (None, 0, 0)}
