"""Reminders the clock drives: tasks not started or not done in time, and shifts ending with
scanned but unreported work (报工及时率).

- `task_not_started`: a task with a planned start that nobody started by then. Its people (the
  assignees, else the active workers skilled in the operation) are told, then the ladder goes
  on (default: the supervisor after 30 minutes). While the task cannot be started (no pieces
  yet, work order on hold, line stopped) the reminder waits and looks again.
- `task_overdue`: a task not done by its due time: its planned end, else the end of its work
  order's due date in factory time. Same people; default ladder: assignees, supervisor after 1 h,
  manager after 4 h.
- `shift_unreported`: shortly before a shift ends (`shift_report_lead_minutes`), the workers of
  that shift who scanned a card during it (an open task card) but did not report get their cards
  back with a button each; at the shift's end the supervisors get the list. One reminder per
  shift occurrence, created up to a day ahead by `plan_ahead`.

A task's due time is part of its fact: a replanned task is a new fact with its own reminder,
and the old one stops by itself. Every reminder stops as soon as its fact is gone (the task
started or done, the work order closed or cancelled, the card reported or dropped).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import reminders, shifts
from domain.factory_settings import load_settings
from domain.models import (
    DraftStatus,
    Operation,
    OperationTask,
    Person,
    Reminder,
    ReportDraft,
    Role,
    Shift,
    TaskAssignee,
    TaskStatus,
    WorkOrder,
    WorkOrderStatus,
)
from domain.notifications import Button, Notice
from domain.reminders import Follow, rules_of, scratch, step_target
from domain.rules import FactoryRules

TASK_NOT_STARTED = "task_not_started"
TASK_OVERDUE = "task_overdue"
SHIFT_UNREPORTED = "shift_unreported"
TASK = "operation_task"
SHIFT = "shift"

# Work orders whose tasks are followed (on hold: followed, but nobody is pinged meanwhile).
LIVE_WORK_ORDER = (WorkOrderStatus.released, WorkOrderStatus.in_progress,
                   WorkOrderStatus.on_hold)
# While a task cannot be worked on, its reminder looks again this often.
RECHECK = timedelta(minutes=10)
# How far ahead the shift reminders are created.
SHIFT_HORIZON = timedelta(hours=24)


# --- tasks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    task: OperationTask
    work_order: WorkOrder
    operation: Operation


def task_due(task: OperationTask, work_order: WorkOrder, rules: FactoryRules) -> datetime:
    """When a task must be done: its planned end, else the end of its work order's due date."""
    if task.planned_end is not None:
        return task.planned_end
    return work_order_due(work_order, rules)


def work_order_due(work_order: WorkOrder, rules: FactoryRules) -> datetime:
    """The end of the work order's due date (midnight after it) in factory time."""
    midnight = datetime.combine(work_order.due_date + timedelta(days=1), time(),
                                tzinfo=ZoneInfo(rules.timezone))
    return midnight.astimezone(UTC)


def _fact_time(task: OperationTask, work_order: WorkOrder, kind: str,
               rules: FactoryRules) -> datetime | None:
    return task.planned_start if kind == TASK_NOT_STARTED else task_due(task, work_order, rules)


def _fact_key(kind: str, task_id: int, at: datetime) -> str:
    # The time is part of the fact: a replanned task is followed afresh.
    return f"{kind}:{task_id}:{at.astimezone(UTC):%Y%m%dT%H%MZ}"


async def _load_task(session: AsyncSession, task_id: int) -> _Task | None:
    """The task with its work order and operation, loaded once per reminder handled."""
    memo = scratch(session)
    if ("task", task_id) not in memo:
        row = (await session.execute(
            select(OperationTask, WorkOrder, Operation)
            .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
            .join(Operation, Operation.id == OperationTask.operation_id)
            .where(OperationTask.id == task_id))).first()
        memo["task", task_id] = _Task(*row) if row else None
    return memo["task", task_id]  # type: ignore[no-any-return]


async def _current(session: AsyncSession, reminder: Reminder) -> _Task | None:
    """The task, if the reminder's fact still describes it (same due time, work order live)."""
    found = await _load_task(session, reminder.entity_id)
    if found is None or found.work_order.status not in LIVE_WORK_ORDER:
        return None
    at = _fact_time(found.task, found.work_order, reminder.kind, rules_of(session))
    if at is None or _fact_key(reminder.kind, found.task.id, at) != reminder.fact_key:
        return None  # replanned: the new time has its own reminder
    return found


