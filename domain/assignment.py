"""Assignment 派工: who works a task (claiming 认领 is domain/claiming.py).

A supervisor assigns an operation task to people of their own team (a manager to anyone);
each newly assigned person gets the task card with its label code. A task with assignees is
reported by them only (domain/reporting.py); several assignees each report their own pieces,
and one person may hold several tasks.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, claim_offers, task_cards
from domain.errors import DomainError
from domain.flow import arrived
from domain.models import (
    OPEN_WORK_ORDER,
    AssignedHow,
    Operation,
    OperationTask,
    OutboxMessage,
    Person,
    Role,
    TaskAssignee,
    TaskStatus,
    WorkOrder,
    WorkOrderStatus,
)
from domain.notifications import Button, Notice, notify_person
from domain.payload import format_payload
from domain.quantities import neighbours, work_order_by_code, work_order_of_task
from domain.rules import rules_of
from domain.wages import NO_TEAM, supervises, team_in_view

# A task of these work orders takes no new people.
CLOSED_WORK_ORDER = (WorkOrderStatus.done, WorkOrderStatus.closed, WorkOrderStatus.cancelled)
WHOLE_FLOOR = {"zh": "全车间", "en": "the whole floor"}
# The picker shows at most this many people (the command takes any code).
PICK_LIMIT = 30


@dataclass(frozen=True)
class Load:
    """What a person holds now: open tasks assigned to them and the standard minutes left."""

    tasks: int
    minutes: int


@dataclass(frozen=True)
class TaskView:
    """What an assignment card, a claim offer and the supervisor's picker show of a task."""

    task_id: int
    work_order: str
    product: str
    seq: int
    operation_code: str
    operation: str
    planned: int
    arrived: int
    due: str
    planned_start: datetime | None
    planned_end: datetime | None
    open_for_claim: bool
    assignees: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The payload the task's QR holds (what a worker may type to report it)."""
        return format_payload(self.work_order, self.seq)

    def params(self) -> dict[str, Any]:
        return {"work_order": self.work_order, "product": self.product, "seq": self.seq,
                "operation": self.operation, "skill": self.operation_code,
                "planned": self.planned, "arrived": self.arrived, "due": self.due,
                "label": self.label}

    def plan_lines(self) -> list[tuple[str, dict[str, Any]]]:
        """The planned start and end, when planning set them."""
        lines: list[tuple[str, dict[str, Any]]] = []
        if self.planned_start is not None:
            lines.append(("assign.planned_start", {"start_at": self.planned_start}))
        if self.planned_end is not None:
            lines.append(("assign.planned_end", {"end_at": self.planned_end}))
        return lines


@dataclass(frozen=True)
class Candidate:
    person: Person
    load: Load
    assigned: bool


@dataclass(frozen=True)
class Picker:
    """A task and the people a supervisor may pick for it, in a stable order."""

    view: TaskView
    people: list[Candidate]

    @property
    def fingerprint(self) -> str:
        """Names the list: a tap on a picker drawn from another list is refused, not misread."""
        ids = ",".join(str(c.person.id) for c in self.people)
        return f"{zlib.crc32(ids.encode()) & 0xFFFF:04x}"


@dataclass(frozen=True)
class Changed:
    """What a pick did: who was added, who was taken off, who stayed."""

    view: TaskView
    added: list[Person] = field(default_factory=list)
    removed: list[Person] = field(default_factory=list)
    kept: list[Person] = field(default_factory=list)



# --- reading -----------------------------------------------------------------------------


async def load_task(session: AsyncSession, task_id: int) -> tuple[WorkOrder, OperationTask]:
    work_order, seq = await work_order_of_task(session, task_id)
    return work_order, neighbours(work_order.tasks, seq)[1]


async def assignees(session: AsyncSession, task_id: int) -> list[Person]:
    return list((await session.scalars(
        select(Person).join(TaskAssignee, TaskAssignee.person_id == Person.id)
        .where(TaskAssignee.task_id == task_id).order_by(Person.code))).all())


