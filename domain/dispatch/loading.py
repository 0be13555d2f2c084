"""What the heuristic plans, read from the database: open tasks, the people who can do them,
and each person's shift calendar.

Open tasks are those of released and in-progress work orders that are not done and still have
pieces to make (work on hold waits; pieces waiting for QC are not work to plan). A plan for a
team takes the team's active people, the tasks they hold, and the unassigned tasks one of them
is skilled in; a whole-floor plan takes everyone and every open task.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.dispatch.capacity import calendars
from domain.dispatch.heuristic import Job, Worker
from domain.flow import arrived, processed
from domain.models import (
    Operation,
    OperationTask,
    Person,
    Role,
    TaskAssignee,
    TaskStatus,
    WorkOrder,
    WorkOrderStatus,
)
from domain.rules import FactoryRules
from domain.shifts import load_shifts
from domain.task_reminders import work_order_due

PLANNED_WORK_ORDER = (WorkOrderStatus.released, WorkOrderStatus.in_progress)
# Plans start this long after they are made, on a whole minute: time to read the card and get
# to the station (a task planned to start "now" would be reminded as not started at once).
LEAD = timedelta(minutes=10)


@dataclass(frozen=True)
class TaskFacts:
    """What people see of a task in a plan, and its plan before this one."""

    task_id: int
    work_order_id: int
    work_order: str
    seq: int
    operation: str  # its name
    operation_code: str
    assignees: tuple[int, ...]  # every active person holding it now
    planned_start: datetime | None
    planned_end: datetime | None


@dataclass
class Floor:
    now: datetime  # when planning starts: the moment of asking plus the lead
    team: str | None  # None: the whole floor; "": the people without a team
    jobs: list[Job]
    workers: list[Worker]
    people: dict[int, Person]  # everyone a line or a current assignment can name
    facts: dict[int, TaskFacts]

    def pinned(self, pins: dict[int, int]) -> list[Job]:
        """The jobs with these tasks pinned to these people."""
        return [replace(j, pinned=pins[j.task_id]) if j.task_id in pins else j
                for j in self.jobs]

    def candidates(self, task_id: int) -> list[Person]:
        """Who could do this task in this plan: the workers of the plan skilled in it."""
        code = self.facts[task_id].operation_code
        return [self.people[w.id] for w in self.workers if code in w.skills]


def planning_start(now: datetime) -> datetime:
    start = now + LEAD
    return start if start == start.replace(second=0, microsecond=0) else (
        start.replace(second=0, microsecond=0) + timedelta(minutes=1))


def in_team(person: Person, team: str | None) -> bool:
    return team is None or (person.team or "") == team


def piece_seconds(std_minutes: Decimal) -> float:
    return float(std_minutes * 60)


async def load_floor(session: AsyncSession, *, team: str | None, now: datetime,
                     rules: FactoryRules) -> Floor:
    zone = ZoneInfo(rules.timezone)
    now = planning_start(now)
    rows = (await session.execute(
        select(OperationTask, WorkOrder, Operation)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .where(WorkOrder.status.in_(PLANNED_WORK_ORDER))
        .order_by(WorkOrder.id, OperationTask.seq))).all()
    open_ids = [t.id for t, _, _ in rows if t.status != TaskStatus.done]
    holders: dict[int, list[int]] = defaultdict(list)
    people: dict[int, Person] = {}
    for task_id, person in (await session.execute(
            select(TaskAssignee.task_id, Person)
            .join(Person, Person.id == TaskAssignee.person_id)
            .where(TaskAssignee.task_id.in_(open_ids), Person.active.is_(True))
            .order_by(Person.code))).all():
        holders[task_id].append(person.id)
        people[person.id] = person
    for person in (await session.scalars(
            select(Person).where(Person.active.is_(True), Person.role == Role.worker))).all():
        people[person.id] = person

    scope = {p.id for p in people.values() if in_team(p, team)}
    skills = {s for pid in scope for s in _skills(people[pid])}
    anyone = {s for p in people.values() for s in _skills(p)}  # the whole floor's
    calendar = calendars([people[pid].team for pid in scope], await load_shifts(session), zone,
                         now)
    workers = [Worker(pid, people[pid].code, frozenset(_skills(people[pid])),
                      calendar[people[pid].team])
               for pid in sorted(scope, key=lambda i: people[i].code)]

    facts: dict[int, TaskFacts] = {}
    tasks: dict[int, tuple[OperationTask, Operation]] = {}
    jobs: list[Job] = []
    before: OperationTask | None = None
    for task, work_order, operation in rows:
        if before is not None and before.work_order_id != task.work_order_id:
            before = None
        facts[task.id] = TaskFacts(task.id, work_order.id, work_order.code, task.seq,
                                   operation.name, operation.code, tuple(holders[task.id]),
                                   task.planned_start, task.planned_end)
        tasks[task.id] = task, operation
        job = _job(task, work_order, operation, before, holders[task.id], scope,
                   _ours(operation.code, team, skills, anyone), rules)
        if job is not None:
            jobs.append(job)
        before = task
    planned = {j.task_id for j in jobs}
    return Floor(now, team, [_upstream(j, planned, tasks) for j in jobs], workers, people,
                 facts)


def _skills(person: Person) -> frozenset[str]:
    # Only workers are offered unassigned work; anyone keeps the tasks they hold.
    return person.skills if person.role == Role.worker else frozenset()


def _ours(skill: str, team: str | None, skills: set[str], anyone: set[str]) -> bool:
    """Is an unassigned task of this skill this plan's? The whole floor's are; a team's are
    those its people can do, and those nobody at all can do (a problem every plan shows)."""
    return team is None or skill in skills or skill not in anyone


def _job(task: OperationTask, work_order: WorkOrder, operation: Operation,
         before: OperationTask | None, holders: list[int], scope: set[int], ours: bool,
         rules: FactoryRules) -> Job | None:
    left = task.planned_qty - processed(task)
    if task.status == TaskStatus.done or left <= 0:
        return None
    mine = tuple(p for p in holders if p in scope)
    if not mine and (holders or not ours):
        return None  # another team's task, or one only another team can do
    return Job(
        task_id=task.id, work_order_id=work_order.id, work_order=work_order.code, seq=task.seq,
        operation=operation.code, workstation=operation.workstation, quantity=left,
        piece_seconds=piece_seconds(operation.std_minutes), priority=work_order.priority,
        due=work_order_due(work_order, rules), assignees=mine,
        previous=before.id if before is not None and before.status != TaskStatus.done else None,
        ready=arrived(task, before) - processed(task) > 0)


def _upstream(job: Job, planned: set[int],
              tasks: dict[int, tuple[OperationTask, Operation]]) -> Job:
    """A previous operation planned outside this plan constrains it through its stored times."""
    if job.previous is None or job.previous in planned:
        return job
    before, operation = tasks[job.previous]
    if before.planned_start is None or before.planned_end is None:
        return job
    first = before.planned_start + timedelta(seconds=piece_seconds(operation.std_minutes))
    return replace(job, upstream=(first, before.planned_end))
