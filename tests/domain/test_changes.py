"""A plan change reaches exactly the people it touches, once each, with Acknowledge; the
unacknowledged are reminded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from domain import changes, reminders, reporting, task_cards
from domain.errors import DomainError
from domain.models import (
    ChangeNotice,
    OperationTask,
    OutboxMessage,
    Person,
    PlanChange,
    ReportDraft,
    TaskAssignee,
    TaskCardMessage,
    WorkOrder,
)
from domain.notifications import Notice, enqueue
from domain.payload import LabelCode
from domain.rules import FactoryRules
from tests import builders

RULES = FactoryRules(timezone="Asia/Shanghai", default_language="zh")
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
MINUTE = timedelta(minutes=1)

# code, role, skills, Telegram id, team
PEOPLE = (
    ("W01", "worker", "SMT", 1001, "A"),  # assigned to #10
    ("W02", "worker", "THT", 1002, "A"),  # holds a scanned card of #20
    ("W03", "worker", "SMT", 1003, "A"),  # skilled, not involved
    ("W04", "worker", "THT,TEST", 1004, "B"),  # assigned to #20 and #30
    ("W05", "worker", "TEST", 1005, "B"),  # assigned to a task that is done
    ("W06", "worker", "SMT", 1006, "A"),  # held a card that is already outdated
    ("S01", "supervisor", "", 2001, "A"),
    ("S02", "supervisor", "", 2002, "B"),
    ("S03", "supervisor", "", 2003, "C"),  # another team: not told
    ("M01", "manager", "", 3001, None),
)


async def build_floor(session, *, done_task: bool = True) -> dict:
    """WO-000001 (SMT #10 → THT #20 → TEST #30, 100 pieces) and the people above; a second
    work order WO-000002 whose assignee is not touched by WO-000001's changes."""
    product = await builders.product(session)
    work_order = await builders.work_order(session, product)
    other = await builders.work_order(session, product, number=2)
    people = {}
    for code, role, skills, user_id, team in PEOPLE:
        person = await builders.person(session, code, role=role, skills=skills,
                                       telegram_user_id=user_id)
        person.team = team
        people[code] = person
    tasks = {t.seq: t for t in (await session.scalars(
        select(OperationTask).where(OperationTask.work_order_id == work_order.id))).all()}
    other_tasks = (await session.scalars(
        select(OperationTask).where(OperationTask.work_order_id == other.id))).all()
    # W02 scanned #20 (before it was assigned): a report card with quantity buttons.
    opened = await reporting.open_card(session, people["W02"], LabelCode("WO-000001", 20),
                                       chat_id=1002, source="typed", rules=RULES)
    card = enqueue(session, 1002, Notice("card.show", {}), lang="zh")
    await task_cards.track(session, card, tasks[20], person_id=people["W02"].id)
    for code, seq in (("W01", 10), ("W04", 20), ("W04", 30)):
        session.add(TaskAssignee(task_id=tasks[seq].id, person_id=people[code].id))
    session.add(TaskAssignee(task_id=other_tasks[0].id, person_id=people["W03"].id))
    if done_task:  # W05's task is done: a change of the work order no longer touches it.
        extra = OperationTask(work_order_id=work_order.id, operation_id=tasks[30].operation_id,
                              seq=40, planned_qty=100, status="done")
        session.add(extra)
        await session.flush()
        session.add(TaskAssignee(task_id=extra.id, person_id=people["W05"].id))
    # W06's card of #10 was outdated by an earlier change.
    old = enqueue(session, 1006, Notice("card.show", {}), lang="zh")
    (await task_cards.track(session, old, tasks[10], person_id=people["W06"].id)).outdated_at = NOW
    await session.commit()
    return {"wo": work_order, "tasks": tasks, "draft": opened.draft_id, "card": card.id, **people}


@pytest.fixture
async def floor(session):
    return await build_floor(session)


def quantity_lines(work_order):
    def lines(task):
        return [("change.task.quantity", {**changes.task_params(work_order, task),
                                          "old": 100, "new": 120})]
    return lines


SUMMARY = [("change.work_order.quantity", {"work_order": "WO-000001", "old": 100, "new": 120})]


async def announce(session, floor, key="k1", now=NOW):
    work_order = await session.get(WorkOrder, floor["wo"].id)
    affected = await changes.audience(session, work_order, quantity_lines(work_order), SUMMARY)
    change = await changes.announce(session, kind="quantity", work_order=work_order, key=key,
                                    actor=floor["M01"], detail={"quantity": [100, 120]},
                                    affected=affected, now=now)
    await session.commit()
    return change


async def sent(session, after_id=0):
    """(chat, key, params, lines, buttons data) of the new messages, oldest first."""
    rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.id > after_id)
                                  .order_by(OutboxMessage.id))).all()
    out = []
    for row in rows:
        payload = json.loads(row.payload)
        out.append((row.chat_id, payload["key"], payload["params"],
                    [tuple(x) for x in payload["lines"]],
                    [b["data"] for r in payload["buttons"] for b in r],
                    payload.get("edit_outbox_id")))
    return out


