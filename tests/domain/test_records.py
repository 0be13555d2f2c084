"""The rows behind the export's sheets, on the November of tests/export_floor.py, and who may
export what."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain import records
from domain.errors import DomainError
from domain.models import Person, WorkReport
from domain.periods import Period
from tests import export_floor
from tests.export_floor import NOVEMBER, ZONE, utc


async def collect(batches) -> list:
    return [row async for batch in batches for row in batch]


@pytest.fixture
async def floor(session):
    return await export_floor.build(session)


async def test_reports_of_the_local_month_oldest_first(session, floor):
    rows = await collect(records.reports(session, NOVEMBER, ZONE, batch=2))
    # R1 is 10-31 16:30 UTC but 11-01 00:30 in the factory; R7 is December locally.
    assert [(r.person_code, r.good, r.scrap, r.accepted, r.status) for r in rows] == [
        ("W01", 20, 0, 20, "accepted"), ("W01", 60, 2, 60, "accepted"),
        ("W01", 30, 0, 0, "voided"), ("W02", 50, 0, 45, "accepted"),
        ("W02", 3, 0, 3, "accepted"), ("W02", 10, 0, 0, "pending_qc")]
    first, second, voided, inspected, reworked, pending = rows
    assert first.reported_at == datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    assert (first.work_order, first.product, first.seq, first.operation_code,
            first.operation_name, first.team) == ("WO-000001", "PCB-A", 10, "SMT", "贴片", "甲班")
    assert second.scrap_reason == "burr" and second.piece_rate == Decimal("0.3500")
    assert voided.voided_at == utc(11, 3, 2, 5) and voided.void_reason == "undo"
    assert inspected.accepted_at == utc(11, 4, 5) and inspected.operation_code == "THT"
    assert reworked.rework_code == "RW-000001" and inspected.rework_code is None
    assert reworked.piece_rate == Decimal("0")  # own rework: unpaid_own
    assert pending.accepted_at is None and pending.source == "typed"


async def test_pages_neither_skip_nor_repeat_reports_made_at_the_same_instant(session, floor):
    first = (await collect(records.reports(session, NOVEMBER, ZONE)))[0]
    task_id = await session.scalar(select(WorkReport.task_id).where(WorkReport.id == first.id))
    for n in range(5):
        session.add(WorkReport(task_id=task_id, person_id=floor["W01"].id, good_qty=n + 1,
                               source="typed", idempotency_key=f"tie{n}", accepted_qty=n + 1,
                               piece_rate=Decimal("0.35"), reported_at=utc(11, 7, 1)))
    await session.commit()
    rows = await collect(records.reports(session, NOVEMBER, ZONE, batch=2))
    assert [r.good for r in rows if r.reported_at == utc(11, 7, 1)] == [1, 2, 3, 4, 5]
    assert len(rows) == len({r.id for r in rows}) == 11


async def test_reports_of_one_team(session, floor):
    assert await collect(records.reports(session, NOVEMBER, ZONE, team="乙班")) == []
    team = await collect(records.reports(session, NOVEMBER, ZONE, team="甲班"))
    assert len(team) == 6
    assert await collect(records.reports(session, NOVEMBER, ZONE, team="")) == []


async def test_a_day_and_a_month_without_reports(session, floor):
    day = Period.day(date(2026, 11, 2))
    assert await collect(records.reports(session, day, ZONE)) == []
    december = await collect(records.reports(session, Period.month(date(2026, 12, 1)), ZONE))
    assert [(r.good, r.reported_at) for r in december] == [(5, utc(11, 30, 16, 30))]


async def test_inspections_booked_when_decided_or_asked(session, floor):
    rows = await collect(records.inspections(session, NOVEMBER, ZONE, batch=1))
    assert [(r.status, r.quantity, r.passed, r.rework, r.scrap) for r in rows] == [
        ("failed", 50, 45, 3, 2), ("passed", 3, 3, 0, 0), ("pending", 10, 0, 0, 0)]
    failed, passed, pending = rows
    assert failed.defect_reason == "burr" and failed.inspector == "工人Q01"
    assert failed.created_rework == "RW-000001" and failed.reinspected_rework is None
    assert passed.reinspected_rework == "RW-000001" and passed.created_rework is None
    assert (failed.person_code, failed.team, failed.seq) == ("W02", "甲班", 20)
    assert pending.decided_at is None and pending.inspector is None
    # A pending inspection is booked when it was asked for: not in October, not in December.
    october = Period.month(date(2026, 10, 1))
    assert await collect(records.inspections(session, october, ZONE)) == []
    # Decided 11-04 13:00 local: the day's period holds it, the day before does not.
    assert len(await collect(records.inspections(session, Period.day(date(2026, 11, 4)),
                                                 ZONE))) == 1
    assert await collect(records.inspections(session, Period.day(date(2026, 11, 3)), ZONE)) == []


async def test_rework_tasks(session, floor):
    (rw,) = await collect(records.rework_tasks(session, NOVEMBER, ZONE))
    assert (rw.code, rw.work_order, rw.seq, rw.operation_name, rw.quantity, rw.passed,
            rw.scrap, rw.pending_qc, rw.returned, rw.outstanding, rw.status) == (
        "RW-000001", "WO-000001", 20, "插件", 3, 3, 0, 0, 0, 0, "done")
    assert (rw.caused_by_code, rw.assignee, rw.defect_reason) == ("W02", "工人W02", "burr")
    assert rw.created_at == utc(11, 4, 5) and rw.done_at == utc(11, 5, 3)
    assert await collect(records.rework_tasks(session, NOVEMBER, ZONE, team="乙班")) == []


async def test_exceptions_with_their_times(session, floor):
    stopped, missing = await collect(records.exceptions(session, NOVEMBER, ZONE, batch=1))
    assert (stopped.kind, stopped.severity, stopped.line_stopped, stopped.status) == (
        "equipment", "high", True, "resolved")
    assert (stopped.work_order, stopped.reporter, stopped.acknowledged_by,
            stopped.resolved_by) == ("WO-000001", "@张三", "工人S01", "工人S01")
    assert stopped.comment == "=cmd|' /C calc'!A0"
    assert (stopped.ack_seconds, stopped.resolve_seconds) == (1800, 7200)
    assert stopped.downtime_until(utc(12, 1, 0)) == 7200
    assert (missing.kind, missing.status, missing.work_order, missing.ack_seconds) == (
        "material", "open", None, None)
    assert missing.downtime_until(utc(12, 1, 0)) == 0


def test_a_stop_still_going_counts_until_now():
    record = records.ExceptionRecord(
        1, utc(11, 6, 1), "equipment", "high", True, "open", None, None, None, None, "x", None,
        None, None, None, None, None, None, 600, utc(11, 6, 2))
    assert record.downtime_until(utc(11, 6, 3)) == 600 + 3600


async def test_teams(session, floor):
    assert await records.teams(session) == ["乙班", "甲班"]  # by code point, as stored


TODAY = date(2026, 11, 21)


def person(role: str, team: str | None = None) -> Person:
    return Person(code="P", name="P", role=role, team=team)


def test_a_manager_exports_the_factory_this_month_so_far_by_default():
    request = records.export_request(person("manager"), "", TODAY)
    assert request == records.ExportRequest(Period.between(date(2026, 11, 1), TODAY), None)
    assert records.export_request(person("admin", "甲班"), "上月", TODAY).period == Period.month(
        date(2026, 10, 1))


def test_a_supervisor_exports_their_own_team():
    assert records.export_request(person("supervisor", "甲班"), "week", TODAY).team == "甲班"
    # Without a team: the people without one, as for wages.
    assert records.export_request(person("supervisor"), "", TODAY).team == ""


@pytest.mark.parametrize("role", ["worker", "qc"])
def test_workers_and_inspectors_export_nothing(role):
    with pytest.raises(DomainError) as refused:
        records.export_request(person(role, "甲班"), "", TODAY)
    assert refused.value.key == "auth.forbidden"


def test_bad_and_too_long_periods():
    with pytest.raises(DomainError) as bad:
        records.export_request(person("manager"), "someday", TODAY)
    assert bad.value.key == "export.usage"
    with pytest.raises(DomainError) as long:
        records.export_request(person("manager"), "2026-01-01..2026-06-30", TODAY)
    assert long.value.key == "export.too_long" and long.value.params == {"days": 181,
                                                                         "limit": 31}
    with pytest.raises(DomainError):
        records.export_request(person("manager"), "2026-09-01..2026-10-02", TODAY)
    august = records.export_request(person("manager"), "2026-08", TODAY)
    assert august.period.days == 31
