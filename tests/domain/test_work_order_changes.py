"""A planner's changes to a work order (quantity, due date, hold, resume, cancel) and the
workbook's: the rules, and that each reaches exactly the people it touches."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from domain import reporting, work_order_changes
from domain.errors import DomainError
from domain.masterdata import SheetRow, import_master_data
from domain.models import (
    ChangeNotice,
    OperationTask,
    OutboxMessage,
    Person,
    PlanChange,
    Reminder,
    ReportDraft,
    WorkOrder,
    WorkReport,
)
from domain.payload import LabelCode
from domain.work_order_changes import Request, parse_change, parse_state
from tests.domain.test_changes import NOW, RULES, build_floor

TODAY = date(2026, 11, 23)
QTY = Request("quantity", "WO-000001", 120)


@pytest.fixture
async def floor(session):
    return await build_floor(session, done_task=False)


def refused(key):
    return pytest.raises(DomainError, match=rf"^{key}\b")


# --- what was typed -------------------------------------------------------------------------


def test_change_commands_are_read():
    assert parse_change(["WO-000123", "qty", "300"], TODAY) == Request("quantity", "WO-000123", 300)
    assert parse_change(["wo-123", "数量", "300"], TODAY) == Request("quantity", "WO-000123", 300)
    assert parse_change(["WO-000123", "due", "11-30"], TODAY).value == "2026-11-30"
    assert parse_change(["WO-000123", "交期", "11-01"], TODAY).value == "2027-11-01"  # the next
    assert parse_change(["WO-000123", "due", "2026/12/05"], TODAY).value == "2026-12-05"
    assert parse_state("hold", ["WO-000123", "缺料", "待补"]) == Request(
        "hold", "WO-000123", None, "缺料 待补")
    assert parse_state("resume", ["WO-000123"]) == Request("resume", "WO-000123", None, "")


@pytest.mark.parametrize(("args", "key"), [
    ([], "change.usage"),
    (["WO-000123", "qty"], "change.usage"),
    (["WO-000123", "colour", "red"], "change.usage"),
    (["WO-000123", "qty", "0"], "change.bad_quantity"),
    (["WO-000123", "qty", "3.5"], "change.bad_quantity"),
    (["WO-000123", "qty", "1000001"], "change.bad_quantity"),
    (["WO-000123", "due", "11-31"], "change.bad_date"),
    (["WO-000123", "due", "tomorrow"], "change.bad_date"),
    (["SO-1", "qty", "5"], "change.bad_code"),
    (["WO-000123:20", "qty", "5"], "change.bad_code"),
])
def test_bad_change_commands_are_refused(args, key):
    with refused(key):
        parse_change(args, TODAY)


def test_a_state_command_needs_a_work_order():
    with refused("change.usage_state"):
        parse_state("hold", [])


# --- helpers ----------------------------------------------------------------------------------


_KEYS = itertools.count()


async def apply(session, floor, request, key=None, version=None):
    key = key or f"update:{next(_KEYS)}"
    if version is None:
        version = (await session.get(WorkOrder, floor["wo"].id)).version
    change = await work_order_changes.apply(session, floor["M01"], request, version=version,
                                            key=key, now=NOW)
    await session.commit()
    return change


async def told(session, change) -> dict[str, list]:
    """Who got the change's message, and its lines."""
    rows = (await session.execute(
        select(Person.code, OutboxMessage.payload)
        .join(ChangeNotice, ChangeNotice.person_id == Person.id)
        .join(OutboxMessage, OutboxMessage.id == ChangeNotice.outbox_id)
        .where(ChangeNotice.change_id == change.id).order_by(Person.code))).all()
    return {code: [tuple(x) for x in json.loads(payload)["lines"]] for code, payload in rows}