async def view_of(session: AsyncSession, work_order: WorkOrder, task: OperationTask) -> TaskView:
    previous = neighbours(work_order.tasks, task.seq)[0]
    operation = task.operation
    names = tuple(p.name for p in await assignees(session, task.id))
    return TaskView(
        task_id=task.id, work_order=work_order.code, product=work_order.product.name,
        seq=task.seq, operation_code=operation.code, operation=operation.name,
        planned=task.planned_qty, arrived=arrived(task, previous),
        due=work_order.due_date.isoformat(), planned_start=task.planned_start,
        planned_end=task.planned_end, open_for_claim=task.open_for_claim, assignees=names)


async def task_view(session: AsyncSession, task_id: int) -> TaskView:
    work_order, task = await load_task(session, task_id)
    return await view_of(session, work_order, task)


async def find_task(session: AsyncSession, work_order_code: str,
                    seq: int | None) -> TaskView | list[TaskView]:
    """A work order's task by sequence; without one, its only open task, else every open task
    (for the supervisor to pick from)."""
    work_order = await work_order_by_code(session, work_order_code)
    if seq is not None:
        task = next((t for t in work_order.tasks if t.seq == seq), None)
        if task is None:
            raise DomainError("report.unknown_operation", work_order=work_order.code, seq=seq)
        return await view_of(session, work_order, task)
    _check_work_order(work_order)
    open_tasks = [t for t in work_order.tasks if t.status != TaskStatus.done]
    if not open_tasks:
        raise DomainError("assign.all_done", work_order=work_order.code)
    views = [await view_of(session, work_order, t) for t in open_tasks]
    return views[0] if len(views) == 1 else views


async def people_by_codes(session: AsyncSession, codes: Sequence[str]) -> list[Person]:
    """People by their codes (工号), in the order given; an unknown code is refused."""
    wanted = [c.strip().upper() for c in codes if c.strip()]
    found = {p.code.upper(): p for p in (await session.scalars(
        select(Person).where(func.upper(Person.code).in_(wanted)))).all()}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise DomainError("assign.unknown_person", code=", ".join(missing))
    unique: dict[int, Person] = {}
    for code in wanted:
        unique.setdefault(found[code].id, found[code])
    return list(unique.values())


async def team_members(session: AsyncSession, task_id: int, team: str, *,
                       actor: Person) -> list[Person]:
    """Everyone of the team who can take the task: active workers skilled in its operation."""
    team = team_for(actor, team) or ""
    _, task = await load_task(session, task_id)
    code = task.operation.code
    people = (await session.scalars(
        select(Person).where(Person.active.is_(True), Person.role == Role.worker,
                             func.coalesce(Person.team, "") == team,
                             Person.skills_text.contains(code))
        .order_by(Person.code))).all()
    able = [p for p in people if code in p.skills]
    if not able:
        raise DomainError("assign.team_nobody", team=team or NO_TEAM, skill=code,
                          operation=task.operation.name)
    return able


# --- rules ---------------------------------------------------------------------------------


def _check_work_order(work_order: WorkOrder) -> None:
    if work_order.status in CLOSED_WORK_ORDER:
        raise DomainError("assign.work_order_closed", work_order=work_order.code,
                          status=work_order.status)


def check_task(work_order: WorkOrder, task: OperationTask) -> None:
    _check_work_order(work_order)
    if task.status == TaskStatus.done:
        raise DomainError("assign.task_done", work_order=work_order.code, seq=task.seq,
                          operation=task.operation.name)


def check_actor(actor: Person | None, people: Sequence[Person]) -> None:
    """A supervisor assigns the people of their own team, a manager anyone; None is the
    system (an import, the API, an accepted dispatch plan made by someone allowed)."""
    if actor is None:
        return
    if not actor.has_role(Role.supervisor):
        raise DomainError("assign.not_allowed")
    for person in people:
        if not supervises(actor, person):
            raise DomainError("assign.not_your_team", name=person.name, code=person.code,
                              team=actor.team or NO_TEAM)


def _check_person(person: Person, operation: Operation) -> None:
    if not person.active:
        raise DomainError("assign.inactive", name=person.name, code=person.code)
    if operation.code not in person.skills:
        raise DomainError("assign.no_skill", name=person.name, code=person.code,
                          skill=operation.code, operation=operation.name)


