"""Changes of the plan reach exactly the people they touch, once, with Acknowledge.

Whom a work order's change touches (`audience`): the assignees of its open tasks, the people
holding a live card of it (a scanned report card, an assignment, a claim offer not yet
outdated), and the supervisors of those people's teams. Each gets ONE message however many of
its tasks they hold: their own lines ("WO-000123 #20 插件：计划数量 200 → 300"); a supervisor's
lines name who is affected.

`announce` records the change under a unique key (a redelivered update or a re-run import finds
it and sends nothing twice), bumps the work order's version and outdates its older task cards,
and queues the messages with an Acknowledge button ("ck:<notice id>"). An unacknowledged message
is followed by the `change_unacknowledged` reminder (default ladder: the person again after
15 minutes, their team's supervisor after an hour); acknowledging stops it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain import audit, live_status, reminders, task_cards
from domain.db import rows_changed
from domain.errors import DomainError
from domain.models import (
    ChangeNotice,
    OperationTask,
    OutboxMessage,
    Person,
    PlanChange,
    Priority,
    Reminder,
    Role,
    TaskAssignee,
    TaskCardMessage,
    TaskStatus,
    WorkOrder,
)
from domain.notifications import Button, Notice, enqueue, notify_person
from domain.reminders import Follow, rules_of, scratch, step_target

# One line of a change message: a message key and its params ("your task WO-1 #20 now due...").
Line = tuple[str, dict[str, Any]]

CHANGE_UNACKNOWLEDGED = "change_unacknowledged"
NOTICE = "change_notice"  # the reminder's entity
# A supervisor's message names at most this many affected people, then "and N more".
NAMED_AT_MOST = 12


def ack_data(notice_id: int) -> str:
    return f"ck:{notice_id}"


# --- who is touched --------------------------------------------------------------------------


def task_params(work_order: WorkOrder, task: OperationTask) -> dict[str, Any]:
    """How a line names a task: WO-000123 #20 插件."""
    return {"work_order": work_order.code, "seq": task.seq, "operation": task.operation.name}


async def touched(session: AsyncSession, work_order: WorkOrder) -> dict[Person, list[OperationTask]]:
    """The people whose work this work order's change touches, each with those tasks (by
    sequence): assignees of its open tasks, and whoever holds a live card of one of its tasks."""
    tasks = list((await session.scalars(
        select(OperationTask).where(OperationTask.work_order_id == work_order.id)
        .options(joinedload(OperationTask.operation)).order_by(OperationTask.seq))).all())
    by_id = {t.id: t for t in tasks}
    open_ids = [t.id for t in tasks if t.status != TaskStatus.done]
    assigned = (await session.execute(
        select(TaskAssignee.task_id, Person).join(Person, Person.id == TaskAssignee.person_id)
        .where(TaskAssignee.task_id.in_(open_ids), Person.active.is_(True)))).all()
    holding = (await session.execute(
        select(TaskCardMessage.task_id, Person).join(Person, Person.id == TaskCardMessage.person_id)
        .where(TaskCardMessage.work_order_id == work_order.id,
               TaskCardMessage.outdated_at.is_(None), Person.active.is_(True)))).all()
    people: dict[Person, set[int]] = {}
    for task_id, person in (*assigned, *holding):
        people.setdefault(person, set()).add(task_id)
    return {person: sorted((by_id[i] for i in ids), key=lambda t: t.seq)
            for person, ids in sorted(people.items(), key=lambda item: item[0].code)}


def _team(person: Person) -> str:
    return person.team or ""


async def supervisors_of(session: AsyncSession,
                         people: Iterable[Person]) -> dict[Person, list[Person]]:
    """The supervisors of these people's teams, each with the people of their team (a factory
    without teams: the supervisors without one look after everyone without one)."""
    people = list(people)
    teams = {_team(p) for p in people}
    supervisors = (await session.scalars(
        select(Person).where(Person.role == Role.supervisor, Person.active.is_(True),
                             func.coalesce(Person.team, "").in_(teams))
        .order_by(Person.code))).all()
    out = {}
    for boss in supervisors:
        theirs = [p for p in people if _team(p) == _team(boss) and p.id != boss.id]
        if theirs:
            out[boss] = theirs
    return out


