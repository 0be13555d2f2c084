"""Reminders the clock drives: tasks not started, tasks overdue, shifts ending unreported."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from domain import reminders, reporting, task_reminders
from domain.models import (
    OperationTask,
    Order,
    OutboxMessage,
    Person,
    Reminder,
    ReportDraft,
    Routing,
    Shift,
    TaskAssignee,
    WorkOrder,
    WorkOrderStatus,
)
from domain.payload import LabelCode
from domain.reporting import OpenedCard
from domain.rules import FactoryRules
from domain.work_orders import release_work_order
from tests import builders

RULES = FactoryRules(timezone="Asia/Shanghai", default_language="zh")
# Monday 23 November 2026, 09:00 in Shanghai.
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def released_work_order(session, product) -> WorkOrder:
    """WO-000001 of 100, due 2026-12-01, released at NOW (whatever today's date is)."""
    order = Order(order_no="SO-1", customer="客户甲", due_date=date(2026, 12, 1))
    session.add(order)
    await session.flush()
    routing = await session.scalar(select(Routing).where(Routing.product_id == product.id))
    work_order = WorkOrder(code="WO-000001", order_id=order.id, product_id=product.id,
                           routing_id=routing.id, quantity=100, due_date=order.due_date)
    session.add(work_order)
    await session.flush()
    await release_work_order(session, work_order, now=NOW, rules=RULES)
    return work_order


@pytest.fixture
async def floor(session):
    product = await builders.product(session)
    work_order = await released_work_order(session, product)
    people = {}
    for code, role, skills, user_id, team in (
            ("W01", "worker", "SMT", 1001, "A"), ("W02", "worker", "THT", 1002, "A"),
            ("W03", "worker", "", 1003, "A"), ("W09", "worker", "SMT", None, "A"),
            ("S01", "supervisor", "", 2001, "A"), ("S02", "supervisor", "", 2002, "B"),
            ("M01", "manager", "", 3001, None)):
        person = await builders.person(session, code, role=role, skills=skills,
                                       telegram_user_id=user_id)
        person.team = team
        people[code] = person
    tasks = {t.seq: t for t in (await session.scalars(select(OperationTask))).all()}
    await session.commit()
    return {"wo": work_order, "tasks": tasks, **people}


async def plan(sessions, task_id, *, start=None, end=None, now=NOW):
    async with sessions() as session, session.begin():
        task = await session.get(OperationTask, task_id)
        task.planned_start, task.planned_end = start, end
        await session.flush()
        await task_reminders.schedule_task_reminders(session, task, now, RULES)


async def sweep(sessions, at):
    return await reminders.sweep(sessions, at, RULES)


async def outbox(sessions):
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    # What the reminders said: "first pieces ready" (domain/partial_flow.py) is tested there.
    notices = [(r.chat_id, json.loads(r.payload)) for r in rows]
    return [(chat, m) for chat, m in notices if m.get("key") != "flow.ready"]


def keys(messages):
    return [(chat, m["key"]) for chat, m in messages]


async def status_of(sessions, kind, task_id):
    async with sessions() as session:
        rows = (await session.scalars(select(Reminder).where(
            Reminder.kind == kind, Reminder.entity_id == task_id).order_by(Reminder.id))).all()
    return [(r.status, r.step) for r in rows]


async def report(sessions, person_code, good, at, seq=None):
    async with sessions() as session, session.begin():
        person = await session.scalar(select(Person).where(Person.code == person_code))
        opened = await reporting.open_card(session, person, LabelCode("WO-000001", seq),
                                           chat_id=person.telegram_user_id, source="typed",
                                           rules=RULES)
        assert isinstance(opened, OpenedCard)
        (await session.get(ReportDraft, opened.draft_id)).created_at = at
        await reporting.submit_quantity(session, person, opened.draft_id, good=good,
                                        key=f"{person_code}-{at}", now=at, rules=RULES)


# --- scheduling ----------------------------------------------------------------------------


async def test_release_follows_every_task_until_the_end_of_its_due_date(sessions, floor):
    async with sessions() as session:
        rows = (await session.scalars(select(Reminder).order_by(Reminder.entity_id))).all()
    # Due 2026-12-01: the end of that day in Shanghai is 16:00 UTC.
    end = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert [(r.kind, r.entity, r.entity_id, r.started_at, r.due_at, r.status) for r in rows] == [
        ("task_overdue", "operation_task", t.id, end, end, "active")
        for t in floor["tasks"].values()]
    assert rows[0].fact_key == f"task_overdue:{floor['tasks'][10].id}:20261201T1600Z"


async def test_scheduling_again_changes_nothing(sessions, floor):
    smt = floor["tasks"][10]
    await plan(sessions, smt.id, start=NOW + HOUR, end=NOW + 5 * HOUR)
    await plan(sessions, smt.id, start=NOW + HOUR, end=NOW + 5 * HOUR)
    async with sessions() as session, session.begin():
        assert await task_reminders.backfill_task_reminders(session, NOW, RULES) == 0
        work_order = await session.get(WorkOrder, floor["wo"].id)
        await task_reminders.schedule_task_reminders(session, work_order, NOW, RULES)
    assert await status_of(sessions, "task_not_started", smt.id) == [("active", 0)]
    # The first overdue reminder (due date) and the planned end's.
    assert await status_of(sessions, "task_overdue", smt.id) == [("active", 0), ("active", 0)]


async def test_backfill_follows_open_tasks_that_are_not_followed(sessions, floor):
    async with sessions() as session, session.begin():
        await session.execute(delete(Reminder))
        await session.execute(update(OperationTask).where(OperationTask.seq == 10)
                              .values(planned_start=NOW + HOUR))
    async with sessions() as session, session.begin():
        assert await task_reminders.backfill_task_reminders(session, NOW, RULES) == 4
    async with sessions() as session, session.begin():
        assert await task_reminders.backfill_task_reminders(session, NOW, RULES) == 0


# --- not started ---------------------------------------------------------------------------


async def test_a_task_nobody_started_reminds_its_workers_then_the_supervisor(sessions, floor):
    smt = floor["tasks"][10]
    await plan(sessions, smt.id, start=NOW + HOUR)
    await sweep(sessions, NOW + HOUR - timedelta(seconds=1))
    assert await outbox(sessions) == []

    await sweep(sessions, NOW + HOUR)
    [(chat, notice)] = await outbox(sessions)
    assert chat == 1001  # W01 has the skill; W09 has it too but no Telegram account
    assert notice["key"] == "reminder.task_not_started"
    assert notice["params"] == {"work_order": "WO-000001", "seq": 10, "operation": "贴片",
                                "good": 0, "planned": 100,
                                "planned_at": (NOW + HOUR).isoformat()}
    assert notice["buttons"] == [[{"label": "reminder.btn_report", "data": f"t:{smt.id}",
                                   "params": {}}]]

    await sweep(sessions, NOW + HOUR + timedelta(minutes=30))
    chat, notice = (await outbox(sessions))[-1]
    assert chat == 2001  # the supervisor of the workers' team, not S02 of team B
    assert notice["lines"] == [["reminder.task_people", {"names": "工人W01、工人W09"}]]
    assert notice["buttons"] == []
    assert await status_of(sessions, "task_not_started", smt.id) == [("done", 2)]


async def test_assignees_come_before_skilled_workers(sessions, floor):
    smt = floor["tasks"][10]
    async with sessions() as session, session.begin():
        session.add(TaskAssignee(task_id=smt.id, person_id=floor["W03"].id))
    await plan(sessions, smt.id, start=NOW)
    assert keys(await outbox(sessions)) == [(1003, "reminder.task_not_started")]


async def test_starting_the_task_stops_the_reminder(sessions, floor):
    smt = floor["tasks"][10]
    await plan(sessions, smt.id, start=NOW + HOUR)
    await report(sessions, "W01", 10, NOW + timedelta(minutes=50))
    count = len(await outbox(sessions))  # the report's own messages, if any
    await sweep(sessions, NOW + 3 * HOUR)
    assert len(await outbox(sessions)) == count
    assert await status_of(sessions, "task_not_started", smt.id) == [("stopped", 0)]


async def test_a_task_without_pieces_waits_until_they_arrive(sessions, floor):
    tht = floor["tasks"][20]  # waiting: SMT has passed nothing on yet
    await plan(sessions, tht.id, start=NOW)
    assert await outbox(sessions) == []
    await report(sessions, "W01", 10, NOW + timedelta(minutes=5))  # THT is ready now
    await sweep(sessions, NOW + task_reminders.RECHECK)
    assert keys(await outbox(sessions)) == [(1002, "reminder.task_not_started")]
    # The ladder goes on from when W02 could start: the supervisor 30 minutes after that.
    await sweep(sessions, NOW + task_reminders.RECHECK + timedelta(minutes=29))
    assert len(await outbox(sessions)) == 1
    await sweep(sessions, NOW + task_reminders.RECHECK + timedelta(minutes=30))
    assert keys(await outbox(sessions))[-1] == (2001, "reminder.task_not_started")


async def test_a_work_order_on_hold_pings_nobody_and_a_cancelled_one_stops(sessions, floor):
    smt = floor["tasks"][10]
    await plan(sessions, smt.id, start=NOW + HOUR, end=NOW + 2 * HOUR)
    async with sessions() as session, session.begin():
        await session.execute(update(WorkOrder).values(status=WorkOrderStatus.on_hold))
    await sweep(sessions, NOW + HOUR)
    assert await outbox(sessions) == []
    async with sessions() as session, session.begin():
        await session.execute(update(WorkOrder).values(status=WorkOrderStatus.cancelled))
    await sweep(sessions, NOW + 5 * HOUR)
    assert await outbox(sessions) == []
    assert await status_of(sessions, "task_not_started", smt.id) == [("stopped", 0)]


# --- overdue -------------------------------------------------------------------------------


async def test_an_overdue_task_climbs_its_ladder(sessions, floor):
    smt = floor["tasks"][10]
    await plan(sessions, smt.id, end=NOW + 2 * HOUR)
    await report(sessions, "W01", 30, NOW + HOUR)
    await sweep(sessions, NOW + 2 * HOUR)
    [(chat, notice)] = await outbox(sessions)
    assert (chat, notice["key"]) == (1001, "reminder.task_overdue")
    assert notice["params"]["due_at"] == (NOW + 2 * HOUR).isoformat()
    assert (notice["params"]["good"], notice["params"]["planned"]) == (30, 100)
    await sweep(sessions, NOW + 3 * HOUR)
    await sweep(sessions, NOW + 6 * HOUR)
    assert keys(await outbox(sessions)) == [(1001, "reminder.task_overdue"),
                                            (2001, "reminder.task_overdue"),
                                            (3001, "reminder.task_overdue")]


async def test_a_task_found_overdue_late_starts_its_ladder_at_its_workers(sessions, floor):
    smt = floor["tasks"][10]
    await plan(sessions, smt.id, end=NOW - 10 * HOUR)  # planned long ago, followed only now
    assert keys(await outbox(sessions)) == [(1001, "reminder.task_overdue")]
    await sweep(sessions, NOW + HOUR)
    assert keys(await outbox(sessions))[-1] == (2001, "reminder.task_overdue")


async def test_a_finished_task_is_not_overdue(sessions, floor):
    smt = floor["tasks"][10]
    await plan(sessions, smt.id, end=NOW + 2 * HOUR)
    await report(sessions, "W01", 100, NOW + HOUR)
    await sweep(sessions, NOW + 10 * HOUR)
    assert await outbox(sessions) == []
    assert await status_of(sessions, "task_overdue", smt.id) == [("active", 0), ("stopped", 0)]


async def test_a_replanned_task_is_followed_for_its_new_time_only(sessions, floor):
    smt = floor["tasks"][10]
    await plan(sessions, smt.id, end=NOW + HOUR)
    await plan(sessions, smt.id, end=NOW + 3 * HOUR)
    await sweep(sessions, NOW + 2 * HOUR)
    assert await outbox(sessions) == []
    await sweep(sessions, NOW + 3 * HOUR)
    assert keys(await outbox(sessions)) == [(1001, "reminder.task_overdue")]
    assert [s for s, _ in await status_of(sessions, "task_overdue", smt.id)] == [
        "active", "stopped", "active"]


# --- shifts --------------------------------------------------------------------------------


def local(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
async def day_shift(session, floor):
    """Team A works 08:00-17:00 Shanghai time on weekdays; W01 and W02 scanned cards."""
    shift = Shift(name="白班", team="A", weekdays="1-5", start="08:00", end="17:00")
    session.add(shift)
    await session.commit()
    return shift


async def scan(sessions, person_code, seq, at):
    """The worker opens a task card at `at` and does not report it."""
    async with sessions() as session, session.begin():
        person = await session.scalar(select(Person).where(Person.code == person_code))
        opened = await reporting.open_card(session, person, LabelCode("WO-000001", seq),
                                           chat_id=person.telegram_user_id, source="typed",
                                           rules=RULES)
        draft = await session.get(ReportDraft, opened.draft_id)
        draft.created_at = at
        return opened.draft_id


async def plan_shifts(sessions, now):
    async with sessions() as session, session.begin():
        return await task_reminders.schedule_shift_reminders(session, now, RULES)


async def test_a_shift_ending_with_unreported_cards(sessions, day_shift, floor):
    assert await plan_shifts(sessions, local(9)) == 1
    assert await plan_shifts(sessions, local(9, 10)) == 1  # the same shift: followed once
    async with sessions() as session:
        [reminder] = (await session.scalars(
            select(Reminder).where(Reminder.kind == "shift_unreported"))).all()
    assert reminder.fact_key == f"shift_unreported:{day_shift.id}:2026-11-23"
    assert reminder.due_at == local(16, 45)  # 15 minutes before the end

    await scan(sessions, "W01", 10, local(10))
    async with sessions() as session, session.begin():  # not of team A: not this shift's
        session.add(ReportDraft(person_id=floor["M01"].id, task_id=floor["tasks"][10].id,
                                chat_id=3001, source="typed", created_at=local(11)))
    await sweep(sessions, local(16, 44))
    assert await outbox(sessions) == []
    await sweep(sessions, local(16, 45))
    [(chat, notice)] = await outbox(sessions)
    smt = floor["tasks"][10]
    assert chat == 1001
    assert notice["key"] == "reminder.shift_unreported"
    assert notice["params"] == {"shift_name": "白班", "end_at": local(17).isoformat()}
    assert notice["lines"] == [
        ["reminder.unreported_card", {"work_order": "WO-000001", "seq": 10, "operation": "贴片"}],
        ["reminder.unreported_hint", {}]]
    assert notice["buttons"] == [[{"label": "reminder.btn_report_card", "data": f"t:{smt.id}",
                                   "params": {"work_order": "WO-000001", "seq": 10}}]]

    await sweep(sessions, local(17))  # the shift ended: the team's supervisor is told
    chat, notice = (await outbox(sessions))[-1]
    assert (chat, notice["key"]) == (2001, "reminder.shift_unreported_team")
    assert notice["params"]["count"] == 1
    assert notice["lines"] == [["reminder.unreported_person", {
        "name": "工人W01", "code": "W01", "work_order": "WO-000001", "seq": 10,
        "operation": "贴片"}]]


async def test_reporting_the_card_stops_the_shift_reminder(sessions, day_shift, floor):
    await plan_shifts(sessions, local(9))
    draft_id = await scan(sessions, "W01", 10, local(10))
    async with sessions() as session, session.begin():
        person = await session.scalar(select(Person).where(Person.code == "W01"))
        await reporting.submit_quantity(session, person, draft_id, good=5, key="k1",
                                        now=local(10, 5), rules=RULES)
    await sweep(sessions, local(18))
    assert [k for _, k in keys(await outbox(sessions))
            if k.startswith("reminder.")] == []
    async with sessions() as session:
        reminder = await session.scalar(
            select(Reminder).where(Reminder.kind == "shift_unreported"))
    assert reminder.status == "stopped"


async def test_cards_scanned_before_the_shift_do_not_count(sessions, day_shift, floor):
    await plan_shifts(sessions, local(9))
    await scan(sessions, "W01", 10, local(20, day=22))  # Sunday evening
    await sweep(sessions, local(18))
    assert await outbox(sessions) == []


async def test_shift_reminders_are_planned_a_day_ahead(sessions, day_shift, floor):
    # Friday 18:00: the next shift ending within 24 hours... none (the weekend).
    assert await plan_shifts(sessions, local(18, day=27)) == 0
    # Sunday 18:00: Monday's shift ends within 24 hours.
    assert await plan_shifts(sessions, local(18, day=29)) == 1
