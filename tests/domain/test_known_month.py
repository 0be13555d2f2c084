"""A generated month of a small factory, checked against answers computed independently.

bot/history.py plays 45 days of a 20-worker factory (day and night shift, QC checkpoints,
rework paid and unpaid, undone reports, exceptions with line stops, forgotten clock-outs,
bonuses and their reversals) into a real SQLite file. The domain's wage run and KPIs read that
file; tests/known_answers.py recomputes the same figures from the generator's records in plain
Python, from the documented definitions. They must agree to the cent and to the 0.1 %.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.history import History, HistoryParams, generate
from domain import kpis, progress, wages
from domain.db import make_engine, make_sessionmaker
from domain.kpis import Scope
from domain.models import WorkOrder
from domain.periods import Period
from tests.known_answers import Answers, Line

# The generator writes a SQLite file; the rules it checks run on PostgreSQL in every other test.
pytestmark = pytest.mark.sqlite_only

PARAMS = HistoryParams(workers=20, days=45, seed=2, end=date(2026, 10, 31))
MONTH = Period.month(date(2026, 10, 1))
WEEK = Period.week(date(2026, 10, 14))
DAY = Period.day(date(2026, 10, 15))  # a Thursday
SUNDAY = Period.day(date(2026, 10, 18))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, History]:
    path = tmp_path_factory.mktemp("history") / "month.db"
    return path, generate(path, PARAMS, keep=True)


@pytest.fixture(scope="module")
def answers(generated: tuple[Path, History]) -> Answers:
    return Answers(generated[1])


@pytest.fixture
async def db(generated: tuple[Path, History]) -> AsyncIterator[AsyncSession]:
    engine = make_engine(f"sqlite+aiosqlite:///{generated[0]}")
    async with make_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


def _scopes(history: History) -> list[tuple[str, str | None]]:
    night = next(p for p in history.people if p.night)
    mixed = next(p for p in history.people if p.role == "worker" and p.wage_mode == "mixed")
    checkpoint = next(op for product in history.products for op in product.operations
                      if op.qc)
    return [("factory", None), ("team", night.team), ("worker", mixed.code),
            ("operation", checkpoint.code), ("product", history.products[0].code)]


# --- the generated rows are rows the app could have written -----------------------------------


def test_the_history_holds_every_case_the_rules_care_about(generated: tuple[Path, History]):
    history = generated[1]
    reports = history.reports
    assert len(reports) > 15_000
    assert any(r.status == "voided" for r in reports)
    assert any(r.corrects is not None for r in reports)
    assert any(r.status == "rejected" for r in reports)
    assert any(r.status == "pending_qc" for r in reports)  # waiting for QC when it ends
    assert any(r.rework is not None and r.rate == 0 for r in reports)  # own rework: unpaid
    assert any(r.rework is not None and r.rate > 0 for r in reports)  # a colleague's: paid
    assert any(i.reworked and i.rework is not None for i in history.inspections)  # sent back
    assert any(e.line_stopped and e.blocks for e in history.exceptions)
    assert any(c.source == "fix" for c in history.clock_entries)
    assert any(c.closed_at is None for c in history.clock_entries)  # clocked in at the end
    assert any(a.reverses is not None for a in history.adjustments)
    assert {p.wage_mode for p in history.people} == {"piece", "hourly", "mixed"}
    answers = Answers(history)
    night_pieces = [r for r in reports if r.person.night and r.accepted_at is not None
                    and answers.day(r.accepted_at) != answers.day(r.started_at)]
    assert night_pieces, "night-shift pieces accepted after midnight are booked the next day"


def test_task_quantities_add_up_to_the_reports_and_inspections(generated: tuple[Path, History]):
    connection = sqlite3.connect(generated[0])
    try:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        mismatched = connection.execute("""
            SELECT t.id FROM operation_task t WHERE
              t.good_qty != (SELECT coalesce(sum(accepted_qty), 0) FROM work_report r
                             WHERE r.task_id = t.id)
              OR t.scrap_qty != (SELECT coalesce(sum(scrap_qty), 0) FROM work_report r
                                 WHERE r.task_id = t.id AND r.status != 'voided')
                              + (SELECT coalesce(sum(scrap_qty), 0) FROM qc_inspection i
                                 WHERE i.task_id = t.id)
              OR t.pending_qc_qty != (SELECT coalesce(sum(good_qty), 0) FROM work_report r
                                      WHERE r.task_id = t.id AND r.status = 'pending_qc'
                                        AND r.rework_task_id IS NULL)
              OR t.rework_qty != (SELECT coalesce(sum(quantity - good_qty - scrap_qty
                                                      - returned_qty), 0)
                                  FROM rework_task w WHERE w.task_id = t.id)""").fetchall()
        assert mismatched == []
        # The flow rule: no operation dealt with more than the previous one passed on.
        over = connection.execute("""
            SELECT t.id FROM operation_task t JOIN operation_task p
              ON p.work_order_id = t.work_order_id
             AND p.seq = (SELECT max(seq) FROM operation_task x
                          WHERE x.work_order_id = t.work_order_id AND x.seq < t.seq)
            WHERE t.good_qty + t.scrap_qty + t.pending_qc_qty + t.rework_qty > p.good_qty
            """).fetchall()
        assert over == []
    finally:
        connection.close()


async def test_task_and_work_order_states_are_what_progress_says(db: AsyncSession,
                                                                 generated: tuple[Path, History]):
    work_orders = (await db.scalars(select(WorkOrder).options(
        selectinload(WorkOrder.tasks)))).all()
    stored = {wo.id: (wo.status, [(t.status, t.done_at) for t in wo.tasks])
              for wo in work_orders}
    for wo in work_orders:
        progress.refresh(wo, wo.tasks, generated[1].as_of)
    assert {wo.id: (wo.status, [(t.status, t.done_at) for t in wo.tasks])
            for wo in work_orders} == stored
    await db.rollback()


# --- wages ---------------------------------------------------------------------------------------


def _lines(slip: wages.Payslip) -> list[Line]:
    return sorted(Line(x.day, x.kind, x.quantity, x.rate, x.amount) for x in slip.lines)


async def test_the_month_wage_run_matches_to_the_cent(db: AsyncSession, answers: Answers,
                                                     generated: tuple[Path, History]):
    history = generated[1]
    slips = {s.person_code: s for s in await wages.wage_run(db, MONTH, history.zone)}
    assert set(slips) == {p.code for p in history.people}
    for person in history.people:
        slip, expected = slips[person.code], answers.payslip(person, MONTH)
        assert _lines(slip) == expected, person.code
        assert slip.total == sum((x.amount for x in expected), Decimal("0.00")), person.code
        assert slip.pending_qc_pieces == answers.pending_qc(person, MONTH), person.code
    grand = sum((s.total for s in slips.values()), Decimal(0))
    assert grand == sum((x.amount for p in history.people
                         for x in answers.payslip(p, MONTH)), Decimal(0))
    assert grand > 0


async def test_a_team_run_and_its_totals(db: AsyncSession, answers: Answers,
                                         generated: tuple[Path, History]):
    history = generated[1]
    team = next(p.team for p in history.people if p.night)
    members = [p for p in history.people if p.team == team]
    slips = await wages.wage_run(db, WEEK, history.zone, team=team)
    assert [s.person_code for s in slips] == sorted(p.code for p in members)
    [total] = wages.team_totals(slips)
    expected = [x for p in members for x in answers.payslip(p, WEEK)]
    assert total.total == sum((x.amount for x in expected), Decimal("0.00"))
    assert total.pieces == sum(int(x.quantity) for x in expected
                               if x.kind in ("piece", "rework", "void"))
    minutes = sum(x.quantity * 60 for x in expected if x.kind == "hourly")
    assert (total.hours * 60).quantize(Decimal(1)) == minutes.quantize(Decimal(1)) > 0


async def test_one_payslip_for_a_day(db: AsyncSession, answers: Answers,
                                     generated: tuple[Path, History]):
    from domain.models import Person

    history = generated[1]
    for code in (p.code for p in history.people if p.wage_mode == "mixed"):
        person = (await db.scalars(select(Person).where(Person.code == code))).one()
        slip = await wages.payslip(db, person, DAY, history.zone)
        assert _lines(slip) == answers.payslip(history.person(code), DAY)


# --- KPIs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("period", [MONTH, WEEK, DAY, SUNDAY], ids=lambda p: p.label)
async def test_every_kpi_matches_for_every_scope(db: AsyncSession, answers: Answers,
                                                 generated: tuple[Path, History],
                                                 period: Period):
    history = generated[1]
    for kind, key in _scopes(history):
        found = await kpis.compute(db, period, history.zone, Scope(kind, key),
                                   now=history.as_of)
        expected = answers.kpis(period, (kind, key))
        assert set(found) == set(expected)
        for name, figure in expected.items():
            kpi = found[name]
            assert (kpi.value, kpi.numerator, kpi.denominator) == (
                figure.value, figure.numerator, figure.denominator), (kind, key, name)
            if figure.p90 is not None:
                assert kpi.p90 == figure.p90, (kind, key, name)


async def test_the_month_has_figures_and_a_quiet_sunday_shows_dashes(
        db: AsyncSession, answers: Answers, generated: tuple[Path, History]):
    history = generated[1]
    month = answers.kpis(MONTH)
    assert all(figure.value is not None for figure in month.values())
    assert Decimal(0) < month["rework_rate"].value < Decimal(100)
    assert Decimal(0) < month["task_on_time"].value < Decimal(100)
    assert Decimal(0) < month["reporting_timeliness"].value < Decimal(100)
    day_worker = next(p for p in history.people if p.role == "worker" and not p.night)
    found = await kpis.compute(db, SUNDAY, history.zone, Scope("worker", day_worker.code),
                               now=history.as_of)
    for name in ("reporting_timeliness", "first_pass_yield", "scrap_rate", "delivery_on_time"):
        assert found[name].value is None, name


async def test_output_ranking_matches(db: AsyncSession, answers: Answers,
                                      generated: tuple[Path, History]):
    history = generated[1]
    for kind, key in _scopes(history):
        if kind == "worker":
            continue
        rows = await kpis.output_ranking(db, MONTH, history.zone, Scope(kind, key))
        assert [(r.person_code, r.good, r.scrap, r.standard_hours) for r in rows] == [
            (x.code, x.good, x.scrap, x.standard_hours)
            for x in answers.output(MONTH, (kind, key))], (kind, key)
