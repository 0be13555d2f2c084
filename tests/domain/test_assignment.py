"""Assignment 派工 and claiming 认领 on a real SQLite database: the rules, the refusals, the
load figures, and two claims at the same moment."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from domain import assignment, claiming, reporting
from domain.assignment import Load
from domain.db import make_engine, make_sessionmaker
from domain.errors import DomainError
from domain.migrate import upgrade
from domain.models import (
    AuditEvent,
    Operation,
    OperationTask,
    OutboxMessage,
    Person,
    TaskAssignee,
    TaskCardMessage,
    WorkOrder,
)
from domain.payload import LabelCode
from domain.reporting import OpenedCard
from domain.rules import FactoryRules
from tests import builders, databases

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
RULES = FactoryRules()
# code, skills, role, team, Telegram id (None: not registered)
PEOPLE = (("A1", "SMT", "worker", "A", 1001), ("A2", "SMT,THT", "worker", "A", 1002),
          ("A3", "THT", "worker", "A", 1003), ("A4", "SMT", "worker", "A", None),
          ("B1", "SMT", "worker", "B", 2001), ("S1", "", "supervisor", "A", 3001),
          ("S2", "", "supervisor", "B", 3002), ("M1", "", "manager", None, 4001))


async def build(session) -> dict:
    """PCB-A (SMT 1 min, THT 1.2 min, TEST) with WO-000001 of 100 and WO-000002 of 45;
    team A, team B and a manager. A3 has left (inactive)."""
    product = await builders.product(session)
    for code, minutes in (("SMT", "1"), ("THT", "1.2")):
        await session.execute(update(Operation).where(Operation.code == code)
                              .values(std_minutes=Decimal(minutes)))
    wo1 = await builders.work_order(session, product, quantity=100, number=1)
    wo2 = await builders.work_order(session, product, quantity=45, number=2)
    people = {}
    for code, skills, role, team, telegram in PEOPLE:
        people[code] = await builders.person(session, code, skills=skills, role=role,
                                             telegram_user_id=telegram)
        people[code].team = team
    people["A3"].active = False
    await session.commit()
    tasks = {}
    for wo in (wo1, wo2):
        for task in (await session.scalars(select(OperationTask).where(
                OperationTask.work_order_id == wo.id))).all():
            tasks[wo.code[-1], task.seq] = task.id
    return {**people, "wo1": wo1, "wo2": wo2, "tasks": tasks}


@pytest.fixture
async def floor(session):
    return await build(session)


async def outbox(session, after: int = 0) -> list[dict]:
    rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.id > after)
                                  .order_by(OutboxMessage.id))).all()
    return [{**json.loads(m.payload), "chat": m.chat_id, "method": m.method, "row": m.id}
            for m in rows]


async def assignees(session, task_id) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(Person.code, TaskAssignee.how).join(Person, Person.id == TaskAssignee.person_id)
        .where(TaskAssignee.task_id == task_id).order_by(Person.code))
    return [tuple(r) for r in rows.all()]


def last_row(messages: list[dict]) -> int:
    return messages[-1]["row"] if messages else 0


# --- assigning -------------------------------------------------------------------------------


async def test_assigned_people_get_the_card_with_its_label_code_once(session, floor):
    smt = floor["tasks"]["1", 10]
    added = await assignment.assign(session, smt, [floor["A1"], floor["A2"]],
                                    actor=floor["S1"], now=NOW)
    assert [p.code for p in added] == ["A1", "A2"]
    assert await assignees(session, smt) == [("A1", "assigned"), ("A2", "assigned")]
    sent = await outbox(session)
    assert [(m["chat"], m["key"]) for m in sent] == [(1001, "assign.card"), (1002, "assign.card")]
    card = sent[0]
    assert card["params"] | {"product": None} == {
        "work_order": "WO-000001", "product": None, "seq": 10, "operation": "贴片",
        "skill": "SMT", "planned": 100, "arrived": 100, "due": "2030-12-01",
        "label": "GD1:WO-000001:10"}
    assert card["buttons"] == [[{"label": "assign.btn_report", "data": f"t:{smt}",
                                 "params": {}}]]
    assert card["lines"] == [["assign.by", {"name": "工人S1"}]]
    tracked = (await session.scalars(select(TaskCardMessage).order_by(TaskCardMessage.id))).all()
    assert [(t.person_id, t.purpose, t.outbox_id, t.version) for t in tracked] == [
        (floor["A1"].id, "assigned", sent[0]["row"], 2),
        (floor["A2"].id, "assigned", sent[1]["row"], 2)]
    row = await session.scalar(select(TaskAssignee).where(TaskAssignee.person_id ==
                                                          floor["A1"].id))
    assert (row.how, row.assigned_by) == ("assigned", floor["S1"].id)
    event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "task.assigned"))
    assert (event.actor_person_id, event.entity_id) == (floor["S1"].id, smt)
    assert json.loads(event.detail)["people"] == ["A1", "A2"]

    # The same people again: nothing changes and nobody hears anything twice.
    again = await assignment.assign(session, smt, [floor["A1"], floor["A2"]],
                                    actor=floor["S1"], now=NOW)
    assert again == []
    assert await outbox(session, after=last_row(sent)) == []
    assert await session.scalar(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action == "task.assigned")) == 1


async def test_planned_times_show_on_the_card(session, floor):
    smt = floor["tasks"]["1", 10]
    await session.execute(update(OperationTask).where(OperationTask.id == smt).values(
        planned_start=datetime(2026, 11, 21, 0, 30, tzinfo=UTC),
        planned_end=datetime(2026, 11, 21, 4, 0, tzinfo=UTC)))
    await assignment.assign(session, smt, [floor["A1"]], actor=None, now=NOW)
    (card,) = await outbox(session)
    assert card["lines"] == [["assign.planned_start", {"start_at": "2026-11-21T00:30:00+00:00"}],
                             ["assign.planned_end", {"end_at": "2026-11-21T04:00:00+00:00"}]]


async def test_one_person_holds_several_tasks_and_the_unregistered_get_no_message(session,
                                                                                  floor):
    for key in (("1", 10), ("2", 10)):
        await assignment.assign(session, floor["tasks"][key], [floor["A4"], floor["A1"]],
                                actor=floor["S1"], now=NOW)
    assert [m["chat"] for m in await outbox(session)] == [1001, 1001]  # A4 has no account
    assert await assignees(session, floor["tasks"]["2", 10]) == [("A1", "assigned"),
                                                                 ("A4", "assigned")]


@pytest.mark.parametrize(("actor", "person", "task", "key", "params"), [
    ("S1", "A3", ("1", 20), "assign.inactive", {"name": "工人A3", "code": "A3"}),
    ("S1", "A1", ("1", 20), "assign.no_skill",
     {"name": "工人A1", "code": "A1", "skill": "THT", "operation": "插件"}),
    ("S1", "B1", ("1", 10), "assign.not_your_team", {"name": "工人B1", "code": "B1", "team": "A"}),
    ("A2", "A1", ("1", 10), "assign.not_allowed", {}),
])
async def test_refusals_name_the_reason_and_change_nothing(session, floor, actor, person, task,
                                                           key, params):
    with pytest.raises(DomainError) as refused:
        await assignment.assign(session, floor["tasks"][task], [floor[person]],
                                actor=floor[actor], now=NOW)
    assert (refused.value.key, refused.value.params) == (key, params)
    assert await session.scalar(select(func.count()).select_from(TaskAssignee)) == 0
    assert await outbox(session) == []


async def test_a_manager_assigns_anyone(session, floor):
    added = await assignment.assign(session, floor["tasks"]["1", 10], [floor["B1"], floor["A1"]],
                                    actor=floor["M1"], now=NOW)
    assert [p.code for p in added] == ["B1", "A1"]


async def test_done_tasks_and_closed_work_orders_take_nobody(session, floor):
    wo1 = floor["wo1"]
    await session.execute(update(OperationTask).where(OperationTask.id == floor["tasks"]["1", 10])
                          .values(status="done"))
    with pytest.raises(DomainError) as refused:
        await assignment.assign(session, floor["tasks"]["1", 10], [floor["A1"]],
                                actor=floor["S1"], now=NOW)
    assert refused.value.key == "assign.task_done"
    await session.execute(update(WorkOrder).where(WorkOrder.id == wo1.id)
                          .values(status="cancelled"))
    session.expire_all()
    with pytest.raises(DomainError) as refused:
        await assignment.assign(session, floor["tasks"]["1", 20], [floor["A2"]],
                                actor=floor["S1"], now=NOW)
    assert refused.value.params == {"work_order": "WO-000001", "status": "cancelled"}


async def test_replacing_and_unassigning_tell_the_people_taken_off(session, floor):
    smt = floor["tasks"]["1", 10]
    await assignment.assign(session, smt, [floor["A1"], floor["A2"]], actor=floor["S1"], now=NOW)
    mark = last_row(await outbox(session))
    added = await assignment.assign(session, smt, [floor["A2"]], actor=floor["S1"], now=NOW,
                                    replace=True)
    assert added == []
    assert await assignees(session, smt) == [("A2", "assigned")]
    (told,) = await outbox(session, after=mark)
    assert (told["chat"], told["key"], told["params"]) == (1001, "assign.removed", {
        "work_order": "WO-000001", "seq": 10, "operation": "贴片", "by": "工人S1"})

    mark = told["row"]
    assert [p.code for p in await assignment.unassign(session, smt, [floor["A2"], floor["A1"]],
                                                      actor=floor["S1"], now=NOW)] == ["A2"]
    assert await assignees(session, smt) == []
    assert [(m["chat"], m["key"]) for m in await outbox(session, after=mark)] == [
        (1002, "assign.removed")]
    # Another team's supervisor may not take people off.
    await assignment.assign(session, smt, [floor["A1"]], actor=floor["S1"], now=NOW)
    with pytest.raises(DomainError) as refused:
        await assignment.unassign(session, smt, [floor["A1"]], actor=floor["S2"], now=NOW)
    assert refused.value.key == "assign.not_your_team"


async def test_a_team_means_its_active_workers_skilled_in_the_operation(session, floor):
    tht = floor["tasks"]["1", 20]
    members = await assignment.team_members(session, tht, "A", actor=floor["S1"])
    assert [p.code for p in members] == ["A2"]  # A3 has left, A1 and A4 lack THT
    with pytest.raises(DomainError) as refused:
        await assignment.team_members(session, tht, "B", actor=floor["S1"])
    assert refused.value.key == "assign.team_not_yours"
    with pytest.raises(DomainError) as refused:
        await assignment.team_members(session, tht, "B", actor=floor["M1"])
    assert refused.value.key == "assign.team_nobody"


async def test_the_picker_lists_the_supervisors_skilled_people_with_their_load(session, floor):
    smt1, smt2 = floor["tasks"]["1", 10], floor["tasks"]["2", 10]
    await assignment.assign(session, smt2, [floor["A4"]], actor=floor["S1"], now=NOW)
    await assignment.assign(session, smt1, [floor["A2"]], actor=floor["S1"], now=NOW)
    picker = await assignment.picker(session, smt1, floor["S1"])
    # On the task first, then by code; team B's B1 is not the supervisor's to pick.
    assert [(c.person.code, c.assigned, c.load) for c in picker.people] == [
        ("A2", True, Load(1, 100)), ("A1", False, Load(0, 0)), ("A4", False, Load(1, 45))]
    assert picker.view.assignees == ("工人A2",)
    with pytest.raises(DomainError):
        await assignment.picker(session, smt1, floor["A1"])

    changed = await assignment.choose(session, smt1, [floor["A1"]],
                                      [c.person for c in picker.people], actor=floor["S1"],
                                      now=NOW)
    assert ([p.code for p in changed.added], [p.code for p in changed.removed],
            changed.kept) == (["A1"], ["A2"], [])
    assert await assignees(session, smt1) == [("A1", "assigned")]


# --- load ------------------------------------------------------------------------------------


async def test_workload_counts_open_tasks_and_standard_minutes_left(session, floor):
    t = floor["tasks"]
    await assignment.assign(session, t["1", 10], [floor["A1"]], actor=None, now=NOW)
    await assignment.assign(session, t["2", 10], [floor["A1"], floor["A2"]], actor=None, now=NOW)
    await assignment.assign(session, t["1", 20], [floor["A2"]], actor=None, now=NOW)
    ids = [floor[c].id for c in ("A1", "A2", "B1")]
    # A1: 100 × 1 = 100 min alone, plus half of 45 × 1 = 22.5 shared with A2 → 122.5 → 123.
    # A2: the other 22.5, plus 100 × 1.2 = 120 on THT → 142.5 → 143. B1 holds nothing.
    assert await assignment.workload(session, ids) == {
        floor["A1"].id: Load(2, 123), floor["A2"].id: Load(2, 143)}

    opened = await reporting.open_card(session, floor["A1"], LabelCode("WO-000001", 10),
                                       chat_id=1001, source="typed", rules=RULES)
    assert isinstance(opened, OpenedCard)
    await reporting.submit_quantity(session, floor["A1"], opened.draft_id, good=28, scrap=2,
                                    reason="burr", key="k1", now=NOW, rules=RULES)
    # 30 dealt with on WO-000001 SMT: 70 × 1 = 70, + 22.5 → 92.5 → 93.
    assert (await assignment.workload(session, ids))[floor["A1"].id] == Load(2, 93)

    # A cancelled work order is no load; a done task neither.
    await session.execute(update(WorkOrder).where(WorkOrder.id == floor["wo2"].id)
                          .values(status="cancelled"))
    await session.execute(update(OperationTask).where(OperationTask.id == t["1", 20])
                          .values(status="done"))
    assert await assignment.workload(session, ids) == {floor["A1"].id: Load(1, 70)}
    assert await assignment.workload(session, []) == {}


# --- claiming --------------------------------------------------------------------------------


async def test_open_for_claiming_offers_the_eligible_workers_of_the_team(session, floor):
    smt = floor["tasks"]["1", 10]
    await assignment.assign(session, smt, [floor["A2"]], actor=floor["S1"], now=NOW)
    mark = last_row(await outbox(session))
    opened = await claiming.open_for_claim(session, smt, actor=floor["S1"], now=NOW)
    # Team A, skilled, active, registered, not on the task already: A1 only (A4 has no account).
    assert ([p.code for p in opened.offered], opened.team) == (["A1"], "A")
    (offer,) = await outbox(session, after=mark)
    assert (offer["chat"], offer["key"], offer["buttons"][0][0]["data"]) == (
        1001, "claim.offer", f"cl:{smt}")
    card = await session.scalar(select(TaskCardMessage).where(TaskCardMessage.purpose == "claim"))
    assert (card.person_id, card.outbox_id) == (floor["A1"].id, offer["row"])
    with pytest.raises(DomainError) as refused:
        await claiming.open_for_claim(session, smt, actor=floor["S1"], now=NOW)
    assert refused.value.key == "claim.already_open"
    with pytest.raises(DomainError) as refused:
        await claiming.open_for_claim(session, floor["tasks"]["1", 20], actor=floor["S2"],
                                        now=NOW)
    assert (refused.value.key, refused.value.params["team"]) == ("claim.nobody", "B")
    with pytest.raises(DomainError) as refused:
        await claiming.open_for_claim(session, floor["tasks"]["1", 20], actor=floor["S1"],
                                        now=NOW, team="B")
    assert refused.value.key == "assign.team_not_yours"


async def test_a_manager_opens_to_the_whole_floor(session, floor):
    opened = await claiming.open_for_claim(session, floor["tasks"]["1", 10],
                                             actor=floor["M1"], now=NOW)
    assert ([p.code for p in opened.offered], opened.team) == (["A1", "A2", "B1"], None)


async def test_claim_refusals(session, floor):
    smt = floor["tasks"]["1", 10]
    with pytest.raises(DomainError) as refused:
        await claiming.claim(session, smt, floor["A1"], now=NOW)
    assert refused.value.key == "claim.closed"
    await claiming.open_for_claim(session, smt, actor=floor["S1"], now=NOW)
    with pytest.raises(DomainError) as refused:
        await claiming.claim(session, smt, floor["B1"], now=NOW)
    assert (refused.value.key, refused.value.params) == ("claim.other_team", {"team": "A"})
    with pytest.raises(DomainError) as refused:
        await claiming.claim(session, smt, floor["A3"], now=NOW)
    assert refused.value.key == "assign.inactive"
    await claiming.claim(session, smt, floor["A1"], now=NOW)
    with pytest.raises(DomainError) as refused:  # a redelivered tap changes nothing
        await claiming.claim(session, smt, floor["A1"], now=NOW)
    assert refused.value.key == "claim.already_yours"
    with pytest.raises(DomainError) as refused:
        await claiming.claim(session, smt, floor["A2"], now=NOW)
    assert (refused.value.key, refused.value.params["name"]) == ("claim.taken", "工人A1")
    assert await assignees(session, smt) == [("A1", "claimed")]


async def test_the_winner_gets_the_card_and_every_offer_says_who_took_it(session, floor):
    smt = floor["tasks"]["1", 10]
    await claiming.open_for_claim(session, smt, actor=floor["S1"], now=NOW)
    offers = await outbox(session)
    assert [m["chat"] for m in offers] == [1001, 1002]
    await claiming.claim(session, smt, floor["A2"], now=NOW)
    after = await outbox(session, after=last_row(offers))
    assert [(m["chat"], m["method"], m["key"]) for m in after] == [
        (1002, "send", "claim.card"), (1001, "edit", "claim.offer_taken"),
        (1002, "edit", "claim.offer_won"), (3001, "send", "claim.claimed_notice")]
    assert after[0]["params"]["label"] == "GD1:WO-000001:10"
    assert after[1]["edit_outbox_id"] == offers[0]["row"]
    assert after[1]["params"]["name"] == "工人A2"
    assert await assignees(session, smt) == [("A2", "claimed")]
    assert (await session.get(OperationTask, smt)).open_for_claim is False
    # The claimed card is tracked as an assignment; the offers are no longer live cards.
    cards = (await session.scalars(select(TaskCardMessage).order_by(TaskCardMessage.id))).all()
    assert [(c.purpose, c.outdated_at is None) for c in cards] == [
        ("claim", False), ("claim", False), ("assigned", True)]


async def test_assigning_an_open_task_ends_the_offers(session, floor):
    smt = floor["tasks"]["1", 10]
    await claiming.open_for_claim(session, smt, actor=floor["S1"], now=NOW)
    mark = last_row(await outbox(session))
    await assignment.assign(session, smt, [floor["A4"]], actor=floor["S1"], now=NOW)
    edits = await outbox(session, after=mark)
    assert [(m["chat"], m["key"], m["params"]["names"]) for m in edits] == [
        (1001, "claim.offer_assigned", "工人A4"), (1002, "claim.offer_assigned", "工人A4")]
    with pytest.raises(DomainError) as refused:
        await claiming.claim(session, smt, floor["A1"], now=NOW)
    assert refused.value.key == "claim.closed"


async def _claim(sessions, task_id: int, code: str) -> str:
    async with sessions() as session, session.begin():
        person = await session.scalar(select(Person).where(Person.code == code))
        await claiming.claim(session, task_id, person, now=NOW)
    return code


async def test_two_claims_at_the_same_moment_one_wins(tmp_path: Path):
    """Two processes' worth of engines on one SQLite file, both tapping Claim at once."""
    url = databases.url_for(tmp_path / "gongdan.db")
    setup = make_engine(url)
    await upgrade(setup)
    async with make_sessionmaker(setup)() as session:
        floor = await build(session)
        smt = floor["tasks"]["1", 10]
        await claiming.open_for_claim(session, smt, actor=floor["S1"], now=NOW)
        await session.commit()
    await setup.dispose()
    engines = [make_engine(url), make_engine(url)]
    try:
        outcomes = await asyncio.gather(
            _claim(make_sessionmaker(engines[0]), smt, "A1"),
            _claim(make_sessionmaker(engines[1]), smt, "A2"), return_exceptions=True)
        winners = [o for o in outcomes if isinstance(o, str)]
        losers = [o for o in outcomes if isinstance(o, DomainError)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert losers[0].key == "claim.taken"
        assert losers[0].params["name"] == f"工人{winners[0]}"
        async with make_sessionmaker(engines[0])() as session:
            assert await assignees(session, smt) == [(winners[0], "claimed")]
            assert await session.scalar(select(func.count()).select_from(AuditEvent)
                                        .where(AuditEvent.action == "task.claimed")) == 1
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_claim_read_before_the_other_won_still_loses(sessions, session, floor):
    """The loser's session saw the task open; the conditional UPDATE decides, not that read."""
    smt = floor["tasks"]["1", 10]
    await claiming.open_for_claim(session, smt, actor=floor["S1"], now=NOW)
    await session.commit()
    async with sessions() as late:
        seen = await late.get(OperationTask, smt)
        assert seen.open_for_claim is True
        await late.commit()  # the read is over; the object stays as it was seen
        await _claim(sessions, smt, "A1")
        person = await late.scalar(select(Person).where(Person.code == "A2"))
        with pytest.raises(DomainError) as refused:
            await claiming.claim(late, smt, person, now=NOW)
        assert refused.value.key == "claim.taken"


# --- who may report --------------------------------------------------------------------------


async def test_an_assigned_task_is_reported_by_its_assignees_only(session, floor):
    tht = floor["tasks"]["1", 20]
    await assignment.assign(session, floor["tasks"]["1", 10], [floor["A1"]], actor=None, now=NOW)
    # A2 is skilled in SMT, but SMT is A1's now: A2 is told whose it is.
    with pytest.raises(DomainError) as refused:
        await reporting.open_card(session, floor["A2"], LabelCode("WO-000001", 10),
                                  chat_id=1002, source="typed", rules=RULES)
    assert (refused.value.key, refused.value.params["names"]) == (
        "report.assigned_to_others", "工人A1")
    opened = await reporting.open_card(session, floor["A1"], LabelCode("WO-000001", 10),
                                       chat_id=1001, source="typed", rules=RULES)
    assert isinstance(opened, OpenedCard)
    # THT has no assignee: still open to whoever is skilled in it.
    opened = await reporting.open_card(session, floor["A2"], LabelCode("WO-000001", 20),
                                       chat_id=1002, source="typed", rules=RULES)
    assert isinstance(opened, OpenedCard) and opened.card.task_id == tht


async def test_my_tasks_lists_my_assigned_tasks_first(session, floor):
    # A2 (SMT, THT) is assigned THT of WO-000002, which has no pieces yet.
    await assignment.assign(session, floor["tasks"]["2", 20], [floor["A2"]], actor=None, now=NOW)
    await assignment.assign(session, floor["tasks"]["2", 10], [floor["A1"]], actor=None, now=NOW)
    cards = await reporting.my_tasks(session, floor["A2"], RULES)
    # Then the SMT of WO-000001 (unassigned, skilled); WO-000002's SMT is A1's.
    assert [(c.work_order, c.seq) for c in cards] == [("WO-000002", 20), ("WO-000001", 10)]
    assert [(c.work_order, c.seq) for c in await reporting.my_tasks(session, floor["A1"],
                                                                    RULES)] == [
        ("WO-000002", 10), ("WO-000001", 10)]
