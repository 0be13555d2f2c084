"""Dispatch suggestions as rows a supervisor accepts, edits or discards in chat.

A suggestion is a DispatchPlan with one DispatchLine per task. Every edit (a line pinned to
another person, the rest recomputed around it) bumps the plan's version; the chat's buttons
carry the version, so a tap on an older view, or on a plan already decided, is refused. A
newer suggestion for the same team supersedes an older one still open.

Accepting is a conditional status change (tapped twice, applied once): each line becomes an
assignment (`how=dispatched`, the task's other holders released) and the task's planned
start/end, and the reminders of the work orders touched follow the new times. The people whose
existing plan changed (their task's times moved, or their task went to someone else) are told
once, through domain.changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, changes, task_cards
from domain.assignment import Load, assign, workload
from domain.db import rows_changed
from domain.dispatch import heuristic
from domain.dispatch.loading import PLANNED_WORK_ORDER, in_team, load_floor
from domain.errors import DomainError
from domain.flow import processed
from domain.material_shortage import schedule_material_check
from domain.models import (
    AssignedHow,
    ChangeKind,
    DispatchLine,
    DispatchPlan,
    DispatchStatus,
    Operation,
    OperationTask,
    Person,
    Role,
    TaskAssignee,
    TaskStatus,
    WorkOrder,
)
from domain.rules import FactoryRules
from domain.task_reminders import schedule_task_reminders
from domain.wages import NO_TEAM, team_in_view

Line = tuple[str, dict[str, object]]


def scope_for(actor: Person, asked: str | None) -> str | None:
    """Whose work a suggestion plans: a manager's whole floor unless a team is named, a
    supervisor's own team ("" for the people without one)."""
    if asked is None and actor.has_role(Role.manager):
        return None
    try:
        return team_in_view(actor, asked)
    except DomainError:
        raise DomainError("dispatch.team_not_yours", team=actor.team or NO_TEAM) from None


def _may_decide(actor: Person, plan: DispatchPlan) -> None:
    if actor.has_role(Role.manager):
        return
    if plan.team is None or not actor.has_role(Role.supervisor) or (actor.team or "") != plan.team:
        raise DomainError("dispatch.not_yours")


# --- suggesting --------------------------------------------------------------------------------


async def suggest(session: AsyncSession, *, actor: Person, team: str | None, now: datetime,
                  rules: FactoryRules) -> DispatchPlan:
    """Compute a suggestion for the team (None: the whole floor) and store it, open."""
    floor = await load_floor(session, team=team, now=now, rules=rules)
    computed = heuristic.plan(floor.jobs, floor.workers, floor.now)
    await session.execute(
        update(DispatchPlan)
        .where(DispatchPlan.status == DispatchStatus.proposed,
               DispatchPlan.team.is_(None) if team is None else DispatchPlan.team == team)
        .values(status=DispatchStatus.superseded, decided_at=now)
        .execution_options(synchronize_session=False))
    plan = DispatchPlan(team=team, created_by=actor.id, created_at=now,
                        status=DispatchStatus.proposed, version=1)
    session.add(plan)
    await session.flush()
    store_lines(session, plan, computed)
    audit.record(session, "dispatch.suggested", actor_person_id=actor.id, entity="dispatch_plan",
                 entity_id=plan.id, team=team, tasks=len(computed.lines),
                 problems=len(computed.problems))
    return plan


def store_lines(session: AsyncSession, plan: DispatchPlan, computed: heuristic.Plan,
                only: set[int] | None = None) -> None:
    """The computed lines as the plan's rows (only those of these tasks, when given)."""
    session.add_all(
        DispatchLine(plan_id=plan.id, task_id=x.task_id, person_id=x.person_id,
                     workstation=x.workstation, position=x.position, quantity=x.quantity,
                     planned_start=x.start, planned_end=x.end, late_seconds=x.late_seconds,
                     pinned=x.pinned)
        for x in computed.lines if only is None or x.task_id in only)


async def opened(session: AsyncSession, plan_id: int, version: int, actor: Person) -> DispatchPlan:
    """The plan, if this tap is about its current version and it is still open."""
    plan = await session.get(DispatchPlan, plan_id)
    if plan is None:
        raise DomainError("dispatch.gone")
    _may_decide(actor, plan)
    _current(plan, version)
    return plan