async def last_outbox_id(session) -> int:
    return await session.scalar(select(func.max(OutboxMessage.id))) or 0


def task_line(seq, operation):
    return ("change.task.quantity", {"work_order": "WO-000001", "seq": seq,
                                     "operation": operation, "old": 100, "new": 120})


def person_line(code, tasks):
    return ("change.person", {"name": f"工人{code}", "code": code, "tasks": tasks})


async def test_the_people_touched_are_assignees_card_holders_and_their_supervisors(session,
                                                                                  floor):
    work_order = await session.get(WorkOrder, floor["wo"].id)
    affected = await changes.audience(session, work_order, quantity_lines(work_order), SUMMARY)
    assert {p.code: lines for p, lines in affected.items()} == {
        "W01": [task_line(10, "贴片")],
        "W02": [task_line(20, "插件")],
        "W04": [task_line(20, "插件"), task_line(30, "测试")],
        "S01": [*SUMMARY, person_line("W01", "#10 贴片"), person_line("W02", "#20 插件")],
        "S02": [*SUMMARY, person_line("W04", "#20 插件 #30 测试")],
    }


async def test_a_supervisor_holding_a_card_gets_their_lines_and_their_team_in_one_message(
        session, floor):
    tasks = floor["tasks"]
    session.add(TaskAssignee(task_id=tasks[30].id, person_id=floor["S02"].id))
    await session.commit()
    work_order = await session.get(WorkOrder, floor["wo"].id)
    affected = await changes.audience(session, work_order, quantity_lines(work_order), SUMMARY)
    s02 = next(lines for p, lines in affected.items() if p.code == "S02")
    assert s02 == [task_line(30, "测试"), person_line("W04", "#20 插件 #30 测试")]


async def test_each_person_gets_one_message_and_older_cards_are_outdated(session, floor):
    before = await last_outbox_id(session)
    version = floor["wo"].version
    change = await announce(session, floor)
    assert change is not None and change.kind == "quantity"

    notices = (await session.scalars(select(ChangeNotice).order_by(ChangeNotice.id))).all()
    ids = {n.person_id: n.id for n in notices}
    by_code = {floor[c].id: c for c in ("W01", "W02", "W04", "S01", "S02")}
    assert sorted(by_code[p] for p in ids) == ["S01", "S02", "W01", "W02", "W04"]

    messages = await sent(session, before)
    fresh = [m for m in messages if m[1] == "change.notice"]
    assert [(m[0], m[4]) for m in fresh] == [
        (floor[c].telegram_user_id, [f"ck:{ids[floor[c].id]}"])
        for c in ("S01", "S02", "W01", "W02", "W04")]
    assert fresh[0][2] == {"change": "quantity", "work_order": "WO-000001", "by": "工人M01"}
    assert fresh[4][3] == [task_line(20, "插件"), task_line(30, "测试")]
    for notice in notices:
        assert notice.outbox_id is not None

    # W02's card is edited to "outdated"; the card of W06 (outdated before) is left alone.
    outdated = [m for m in messages if m[1] == "card.outdated"]
    assert [(m[0], m[5], m[4]) for m in outdated] == [
        (1002, floor["card"], [f"t:{floor['tasks'][20].id}"])]
    work_order = await session.get(WorkOrder, floor["wo"].id)
    await session.refresh(work_order)
    assert work_order.version == version + 1
    draft = await session.get(ReportDraft, floor["draft"])
    await session.refresh(draft)
    assert draft.status == "superseded"
    live = await session.scalar(select(func.count()).select_from(TaskCardMessage)
                                .where(TaskCardMessage.outdated_at.is_(None)))
    assert live == 0