async def audience(session: AsyncSession, work_order: WorkOrder,
                   task_lines: Callable[[OperationTask], list[Line]],
                   summary: Sequence[Line]) -> dict[Person, list[Line]]:
    """Everyone this work order's change touches with their lines: a worker the lines of their
    own tasks; a supervisor the `summary` (unless touched themselves) and who is affected."""
    people = await touched(session, work_order)
    out = {p: [line for task in tasks for line in task_lines(task)] for p, tasks in people.items()}
    for boss, team in (await supervisors_of(session, people)).items():
        lines = out.setdefault(boss, [])
        if not lines:
            lines.extend(summary)
        for person in team[:NAMED_AT_MOST]:
            lines.append(("change.person", {
                "name": person.name, "code": person.code,
                "tasks": " ".join(f"#{t.seq} {t.operation.name}" for t in people[person])}))
        if len(team) > NAMED_AT_MOST:
            lines.append(("change.more", {"count": len(team) - NAMED_AT_MOST}))
    return out


# --- announcing -----------------------------------------------------------------------------


async def announce(session: AsyncSession, *, kind: str, work_order: WorkOrder | None, key: str,
                   actor: Person | None, detail: dict[str, Any],
                   affected: Mapping[Person, Sequence[Line]], now: datetime) -> PlanChange | None:
    """Record the change and send each affected person ONE message (their lines), with an
    Acknowledge button; unacknowledged messages are reminded. Bumps the work order's version
    and outdates its older task cards (domain/task_cards.py). None when `key` was seen (a
    redelivery): nothing is sent twice."""
    if await session.scalar(select(PlanChange.id).where(PlanChange.key == key)) is not None:
        return None
    change = PlanChange(kind=kind, work_order_id=work_order.id if work_order else None,
                        detail=json.dumps(detail, ensure_ascii=False, default=str),
                        actor_person_id=actor.id if actor else None, key=key, created_at=now)
    try:
        async with session.begin_nested():
            session.add(change)
            await session.flush()
    except IntegrityError:  # the same key, committed meanwhile by a concurrent transaction
        return None
    if work_order is not None:
        await task_cards.bump(session, work_order)
        await task_cards.outdate(session, work_order, now)
        await live_status.touch(session, work_order, now)  # the pinned status shows it at once

    rules = rules_of(session)
    header = {"change": kind, "work_order": work_order.code if work_order else "—",
              "by": actor.name if actor else {"zh": "系统导入", "en": "import"}}
    reachable = [(p, list(lines)) for p, lines in sorted(affected.items(), key=lambda i: i[0].code)
                 if p.active and p.telegram_user_id is not None and lines]
    notices = [ChangeNotice(change_id=change.id, person_id=p.id) for p, _ in reachable]
    session.add_all(notices)
    await session.flush()
    messages = []
    for notice, (person, lines) in zip(notices, reachable, strict=True):
        messages.append(notify_person(session, person, Notice(
            "change.notice", header, lines=lines,
            buttons=[[Button("change.btn_ack", ack_data(notice.id))]]),
            default_lang=rules.default_language, priority=Priority.notify))
    await session.flush()
    for notice, message in zip(notices, messages, strict=True):
        notice.outbox_id = message.id if message else None
    await session.flush()
    for notice in notices:
        await reminders.follow(session, kind=CHANGE_UNACKNOWLEDGED,
                               fact_key=_fact_key(notice.id), entity=NOTICE, entity_id=notice.id,
                               started_at=now, now=now, rules=rules)
    audit.record(session, "plan_change.announced", actor_person_id=actor.id if actor else None,
                 entity="plan_change", entity_id=change.id, kind=kind, key=key,
                 work_order=header["work_order"], people=[p.code for p, _ in reachable],
                 **detail)
    return change


def _fact_key(notice_id: int) -> str:
    return f"{CHANGE_UNACKNOWLEDGED}:{notice_id}"


async def by_key(session: AsyncSession, key: str) -> PlanChange | None:
    return await session.scalar(select(PlanChange).where(PlanChange.key == key))


async def reached(session: AsyncSession, change_id: int) -> int:
    """How many people were sent this change."""
    return await session.scalar(select(func.count()).select_from(ChangeNotice)
                                .where(ChangeNotice.change_id == change_id)) or 0


# --- acknowledging --------------------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledged:
    view: Notice  # the change message as it reads now: its lines and when it was acknowledged
    at: str  # HH:MM, factory time
    first: bool  # False: it had been acknowledged before (a double tap); nothing changed
    message_id: int | None  # the Telegram message of the change (its edit is queued)