async def task_people(session: AsyncSession, task: OperationTask,
                      operation: Operation) -> list[Person]:
    """Who works this task: its assignees, else the active workers skilled in the operation."""
    memo = scratch(session)
    if ("people", task.id) not in memo:
        memo["people", task.id] = await _task_people(session, task, operation)
    return memo["people", task.id]  # type: ignore[no-any-return]


async def _task_people(session: AsyncSession, task: OperationTask,
                       operation: Operation) -> list[Person]:
    assigned = (await session.scalars(
        select(Person).join(TaskAssignee, TaskAssignee.person_id == Person.id)
        .where(TaskAssignee.task_id == task.id, Person.active.is_(True))
        .order_by(Person.code))).all()
    if assigned:
        return list(assigned)
    workers = (await session.scalars(
        select(Person).where(Person.role == Role.worker, Person.active.is_(True),
                             Person.skills_text.contains(operation.code))
        .order_by(Person.code))).all()
    return [w for w in workers if operation.code in w.skills]


async def _not_started(session: AsyncSession, reminder: Reminder) -> bool:
    found = await _current(session, reminder)
    return (found is not None and found.task.started_at is None
            and found.task.status != TaskStatus.done)


async def _not_done(session: AsyncSession, reminder: Reminder) -> bool:
    found = await _current(session, reminder)
    return found is not None and found.task.status != TaskStatus.done


async def _until_startable(session: AsyncSession, reminder: Reminder,
                           now: datetime) -> datetime | None:
    found = await _load_task(session, reminder.entity_id)
    if found is None:
        return None
    stuck = (found.work_order.status == WorkOrderStatus.on_hold
             or found.task.status in (TaskStatus.waiting, TaskStatus.blocked))
    return now + RECHECK if stuck else None


async def _until_workable(session: AsyncSession, reminder: Reminder,
                          now: datetime) -> datetime | None:
    found = await _load_task(session, reminder.entity_id)
    if found is None:
        return None
    stuck = (found.work_order.status == WorkOrderStatus.on_hold
             or found.task.status == TaskStatus.blocked)
    return now + RECHECK if stuck else None


async def _task_recipients(session: AsyncSession, reminder: Reminder,
                           target: str) -> list[Person] | None:
    if target != "assignee":
        return None
    found = await _load_task(session, reminder.entity_id)
    return await task_people(session, found.task, found.operation) if found else []


async def _task_team(session: AsyncSession, reminder: Reminder) -> str | None:
    """The team most of the task's people belong to: its supervisors are asked first."""
    found = await _load_task(session, reminder.entity_id)
    if found is None:
        return None
    teams = Counter(p.team for p in await task_people(session, found.task, found.operation)
                    if p.team)
    return teams.most_common(1)[0][0] if teams else None


async def _task_notice(session: AsyncSession, reminder: Reminder, step: int, caught_up: int,
                       key: str, **params: object) -> Notice:
    found = await _load_task(session, reminder.entity_id)
    assert found is not None  # still_holds just saw it
    task = found.task
    lines: list[tuple[str, dict[str, object]]] = []
    buttons: list[list[Button]] = []
    if await step_target(session, reminder, step) == "assignee":
        buttons = [[Button("reminder.btn_report", f"t:{task.id}")]]
    else:  # an escalation: say whose task it is
        names = [p.name for p in await task_people(session, task, found.operation)]
        if names:
            lines.append(("reminder.task_people", {"names": "、".join(names)}))
    if caught_up:
        lines.append(("reminder.caught_up", {"count": caught_up}))
    return Notice(key, {"work_order": found.work_order.code, "seq": task.seq,
                        "operation": found.operation.name, "good": task.good_qty,
                        "planned": task.planned_qty, **params},
                  buttons=buttons, lines=lines)


async def _not_started_notice(session: AsyncSession, reminder: Reminder, step: int,
                              caught_up: int) -> Notice:
    found = await _load_task(session, reminder.entity_id)
    return await _task_notice(session, reminder, step, caught_up, "reminder.task_not_started",
                              planned_at=found.task.planned_start if found else None)


async def _overdue_notice(session: AsyncSession, reminder: Reminder, step: int,
                          caught_up: int) -> Notice:
    found = await _load_task(session, reminder.entity_id)
    due = task_due(found.task, found.work_order, rules_of(session)) if found else None
    return await _task_notice(session, reminder, step, caught_up, "reminder.task_overdue",
                              due_at=due)


# --- scheduling tasks ----------------------------------------------------------------------