async def test_a_redelivered_change_sends_nothing_twice(session, floor):
    assert await announce(session, floor, key="update:77") is not None
    before = await last_outbox_id(session)
    assert await announce(session, floor, key="update:77") is None
    assert await sent(session, before) == []
    assert await session.scalar(select(func.count()).select_from(PlanChange)) == 1
    assert await session.scalar(select(func.count()).select_from(ChangeNotice)) == 5


async def test_people_without_telegram_are_not_sent_anything(session, floor):
    floor["W04"].telegram_user_id = None
    await session.commit()
    await announce(session, floor)
    codes = (await session.scalars(select(Person.code).join(
        ChangeNotice, ChangeNotice.person_id == Person.id).order_by(Person.code))).all()
    assert codes == ["S01", "S02", "W01", "W02"]


async def notice_of(session, code) -> ChangeNotice:
    return await session.scalar(select(ChangeNotice).join(
        Person, Person.id == ChangeNotice.person_id).where(Person.code == code))


async def test_acknowledge_once_and_only_by_the_addressee(session, floor):
    await announce(session, floor)
    notice = await notice_of(session, "W04")

    with pytest.raises(DomainError) as refused:
        await changes.acknowledge(session, floor["W01"], notice.id, NOW + MINUTE)
    assert refused.value.key == "change.not_yours"
    with pytest.raises(DomainError) as refused:
        await changes.acknowledge(session, floor["W01"], 999_999, NOW + MINUTE)
    assert refused.value.key == "change.unknown_notice"

    before = await last_outbox_id(session)
    done = await changes.acknowledge(session, floor["W04"], notice.id, NOW + 5 * MINUTE)
    await session.commit()
    assert (done.first, done.at) == (True, "09:05")
    [(chat, key, params, lines, buttons, edits)] = await sent(session, before)
    assert (chat, key, buttons, edits) == (1004, "change.notice", [], notice.outbox_id)
    assert lines == [task_line(20, "插件"), task_line(30, "测试"),
                     ("change.acknowledged", {"time": "09:05"})]

    before = await last_outbox_id(session)
    again = await changes.acknowledge(session, floor["W04"], notice.id, NOW + 9 * MINUTE)
    await session.commit()
    assert (again.first, again.at) == (False, "09:05")
    assert await sent(session, before) == []
    await session.refresh(notice)
    assert notice.acknowledged_at == NOW + 5 * MINUTE


async def sweep(sessions, session, at):
    await session.commit()  # the test's session holds no lock while the sweep writes
    await reminders.sweep(sessions, at, RULES)


async def test_unacknowledged_changes_are_reminded_then_told_to_the_supervisor(sessions, session,
                                                                              floor):
    await announce(session, floor)
    await changes.acknowledge(session, floor["W01"], (await notice_of(session, "W01")).id,
                              NOW + MINUTE)
    await session.commit()

    before = await last_outbox_id(session)
    await sweep(sessions, session, NOW + 14 * MINUTE)
    assert await sent(session, before) == []

    await sweep(sessions, session, NOW + 15 * MINUTE)
    reminded = await sent(session, before)
    # Everyone but W01 (acknowledged) again, their own change message with the button.
    assert [(m[0], m[1]) for m in reminded] == [
        (chat, "change.remind") for chat in (2001, 2002, 1002, 1004)]
    w04 = (await notice_of(session, "W04")).id
    assert reminded[3][4] == [f"ck:{w04}"]
    assert reminded[3][3][:3] == [
        ("change.notice", {"change": "quantity", "work_order": "WO-000001", "by": "工人M01"}),
        task_line(20, "插件"), task_line(30, "测试")]

    # W04 acknowledges from the reminder; an hour on, the supervisors hear of the others.
    await changes.acknowledge(session, floor["W04"], w04, NOW + 20 * MINUTE)
    await session.commit()
    before = await last_outbox_id(session)
    await sweep(sessions, session, NOW + 60 * MINUTE)
    told = [(m[0], m[2]["code"]) for m in await sent(session, before)]
    # W02 (team A) → S01; S01 and S02 are their teams' supervisors themselves → the manager.
    assert told == [(3001, "S01"), (3001, "S02"), (2001, "W02")]