async def state(sessions, session, floor):
    """The work order and its tasks as a fresh session reads them."""
    await session.commit()  # (SQLite: the test's session holds no lock meanwhile)
    async with sessions() as fresh:
        work_order = await fresh.get(WorkOrder, floor["wo"].id)
        tasks = (await fresh.scalars(select(OperationTask).where(
            OperationTask.work_order_id == work_order.id).order_by(OperationTask.seq))).all()
        return (work_order.quantity, work_order.due_date, work_order.status, work_order.version,
                [(t.planned_qty, t.status) for t in tasks])


async def report(session, floor, code, seq, good):
    person = floor[code]
    opened = await reporting.open_card(session, person, LabelCode("WO-000001", seq),
                                       chat_id=person.telegram_user_id, source="typed",
                                       rules=RULES)
    (await session.get(ReportDraft, opened.draft_id)).created_at = NOW
    await reporting.submit_quantity(session, person, opened.draft_id, good=good,
                                    key=f"{code}-{seq}-{good}", now=NOW, rules=RULES)
    await session.commit()


def line(key, seq, operation, **params):
    return (f"change.task.{key}", {"work_order": "WO-000001", "seq": seq,
                                   "operation": operation, **params})


# --- preview --------------------------------------------------------------------------------


async def test_the_preview_names_whom_it_reaches_and_changes_nothing(sessions, session, floor):
    before = await state(sessions, session, floor)
    outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
    shown = await work_order_changes.preview(session, QTY, NOW)
    await session.commit()
    assert shown.people == (("工人S01", "S01"), ("工人S02", "S02"), ("工人W01", "W01"),
                            ("工人W02", "W02"), ("工人W04", "W04"))
    assert (shown.version, shown.old, shown.new) == (before[3], 100, 120)
    assert shown.lines == (("change.work_order.quantity",
                            {"work_order": "WO-000001", "old": 100, "new": 120}),)
    assert await state(sessions, session, floor) == before
    assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox
    assert await session.scalar(select(func.count()).select_from(PlanChange)) == 0
    draft = await session.get(ReportDraft, floor["draft"])
    assert draft.status == "open"


async def test_the_preview_refuses_what_apply_would(session, floor):
    await report(session, floor, "W01", 10, 40)
    with refused("change.below_reported"):
        await work_order_changes.preview(session, Request("quantity", "WO-000001", 39), NOW)
    with refused("report.unknown_work_order"):
        await work_order_changes.preview(session, Request("hold", "WO-000009"), NOW)


# --- quantity ---------------------------------------------------------------------------------


async def test_a_new_quantity_is_every_tasks_plan_and_reaches_exactly_its_people(sessions,
                                                                               session, floor):
    change = await apply(session, floor, QTY)
    quantity, _, status, _, tasks = await state(sessions, session, floor)
    assert (quantity, status, tasks) == (120, "released", [(120, "ready"), (120, "waiting"),
                                                           (120, "waiting")])
    assert await told(session, change) == {
        "S01": [("change.work_order.quantity", {"work_order": "WO-000001", "old": 100,
                                                "new": 120}),
                ("change.person", {"name": "工人W01", "code": "W01", "tasks": "#10 贴片"}),
                ("change.person", {"name": "工人W02", "code": "W02", "tasks": "#20 插件"})],
        "S02": [("change.work_order.quantity", {"work_order": "WO-000001", "old": 100,
                                                "new": 120}),
                ("change.person", {"name": "工人W04", "code": "W04",
                                   "tasks": "#20 插件 #30 测试"})],
        "W01": [line("quantity", 10, "贴片", old=100, new=120)],
        "W02": [line("quantity", 20, "插件", old=100, new=120)],
        "W04": [line("quantity", 20, "插件", old=100, new=120),
                line("quantity", 30, "测试", old=100, new=120)],
    }
    assert (await session.get(ReportDraft, floor["draft"])).status == "superseded"


