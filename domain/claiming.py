"""Claiming 认领 (抢单): a task offered to every eligible worker; the first tap wins.

Every eligible worker (skilled, active, registered, of the team if one is named) gets an offer.
The win is a conditional UPDATE (`open_for_claim` true → false), so of two taps at the same
moment exactly one changes the row; the other is told who took it, and every offer is edited to
say so (domain/claim_offers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain import audit, claim_offers, task_cards
from domain.assignment import (
    TaskView,
    assignees,
    check_actor,
    check_task,
    load_task,
    send_card,
    team_for,
    team_label,
    view_of,
)
from domain.db import rows_changed
from domain.errors import DomainError
from domain.models import (
    AssignedHow,
    AuditEvent,
    Operation,
    OperationTask,
    Person,
    Role,
    TaskAssignee,
)
from domain.notifications import Button, Notice, notify_person
from domain.rules import rules_of


@dataclass(frozen=True)
class Opened:
    view: TaskView
    offered: list[Person]
    team: str | None


@dataclass(frozen=True)
class Claimed:
    view: TaskView
    person: Person


def _may_claim(person: Person, operation: Operation, team: str | None) -> DomainError | None:
    """Why this person may not claim the task, or None."""
    if not person.active:
        return DomainError("assign.inactive", name=person.name, code=person.code)
    if operation.code not in person.skills:
        return DomainError("claim.no_skill", skill=operation.code, operation=operation.name)
    if team is not None and (person.team or "") != team:
        return DomainError("claim.other_team", team=team_label(team))
    return None


async def open_for_claim(session: AsyncSession, task_id: int, *, actor: Person, now: datetime,
                         team: str | None = None) -> Opened:
    """Offer the task to every eligible worker; the first to tap Claim gets it.

    A supervisor opens it to their own team; a manager to a named team or the whole floor.
    """
    check_actor(actor, [])
    claim_team = team_for(actor, team)
    work_order, task = await load_task(session, task_id)
    check_task(work_order, task)
    operation = task.operation
    if task.open_for_claim:
        raise DomainError("claim.already_open", work_order=work_order.code, seq=task.seq,
                          operation=operation.name)
    assigned = {p.id for p in await assignees(session, task.id)}
    workers = (await session.scalars(
        select(Person).where(Person.active.is_(True), Person.role == Role.worker,
                             Person.telegram_user_id.is_not(None),
                             Person.skills_text.contains(operation.code))
        .order_by(Person.code))).all()
    offered = [p for p in workers
               if p.id not in assigned and _may_claim(p, operation, claim_team) is None]
    if not offered:
        raise DomainError("claim.nobody", skill=operation.code, operation=operation.name,
                          team=team_label(claim_team))
    opened = await rows_changed(session,
        update(OperationTask)
        .where(OperationTask.id == task.id, OperationTask.open_for_claim.is_(False))
        .values(open_for_claim=True, claim_team=claim_team)
        .execution_options(synchronize_session=False))
    if opened != 1:
        raise DomainError("claim.already_open", work_order=work_order.code, seq=task.seq,
                          operation=operation.name)
    set_committed_value(task, "open_for_claim", True)
    set_committed_value(task, "claim_team", claim_team)
    view = await view_of(session, work_order, task)
    notice = Notice("claim.offer", view.params(), lines=view.plan_lines(),
                    buttons=[[Button("claim.btn", f"cl:{task.id}")]])
    for person in offered:
        message = notify_person(session, person, notice,
                                default_lang=rules_of(session).default_language)
        if message is not None:
            await task_cards.track(session, message, task, person_id=person.id, purpose="claim")
    audit.record(session, "task.opened_for_claim", actor_person_id=actor.id,
                 entity="operation_task", entity_id=task.id, work_order=work_order.code,
                 seq=task.seq, team=claim_team, offered=[p.code for p in offered])
    return Opened(view, offered, claim_team)


async def claim(session: AsyncSession, task_id: int, person: Person, *,
                now: datetime) -> Claimed:
    """The person takes the open task, if nobody took it first (atomic: one winner)."""
    work_order, task = await load_task(session, task_id)
    operation = task.operation
    where = {"work_order": work_order.code, "seq": task.seq, "operation": operation.name}
    assigned = await assignees(session, task.id)
    if any(p.id == person.id for p in assigned):
        raise DomainError("claim.already_yours", **where)
    if not task.open_for_claim:
        raise await _not_open(session, task, where)
    check_task(work_order, task)
    refusal = _may_claim(person, operation, task.claim_team)
    if refusal is not None:
        raise refusal
    won = await rows_changed(session,
        update(OperationTask)
        .where(OperationTask.id == task.id, OperationTask.open_for_claim.is_(True))
        .values(open_for_claim=False)
        .execution_options(synchronize_session=False))
    if won != 1:
        raise await _not_open(session, task, where)
    set_committed_value(task, "open_for_claim", False)
    session.add(TaskAssignee(task_id=task.id, person_id=person.id, assigned_at=now,
                             how=AssignedHow.claimed, assigned_by=person.id))
    await session.flush()
    view = await view_of(session, work_order, task)
    await send_card(session, task, view, person, key="claim.card", by=None)
    await claim_offers.taken(session, work_order, task, now, winner=person)
    await _tell_opener(session, task, view, person)
    audit.record(session, "task.claimed", actor_person_id=person.id, entity="operation_task",
                 entity_id=task.id, work_order=work_order.code, seq=task.seq)
    return Claimed(view, person)


async def _not_open(session: AsyncSession, task: OperationTask,
                    where: dict[str, Any]) -> DomainError:
    """Why a claim found the task closed: who claimed it, or that it was given out."""
    taker = await session.scalar(
        select(Person).join(TaskAssignee, TaskAssignee.person_id == Person.id)
        .where(TaskAssignee.task_id == task.id, TaskAssignee.how == AssignedHow.claimed)
        .order_by(TaskAssignee.assigned_at.desc()).limit(1))
    if taker is not None:
        return DomainError("claim.taken", name=taker.name, **where)
    return DomainError("claim.closed", **where)








async def _tell_opener(session: AsyncSession, task: OperationTask, view: TaskView,
                       winner: Person) -> None:
    """Whoever opened the task for claiming hears who took it."""
    opener_id = await session.scalar(
        select(AuditEvent.actor_person_id)
        .where(AuditEvent.action == "task.opened_for_claim",
               AuditEvent.entity == "operation_task", AuditEvent.entity_id == task.id)
        .order_by(AuditEvent.id.desc()).limit(1))
    opener = await session.get(Person, opener_id) if opener_id else None
    if opener is not None and opener.id != winner.id:
        notify_person(session, opener, Notice("claim.claimed_notice",
                                              {**view.params(), "name": winner.name}),
                      default_lang=rules_of(session).default_language)