async def schedule_task_reminders(session: AsyncSession,
                                  task_or_work_order: OperationTask | WorkOrder,
                                  now: datetime, rules: FactoryRules) -> None:
    """Follow a task's (or each of a work order's tasks') planned start and due time.

    Idempotent; call it again after planning changed a task's times or the work order's due
    date: the new times are new facts, the reminders of the old ones stop by themselves.
    """
    if isinstance(task_or_work_order, WorkOrder):
        work_order = task_or_work_order
        tasks = list((await session.scalars(
            select(OperationTask).where(OperationTask.work_order_id == work_order.id)
            .order_by(OperationTask.seq))).all())
    else:
        tasks = [task_or_work_order]
        of_task = await session.get(WorkOrder, task_or_work_order.work_order_id)
        assert of_task is not None  # a task's work_order_id is a foreign key
        work_order = of_task
    for task in tasks:
        await _schedule(session, task, work_order, now, rules)


async def _schedule(session: AsyncSession, task: OperationTask, work_order: WorkOrder,
                    now: datetime, rules: FactoryRules) -> None:
    if task.status == TaskStatus.done or work_order.status not in LIVE_WORK_ORDER:
        return
    for kind in (TASK_NOT_STARTED, TASK_OVERDUE):
        at = _fact_time(task, work_order, kind, rules)
        if at is not None:
            await _follow_task(session, kind, task.id, at, now, rules)


async def _follow_task(session: AsyncSession, kind: str, task_id: int, at: datetime,
                       now: datetime, rules: FactoryRules) -> None:
    # A fact learnt late (a work order released past its due date, the first start after an
    # upgrade) climbs its ladder from now: its workers hear first, not the manager.
    await reminders.follow(session, kind=kind, fact_key=_fact_key(kind, task_id, at),
                           entity=TASK, entity_id=task_id, started_at=max(at, now), now=now,
                           rules=rules)


async def backfill_task_reminders(session: AsyncSession, now: datetime,
                                  rules: FactoryRules) -> int:
    """Follow every open task that is not followed for its current times; how many were."""
    rows = (await session.execute(
        select(OperationTask, WorkOrder)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .where(WorkOrder.status.in_(LIVE_WORK_ORDER), OperationTask.status != TaskStatus.done)
        .order_by(OperationTask.id))).all()
    followed = set((await session.scalars(
        select(Reminder.fact_key)
        .join(OperationTask, OperationTask.id == Reminder.entity_id)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .where(Reminder.entity == TASK, WorkOrder.status.in_(LIVE_WORK_ORDER),
               OperationTask.status != TaskStatus.done))).all())
    missing = 0
    for task, work_order in rows:
        for kind in (TASK_NOT_STARTED, TASK_OVERDUE):
            at = _fact_time(task, work_order, kind, rules)
            if at is not None and _fact_key(kind, task.id, at) not in followed:
                await _follow_task(session, kind, task.id, at, now, rules)
                missing += 1
    return missing


# --- shifts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unreported:
    person: Person
    task_id: int
    work_order: str
    seq: int
    operation: str


async def _occurrence(session: AsyncSession,
                      reminder: Reminder) -> tuple[shifts.Occurrence, list[shifts.ShiftSpec]] | None:
    row = await session.get(Shift, reminder.entity_id)
    if row is None:  # the calendar changed: this shift is gone
        return None
    day = date.fromisoformat(reminder.fact_key.rsplit(":", 1)[1])
    occurrence = shifts.occurrence_on(shifts.ShiftSpec.of(row), day, rules_of(session).timezone)
    return (occurrence, await shifts.load_shifts(session)) if occurrence else None


async def _unreported(session: AsyncSession, reminder: Reminder) -> list[_Unreported]:
    """Open task cards the shift's people opened during the shift and never reported."""
    memo = scratch(session)
    if ("unreported", reminder.id) not in memo:
        memo["unreported", reminder.id] = await _load_unreported(session, reminder)
    return memo["unreported", reminder.id]  # type: ignore[no-any-return]


async def _load_unreported(session: AsyncSession, reminder: Reminder) -> list[_Unreported]:
    found = await _occurrence(session, reminder)
    if found is None:
        return []
    occurrence, calendar = found
    rows = (await session.execute(
        select(Person, OperationTask.id, WorkOrder.code, OperationTask.seq, Operation.name)
        .join(ReportDraft, ReportDraft.person_id == Person.id)
        .join(OperationTask, OperationTask.id == ReportDraft.task_id)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .where(ReportDraft.status == DraftStatus.open, Person.active.is_(True),
               ReportDraft.created_at >= occurrence.start, ReportDraft.created_at < occurrence.end)
        .order_by(Person.code, ReportDraft.id))).all()
    return [_Unreported(*row) for row in rows
            if shifts.follows(occurrence.shift, row[0].team, calendar)]