async def test_the_quantity_cannot_go_below_what_an_operation_reported(sessions, session, floor):
    await report(session, floor, "W01", 10, 40)
    with refused("change.below_reported") as error:
        await apply(session, floor, Request("quantity", "WO-000001", 39))
    assert error.value.params == {"work_order": "WO-000001", "quantity": 39, "reported": 40}
    with refused("change.same"):
        await apply(session, floor, Request("quantity", "WO-000001", 100))
    await apply(session, floor, Request("quantity", "WO-000001", 40))
    # SMT made all 40: done; THT has them to work on.
    assert (await state(sessions, session, floor))[2:5:2] == ("in_progress", [(40, "done"), (40, "ready"),
                                                                     (40, "waiting")])


# --- due date ---------------------------------------------------------------------------------


async def test_a_new_due_date_is_followed_and_told_with_the_old_one(session, floor):
    change = await apply(session, floor, Request("due_date", "WO-000001", "2026-12-05"))
    lines = await told(session, change)
    assert lines["W01"] == [line("due_date", 10, "贴片", old="2030-12-01", new="12-05")]
    assert lines["S02"][0] == ("change.work_order.due_date",
                               {"work_order": "WO-000001", "old": "2030-12-01", "new": "12-05"})
    # Each task is now followed for midnight at the end of 5 December in Shanghai (the
    # reminders of the old time stop by themselves).
    keys = (await session.scalars(select(Reminder.fact_key).where(
        Reminder.kind == "task_overdue", Reminder.fact_key.like("%:20261205T1600Z")))).all()
    assert sorted(keys) == sorted(f"task_overdue:{t.id}:20261205T1600Z"
                                  for t in floor["tasks"].values())
    with refused("change.due_in_past"):
        await apply(session, floor, Request("due_date", "WO-000001", "2026-11-22"), key="k2")


# --- hold and resume --------------------------------------------------------------------------


async def test_hold_refuses_reports_survives_changes_and_resume_returns_to_work(sessions,
                                                                               session, floor):
    await report(session, floor, "W01", 10, 40)
    change = await apply(session, floor, Request("hold", "WO-000001", None, "缺料"), key="h")
    assert (await told(session, change))["W04"] == [
        line("hold", 20, "插件"), line("hold", 30, "测试"), ("change.note", {"note": "缺料"})]
    assert (await state(sessions, session, floor))[2] == "on_hold"
    with refused("report.work_order_closed"):
        await report(session, floor, "W01", 10, 10)
    with refused("change.cannot_hold"):
        await apply(session, floor, Request("hold", "WO-000001"), key="h2")

    # A quantity changed while held keeps it held.
    await apply(session, floor, Request("quantity", "WO-000001", 150), key="q")
    assert (await state(sessions, session, floor))[2] == "on_hold"

    change = await apply(session, floor, Request("resume", "WO-000001"), key="r")
    assert (await told(session, change))["W01"] == [line("resume", 10, "贴片")]
    assert (await state(sessions, session, floor))[2] == "in_progress"  # as its reports say
    with refused("change.not_on_hold"):
        await apply(session, floor, Request("resume", "WO-000001"), key="r2")
    await report(session, floor, "W01", 10, 10)


# --- cancel -----------------------------------------------------------------------------------


async def test_cancel_drops_open_cards_and_stops_reminders_but_keeps_reports(sessions, session,
                                                                           floor):
    await report(session, floor, "W01", 10, 40)
    task_ids = [t.id for t in floor["tasks"].values()]
    following = select(func.count()).select_from(Reminder).where(
        Reminder.entity == "operation_task", Reminder.entity_id.in_(task_ids),
        Reminder.status == "active")
    assert await session.scalar(following) == 3  # each task's due time

    change = await apply(session, floor, Request("cancel", "WO-000001", None, "客户取消"))
    assert (await told(session, change))["W02"] == [line("cancel", 20, "插件"),
                                                    ("change.note", {"note": "客户取消"})]
    assert (await state(sessions, session, floor))[2] == "cancelled"
    assert (await session.get(ReportDraft, floor["draft"])).status == "superseded"
    assert await session.scalar(following) == 0
    reports = (await session.scalars(select(WorkReport))).all()
    assert [(r.good_qty, r.status) for r in reports] == [(40, "accepted")]

    with refused("change.cannot_cancel"):
        await apply(session, floor, Request("cancel", "WO-000001"), key="c2")
    with refused("change.closed"):
        await apply(session, floor, QTY, key="q")


