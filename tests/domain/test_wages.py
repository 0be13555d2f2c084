"""Wages on a real database, every figure computed by hand.

The floor (tests/domain/qc_floor.py): PCB-A SMT 0.35 → THT 0.50 (a QC checkpoint) → TEST 0.20,
WO-000001 of 100. Days are Shanghai days: 21 and 22 November 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from domain import adjustments, clock, clocking, qc, reporting, wages
from domain.models import (
    ClockEntry,
    FactorySetting,
    Operation,
    Person,
    QCInspection,
    WageAdjustment,
    WorkReport,
)
from domain.payload import ReworkCode
from domain.periods import Period
from tests import builders
from tests.domain.qc_floor import RULES, build
from tests.domain.qc_floor import report as report_now

ZONE = ZoneInfo("Asia/Shanghai")
DAY1, DAY2 = date(2026, 11, 21), date(2026, 11, 22)
SUBJECT_SMT = "WO-000001 · 10 贴片"
SUBJECT_THT = "WO-000001 · 20 插件"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time, as the UTC instant the database stores."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


async def report(session, person, good, *, now, **kwargs):
    """A report made at `now`, the card opened then too (the process clock set to it)."""
    clock.set_clock(now.isoformat())
    try:
        return await report_now(session, person, good, now=now, **kwargs)
    finally:
        clock.set_clock(None)


def rows(lines) -> list[tuple]:
    return [(x.day, x.kind, x.subject, x.quantity, x.rate, x.amount) for x in lines]


def d(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
async def floor(session):
    people = await build(session)
    for code, mode, rate in (("W03", "mixed", "20.00"), ("W09", "hourly", "18.50")):
        people[code].wage_mode = mode
        people[code].hourly_rate = Decimal(rate)
    await session.flush()
    return people


async def inspect(session, report_id, inspector, passed, rework=0, *, now):
    inspection = await session.scalar(select(QCInspection)
                                      .where(QCInspection.report_id == report_id))
    await qc.decide(session, inspector, inspection.id, passed=passed, rework=rework, scrap=0,
                    reason="burr" if rework else None, photo_file_id=None, now=now, rules=RULES)


async def two_days(session, floor) -> dict[str, int]:
    """What happens on the 21st and the 22nd (ids of the reports that matter)."""
    w01, w02, w03, q01 = floor["W01"], floor["W02"], floor["W03"], floor["Q01"]
    # Day 1: W01 reports SMT twice and once more just before midnight.
    a = await report(session, w01, 30, now=at(DAY1, 10))
    b = await report(session, w01, 40, now=at(DAY1, 11))
    # W02 reports THT (a checkpoint): held for QC, not paid yet.
    held = await report(session, w02, 50, now=at(DAY1, 12))
    # W03 (mixed) reports THT, passed the same day; and clocks 2 hours.
    w03_report = await report(session, w03, 10, now=at(DAY1, 13))
    await inspect(session, w03_report.report_id, q01, 10, now=at(DAY1, 14))
    await clocking.clock_in(session, w03, now=at(DAY1, 8), key="w03-in", rules=RULES)
    await clocking.clock_out(session, w03, now=at(DAY1, 10), key="w03-out", rules=RULES)
    # W09 (hourly) clocks 7h45m.
    await clocking.clock_in(session, floor["W09"], now=at(DAY1, 8), key="w09-in", rules=RULES)
    await clocking.clock_out(session, floor["W09"], now=at(DAY1, 15, 45), key="w09-out",
                             rules=RULES)
    late = await report(session, w01, 10, now=at(DAY1, 23, 55))
    # Day 2: the late report is undone three minutes after midnight; QC passes 45 of W02's
    # 50 and sends 5 back to rework, which W02 reworks and QC passes.
    await reporting.undo_report(session, w01, late.report_id, now=at(DAY2, 0, 3), rules=RULES)
    await inspect(session, held.report_id, q01, 45, 5, now=at(DAY2, 9))
    reworked = await report(session, w02, 5, code=ReworkCode("RW-000001"), now=at(DAY2, 10))
    await inspect(session, reworked.report_id, q01, 5, now=at(DAY2, 11))
    return {"a": a.report_id, "b": b.report_id, "late": late.report_id,
            "held": held.report_id, "reworked": reworked.report_id}


async def test_a_piece_workers_days_line_by_line(session, floor):
    ids = await two_days(session, floor)
    day1 = await wages.payslip(session, floor["W01"], Period.day(DAY1), ZONE)
    # 30 + 40 + 10 SMT at 0.35 on one task, one day: one line, rounded once.
    assert rows(day1.lines) == [(DAY1, "piece", SUBJECT_SMT, 80, d("0.35"), d("28.00"))]
    assert day1.lines[0].refs == (ids["a"], ids["b"], ids["late"])
    assert day1.lines[0].operation_code == "SMT" and day1.total == d("28.00")
    day2 = await wages.payslip(session, floor["W01"], Period.day(DAY2), ZONE)
    assert rows(day2.lines) == [(DAY2, "void", SUBJECT_SMT, -10, d("0.35"), d("-3.50"))]
    assert day2.lines[0].refs == (ids["late"],)
    month = await wages.payslip(session, floor["W01"], Period.month(DAY1), ZONE)
    assert month.total == d("24.50") == d("28.00") - d("3.50")
    assert month.subtotal("piece") == d("28.00") and month.subtotal("void") == d("-3.50")


async def test_pieces_held_for_qc_are_booked_the_day_qc_passes_them(session, floor):
    ids = await two_days(session, floor)
    day1 = await wages.payslip(session, floor["W02"], Period.day(DAY1), ZONE)
    assert day1.lines == () and day1.total == 0
    day2 = await wages.payslip(session, floor["W02"], Period.day(DAY2), ZONE)
    # unpaid_own (the default): W02 caused the defect, so the rework pays nothing.
    assert rows(day2.lines) == [
        (DAY2, "piece", SUBJECT_THT, 45, d("0.50"), d("22.50")),
        (DAY2, "rework", SUBJECT_THT, 5, d("0"), d("0.00"))]
    assert day2.lines[0].refs == (ids["held"],) and day2.lines[1].refs == (ids["reworked"],)
    assert day2.pending_qc_pieces == 0


async def test_pending_qc_pieces_are_shown_not_paid(session, floor):
    await report(session, floor["W01"], 60, now=at(DAY1, 9))
    await report(session, floor["W02"], 20, now=at(DAY1, 10))
    await report(session, floor["W02"], 15, now=at(DAY1, 11))
    slip = await wages.payslip(session, floor["W02"], Period.day(DAY1), ZONE)
    assert (slip.lines, slip.pending_qc_pieces) == ((), 35)
    # Reported after the period ended: not part of that period's waiting pieces.
    earlier = await wages.payslip(session, floor["W02"], Period.day(date(2026, 11, 20)), ZONE)
    assert earlier.pending_qc_pieces == 0


@pytest.mark.parametrize("policy, rate, amount", [
    ("unpaid_own", "0", "0.00"), ("paid", "0.50", "2.50"), ("unpaid", "0", "0.00")])
async def test_rework_is_paid_per_the_factory_policy(session, floor, policy, rate, amount):
    session.add(FactorySetting(key="rework_pay", value=policy))
    await two_days(session, floor)
    day2 = await wages.payslip(session, floor["W02"], Period.day(DAY2), ZONE)
    assert rows(day2.lines)[1] == (DAY2, "rework", SUBJECT_THT, 5, d(rate), d(amount))
    assert day2.total == d("22.50") + d(amount)


async def test_hourly_and_mixed_people(session, floor):
    await two_days(session, floor)
    w09 = await wages.payslip(session, floor["W09"], Period.day(DAY1), ZONE)
    # 7 h 45 min at 18.50 = 143.375 → 143.38.
    assert rows(w09.lines) == [(DAY1, "hourly", "08:00–15:45", d("7.75"), d("18.50"),
                                d("143.38"))]
    assert w09.lines[0].minutes == 465
    w03 = await wages.payslip(session, floor["W03"], Period.day(DAY1), ZONE)
    assert rows(w03.lines) == [(DAY1, "piece", SUBJECT_THT, 10, d("0.50"), d("5.00")),
                               (DAY1, "hourly", "08:00–10:00", 2, d("20.00"), d("40.00"))]
    assert w03.total == d("45.00")


async def test_an_hourly_persons_reports_count_for_output_not_pay(session, floor):
    await two_days(session, floor)
    await report(session, floor["W09"], 20, now=at(DAY2, 14))  # TEST, 20 of the 50 passed
    slip = await wages.payslip(session, floor["W09"], Period.month(DAY1), ZONE)
    assert [x.kind for x in slip.lines] == ["hourly"]
    assert await session.scalar(select(WorkReport.accepted_qty)
                                .where(WorkReport.person_id == floor["W09"].id)) == 20


async def test_a_day_shown_never_changes_afterwards(session, floor):
    """The booking rule: yesterday's payslip is the same after today's void and QC decision."""
    w01, w02 = floor["W01"], floor["W02"]
    await report(session, w01, 50, now=at(DAY1, 9))
    late = await report(session, w01, 10, now=at(DAY1, 23, 58))
    held = await report(session, w02, 30, now=at(DAY1, 23, 59))
    shown = [await wages.payslip(session, p, Period.day(DAY1), ZONE) for p in (w01, w02)]
    await reporting.undo_report(session, w01, late.report_id, now=at(DAY2, 0, 5), rules=RULES)
    await inspect(session, held.report_id, floor["Q01"], 30, now=at(DAY2, 8))
    again = [await wages.payslip(session, p, Period.day(DAY1), ZONE) for p in (w01, w02)]
    assert [s.lines for s in again] == [s.lines for s in shown]
    assert shown[0].total == d("21.00")  # 60 × 0.35
    # What changed is booked today, as lines of its own.
    today = [await wages.payslip(session, p, Period.day(DAY2), ZONE) for p in (w01, w02)]
    assert [rows(s.lines) for s in today] == [
        [(DAY2, "void", SUBJECT_SMT, -10, d("0.35"), d("-3.50"))],
        [(DAY2, "piece", SUBJECT_THT, 30, d("0.50"), d("15.00"))]]


async def test_a_report_undone_the_same_day_shows_both_lines(session, floor):
    recorded = await report(session, floor["W01"], 20, now=at(DAY1, 9))
    await reporting.undo_report(session, floor["W01"], recorded.report_id, now=at(DAY1, 9, 5),
                                rules=RULES)
    slip = await wages.payslip(session, floor["W01"], Period.day(DAY1), ZONE)
    assert rows(slip.lines) == [(DAY1, "piece", SUBJECT_SMT, 20, d("0.35"), d("7.00")),
                                (DAY1, "void", SUBJECT_SMT, -20, d("0.35"), d("-7.00"))]
    assert slip.total == 0


async def test_a_report_held_and_withdrawn_never_paid(session, floor):
    await report(session, floor["W01"], 60, now=at(DAY1, 9))
    held = await report(session, floor["W02"], 20, now=at(DAY1, 10))
    await reporting.undo_report(session, floor["W02"], held.report_id, now=at(DAY1, 10, 2),
                                rules=RULES)
    slip = await wages.payslip(session, floor["W02"], Period.month(DAY1), ZONE)
    assert (slip.lines, slip.pending_qc_pieces) == ((), 0)


async def test_rounding_is_once_per_line(session):
    product = await builders.product(session, "P3", (("CUT", "裁剪", "0.3333"),))
    await builders.work_order(session, product, quantity=10)
    worker = await builders.person(session, "W01", skills="CUT")
    for hour in (9, 10, 11):
        await report(session, worker, 1, now=at(DAY1, hour))
    slip = await wages.payslip(session, worker, Period.day(DAY1), ZONE)
    # 3 × 0.3333 = 0.9999 → 1.00; rounding each report would have given 3 × 0.33 = 0.99.
    assert rows(slip.lines) == [(DAY1, "piece", "WO-000001 · 10 裁剪", 3, d("0.3333"),
                                 d("1.00"))]


async def test_a_rate_change_makes_a_line_of_its_own(session, floor):
    await report(session, floor["W01"], 10, now=at(DAY1, 9))
    await session.execute(update(Operation).where(Operation.code == "SMT")
                          .values(piece_rate=Decimal("0.40")))
    await report(session, floor["W01"], 10, now=at(DAY1, 10))
    slip = await wages.payslip(session, floor["W01"], Period.day(DAY1), ZONE)
    assert rows(slip.lines) == [(DAY1, "piece", SUBJECT_SMT, 10, d("0.35"), d("3.50")),
                                (DAY1, "piece", SUBJECT_SMT, 10, d("0.40"), d("4.00"))]


async def test_local_days_follow_the_factory_zone(session, floor):
    # 23:30 on the 21st in Shanghai is 15:30 UTC; 00:30 on the 22nd is 16:30 UTC the 21st.
    await report(session, floor["W01"], 10, now=at(DAY1, 23, 30))
    await report(session, floor["W01"], 20, now=at(DAY2, 0, 30))
    slip = await wages.payslip(session, floor["W01"], Period.between(DAY1, DAY2), ZONE)
    assert [(x.day, x.quantity) for x in slip.lines] == [(DAY1, 10), (DAY2, 20)]
    utc = await wages.payslip(session, floor["W01"], Period.day(DAY1), ZoneInfo("UTC"))
    assert [(x.day, x.quantity) for x in utc.lines] == [(DAY1, 30)]


async def test_the_wage_run_and_team_totals(session, floor):
    await two_days(session, floor)
    floor["W01"].team = floor["W02"].team = "A"
    floor["W03"].team = floor["W09"].team = "B"
    session.add(WageAdjustment(person_id=floor["W01"].id, amount=Decimal("200"),
                               reason="全勤奖", created_by=floor["S01"].id,
                               created_at=at(DAY2, 16), idempotency_key="adj-1"))
    await session.flush()
    month = Period.month(DAY1)
    run = await wages.wage_run(session, month, ZONE)
    assert [(s.team, s.person_code, s.total) for s in run] == [
        (None, "Q01", 0), (None, "S01", 0), (None, "S02", 0),
        ("A", "W01", d("224.50")), ("A", "W02", d("22.50")),
        ("B", "W03", d("45.00")), ("B", "W09", d("143.38"))]
    # The same lines as each person's own payslip.
    for slip in run:
        person = await session.get(Person, slip.person_id)
        assert slip == await wages.payslip(session, person, month, ZONE)
    assert wages.team_totals(run) == [
        wages.TeamTotal("", 3, 0, Decimal(0), d("0.00"), d("0.00"), d("0.00"), d("0.00")),
        wages.TeamTotal("A", 2, 120, Decimal(0), d("47.00"), d("0.00"), d("200.00"),
                        d("247.00")),
        wages.TeamTotal("B", 2, 10, d("9.75"), d("5.00"), d("183.38"), d("0.00"),
                        d("188.38"))]
    team_b = await wages.wage_run(session, month, ZONE, team="B")
    assert [s.person_code for s in team_b] == ["W03", "W09"]
    no_team = await wages.wage_run(session, month, ZONE, team="")
    assert [s.person_code for s in no_team] == ["Q01", "S01", "S02"]


async def test_someone_who_left_is_still_paid_for_the_period(session, floor):
    await report(session, floor["W01"], 10, now=at(DAY1, 9))
    floor["W01"].active = False
    floor["W02"].active = False  # left without lines: not on the run
    await session.flush()
    run = await wages.wage_run(session, Period.month(DAY1), ZONE)
    codes = [s.person_code for s in run]
    assert "W01" in codes and "W02" not in codes


async def test_adjustments_are_lines_on_the_day_they_are_entered(session, floor):
    made = await adjustments.adjust(session, floor["S01"], "W01", Decimal("200"), "全勤奖",
                                    now=at(DAY1, 17), key="k-adj", rules=RULES)
    await adjustments.reverse(session, floor["S01"], made.id, "发错人", now=at(DAY2, 9),
                              key="k-rev", rules=RULES)
    month = await wages.payslip(session, floor["W01"], Period.month(DAY1), ZONE)
    assert rows(month.lines) == [
        (DAY1, "adjustment", "全勤奖", 1, d("200.00"), d("200.00")),
        (DAY2, "adjustment", f"↩ #{made.id} 发错人", 1, d("-200.00"), d("-200.00"))]
    assert month.total == 0


async def test_an_open_clock_is_shown_not_paid(session, floor):
    await clocking.clock_in(session, floor["W09"], now=at(DAY1, 8), key="in", rules=RULES)
    slip = await wages.payslip(session, floor["W09"], Period.day(DAY1), ZONE)
    assert slip.lines == () and slip.open_clock_since == at(DAY1, 8)
    assert await session.scalar(select(ClockEntry.paid_minutes)) is None


async def test_subtotals_and_day_totals_for_me(session, floor):
    await two_days(session, floor)
    session.add(WageAdjustment(person_id=floor["W01"].id, amount=Decimal("-20"),
                               reason="迟到", created_by=floor["S01"].id,
                               created_at=at(DAY2, 16), idempotency_key="adj-2"))
    await session.flush()
    slip = await wages.payslip(session, floor["W01"], Period.month(DAY1), ZONE)
    assert [(s.kind, s.operation_code, s.quantity, s.rate, s.amount)
            for s in wages.subtotals(slip.lines)] == [
        ("piece", "SMT", 80, d("0.35"), d("28.00")),
        ("void", "SMT", -10, d("0.35"), d("-3.50"))]
    assert wages.day_totals(slip) == [(DAY1, d("28.00")), (DAY2, d("-23.50"))]
    assert slip.total == d("4.50")
