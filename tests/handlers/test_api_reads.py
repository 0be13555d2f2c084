"""What the ERP reads: lists in (time, id) order read page by page without gaps or repeats while
rows keep arriving, time windows in the factory's zone, work orders with the same progress
`gongdan status --json` shows, inspections, exceptions, wages (money as strings) and KPIs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from domain import andon, qc, status
from domain.andon.subject import Subject
from domain.kpis import KPI_NAMES
from domain.models import Operation, OperationTask, Person, QCInspection, WorkOrder, WorkReport
from tests.domain import qc_floor
from tests.handlers.api_client import Api, api

__all__ = ["api"]

SHANGHAI = timedelta(hours=8)
_keys = iter(range(10**6))


async def add_reports(api: Api, *times: datetime) -> list[int]:
    """Report rows at these times on WO-000001's first operation (what a report leaves)."""
    async with api.sessions() as session, session.begin():
        task = await session.scalar(select(OperationTask).where(OperationTask.seq == 10))
        worker = await session.scalar(select(Person).where(Person.code == "W01"))
        rows = [WorkReport(task_id=task.id, person_id=worker.id, good_qty=1, source="typed",
                           idempotency_key=f"r{next(_keys)}", status="accepted",
                           accepted_qty=1, piece_rate=Decimal("0.35"), reported_at=at,
                           accepted_at=at) for at in times]
        session.add_all(rows)
        await session.flush()
        return [r.id for r in rows]


async def test_pages_have_no_gaps_and_no_repeats_while_rows_arrive(api):
    start = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    same = start + timedelta(minutes=30)
    first = await add_reports(api, *(start + timedelta(minutes=n) for n in range(5)),
                              same, same, same)  # three at one instant: ordered by id
    seen, cursor, arrived = [], None, []
    for page_no in range(20):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        status_code, body = await api.get("/api/v1/reports", **query)
        assert status_code == 200
        seen += [row["id"] for row in body["data"]]
        if page_no == 1:  # reports arrive while the ERP reads: one at the busy instant
            arrived = await add_reports(api, same, start + timedelta(hours=1),
                                        start + timedelta(hours=2))
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert page_no == 5  # 11 rows in pages of 2
    assert seen == [*first, *arrived]  # (time, id) order: each once, the new ones included
    assert [row["id"] for row in await api.pages("/api/v1/reports", limit=500)] == seen


async def test_time_windows_are_in_the_factorys_zone(api):
    late_20th = datetime(2026, 11, 20, 23, 30, tzinfo=UTC) - SHANGHAI  # 23:30 local, 20th
    early_21st = datetime(2026, 11, 21, 0, 30, tzinfo=UTC) - SHANGHAI
    end_21st = datetime(2026, 11, 21, 23, 59, tzinfo=UTC) - SHANGHAI
    ids = await add_reports(api, late_20th, early_21st, end_21st)

    async def window(**query) -> list[int]:
        return [row["id"] for row in await api.pages("/api/v1/reports", **query)]

    day = window(**{"from": "2026-11-21", "to": "2026-11-21"})  # a whole local day
    assert await day == ids[1:]
    assert await window(**{"from": "2026-11-21T00:00:00"}) == ids[1:]  # no offset: local
    assert await window(**{"from": "2026-11-20T16:00:00Z"}) == ids[1:]
    assert await window(**{"to": "2026-11-21T00:30:00+08:00"}) == ids[:1]  # `to` excluded
    assert await window(**{"from": "2026-11-20", "to": "2026-11-20"}) == ids[:1]


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "yesterday"}, "from"), ({"to": "2026-02-30"}, "to"),
    ({"from": "2026-11-21", "to": "2026-11-20"}, "to"), ({"limit": "0"}, "limit"),
    ({"limit": "501"}, "limit"), ({"cursor": "bm9wZQ"}, "cursor"),
])
async def test_bad_parameters_are_400_with_the_parameter_named(api, query, field):
    status_code, body = await api.get("/api/v1/reports", **query)
    assert (status_code, body["error"]["code"], body["error"]["field"]) == (
        400, "bad_request", field)


async def test_a_cursor_belongs_to_its_own_list(api):
    await add_reports(api, *(datetime(2026, 11, 21, h, tzinfo=UTC) for h in range(3)))
    _, page = await api.get("/api/v1/reports", limit=1)
    status_code, body = await api.get("/api/v1/exceptions", cursor=page["next_cursor"])
    assert (status_code, body["error"]["field"]) == (400, "cursor")