def _current(plan: DispatchPlan, version: int) -> None:
    if plan.status != DispatchStatus.proposed:
        raise DomainError("dispatch.decided", plan=plan.id, decision=plan.status)
    if plan.version != version:
        raise DomainError("dispatch.stale", plan=plan.id)


async def lines_of(session: AsyncSession, plan: DispatchPlan) -> list[DispatchLine]:
    return list((await session.scalars(
        select(DispatchLine).where(DispatchLine.plan_id == plan.id)
        .order_by(DispatchLine.workstation, DispatchLine.position, DispatchLine.id))).all())


# --- editing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person: Person
    load: Load  # what they hold now
    busy_until: datetime | None  # the end of their last task in this plan


async def candidates(session: AsyncSession, *, plan_id: int, version: int, line_id: int,
                     actor: Person) -> tuple[Row, list[Candidate]]:
    """The line, and who its task could go to: the plan's active workers skilled in its
    operation, least loaded first."""
    plan = await opened(session, plan_id, version, actor)
    line = await _line(session, plan, line_id)
    code = await session.scalar(select(Operation.code).join(
        OperationTask, OperationTask.operation_id == Operation.id)
        .where(OperationTask.id == line.task_id))
    people = [p for p in (await session.scalars(
        select(Person).where(Person.active.is_(True), Person.role == Role.worker,
                             Person.skills_text.contains(code or "")))).all()
              if code in p.skills and in_team(p, plan.team)]
    loads = await workload(session, [p.id for p in people])
    busy: dict[int, datetime] = {}
    for other in await lines_of(session, plan):
        if other.person_id is not None and other.planned_end is not None:
            busy[other.person_id] = max(busy.get(other.person_id, other.planned_end),
                                        other.planned_end)
    found = [Candidate(p, loads.get(p.id, Load(0, 0)), busy.get(p.id)) for p in people]
    found.sort(key=lambda c: (c.load.minutes, c.load.tasks, c.person.code))
    return next(r for r in await rows_of(session, plan) if r.line.id == line.id), found


async def _line(session: AsyncSession, plan: DispatchPlan, line_id: int) -> DispatchLine:
    line = await session.get(DispatchLine, line_id)
    if line is None or line.plan_id != plan.id:
        raise DomainError("dispatch.gone")
    return line


async def repin(session: AsyncSession, *, plan_id: int, version: int, line_id: int,
                person_id: int, actor: Person, now: datetime,
                rules: FactoryRules) -> DispatchPlan:
    """Give the line's task to this person and recompute the rest of the plan around it."""
    plan = await opened(session, plan_id, version, actor)
    line = await _line(session, plan, line_id)
    floor = await load_floor(session, team=plan.team, now=now, rules=rules)
    if line.task_id not in {j.task_id for j in floor.jobs}:
        raise DomainError("dispatch.task_gone")
    if person_id not in {p.id for p in floor.candidates(line.task_id)}:
        raise DomainError("dispatch.not_candidate")
    pins = {x.task_id: x.person_id for x in await lines_of(session, plan)
            if x.pinned and x.person_id is not None}
    pins[line.task_id] = person_id
    computed = heuristic.plan(floor.pinned(pins), floor.workers, floor.now)
    bumped = await rows_changed(session,
        update(DispatchPlan)
        .where(DispatchPlan.id == plan.id, DispatchPlan.version == version,
               DispatchPlan.status == DispatchStatus.proposed)
        .values(version=version + 1)
        .execution_options(synchronize_session=False))
    if bumped != 1:
        raise DomainError("dispatch.stale", plan=plan.id)
    plan.version = version + 1
    await session.execute(delete(DispatchLine).where(DispatchLine.plan_id == plan.id))
    store_lines(session, plan, computed)
    audit.record(session, "dispatch.edited", actor_person_id=actor.id, entity="dispatch_plan",
                 entity_id=plan.id, task_id=line.task_id, person_id=person_id,
                 version=plan.version)
    return plan


async def discard(session: AsyncSession, *, plan_id: int, version: int, actor: Person,
                  now: datetime) -> DispatchPlan:
    plan = await opened(session, plan_id, version, actor)
    if not await _decide(session, plan, version, DispatchStatus.discarded, now):
        raise DomainError("dispatch.stale", plan=plan.id)
    audit.record(session, "dispatch.discarded", actor_person_id=actor.id,
                 entity="dispatch_plan", entity_id=plan.id)
    return plan


