"""Rush orders on a hand-computed floor.

One worker W01 does SMT at 1 minute a piece; no shifts configured, so 08:00-17:00 Monday to
Saturday. Monday 2026-11-23, 07:30: the plans start when the shift does, at 08:00. Without a
rush (earliest due first):

    WO-000004  60 pcs, due Sun 11-22   08:00-09:00  late 9 h (due Monday 00:00)
    WO-000001 180 pcs, due Mon 11-23   09:00-12:00  on time
    WO-000002 300 pcs, due Mon 11-23   12:00-17:00  on time
    WO-000003 120 pcs, due Wed 11-25   Tue 08:00-10:00  on time

Rushing WO-000003 puts it first (08:00-10:00): WO-000004 ends 11:00 (late 11 h, was 9 h),
WO-000001 11:00-14:00 (on time), WO-000002 14:00-17:00 and Tuesday 08:00-10:00 (late 10 h, was
on time).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from domain import rush
from domain.dispatch import plans
from domain.errors import DomainError
from domain.models import (
    ChangeNotice,
    Operation,
    OperationTask,
    Order,
    OutboxMessage,
    PlanChange,
    WorkOrder,
)
from domain.rules import FactoryRules
from tests import builders

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 7, 30, tzinfo=ZONE).astimezone(UTC)
RULES = FactoryRules()
HOUR = 3600


def at(hour: int, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
async def floor(session):
    product = await builders.product(session, "P1", operations=(("SMT", "贴片", "0.30"),))
    await session.execute(update(Operation).values(std_minutes=Decimal(1)))
    worker = await builders.person(session, "W01", skills="SMT", telegram_user_id=101)
    boss = await builders.person(session, "S01", role="supervisor", telegram_user_id=109)
    manager = await builders.person(session, "M01", role="manager", telegram_user_id=110)
    orders = {}
    for number, quantity, due in ((1, 180, 23), (2, 300, 23), (3, 120, 25), (4, 60, 22)):
        wo = await builders.work_order(session, product, quantity=quantity, number=number)
        wo.due_date = date(2026, 11, due)
        orders[number] = wo
    await session.flush()
    return {"product": product, "W01": worker, "S01": boss, "M01": manager, **orders}


async def test_the_preview_names_the_work_orders_made_late_and_by_how_much(session, floor):
    asked = await rush.request(session, ["wo-3"])
    assert asked == rush.Rush(work_order_id=floor[3].id)
    preview = await rush.preview(session, asked, now=NOW, rules=RULES)
    assert preview.impacts == (rush.Impact("WO-000002", 10 * HOUR, 0),
                               rush.Impact("WO-000004", 11 * HOUR, 9 * HOUR))
    assert (preview.work_order, preview.due_date) == ("WO-000003", date(2026, 11, 25))
    assert (preview.finish, preview.late_seconds, preview.unplanned) == (at(10), 0, 0)
    # A preview changes nothing.
    assert floor[3].priority == 3
    assert (await session.scalars(select(PlanChange))).all() == []


async def test_a_new_rush_order_is_previewed_then_made_through_the_import(session, floor):
    await session.execute(update(WorkOrder).where(WorkOrder.id == floor[3].id)
                          .values(status="cancelled"))
    asked = await rush.request(session, ["P1", "120", "2026-11-25", "华强", "电子"])
    assert asked == rush.Rush(product="P1", quantity=120, due=date(2026, 11, 25),
                              customer="华强 电子")
    preview = await rush.preview(session, asked, now=NOW, rules=RULES)
    assert preview.work_order is None
    assert preview.impacts == (rush.Impact("WO-000002", 10 * HOUR, 0),
                               rush.Impact("WO-000004", 11 * HOUR, 9 * HOUR))
    assert preview.finish == at(10)

    done = await rush.confirm(session, asked, actor=floor["M01"], now=NOW, rules=RULES,
                              key="rush:test")
    made = done.work_order
    assert (made.code, made.priority, made.status, made.quantity) == (
        "WO-000005", 0, "released", 120)
    order = await session.get(Order, made.order_id)
    assert (order.order_no, order.customer, order.priority) == (
        "RUSH-20261123-01", "华强 电子", 0)
    (task,) = (await session.scalars(select(OperationTask).where(
        OperationTask.work_order_id == made.id))).all()
    assert (task.planned_start, task.planned_end) == (at(8), at(10))
    assert done.preview.impacts == preview.impacts


@pytest.mark.parametrize(("args", "key"), [
    (["WO-000099"], "rush.unknown_work_order"),
    (["P9", "10", "2026-11-25"], "rush.unknown_product"),
    (["P1", "ten", "2026-11-25"], "rush.bad_quantity"),
    (["P1", "10", "tomorrow"], "rush.bad_due"),
    (["P1", "10"], "rush.usage"),
    (["hello"], "rush.usage"),
])
async def test_a_request_that_does_not_parse_is_refused(session, floor, args, key):
    with pytest.raises(DomainError) as refused:
        await rush.request(session, args)
    assert refused.value.key == key


async def test_confirming_moves_the_plan_and_tells_each_person_once(session, floor):
    # The floor was dispatched before: every task on W01 at the times of the table above.
    plan = await plans.suggest(session, actor=floor["M01"], team=None, now=NOW, rules=RULES)
    await plans.accept(session, plan_id=plan.id, version=1, actor=floor["M01"], now=NOW,
                       rules=RULES)
    asked = await rush.request(session, ["WO-000003"])
    done = await rush.confirm(session, asked, actor=floor["M01"], now=NOW, rules=RULES,
                              key="rush:1")
    assert (done.moved, done.told) == (4, 2)
    assert floor[3].priority == 0
    assert (await session.get(Order, floor[3].order_id)).priority == 0

    planned = {wo.code: (t.planned_start, t.planned_end) for t, wo in (await session.execute(
        select(OperationTask, WorkOrder).join(WorkOrder))).all()}
    assert planned == {"WO-000003": (at(8), at(10)), "WO-000004": (at(10), at(11)),
                       "WO-000001": (at(11), at(14)), "WO-000002": (at(14), at(10, day=24))}

    (change,) = (await session.scalars(select(PlanChange).where(PlanChange.kind == "rush"))).all()
    assert change.key == "rush:1"
    assert json.loads(change.detail)["late"] == {"WO-000002": [0, 36000],
                                                 "WO-000004": [32400, 39600]}
    notices = (await session.scalars(select(ChangeNotice).where(
        ChangeNotice.change_id == change.id).order_by(ChangeNotice.person_id))).all()
    assert [n.person_id for n in notices] == [floor["W01"].id, floor["S01"].id]

    def change_messages(chat_id):
        return [json.loads(m.payload) for m in messages[chat_id]
                if json.loads(m.payload)["key"] == "change.notice"]

    messages = {chat: (await session.scalars(select(OutboxMessage).where(
        OutboxMessage.chat_id == chat).order_by(OutboxMessage.id))).all() for chat in (101, 109)}
    (worker_message,) = change_messages(101)
    assert [(k, p["work_order"], p["start_at"]) for k, p in worker_message["lines"]] == [
        ("dispatch.change_moved", "WO-000001", at(11).isoformat()),
        ("dispatch.change_moved", "WO-000002", at(14).isoformat()),
        ("dispatch.change_moved", "WO-000003", at(8).isoformat()),
        ("dispatch.change_moved", "WO-000004", at(10).isoformat())]
    (boss_message,) = change_messages(109)
    assert [(k, p["work_order"], p["name"]) for k, p in boss_message["lines"]] == [
        ("dispatch.change_team", wo, "工人W01")
        for wo in ("WO-000001", "WO-000002", "WO-000003", "WO-000004")]

    # Once: the work order is a rush now, a second confirmation is refused.
    with pytest.raises(DomainError) as again:
        await rush.confirm(session, asked, actor=floor["M01"], now=NOW, rules=RULES,
                           key="rush:2")
    assert again.value.key == "rush.already"