async def test_work_orders_show_the_progress_status_shows(api):
    await add_reports(api, datetime(2026, 11, 21, 1, tzinfo=UTC))
    async with api.sessions() as session, session.begin():
        await session.execute(update(OperationTask).where(OperationTask.seq == 10)
                              .values(good_qty=40, scrap_qty=2, status="in_progress"))
        await session.execute(update(WorkOrder).values(status="in_progress"))
    _, made = await api.put("/api/v1/work-orders/ERP-7", {
        "order_no": "SO-77", "customer": "客户乙", "product_code": "PCB-B", "quantity": 9,
        "due_date": "2030-12-01"})
    listed = await api.pages("/api/v1/work-orders", limit=1)
    assert [w["code"] for w in listed] == ["WO-000001", made["data"]["code"]]
    async with api.sessions() as session:
        [view] = await status.load_work_orders(session, codes=["WO-000001"])
    shown = view.to_dict()
    assert listed[0]["operations"] == shown["operations"]
    assert listed[0]["operations"][1]["arrived"] == 40  # the flow rule's truth
    _, single = await api.get("/api/v1/work-orders/WO-000001")
    assert single == listed[0]

    _, open_only = await api.get("/api/v1/work-orders", status="in_progress")
    assert [w["code"] for w in open_only["data"]] == ["WO-000001"]
    status_code, body = await api.get("/api/v1/work-orders", status="late")
    assert (status_code, body["error"]["field"]) == (400, "status")


@pytest.fixture
async def worked(api):
    """A QC checkpoint at THT; W01 reports 50 at SMT, W02 30 at THT (held), the supervisor
    S01… no: the inspector Q01 passes 28 and scraps 2; W01 reports an equipment exception."""
    async with api.sessions() as session, session.begin():
        await session.execute(update(Operation).where(Operation.code == "THT")
                              .values(qc_checkpoint=True))
        session.add(Person(code="Q01", name="质检Q01", role="qc"))
    async with api.sessions() as session, session.begin():
        people = {p.code: p for p in (await session.scalars(select(Person))).all()}
        await qc_floor.report(session, people["W01"], 50)
        await qc_floor.report(session, people["W02"], 30)
        inspection = await session.scalar(select(QCInspection))
        await qc.decide(session, people["Q01"], inspection.id, passed=28, rework=0, scrap=2,
                        reason="solder", photo_file_id=None,
                        now=qc_floor.NOW + timedelta(minutes=10), rules=qc_floor.RULES)
        wo = await session.scalar(select(WorkOrder))
        await andon.report(session, people["W01"], kind="equipment",
                           subject=Subject(wo.id, wo.code), line_stopped=False,
                           comment="贴片机卡料", photo_file_id=None,
                           now=qc_floor.NOW + timedelta(minutes=20), rules=qc_floor.RULES)
    async with api.sessions() as session, session.begin():
        await session.execute(update(WorkOrder).values(external_id="ERP-WO1"))
    return api


DAY = {"from": "2026-11-21", "to": "2026-11-21"}


async def test_reports_inspections_and_exceptions(worked):
    reports = await worked.pages("/api/v1/reports", **DAY)
    assert [(r["person_code"], r["operation_code"], r["good"], r["accepted"], r["status"])
            for r in reports] == [("W01", "SMT", 50, 50, "accepted"),
                                  ("W02", "THT", 30, 28, "accepted")]
    assert {r["work_order_external_id"] for r in reports} == {"ERP-WO1"}
    [inspection] = await worked.pages("/api/v1/inspections", **DAY)
    assert (inspection["passed"], inspection["scrap"], inspection["inspector"],
            inspection["defect_reason"]) == (28, 2, "质检Q01", "solder")
    [exception] = await worked.pages("/api/v1/exceptions", **DAY)
    assert (exception["kind"], exception["status"], exception["comment"]) == (
        "equipment", "open", "贴片机卡料")
    assert exception["code"] == f"EX-{exception['id']:06d}"


async def test_wages_are_payslips_with_money_as_strings(worked):
    status_code, body = await worked.get("/api/v1/wages", **DAY)
    assert status_code == 200
    slips = {s["person_code"]: s for s in body["data"]}
    assert slips["W01"]["total"] == "17.50"  # 50 × 0.35
    assert slips["W02"]["total"] == "14.00"  # 28 passed × 0.50
    assert slips["W01"]["lines"][0]["rate"] == "0.3500"
    people = [s["person_code"] for s in await worked.pages("/api/v1/wages", limit=2, **DAY)]
    assert people == [s["person_code"] for s in body["data"]]
    status_code, body = await worked.get("/api/v1/wages", **{"from": "2025-01-01",
                                                            "to": "2026-11-21"})
    assert (status_code, body["error"]["field"]) == (400, "to")  # more than a year


async def test_kpis_of_a_period(worked):
    status_code, body = await worked.get("/api/v1/kpis", **DAY)
    assert status_code == 200
    assert (body["from"], body["to"]) == ("2026-11-21", "2026-11-21")
    kpis = {k["name"]: k for k in body["data"]}
    assert list(kpis) == list(KPI_NAMES)
    assert kpis["scrap_rate"]["denominator"] != "0"
