"""Removing a person from the factory on a real database: every way in closes in one
transaction (account, tasks, claim offers, invites, their own tokens), the past stays, the
supervisors hear what was left, and the refusals change nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain import access_tokens, assignment, claiming, clocking, people_removal, registration
from domain.errors import DomainError
from domain.models import (
    AuditEvent,
    OperationTask,
    OutboxMessage,
    Person,
    TaskAssignee,
    TaskCardMessage,
    WorkReport,
)
from domain.rules import FactoryRules
from tests import builders

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
RULES = FactoryRules()
# code, skills, role, team, Telegram id
PEOPLE = (("A1", "SMT,THT", "worker", "A", 1001), ("A2", "SMT,THT", "worker", "A", 1002),
          ("A3", "SMT", "worker", "A", 1003), ("S1", "", "supervisor", "A", 3001),
          ("S2", "", "supervisor", "B", 3002), ("M1", "", "manager", None, 4001),
          ("M2", "", "manager", None, 4002))


@pytest.fixture
async def floor(session) -> dict:
    """WO-000001 (SMT → THT → TEST); team A (three workers, a supervisor), team B's supervisor,
    two managers."""
    product = await builders.product(session)
    await builders.work_order(session, product, quantity=100)
    people = {}
    for code, skills, role, team, telegram in PEOPLE:
        people[code] = await builders.person(session, code, skills=skills, role=role,
                                             telegram_user_id=telegram)
        people[code].team = team
    await session.flush()
    tasks = {t.seq: t.id for t in (await session.scalars(select(OperationTask))).all()}
    return {**people, "tasks": tasks}


async def holding_everything(session, floor) -> dict:
    """A1 holds SMT alone and THT with A2, has a claim offer for TEST... and more."""
    a1, a2, m1 = floor["A1"], floor["A2"], floor["M1"]
    tasks = floor["tasks"]
    await assignment.assign(session, tasks[10], [a1], actor=m1, now=NOW)
    await assignment.assign(session, tasks[20], [a1, a2], actor=m1, now=NOW)
    floor["A1"].skills_text = "SMT,THT,TEST"
    await claiming.open_for_claim(session, tasks[30], actor=m1, now=NOW)
    invite = await registration.issue_invite(session, "A1", "worker", now=NOW, rules=RULES)
    own = [await access_tokens.issue(session, now=NOW, purpose=p, holder=a1, actor=m1)
           for p in (access_tokens.API, access_tokens.BOARD)]
    factory = await access_tokens.issue(session, now=NOW, purpose=access_tokens.API, actor=m1)
    await clocking.clock_in(session, a1, now=NOW - timedelta(hours=2), key="in-1", rules=RULES)
    session.add(WorkReport(task_id=tasks[10], person_id=a1.id, good_qty=5, source="typed",
                           idempotency_key="r-1", status="accepted", accepted_qty=5,
                           piece_rate=Decimal("0.35"), reported_at=NOW))
    await session.flush()
    return {"invite": invite.code, "own": own, "factory": factory}


async def outbox(session, after: int = 0) -> list[dict]:
    rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.id > after)
                                  .order_by(OutboxMessage.id))).all()
    return [{**json.loads(m.payload), "chat": m.chat_id, "method": m.method} for m in rows]


async def last_outbox_id(session) -> int:
    return await session.scalar(select(func.max(OutboxMessage.id))) or 0


async def on_task(session, task_id: int) -> list[str]:
    return list((await session.scalars(
        select(Person.code).join(TaskAssignee, TaskAssignee.person_id == Person.id)
        .where(TaskAssignee.task_id == task_id).order_by(Person.code))).all())


async def test_removal_closes_every_way_in_and_keeps_the_past(session, floor):
    held = await holding_everything(session, floor)
    a1, m1 = floor["A1"], floor["M1"]
    person, preview = await people_removal.preview(session, "a1", actor=m1, now=NOW)
    assert person.id == a1.id
    assert preview.params() == {"tasks": 2, "unassigned": 1, "offers": 1, "invites": 1,
                                "tokens": 2}
    before = await last_outbox_id(session)

    removal = await people_removal.remove(session, a1.id, actor=m1, now=NOW)

    assert removal.held.params() == preview.params()
    assert [(t.work_order, t.seq, t.others) for t in removal.held.tasks] == [
        ("WO-000001", 10, ()), ("WO-000001", 20, ("工人A2",))]
    await session.refresh(a1)
    assert (a1.active, a1.telegram_user_id) == (False, None)
    assert await registration.person_for_account(session, 1001) is None
    # Off the open tasks; the shared one keeps its other worker.
    tasks = floor["tasks"]
    assert (await on_task(session, tasks[10]), await on_task(session, tasks[20])) == ([],
                                                                                    ["A2"])
    # No card of theirs is live: a plan change will not edit them.
    assert await session.scalar(select(func.count()).select_from(TaskCardMessage).where(
        TaskCardMessage.person_id == a1.id, TaskCardMessage.outdated_at.is_(None))) == 0
    # Their invite is void, their own tokens open nothing; the factory's token still works.
    with pytest.raises(DomainError) as refused:
        await registration.redeem_invite(session, held["invite"], 9999, now=NOW, language="zh")
    assert refused.value.key == "invite.expired"
    api, board = held["own"]
    assert await access_tokens.verify(session, api.token, now=NOW,
                                      purpose=access_tokens.API) is None
    assert await access_tokens.verify(session, board.token, now=NOW) is None
    assert await access_tokens.verify(session, held["factory"].token, now=NOW,
                                      purpose=access_tokens.API) is not None
    # The past stays: the report, the person row.
    assert await session.scalar(select(func.count()).select_from(WorkReport).where(
        WorkReport.person_id == a1.id)) == 1

    sent = await outbox(session, before)
    to_them = [m for m in sent if m["chat"] == 1001]
    assert [(m["method"], m.get("key")) for m in to_them] == [("send", "remove.you"),
                                                              ("commands", None)]
    assert to_them[1]["role"] is None  # a stranger's menu
    assert [m["chat"] for m in sent if m.get("key") == "remove.told"] == [3001]  # S1 only
    told = next(m for m in sent if m.get("key") == "remove.told")
    assert [key for key, _ in told["lines"]] == ["remove.task_line", "remove.clocked_in"]
    assert told["lines"][0][1] == {"work_order": "WO-000001", "seq": 10, "operation": "贴片"}
    assert not any(m.get("key") == "assign.removed" for m in sent)  # told once, not per task

    event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "person.removed"))
    detail = json.loads(event.detail)
    assert (event.actor_person_id, event.entity_id) == (m1.id, a1.id)
    assert detail["unassigned"] == ["WO-000001#10"] and detail["told"] == ["S1"]
    assert detail["tokens"] == [api.id, board.id] and detail["telegram_user_id"] == 1001
    assert await session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "task.unassigned")) == 2
    assert await session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "access_token.revoked")) == 2


async def test_the_account_is_free_for_a_new_invite(session, floor):
    """Someone rehired under a new code registers with the same Telegram account."""
    await people_removal.remove(session, floor["A3"].id, actor=floor["M1"], now=NOW)
    await builders.person(session, "A9", skills="SMT")
    invite = await registration.issue_invite(session, "A9", "worker", now=NOW, rules=RULES)
    again = await registration.redeem_invite(session, invite.code, 1003, now=NOW, language="zh")
    assert again.code == "A9"


async def test_a_token_of_someone_deactivated_elsewhere_opens_nothing(session, floor):
    """An import (or a hand in the database) set active = false and revoked nothing."""
    a1 = floor["A1"]
    own = await access_tokens.issue(session, now=NOW, purpose=access_tokens.API, holder=a1)
    assert await access_tokens.verify(session, own.token, now=NOW,
                                      purpose=access_tokens.API) is not None
    a1.active = False
    await session.flush()
    assert await access_tokens.verify(session, own.token, now=NOW,
                                      purpose=access_tokens.API) is None
    with pytest.raises(DomainError) as refused:
        await access_tokens.issue(session, now=NOW, purpose=access_tokens.API, holder=a1)
    assert refused.value.key == "person.inactive"


@pytest.mark.parametrize(("actor", "target", "key"), [
    ("M1", "M1", "remove.self"),
    ("S1", "A1", "auth.forbidden"),  # a manager's decision, even for their own team
    ("S1", "M1", "auth.forbidden"),  # nobody removes more power than they hold
    ("M1", "ZZ9", "person.unknown"),
])
async def test_refusals(session, floor, actor, target, key):
    with pytest.raises(DomainError) as refused:
        await people_removal.preview(session, target, actor=floor[actor], now=NOW)
    assert refused.value.key == key
    assert all(floor[code].active for code, *_ in PEOPLE)


async def test_someone_already_removed(session, floor):
    a1 = floor["A1"]
    await people_removal.remove(session, a1.id, actor=floor["M1"], now=NOW)
    for attempt in (people_removal.preview(session, "A1", actor=floor["M1"], now=NOW),
                    people_removal.remove(session, a1.id, actor=floor["M2"], now=NOW)):
        with pytest.raises(DomainError) as refused:
            await attempt
        assert refused.value.key == "remove.already"
    assert await session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "person.removed")) == 1


async def test_the_last_manager_stays(session, floor):
    await people_removal.remove(session, floor["M2"].id, actor=floor["M1"], now=NOW)
    with pytest.raises(DomainError) as refused:
        await people_removal.remove(session, floor["M1"].id, actor=None, now=NOW)  # the CLI
    assert refused.value.key == "remove.last_manager"
    await session.refresh(floor["M1"])
    assert floor["M1"].active
    # An administrator runs the factory too: with one, the last manager may go.
    admin = await builders.person(session, "AD", role="admin")
    await people_removal.remove(session, floor["M1"].id, actor=admin, now=NOW)


async def test_two_managers_removing_each_other_at_once_leave_one(sessions):
    async with sessions() as s, s.begin():
        ids = [(await builders.person(s, code, role="manager")).id for code in ("M1", "M2")]

    async def remove(actor_id: int, target_id: int) -> str:
        try:
            async with sessions() as s, s.begin():
                actor = await s.get(Person, actor_id)
                await people_removal.remove(s, target_id, actor=actor, now=NOW)
            return "removed"
        except DomainError as error:
            return error.key

    outcomes = await asyncio.gather(remove(ids[0], ids[1]), remove(ids[1], ids[0]))
    assert sorted(outcomes) == ["remove.already", "removed"] or sorted(outcomes) == [
        "remove.last_manager", "removed"]
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Person).where(
            Person.active.is_(True))) == 1
