"""compute(): every KPI at once, with targets; period boundaries in factory time; scopes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import DomainError
from domain.kpis import (
    KPI_NAMES,
    Kpi,
    Scope,
    check_scope,
    compute,
    parse_request,
    scope_kind,
)
from domain.models import FactorySetting
from domain.periods import Period
from tests.domain import kpi_floor
from tests.domain.kpi_floor import ZONE, at

NOW = at("2026-12-05 12:00")


async def test_no_data_is_no_value_and_targets_still_show(session):
    await kpi_floor.build(session)
    await session.commit()
    day = await compute(session, Period.day(date(2026, 11, 21)), ZONE, now=NOW)
    assert tuple(day) == KPI_NAMES
    assert all(k.value is None and k.met is None for k in day.values())
    assert {name: k.target for name, k in day.items()} == {
        "task_on_time": Decimal("98"), "reporting_timeliness": Decimal("95"),
        "response_ack": Decimal("12"), "response_resolve": Decimal("12"),
        "rework_rate": Decimal("3"),
        "downtime": Decimal("0.16"),  # 60 h a year × 1 / 365
        "first_pass_yield": Decimal("95"), "scrap_rate": Decimal("2"),
        "delivery_on_time": Decimal("98")}
    assert {name: (k.unit, k.better) for name, k in day.items()} == {
        "task_on_time": ("%", "higher"), "reporting_timeliness": ("%", "higher"),
        "response_ack": ("h", "lower"), "response_resolve": ("h", "lower"),
        "rework_rate": ("%", "lower"), "downtime": ("h", "lower"),
        "first_pass_yield": ("%", "higher"), "scrap_rate": ("%", "lower"),
        "delivery_on_time": ("%", "higher")}
    month = await compute(session, Period.month(date(2026, 11, 1)), ZONE, now=NOW)
    assert month["downtime"].target == Decimal("4.93")  # 60 × 30 / 365 = 4.9315
    week = await compute(session, Period.week(date(2026, 11, 21)), ZONE, now=NOW)
    assert week["downtime"].target == Decimal("1.15")  # 60 × 7 / 365 = 1.1507


async def test_targets_from_the_settings_and_whether_they_are_met(session):
    floor = await kpi_floor.build(session)
    await kpi_floor.quality_day(session, floor)
    session.add_all([FactorySetting(key="target:rework_rate", value="10"),
                     FactorySetting(key="target:downtime", value="365")])
    await session.commit()
    day = await compute(session, Period.day(date(2026, 11, 21)), ZONE, now=NOW)
    # Rework 9.3 % ≤ 10 %: met. First-pass yield 88.9 % < 95 %: not met. Scrap 3.5 % > 2 %.
    assert (day["rework_rate"].value, day["rework_rate"].target,
            day["rework_rate"].met) == (Decimal("9.3"), Decimal("10"), True)
    assert (day["first_pass_yield"].value, day["first_pass_yield"].met) == (Decimal("88.9"),
                                                                            False)
    assert day["scrap_rate"].met is False
    # No stop on a day people reported: 0.0 h against 365 h / year = 1 h a day.
    assert (day["downtime"].value, day["downtime"].target, day["downtime"].met) == (
        Decimal("0.0"), Decimal("1.00"), True)


def test_met_compares_the_right_way():
    def kpi(value, better):
        return Kpi("x", Decimal(value), "%", Decimal(0), Decimal(0), better, Decimal("95"))

    assert kpi("95.0", "higher").met and not kpi("94.9", "higher").met
    assert kpi("95.0", "lower").met and not kpi("95.1", "lower").met


async def test_a_report_at_23_30_belongs_to_that_local_day_and_month(session):
    floor = await kpi_floor.build(session)
    wo = await kpi_floor.work_order(session, floor)
    cut, _ = await kpi_floor.tasks_of(session, wo)
    # 23:30 on 11-30 is 15:30 UTC on 11-30; 00:10 on 12-01 is 16:10 UTC on 11-30.
    await kpi_floor.report(session, cut, floor["A1"], 10, reported="2026-11-30 23:30")
    await kpi_floor.report(session, cut, floor["A1"], 20, 20, reported="2026-12-01 00:10")
    await session.commit()
    november = await compute(session, Period.month(date(2026, 11, 1)), ZONE, now=NOW)
    december = await compute(session, Period.month(date(2026, 12, 1)), ZONE, now=NOW)
    assert november["scrap_rate"].denominator == 10 and november["scrap_rate"].value == 0
    assert (december["scrap_rate"].numerator, december["scrap_rate"].denominator,
            december["scrap_rate"].value) == (20, 40, Decimal("50.0"))
    sunday = await compute(session, Period.week(date(2026, 11, 30)), ZONE, now=NOW)
    assert sunday["reporting_timeliness"].denominator == 2  # Monday 11-30 holds both


async def test_a_scope_that_cannot_apply_shows_a_dash(session):
    floor = await kpi_floor.build(session)
    await kpi_floor.quality_day(session, floor)
    team = await compute(session, Period.day(date(2026, 11, 21)), ZONE, Scope("team", "B"),
                         now=NOW)
    assert team["delivery_on_time"].value is None
    assert team["first_pass_yield"].value == Decimal("85.7")


async def test_scopes_are_checked_against_the_factory(session):
    await kpi_floor.build(session)
    await session.commit()
    for scope in (Scope(), Scope("team", "A"), Scope("worker", "B1"),
                  Scope("operation", "CUT"), Scope("product", "P2")):
        await check_scope(session, scope)
    for scope, key in ((Scope("team", "Z"), "kpi.unknown_scope"),
                       (Scope("worker", "X9"), "kpi.unknown_scope"),
                       (Scope("operation", "PAINT"), "kpi.unknown_scope"),
                       (Scope("product", "P9"), "kpi.unknown_scope"),
                       (Scope("team", None), "kpi.scope_key_missing"),
                       (Scope("shift", "x"), "kpi.bad_scope")):
        with pytest.raises(DomainError) as refused:
            await check_scope(session, scope)
        assert refused.value.key == key


def test_scope_words():
    assert [scope_kind(w) for w in ("team", "班组", "Worker", "工号", "工序", "op", "产品",
                                    "全厂", "week")] == [
        "team", "team", "worker", "worker", "operation", "operation", "product", "factory",
        None]


def test_what_follows_the_command():
    today = date(2026, 11, 21)
    assert parse_request([], today) == (Period.day(today), Scope())
    assert parse_request(["本周", "班组", "装配", "一组"], today) == (
        Period.week(today), Scope("team", "装配 一组"))
    assert parse_request(["2026-11-01", "..", "2026-11-15", "op", "CUT"], today) == (
        Period.between(date(2026, 11, 1), date(2026, 11, 15)), Scope("operation", "CUT"))
    assert parse_request(["工号", "W01"], today) == (Period.day(today), Scope("worker", "W01"))
    assert parse_request(["lastmonth", "全厂"], today) == (Period.month(date(2026, 10, 1)),
                                                          Scope())
    for words, key in ((["明年"], "kpi.bad_period"), (["2026-13"], "kpi.bad_period"),
                       (["week", "product"], "kpi.scope_key_missing")):
        with pytest.raises(DomainError) as refused:
            parse_request(words, today)
        assert refused.value.key == key