def team_label(team: str | None) -> str | dict[str, str]:
    """A team as people read it: its name, "no team", or the whole floor (None)."""
    if team is None:
        return WHOLE_FLOOR
    return team or NO_TEAM


def team_for(actor: Person, asked: str | None) -> str | None:
    """The team a supervisor acts for (their own); a manager may name any, or none (None:
    the whole floor)."""
    if asked is None and actor.has_role(Role.manager):
        return None
    try:
        return team_in_view(actor, asked)
    except DomainError:
        raise DomainError("assign.team_not_yours", team=actor.team or NO_TEAM) from None


# --- assigning -----------------------------------------------------------------------------


async def assign(session: AsyncSession, task_id: int, people: Sequence[Person], *,
                 actor: Person | None, now: datetime, how: str = AssignedHow.assigned,
                 replace: bool = False, tell_removed: bool = True) -> list[Person]:
    """Assign the task to these people (added to those it has; `replace` drops the others).

    Each newly assigned person gets the task card with its label code (tracked by
    domain/task_cards.py); returns the people newly assigned (someone already on the task is
    not assigned twice and hears nothing). People dropped are told, unless the caller tells
    them itself (`tell_removed=False`: a plan change's one message says it). Audited.
    """
    work_order, task = await load_task(session, task_id)
    check_task(work_order, task)
    current = {p.id: p for p in await assignees(session, task.id)}
    wanted = {p.id: p for p in people}
    added = [p for p in wanted.values() if p.id not in current]
    removed = [p for p in current.values() if p.id not in wanted] if replace else []
    check_actor(actor, [*added, *removed])
    for person in added:
        _check_person(person, task.operation)
    if removed:
        await _remove(session, work_order, task, removed, actor=actor, tell=tell_removed)
    for person in added:
        session.add(TaskAssignee(task_id=task.id, person_id=person.id, assigned_at=now,
                                 how=how, assigned_by=actor.id if actor else None))
    if not added and not removed:
        return []
    await session.flush()
    if added and task.open_for_claim:  # given out: the claim offers are over
        await claim_offers.close(session, work_order, task, now,
                                 names="、".join(p.name for p in added))
    view = await view_of(session, work_order, task)
    for person in added:
        await send_card(session, task, view, person, key="assign.card",
                         by=actor.name if actor else None)
    audit.record(session, "task.assigned", actor_person_id=actor.id if actor else None,
                 entity="operation_task", entity_id=task.id, work_order=work_order.code,
                 seq=task.seq, people=[p.code for p in added], how=how,
                 removed=[p.code for p in removed])
    return added


async def unassign(session: AsyncSession, task_id: int, people: Sequence[Person], *,
                   actor: Person | None, now: datetime) -> list[Person]:
    """Take people off the task; each one who was on it is told. Returns those taken off."""
    work_order, task = await load_task(session, task_id)
    check_actor(actor, people)
    current = {p.id for p in await assignees(session, task.id)}
    removed = [p for p in people if p.id in current]
    if removed:
        await _remove(session, work_order, task, removed, actor=actor)
        audit.record(session, "task.unassigned", actor_person_id=actor.id if actor else None,
                     entity="operation_task", entity_id=task.id, work_order=work_order.code,
                     seq=task.seq, people=[p.code for p in removed])
    return removed


async def _remove(session: AsyncSession, work_order: WorkOrder, task: OperationTask,
                  people: Sequence[Person], *, actor: Person | None,
                  tell: bool = True) -> None:
    await session.execute(delete(TaskAssignee).where(
        TaskAssignee.task_id == task.id, TaskAssignee.person_id.in_([p.id for p in people])))
    if not tell:
        return
    params = {"work_order": work_order.code, "seq": task.seq, "operation": task.operation.name,
              "by": actor.name if actor else "—"}
    for person in people:
        notify_person(session, person, Notice("assign.removed", params),
                      default_lang=rules_of(session).default_language)