# --- once -------------------------------------------------------------------------------------


async def test_two_confirmations_of_one_preview_apply_one_change(session, floor):
    version = (await work_order_changes.preview(session, Request("hold", "WO-000001"), NOW)
               ).version
    first = await apply(session, floor, Request("hold", "WO-000001"), key="card:1",
                        version=version)
    assert first is not None
    with refused("change.changed_meanwhile"):  # another planner's card of the same version
        await apply(session, floor, Request("cancel", "WO-000001"), key="card:2",
                    version=version)
    assert await apply(session, floor, Request("hold", "WO-000001"), key="card:1",
                       version=version) is None  # the same card again
    assert await session.scalar(select(func.count()).select_from(PlanChange)) == 1
    assert await session.scalar(select(func.count()).select_from(ChangeNotice)) == 5


# --- the workbook -----------------------------------------------------------------------------

ORDERS = ("order_no", "customer", "product_code", "quantity", "due_date", "priority")


def orders(*rows):
    return {"orders": [SheetRow("orders", n, dict(zip(ORDERS, r, strict=True)))
                       for n, r in enumerate(rows, 2)]}


async def run_import(sessions, session, sheets):
    await session.commit()
    async with sessions() as importing, importing.begin():
        return await import_master_data(importing, sheets)


async def changes_so_far(session):
    rows = (await session.execute(select(PlanChange.kind, func.count(ChangeNotice.id))
                                  .join(ChangeNotice, ChangeNotice.change_id == PlanChange.id)
                                  .group_by(PlanChange.id).order_by(PlanChange.id))).all()
    return [tuple(r) for r in rows]


async def test_an_import_that_changes_a_work_order_reaches_the_same_people_once(sessions,
                                                                               session, floor):
    await run_import(sessions, session, orders(("SO-1-1", "客户甲", "PCB-A", 150, "2030-12-01", None)))
    assert (await state(sessions, session, floor))[4] == [(150, "ready"), (150, "waiting"),
                                                 (150, "waiting")]
    change = await session.scalar(select(PlanChange))
    assert change.key.startswith("import:WO-000001:v")
    assert (await told(session, change))["W04"] == [
        line("quantity", 20, "插件", old=100, new=150), line("quantity", 30, "测试", old=100,
                                                             new=150)]
    # The same file again changes nothing and announces nothing.
    await run_import(sessions, session, orders(("SO-1-1", "客户甲", "PCB-A", 150, "2030-12-01", None)))
    assert await changes_so_far(session) == [("quantity", 5)]

    # Quantity and priority at once: one message each, a line per change and task. (W02's
    # card was outdated by the first change: W02 is no longer touched.)
    await run_import(sessions, session,
                     orders(("SO-1-1", "客户甲", "PCB-A", 160, "2030-12-01", 1)))
    assert await changes_so_far(session) == [("quantity", 5), ("replan", 4)]
    latest = await session.scalar(select(PlanChange).order_by(PlanChange.id.desc()))
    assert (await told(session, latest))["W01"] == [
        line("quantity", 10, "贴片", old=150, new=160), line("priority", 10, "贴片", old=3, new=1)]


async def test_an_import_keeps_a_held_work_order_on_hold(sessions, session, floor):
    await apply(session, floor, Request("hold", "WO-000001"))
    await run_import(sessions, session, orders(("SO-1-1", "客户甲", "PCB-A", 150,
                                       date(2030, 12, 1) + timedelta(days=2), None)))
    quantity, due, status, _, _ = await state(sessions, session, floor)
    assert (quantity, due, status) == (150, date(2030, 12, 3), "on_hold")
    latest = await session.scalar(select(PlanChange).order_by(PlanChange.id.desc()))
    assert latest.kind == "replan"
