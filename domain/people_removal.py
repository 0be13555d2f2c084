"""Removing a person from the factory 人员离厂: they lose every way in at once; their past stays.

One transaction marks the person inactive and unbinds their Telegram account (so their next
message or button, even on an old message, is refused as from a stranger), takes them off their
open tasks (the supervisors are told what is left with nobody), ends their claim offers and task
cards, voids their unused invites, revokes every access token that is theirs, and is audited.
Their reports, inspections, clock entries and wages stay as they were.

Only a manager removes (or the command line); refused: removing yourself, someone with more
power than you, someone already removed, and the last active manager or administrator (the
factory would be left without anyone to run it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain import access_tokens, assignment, audit
from domain.changes import supervisors_of
from domain.db import rows_changed
from domain.errors import DomainError
from domain.models import (
    OPEN_WORK_ORDER,
    AccessToken,
    ClockEntry,
    DraftStatus,
    Invite,
    Operation,
    OperationTask,
    Person,
    Priority,
    ReportDraft,
    Role,
    TaskAssignee,
    TaskCardMessage,
    TaskStatus,
    WorkOrder,
)
from domain.notifications import Notice, enqueue, enqueue_commands, notify_person
from domain.registration import person_by_code, require_role
from domain.rules import rules_of

RUNS_THE_FACTORY = (Role.manager, Role.admin)


@dataclass(frozen=True)
class HeldTask:
    """An open task the person is on, and who else is (nobody: it is left unassigned)."""

    task_id: int
    work_order: str
    seq: int
    operation: str
    others: tuple[str, ...]

    @property
    def line(self) -> tuple[str, dict[str, object]]:
        """How a message lists it."""
        return ("remove.task_line", {"work_order": self.work_order, "seq": self.seq,
                                     "operation": self.operation})


@dataclass(frozen=True)
class Holdings:
    """What a person holds that removing them takes away."""

    tasks: list[HeldTask]
    offers: int  # claim offers still on their screen
    invites: int  # unused, unexpired invites
    tokens: int  # active access tokens that are theirs
    clocked_in_since: datetime | None  # an open clock entry (a supervisor fixes its clock-out)

    @property
    def left_unassigned(self) -> list[HeldTask]:
        return [t for t in self.tasks if not t.others]

    def params(self) -> dict[str, object]:
        return {"tasks": len(self.tasks), "unassigned": len(self.left_unassigned),
                "offers": self.offers, "invites": self.invites, "tokens": self.tokens}

    def lines(self) -> list[tuple[str, dict[str, object]]]:
        """The tasks left with nobody, and the open clock entry, as message lines."""
        lines = [t.line for t in self.left_unassigned]
        if self.clocked_in_since is not None:
            lines.append(("remove.clocked_in", {"since_at": self.clocked_in_since.isoformat()}))
        return lines


@dataclass(frozen=True)
class Removal:
    person: Person
    held: Holdings
    told: list[Person]  # the supervisors (else managers) told what was left


async def preview(session: AsyncSession, code: str, *, actor: Person | None,
                  now: datetime) -> tuple[Person, Holdings]:
    """Who `code` is and what removing them would take away (the rules checked, nothing
    changed): what a confirm button is shown with."""
    person = await person_by_code(session, code)
    await _check(session, person, actor)
    return person, await holdings(session, person, now)


async def remove(session: AsyncSession, person_id: int, *, actor: Person | None,
                 now: datetime) -> Removal:
    """Remove the person (see the module's docstring); `actor` None is the command line."""
    person = await session.get(Person, person_id)
    if person is None:
        raise DomainError("person.unknown", code=str(person_id))
    await _check(session, person, actor, lock=True)
    held = await holdings(session, person, now)
    chat_id, lang = person.telegram_user_id, person.language or rules_of(session).default_language
    won = await rows_changed(session, update(Person)
                             .where(Person.id == person.id, Person.active.is_(True))
                             .values(active=False, telegram_user_id=None)
                             .execution_options(synchronize_session=False))
    if won != 1:  # someone removed them meanwhile
        raise DomainError("remove.already", name=person.name, code=person.code)
    set_committed_value(person, "active", False)
    set_committed_value(person, "telegram_user_id", None)

    for task in held.tasks:  # audited per task; the person, now inactive, hears nothing
        await assignment.unassign(session, task.task_id, [person], actor=actor, now=now)
    await session.execute(update(TaskCardMessage)
                          .where(TaskCardMessage.person_id == person.id,
                                 TaskCardMessage.outdated_at.is_(None))
                          .values(outdated_at=now))  # no later plan change edits their cards
    await session.execute(update(ReportDraft)
                          .where(ReportDraft.person_id == person.id,
                                 ReportDraft.status == DraftStatus.open)
                          .values(status=DraftStatus.cancelled))
    await session.execute(update(Invite)
                          .where(Invite.person_id == person.id, Invite.used_at.is_(None),
                                 Invite.expires_at > now)
                          .values(expires_at=now))
    tokens = await access_tokens.revoke_held(session, person, now=now, actor=actor)

    if chat_id is not None:  # told once; their menu becomes a stranger's
        enqueue(session, chat_id, Notice("remove.you", {"by": _by(actor)}), lang=lang,
                priority=Priority.reply)
        enqueue_commands(session, chat_id, role=None, lang=lang)
    told = await _tell_supervisors(session, person, held, actor)
    audit.record(session, "person.removed", actor_person_id=actor.id if actor else None,
                 entity="person", entity_id=person.id, code=person.code, role=person.role,
                 telegram_user_id=chat_id, tasks=[f"{t.work_order}#{t.seq}" for t in held.tasks],
                 unassigned=[f"{t.work_order}#{t.seq}" for t in held.left_unassigned],
                 offers=held.offers, invites=held.invites, tokens=tokens,
                 told=[p.code for p in told])
    return Removal(person, held, told)


async def holdings(session: AsyncSession, person: Person, now: datetime) -> Holdings:
    rows = (await session.execute(
        select(OperationTask.id, WorkOrder.code, OperationTask.seq, Operation.name)
        .join(TaskAssignee, TaskAssignee.task_id == OperationTask.id)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .where(TaskAssignee.person_id == person.id, OperationTask.status != TaskStatus.done,
               WorkOrder.status.in_(OPEN_WORK_ORDER))
        .order_by(WorkOrder.code, OperationTask.seq))).all()
    others: dict[int, list[str]] = {}
    for task_id, name in (await session.execute(
            select(TaskAssignee.task_id, Person.name)
            .join(Person, Person.id == TaskAssignee.person_id)
            .where(TaskAssignee.task_id.in_([r[0] for r in rows]),
                   TaskAssignee.person_id != person.id, Person.active.is_(True))
            .order_by(Person.code))).all():
        others.setdefault(task_id, []).append(name)
    tasks = [HeldTask(task_id, code, seq, operation, tuple(others.get(task_id, ())))
             for task_id, code, seq, operation in rows]
    return Holdings(
        tasks=tasks,
        offers=await _count(session, select(TaskCardMessage.id).where(
            TaskCardMessage.person_id == person.id, TaskCardMessage.purpose == "claim",
            TaskCardMessage.outdated_at.is_(None),
            TaskCardMessage.task_id.in_(select(OperationTask.id)
                                        .where(OperationTask.open_for_claim.is_(True))))),
        invites=await _count(session, select(Invite.id).where(
            Invite.person_id == person.id, Invite.used_at.is_(None), Invite.expires_at > now)),
        tokens=await _count(session, select(AccessToken.id).where(
            AccessToken.holder_id == person.id, AccessToken.revoked_at.is_(None))),
        clocked_in_since=await session.scalar(select(ClockEntry.clock_in_at).where(
            ClockEntry.open_person_id == person.id)),
    )


async def _count(session: AsyncSession, ids: Select[int]) -> int:
    return await session.scalar(select(func.count()).select_from(ids.subquery())) or 0


async def _check(session: AsyncSession, person: Person, actor: Person | None, *,
                 lock: bool = False) -> None:
    if actor is not None and actor.id == person.id:
        raise DomainError("remove.self")
    if not person.active:
        raise DomainError("remove.already", name=person.name, code=person.code)
    if actor is not None:
        require_role(actor, Role.manager)
        require_role(actor, Role(person.role))  # nobody removes more power than they hold
    if Role(person.role) in RUNS_THE_FACTORY:
        # Locked in id order (PostgreSQL), so two managers removing each other at once cannot
        # both see the other still there: the second waits, then finds itself the last.
        query = (select(Person.id).where(Person.role.in_(RUNS_THE_FACTORY),
                                         Person.active.is_(True)).order_by(Person.id))
        bosses = (await session.scalars(query.with_for_update() if lock else query)).all()
        if not [i for i in bosses if i != person.id]:
            raise DomainError("remove.last_manager", name=person.name, code=person.code)


async def _tell_supervisors(session: AsyncSession, person: Person, held: Holdings,
                            actor: Person | None) -> list[Person]:
    """The supervisors of the person's team hear what was left, else the managers (never the
    actor, whose own answer says it)."""
    bosses = list(await supervisors_of(session, [person]))
    if not bosses:
        bosses = list((await session.scalars(select(Person).where(
            Person.role.in_(RUNS_THE_FACTORY), Person.active.is_(True))
            .order_by(Person.code))).all())
    told = []
    notice = Notice("remove.told", {"name": person.name, "code": person.code, "by": _by(actor),
                                    **held.params()}, lines=held.lines())
    for boss in bosses:
        if actor is not None and boss.id == actor.id:
            continue
        if notify_person(session, boss, notice,
                         default_lang=rules_of(session).default_language) is not None:
            told.append(boss)
    return told


def _by(actor: Person | None) -> str | dict[str, str]:
    return actor.name if actor is not None else {"zh": "管理员", "en": "an administrator"}

