"""Dispatch suggestions stored, edited and accepted against a real database.

PCB-A runs SMT → THT → TEST at 0.5 min a piece. W01 and W03 do SMT, W02 does THT, nobody does
TEST. The factory has no shifts: 08:00-17:00 Monday to Saturday. Monday 2026-11-23, 07:30: the
plans start when the shift does, at 08:00.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.dispatch import plans
from domain.dispatch.loading import load_floor, planning_start
from domain.errors import DomainError
from domain.models import (
    ChangeNotice,
    DispatchLine,
    DispatchStatus,
    OperationTask,
    OutboxMessage,
    PlanChange,
    Reminder,
    TaskAssignee,
)
from domain.rules import FactoryRules
from tests import builders

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 7, 30, tzinfo=ZONE).astimezone(UTC)
RULES = FactoryRules()


def at(hour: int, minute: int = 0, second: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
async def floor(session):
    product = await builders.product(session)
    people = {code: await builders.person(session, code, skills=skills, telegram_user_id=uid)
              for code, skills, uid in (("W01", "SMT", 101), ("W02", "THT", 102),
                                        ("W03", "SMT", 103))}
    people["S01"] = await builders.person(session, "S01", role="supervisor", telegram_user_id=109)
    wo = await builders.work_order(session, product)
    wo.due_date = date(2026, 11, 30)
    await session.flush()
    return {"product": product, "wo": wo, **people}


async def tasks(session, wo) -> list[OperationTask]:
    return list((await session.scalars(select(OperationTask).where(
        OperationTask.work_order_id == wo.id).order_by(OperationTask.seq))).all())


async def lines(session, plan) -> list[tuple[int, int | None, datetime | None, datetime | None,
                                             bool]]:
    return sorted((x.task_id, x.person_id, x.planned_start, x.planned_end, x.pinned)
                  for x in await plans.lines_of(session, plan))


async def holders(session, task_id: int) -> list[tuple[int, str]]:
    return [tuple(r) for r in (await session.execute(
        select(TaskAssignee.person_id, TaskAssignee.how).where(TaskAssignee.task_id == task_id)
        .order_by(TaskAssignee.person_id))).all()]


async def sent(session, chat_id: int) -> list[str]:
    return [json.loads(m.payload)["key"] for m in (await session.scalars(
        select(OutboxMessage).where(OutboxMessage.chat_id == chat_id)
        .order_by(OutboxMessage.id))).all()]


async def test_accepting_makes_assignments_planned_times_and_reminders(session, floor):
    smt, tht, test = await tasks(session, floor["wo"])
    plan = await plans.suggest(session, actor=floor["S01"], team="", now=NOW, rules=RULES)
    # SMT: W01 (a tie with W03 goes by code) 50 minutes. THT: after SMT's first piece
    # (08:00:30), 50 minutes, and not before SMT's end plus one piece. TEST: nobody.
    assert await lines(session, plan) == [
        (smt.id, floor["W01"].id, at(8), at(8, 50), False),
        (tht.id, floor["W02"].id, at(8, 0, 30), at(8, 50, 30), False),
        (test.id, None, None, None, False)]

    done = await plans.accept(session, plan_id=plan.id, version=1, actor=floor["S01"], now=NOW,
                              rules=RULES)
    assert (done.assigned, done.timed, done.told, done.again) == (2, 2, 0, False)
    assert plan.status == DispatchStatus.accepted
    assert await holders(session, smt.id) == [(floor["W01"].id, "dispatched")]
    assert await holders(session, tht.id) == [(floor["W02"].id, "dispatched")]
    assert await holders(session, test.id) == []
    await session.refresh(smt)
    await session.refresh(tht)
    assert (smt.planned_start, smt.planned_end) == (at(8), at(8, 50))
    assert (tht.planned_start, tht.planned_end) == (at(8, 0, 30), at(8, 50, 30))
    followed = set((await session.scalars(select(Reminder.fact_key).where(
        Reminder.entity_id == smt.id))).all())
    assert {f"task_not_started:{smt.id}:20261123T0000Z",
            f"task_overdue:{smt.id}:20261123T0050Z"} <= followed
    # The card went to each assignee; nobody had a plan before, so no change message.
    assert await sent(session, 101) == ["assign.card"]
    assert await sent(session, 102) == ["assign.card"]
    assert (await session.scalars(select(PlanChange))).all() == []

    # Tapped again: nothing more happens.
    again = await plans.accept(session, plan_id=plan.id, version=1, actor=floor["S01"],
                               now=NOW, rules=RULES)
    assert again.again
    assert await sent(session, 101) == ["assign.card"]


async def test_an_edit_pins_a_worker_and_bumps_the_version(session, floor):
    smt, tht, _ = await tasks(session, floor["wo"])
    plan = await plans.suggest(session, actor=floor["S01"], team="", now=NOW, rules=RULES)
    smt_line = next(x for x in await plans.lines_of(session, plan) if x.task_id == smt.id)
    row, offered = await plans.candidates(session, plan_id=plan.id, version=1,
                                          line_id=smt_line.id, actor=floor["S01"])
    line = row.line
    assert (row.work_order, row.seq, row.operation, row.person.code) == (
        "WO-000001", 10, "贴片", "W01")
    assert [c.person.code for c in offered] == ["W01", "W03"]
    assert offered[0].busy_until == at(8, 50) and offered[1].busy_until is None

    await plans.repin(session, plan_id=plan.id, version=1, line_id=line.id,
                      person_id=floor["W03"].id, actor=floor["S01"], now=NOW, rules=RULES)
    assert plan.version == 2
    assert (await lines(session, plan))[:2] == [
        (smt.id, floor["W03"].id, at(8), at(8, 50), True),
        (tht.id, floor["W02"].id, at(8, 0, 30), at(8, 50, 30), False)]

    # A tap on the view before the edit is refused; the current one is accepted.
    with pytest.raises(DomainError) as stale:
        await plans.accept(session, plan_id=plan.id, version=1, actor=floor["S01"], now=NOW,
                           rules=RULES)
    assert stale.value.key == "dispatch.stale"
    with pytest.raises(DomainError) as not_skilled:
        await plans.repin(session, plan_id=plan.id, version=2, line_id=line.id,
                          person_id=floor["W02"].id, actor=floor["S01"], now=NOW, rules=RULES)
    assert not_skilled.value.key in ("dispatch.gone", "dispatch.not_candidate")
    await plans.accept(session, plan_id=plan.id, version=2, actor=floor["S01"], now=NOW,
                       rules=RULES)
    assert await holders(session, smt.id) == [(floor["W03"].id, "dispatched")]

    # A decided plan refuses every button.
    with pytest.raises(DomainError) as decided:
        await plans.discard(session, plan_id=plan.id, version=2, actor=floor["S01"], now=NOW)
    assert decided.value.key == "dispatch.decided"


async def test_a_newer_suggestion_supersedes_the_open_one(session, floor):
    first = await plans.suggest(session, actor=floor["S01"], team="", now=NOW, rules=RULES)
    second = await plans.suggest(session, actor=floor["S01"], team="", now=NOW, rules=RULES)
    await session.refresh(first)
    assert (first.status, second.status) == (DispatchStatus.superseded, DispatchStatus.proposed)
    with pytest.raises(DomainError) as refused:
        await plans.accept(session, plan_id=first.id, version=1, actor=floor["S01"], now=NOW,
                           rules=RULES)
    assert refused.value.key == "dispatch.decided"


async def test_a_worker_of_another_team_cannot_be_planned_by_this_supervisor(session, floor):
    floor["W03"].team = "二组"
    plan = await plans.suggest(session, actor=floor["S01"], team="", now=NOW, rules=RULES)
    smt_line = (await plans.lines_of(session, plan))[0]
    _, offered = await plans.candidates(session, plan_id=plan.id, version=1,
                                        line_id=smt_line.id, actor=floor["S01"])
    assert [c.person.code for c in offered] == ["W01"]
    with pytest.raises(DomainError) as refused:
        await plans.repin(session, plan_id=plan.id, version=1, line_id=smt_line.id,
                          person_id=floor["W03"].id, actor=floor["S01"], now=NOW, rules=RULES)
    assert refused.value.key == "dispatch.not_candidate"
    with pytest.raises(DomainError) as not_yours:
        plans.scope_for(floor["S01"], "二组")
    assert not_yours.value.key == "dispatch.team_not_yours"


async def test_people_whose_plan_changed_are_told_once(session, floor):
    smt, tht, _ = await tasks(session, floor["wo"])
    first = await plans.suggest(session, actor=floor["S01"], team="", now=NOW, rules=RULES)
    await plans.accept(session, plan_id=first.id, version=1, actor=floor["S01"], now=NOW,
                       rules=RULES)
    # A more urgent work order arrives; the next suggestion puts its SMT on W01 first (a tie
    # with W03, by code), so W01's WO-000001 SMT moves to 08:50-09:40, and W02's THT after it.
    urgent = await builders.work_order(session, floor["product"], number=2)
    urgent.due_date = date(2026, 11, 24)
    await session.flush()
    second = await plans.suggest(session, actor=floor["S01"], team="", now=NOW, rules=RULES)
    by_task = {x.task_id: x for x in await plans.lines_of(session, second)}
    assert (by_task[smt.id].person_id, by_task[smt.id].planned_start,
            by_task[smt.id].planned_end) == (floor["W01"].id, at(8, 50), at(9, 40))
    assert (by_task[tht.id].planned_start, by_task[tht.id].planned_end) == (
        at(8, 50, 30), at(9, 40, 30))
    # The supervisor gives WO-000001's SMT to W03 instead: W01 loses it.
    await plans.repin(session, plan_id=second.id, version=1, line_id=by_task[smt.id].id,
                      person_id=floor["W03"].id, actor=floor["S01"], now=NOW, rules=RULES)
    by_task = {x.task_id: x for x in await plans.lines_of(session, second)}
    assert (by_task[smt.id].person_id, by_task[smt.id].planned_start) == (floor["W03"].id, at(8))
    assert by_task[tht.id].planned_start == at(8, 50, 30)  # W02 does both THTs: urgent first
    done = await plans.accept(session, plan_id=second.id, version=2, actor=floor["S01"],
                              now=NOW, rules=RULES)
    assert done.told == 2

    (change,) = (await session.scalars(select(PlanChange))).all()
    assert (change.kind, change.key) == ("replan", f"dispatch:{second.id}")
    notices = (await session.scalars(select(ChangeNotice).order_by(ChangeNotice.person_id))).all()
    assert [n.person_id for n in notices] == [floor["W01"].id, floor["W02"].id]
    w01 = [json.loads(m.payload) for m in (await session.scalars(select(OutboxMessage).where(
        OutboxMessage.chat_id == 101).order_by(OutboxMessage.id))).all()]
    change_messages = [m for m in w01 if m["key"] == "change.notice"]
    assert len(change_messages) == 1
    assert [k for k, _ in change_messages[0]["lines"]] == ["dispatch.change_taken"]
    w02 = [json.loads(m.payload) for m in (await session.scalars(select(OutboxMessage).where(
        OutboxMessage.chat_id == 102).order_by(OutboxMessage.id))).all()]
    (moved,) = [m for m in w02 if m["key"] == "change.notice"]
    (key, params), = moved["lines"]
    assert key == "dispatch.change_moved"
    assert (params["work_order"], params["start_at"], params["was_start_at"]) == (
        "WO-000001", at(8, 50, 30).isoformat(), at(8, 0, 30).isoformat())
    assert await holders(session, smt.id) == [(floor["W03"].id, "dispatched")]
    # Lines in the database are the plan's, untouched by accepting.
    assert len((await session.scalars(select(DispatchLine).where(
        DispatchLine.plan_id == second.id))).all()) == 6


def test_plans_start_ten_minutes_ahead_on_a_whole_minute():
    assert planning_start(at(9, 3, 20)) == at(9, 14)
    assert planning_start(at(9, 3)) == at(9, 13)


async def test_the_floor_read_from_the_database(session, floor):
    smt, tht, test = await tasks(session, floor["wo"])
    smt.good_qty, smt.status = 40, "in_progress"  # 40 passed on: THT can start at once
    floor["W03"].team = "二组"
    await session.flush()
    whole = await load_floor(session, team=None, now=NOW, rules=RULES)
    assert whole.now == at(7, 40)
    jobs = {j.task_id: j for j in whole.jobs}
    assert (jobs[smt.id].quantity, jobs[smt.id].piece_seconds, jobs[smt.id].ready) == (60, 30, True)
    assert (jobs[tht.id].quantity, jobs[tht.id].previous, jobs[tht.id].ready) == (100, smt.id, True)
    assert jobs[test.id].due == datetime(2026, 12, 1, tzinfo=ZONE)  # the end of 11-30
    assert [w.code for w in whole.workers] == ["W01", "W02", "W03"]
    # Team 二组 has W03 only: its SMT skill brings in SMT; TEST nobody can do shows too.
    team = await load_floor(session, team="二组", now=NOW, rules=RULES)
    assert sorted(j.task_id for j in team.jobs) == [smt.id, test.id]
    assert [w.code for w in team.workers] == ["W03"]