async def picker(session: AsyncSession, task_id: int, actor: Person) -> Picker:
    """The task and the people the actor may put on it or take off it (those on it first
    ticked): active, skilled in the operation, of the actor's team (a manager: anyone), each
    with their current load."""
    check_actor(actor, [])
    work_order, task = await load_task(session, task_id)
    check_task(work_order, task)
    code = task.operation.code
    assigned = {p.id: p for p in await assignees(session, task.id)}
    skilled = (await session.scalars(
        select(Person).where(Person.active.is_(True), Person.skills_text.contains(code))
        .order_by(Person.code))).all()
    people = {p.id: p for p in skilled if code in p.skills and supervises(actor, p)}
    people.update({i: p for i, p in assigned.items() if supervises(actor, p)})
    chosen = sorted(people.values(), key=lambda p: (p.id not in assigned, p.code))[:PICK_LIMIT]
    loads = await workload(session, [p.id for p in chosen])
    return Picker(await view_of(session, work_order, task),
                  [Candidate(p, loads.get(p.id, Load(0, 0)), p.id in assigned) for p in chosen])


async def choose(session: AsyncSession, task_id: int, chosen: Sequence[Person],
                 among: Sequence[Person], *, actor: Person, now: datetime) -> Changed:
    """Apply a pick: the chosen are on the task, the others of `among` are not."""
    work_order, task = await load_task(session, task_id)
    check_task(work_order, task)
    before = {p.id for p in await assignees(session, task_id)}
    chosen_ids = {p.id for p in chosen}
    added = await assign(session, task_id, chosen, actor=actor, now=now) if chosen else []
    gone = [p for p in among if p.id in before and p.id not in chosen_ids]
    removed = await unassign(session, task_id, gone, actor=actor, now=now) if gone else []
    kept = [p for p in chosen if p.id in before]
    return Changed(await view_of(session, work_order, task), added, removed, kept)


async def workload(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, Load]:
    """Each person's current load: the open tasks assigned to them (not done, work order
    open) and the standard minutes still to make on them, one SQL aggregate.

    Minutes left of a task = (planned − pieces dealt with) × the operation's standard minutes;
    a task shared by several assignees counts for each of them by their share (divided by how
    many hold it), since they make its pieces between them. People with no open task are
    absent from the result.
    """
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    holders = (select(TaskAssignee.task_id, func.count().label("holders"))
               .group_by(TaskAssignee.task_id).subquery())
    left = (OperationTask.planned_qty - OperationTask.good_qty - OperationTask.pending_qc_qty
            - OperationTask.scrap_qty - OperationTask.rework_qty)
    # `/` is true division in SQLAlchemy (SQLite keeps a whole NUMERIC as an integer).
    minutes = case((left > 0, left), else_=0) * Operation.std_minutes / holders.c.holders
    rows = (await session.execute(
        select(TaskAssignee.person_id, func.count(), func.sum(minutes))
        .join(OperationTask, OperationTask.id == TaskAssignee.task_id)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .join(holders, holders.c.task_id == TaskAssignee.task_id)
        .where(TaskAssignee.person_id.in_(ids), OperationTask.status != TaskStatus.done,
               WorkOrder.status.in_(OPEN_WORK_ORDER))
        .group_by(TaskAssignee.person_id))).all()
    return {person_id: Load(count, _whole_minutes(total)) for person_id, count, total in rows}


def _whole_minutes(total: Any) -> int:
    # A float from SQLite, a Decimal from PostgreSQL: through str, then half up to the minute.
    return int(Decimal(str(total or 0)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def send_card(session: AsyncSession, task: OperationTask, view: TaskView,
                     person: Person, *, key: str, by: str | None) -> OutboxMessage | None:
    """The task card with its label code and a Report button, to the person's private chat
    (tracked, so a plan change marks it outdated)."""
    lines = view.plan_lines()
    if by:
        lines.append(("assign.by", {"name": by}))
    notice = Notice(key, view.params(), lines=lines,
                    buttons=[[Button("assign.btn_report", f"t:{task.id}")]])
    message = notify_person(session, person, notice,
                            default_lang=rules_of(session).default_language)
    if message is not None:
        await task_cards.track(session, message, task, person_id=person.id, purpose="assigned")
    return message