async def acknowledge(session: AsyncSession, person: Person, notice_id: int,
                      now: datetime) -> Acknowledged:
    """The addressee acknowledges a change message, once: the message is edited to say when,
    and its reminder stops. Anyone else is refused."""
    notice = await session.get(ChangeNotice, notice_id)
    if notice is None:
        raise DomainError("change.unknown_notice")
    if notice.person_id != person.id:
        raise DomainError("change.not_yours")
    zone = ZoneInfo(rules_of(session).timezone)
    done = await rows_changed(session,
        update(ChangeNotice)
        .where(ChangeNotice.id == notice.id, ChangeNotice.acknowledged_at.is_(None))
        .values(acknowledged_at=now).execution_options(synchronize_session=False))
    first = done == 1
    if first:
        notice.acknowledged_at = now
    else:
        await session.refresh(notice, ["acknowledged_at"])
    assert notice.acknowledged_at is not None
    at = notice.acknowledged_at.astimezone(zone).strftime("%H:%M")
    original = await session.get(OutboxMessage, notice.outbox_id) if notice.outbox_id else None
    view = _acknowledged_view(original, at)
    if first:
        await reminders.stop(session, _fact_key(notice.id), now)
        if original is not None:
            enqueue(session, original.chat_id, view, lang=original.lang, priority=Priority.reply,
                    edit_outbox_id=original.id)
        audit.record(session, "plan_change.acknowledged", actor_person_id=person.id,
                     entity="change_notice", entity_id=notice.id, change_id=notice.change_id)
    return Acknowledged(view, at, first, original.telegram_message_id if original else None)


def _acknowledged_view(original: OutboxMessage | None, at: str) -> Notice:
    done = ("change.acknowledged", {"time": at})
    if original is None:
        return Notice(*done)
    payload = json.loads(original.payload)
    lines = [tuple(line) for line in payload.get("lines", [])]
    return Notice(payload["key"], payload.get("params", {}), lines=[*lines, done])


# --- the reminder ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Followed:
    notice: ChangeNotice
    person: Person
    change: PlanChange
    original: OutboxMessage | None


async def _load(session: AsyncSession, reminder: Reminder) -> _Followed | None:
    memo = scratch(session)
    if ("change", reminder.entity_id) not in memo:
        notice = await session.get(ChangeNotice, reminder.entity_id)
        found = None
        if notice is not None:
            person = await session.get(Person, notice.person_id)
            change = await session.get(PlanChange, notice.change_id)
            original = (await session.get(OutboxMessage, notice.outbox_id)
                        if notice.outbox_id else None)
            if person is not None and change is not None:
                found = _Followed(notice, person, change, original)
        memo["change", reminder.entity_id] = found
    return memo["change", reminder.entity_id]  # type: ignore[no-any-return]


async def _unacknowledged(session: AsyncSession, reminder: Reminder) -> bool:
    found = await _load(session, reminder)
    return found is not None and found.person.active and found.notice.acknowledged_at is None


async def _recipients(session: AsyncSession, reminder: Reminder,
                      target: str) -> list[Person] | None:
    """'assignee': the addressee; 'role:supervisor': their team's supervisors, or the managers
    when there is none (the addressee is their team's supervisor, or the team has none)."""
    found = await _load(session, reminder)
    if found is None:
        return []
    if target == "assignee":
        return [found.person]
    if target != f"role:{Role.supervisor}":
        return None
    bosses = (await session.scalars(
        select(Person).where(Person.role.in_((Role.supervisor, Role.manager)),
                             Person.active.is_(True), Person.id != found.person.id)
        .order_by(Person.code))).all()
    team = [p for p in bosses if p.role == Role.supervisor and _team(p) == _team(found.person)]
    return team or [p for p in bosses if p.role == Role.manager]


async def _addressee_team(session: AsyncSession, reminder: Reminder) -> str | None:
    found = await _load(session, reminder)
    return found.person.team if found else None


async def _reminder_notice(session: AsyncSession, reminder: Reminder, step: int,
                           caught_up: int) -> Notice:
    found = await _load(session, reminder)
    assert found is not None  # still_holds just saw it
    lines: list[Line] = [("reminder.caught_up", {"count": caught_up})] if caught_up else []
    work_order = (await session.get(WorkOrder, found.change.work_order_id)
                  if found.change.work_order_id else None)
    if await step_target(session, reminder, step) == "assignee":
        if found.original is not None:
            payload = json.loads(found.original.payload)
            lines = [(payload["key"], payload.get("params", {})),
                     *[tuple(x) for x in payload.get("lines", [])], *lines]
        return Notice("change.remind", {"since_at": found.change.created_at}, lines=lines,
                      buttons=[[Button("change.btn_ack", ack_data(found.notice.id))]])
    return Notice("change.remind_team", {
        "name": found.person.name, "code": found.person.code, "change": found.change.kind,
        "work_order": work_order.code if work_order else "—",
        "since_at": found.change.created_at}, lines=lines)


reminders.register(CHANGE_UNACKNOWLEDGED, Follow(
    still_holds=_unacknowledged, notice=_reminder_notice, recipients=_recipients,
    team=_addressee_team))