async def _decide(session: AsyncSession, plan: DispatchPlan, version: int, status: str,
                  now: datetime) -> bool:
    """proposed → status, once: False when another tap decided (or edited) it first."""
    changed = await rows_changed(session,
        update(DispatchPlan)
        .where(DispatchPlan.id == plan.id, DispatchPlan.version == version,
               DispatchPlan.status == DispatchStatus.proposed)
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session=False))
    if changed != 1:
        return False
    plan.status, plan.decided_at = status, now
    return True


# --- accepting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    plan: DispatchPlan
    assigned: int = 0  # tasks that went to someone new
    timed: int = 0  # tasks whose planned times were set
    told: int = 0  # people told that their plan changed
    again: bool = False  # a repeated tap: the first one did it


async def accept(session: AsyncSession, *, plan_id: int, version: int, actor: Person,
                 now: datetime, rules: FactoryRules) -> Accepted:
    plan = await session.get(DispatchPlan, plan_id)
    if plan is None:
        raise DomainError("dispatch.gone")
    _may_decide(actor, plan)
    if plan.status == DispatchStatus.accepted and plan.version == version:
        return Accepted(plan, again=True)
    _current(plan, version)
    if not await _decide(session, plan, version, DispatchStatus.accepted, now):
        await session.refresh(plan)
        if plan.status == DispatchStatus.accepted and plan.version == version:
            return Accepted(plan, again=True)
        raise DomainError("dispatch.stale", plan=plan.id)
    moves = await moves_of(session, await lines_of(session, plan))
    assigned = sum(1 for m in moves if m.given)
    timed = sum(1 for m in moves if m.retimed)  # counted before carrying out changes them
    affected = await told(session, moves, everything=False)
    if affected:
        await changes.announce(session, kind=ChangeKind.replan, work_order=None,
                               key=f"dispatch:{plan.id}", actor=actor,
                               detail={"plan": plan.id, "tasks": len(moves)},
                               affected=affected, now=now)
    await carry_out(session, moves, actor=actor, now=now, rules=rules)
    audit.record(session, "dispatch.accepted", actor_person_id=actor.id, entity="dispatch_plan",
                 entity_id=plan.id, assigned=assigned, timed=timed, told=len(affected))
    return Accepted(plan, assigned=assigned, timed=timed, told=len(affected))


# --- carrying a plan out (shared with rush orders) ---------------------------------------------


@dataclass(frozen=True)
class Move:
    """What accepting one line does to its task."""

    task: OperationTask
    work_order: WorkOrder
    operation: Operation
    person: Person  # who does it from now on
    holders: tuple[Person, ...]  # who held it before
    start: datetime | None
    end: datetime | None

    @property
    def given(self) -> bool:
        """The task goes to someone who did not hold it (its holders lose it)."""
        return self.person not in self.holders

    @property
    def retimed(self) -> bool:
        return (self.task.planned_start, self.task.planned_end) != (self.start, self.end)

    @property
    def had_plan(self) -> bool:
        return self.task.planned_start is not None or self.task.planned_end is not None

    def params(self) -> dict[str, object]:
        return {"work_order": self.work_order.code, "seq": self.task.seq,
                "operation": self.operation.name, "quantity": _left(self.task),
                "start_at": self.start, "end_at": self.end}


def _left(task: OperationTask) -> int:
    return max(0, task.planned_qty - processed(task))