async def _shift_has_unreported(session: AsyncSession, reminder: Reminder) -> bool:
    return bool(await _unreported(session, reminder))


async def _shift_recipients(session: AsyncSession, reminder: Reminder,
                            target: str) -> list[Person] | None:
    if target != "assignee":
        return None
    return [u.person for u in await _unreported(session, reminder)]


async def _shift_team(session: AsyncSession, reminder: Reminder) -> str | None:
    row = await session.get(Shift, reminder.entity_id)
    return row.team if row is not None and row.team != shifts.EVERYONE else None


def _shift_params(occurrence: shifts.Occurrence) -> dict[str, object]:
    return {"shift_name": occurrence.shift.name, "end_at": occurrence.end}


async def _shift_notice(session: AsyncSession, reminder: Reminder, step: int,
                        caught_up: int) -> Notice:
    """For supervisors: who has not reported what."""
    found = await _occurrence(session, reminder)
    assert found is not None  # still_holds just saw it
    items = await _unreported(session, reminder)
    lines: list[tuple[str, dict[str, object]]] = [
        ("reminder.unreported_person", {"name": u.person.name, "code": u.person.code,
                                        "work_order": u.work_order, "seq": u.seq,
                                        "operation": u.operation}) for u in items]
    if caught_up:
        lines.append(("reminder.caught_up", {"count": caught_up}))
    return Notice("reminder.shift_unreported_team",
                  {**_shift_params(found[0]), "count": len({u.person.id for u in items})},
                  lines=lines)


async def _shift_personal_notice(session: AsyncSession, reminder: Reminder, step: int,
                                 caught_up: int, person: Person) -> Notice | None:
    """For a worker: their own unreported cards, one button each to report it now."""
    mine = [u for u in await _unreported(session, reminder) if u.person.id == person.id]
    found = await _occurrence(session, reminder)
    if not mine or found is None:
        return None
    return Notice(
        "reminder.shift_unreported", _shift_params(found[0]),
        lines=[("reminder.unreported_card", {"work_order": u.work_order, "seq": u.seq,
                                             "operation": u.operation}) for u in mine]
        + [("reminder.unreported_hint", {})],
        buttons=[[Button("reminder.btn_report_card", f"t:{u.task_id}",
                         {"work_order": u.work_order, "seq": u.seq})] for u in mine])


async def schedule_shift_reminders(session: AsyncSession, now: datetime, rules: FactoryRules,
                                   horizon: timedelta = SHIFT_HORIZON) -> int:
    """Follow every shift ending within the horizon (idempotent); how many shifts that is."""
    calendar = await shifts.load_shifts(session)
    if not calendar:
        return 0
    lead = timedelta(minutes=(await load_settings(session)).shift_report_lead_minutes)
    upcoming = shifts.ending_between(calendar, now, now + horizon, rules.timezone)
    for occurrence in upcoming:
        shift = occurrence.shift
        await reminders.follow(
            session, kind=SHIFT_UNREPORTED, entity=SHIFT, entity_id=shift.id,
            fact_key=f"{SHIFT_UNREPORTED}:{shift.id}:{occurrence.day.isoformat()}",
            started_at=max(occurrence.end - lead, occurrence.start), now=now, rules=rules,
            match=shift.team)
    return len(upcoming)


async def plan_ahead(session: AsyncSession, now: datetime, rules: FactoryRules) -> None:
    """The periodic planning pass: the next day's shift reminders, and any task not followed."""
    await schedule_shift_reminders(session, now, rules)
    await backfill_task_reminders(session, now, rules)


reminders.register(TASK_NOT_STARTED, Follow(
    still_holds=_not_started, notice=_not_started_notice, recipients=_task_recipients,
    team=_task_team, not_before=_until_startable))
reminders.register(TASK_OVERDUE, Follow(
    still_holds=_not_done, notice=_overdue_notice, recipients=_task_recipients,
    team=_task_team, not_before=_until_workable))
# Timed inside the shift it is about, so it does not wait for anyone's next shift.
reminders.register(SHIFT_UNREPORTED, Follow(
    still_holds=_shift_has_unreported, notice=_shift_notice, recipients=_shift_recipients,
    team=_shift_team, personal_notice=_shift_personal_notice, respects_shifts=False))