async def moves_of(session: AsyncSession, lines: Sequence[DispatchLine]) -> list[Move]:
    """The lines that still apply (a person, the task open, its work order planned), with what
    their tasks hold now."""
    wanted = {x.task_id: x for x in lines if x.person_id is not None}
    rows = (await session.execute(
        select(OperationTask, WorkOrder, Operation)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .where(OperationTask.id.in_(wanted), OperationTask.status != TaskStatus.done,
               WorkOrder.status.in_(PLANNED_WORK_ORDER))
        .order_by(WorkOrder.id, OperationTask.seq))).all()
    holders: dict[int, list[Person]] = defaultdict(list)
    for task_id, person in (await session.execute(
            select(TaskAssignee.task_id, Person).join(Person, Person.id == TaskAssignee.person_id)
            .where(TaskAssignee.task_id.in_(wanted), Person.active.is_(True))
            .order_by(Person.code))).all():
        holders[task_id].append(person)
    people = {p.id: p for p in (await session.scalars(select(Person).where(
        Person.id.in_({x.person_id for x in wanted.values()}), Person.active.is_(True)))).all()}
    moves = []
    for task, work_order, operation in rows:
        line = wanted[task.id]
        if line.person_id in people:
            moves.append(Move(task, work_order, operation, people[line.person_id],
                              tuple(holders[task.id]), line.planned_start, line.planned_end))
    return moves


async def told(session: AsyncSession, moves: Sequence[Move], *,
               everything: bool) -> dict[Person, list[Line]]:
    """Each person's lines about what changed in their existing plan: their tasks' new times,
    tasks taken away. With `everything` (a rush) also tasks given to them and first planned
    times, and the supervisors of the people concerned get one line per changed task of their
    team."""
    affected: dict[Person, list[Line]] = defaultdict(list)
    concerned: dict[Person, list[Move]] = defaultdict(list)
    for move in moves:
        params = move.params()
        if move.given:
            for holder in move.holders:
                affected[holder].append(("dispatch.change_taken",
                                         {**params, "name": move.person.name}))
            if everything:
                affected[move.person].append(("dispatch.change_given", params))
        elif move.retimed and move.had_plan:
            for holder in move.holders:
                affected[holder].append(("dispatch.change_moved", {
                    **params, "was_start_at": move.task.planned_start,
                    "was_end_at": move.task.planned_end}))
        elif move.retimed and everything:
            for holder in move.holders:
                affected[holder].append(("dispatch.change_timed", params))
        else:
            continue
        for person in dict.fromkeys((move.person, *move.holders)):
            concerned[person].append(move)
    if everything:
        for boss, team in (await changes.supervisors_of(session, concerned)).items():
            seen = dict.fromkeys(m for p in team for m in concerned[p])
            affected[boss] += [_team_line(m) for m in sorted(
                seen, key=lambda m: (m.work_order.code, m.task.seq))]
    return dict(affected)


def _team_line(move: Move) -> Line:
    was = "、".join(h.name for h in move.holders) if move.given else move.person.name
    return ("dispatch.change_team", {**move.params(), "name": move.person.name,
                                     "was": was or "—"})


async def carry_out(session: AsyncSession, moves: Sequence[Move], *, actor: Person, now: datetime,
                    rules: FactoryRules) -> None:
    """Assign and time the tasks, and let the reminders follow the new times."""
    for move in moves:  # first: the new cards show the new times
        move.task.planned_start, move.task.planned_end = move.start, move.end
    await session.flush()
    # The cards of tasks leaving their holders are outdated before the new cards go out.
    for work_order in {m.work_order.id: m.work_order for m in moves
                       if m.given and m.holders}.values():
        await task_cards.bump(session, work_order)
        await task_cards.outdate(session, work_order, now)
    for move in moves:
        if move.given:
            await assign(session, move.task.id, [move.person], actor=actor, now=now,
                         how=AssignedHow.dispatched, replace=True, tell_removed=False)
    for work_order in {m.work_order.id: m.work_order for m in moves}.values():
        await schedule_task_reminders(session, work_order, now, rules)
        await schedule_material_check(session, work_order, now)


# --- reading a plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    line: DispatchLine
    work_order: str
    seq: int
    operation: str
    operation_code: str
    person: Person | None


async def rows_of(session: AsyncSession, plan: DispatchPlan) -> list[Row]:
    """The plan's lines with what people read in them, by queue then position."""
    found = (await session.execute(
        select(DispatchLine, WorkOrder.code, OperationTask.seq, Operation.name, Operation.code,
               Person)
        .join(OperationTask, OperationTask.id == DispatchLine.task_id)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .outerjoin(Person, Person.id == DispatchLine.person_id)
        .where(DispatchLine.plan_id == plan.id))).all()
    rows = [Row(*r) for r in found]
    rows.sort(key=lambda r: (r.line.workstation or r.operation_code, r.line.position))
    return rows
