"""Changes to a work order: quantity, due date, hold, resume, cancel (a planner in chat) and
quantity, due date, priority (the workbook). Each reaches the people it touches (domain/changes).

Rules:
- Quantity and due date change on an open work order (draft, released, in progress, on hold).
  The quantity is every task's planned quantity; it may not go below what any operation has
  already dealt with (good, scrap, waiting for QC, at rework: the import's rule too), and the
  task and work-order states follow from the quantities again. A due date is today or later.
- Hold: from draft, released or in progress. Reports are refused and task reminders wait while
  a work order is on hold (domain/reporting.py, domain/task_reminders.py).
- Resume: back to where the hold found it (released / in progress follow from the quantities).
- Cancel: from any open state. Open report cards are dropped, the tasks' reminders stop;
  reports are never deleted.
- A chat change is previewed (who will be told) and applied only if the work order is still at
  the version the preview showed: two confirmations apply one change. Every change is audited.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from domain import audit, changes, live_status, progress, task_reminders, webhooks
from domain.changes import Line
from domain.db import rows_changed
from domain.errors import DomainError
from domain.flow import processed
from domain.models import (
    OPEN_WORK_ORDER,
    ChangeKind,
    OperationTask,
    Person,
    PlanChange,
    Reminder,
    ReminderStatus,
    WorkOrder,
    WorkOrderStatus,
)
from domain.payload import normalize_text, parse_typed_code
from domain.periods import local_date
from domain.quantities import ConcurrentChange
from domain.reporting import MAX_QUANTITY
from domain.rules import rules_of

QUANTITY_WORDS = frozenset({"qty", "quantity", "q", "数量", "数"})
DUE_WORDS = frozenset({"due", "date", "duedate", "交期", "交货期", "日期"})
HOLDABLE = (WorkOrderStatus.draft, WorkOrderStatus.released, WorkOrderStatus.in_progress)
_DATE = re.compile(r"(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})")


@dataclass(frozen=True)
class Request:
    """What a planner asked for, parsed: a kind (ChangeKind), the work order, a value."""

    kind: str
    code: str
    value: int | str | None = None  # quantity, or the due date as ISO text
    note: str = ""


@dataclass(frozen=True)
class Preview:
    """What confirming would do: the change, and who would be told (name, code)."""

    request: Request
    version: int
    old: Any
    new: Any
    people: tuple[tuple[str, str], ...]
    lines: tuple[Line, ...]  # the change as the work order's lines (and its reason)


# --- reading what was typed -----------------------------------------------------------------


def _code(text: str) -> str:
    code = parse_typed_code(text)
    if code is None or code.operation_seq is not None:
        raise DomainError("change.bad_code", text=text)
    return code.work_order


def parse_change(args: Sequence[str], today: date) -> Request:
    """`/change WO-000123 qty 300`, `/change WO-000123 due 2026-11-30` (or `11-30`: the next
    such day from today)."""
    if len(args) != 3:
        raise DomainError("change.usage")
    code, what, value = _code(args[0]), normalize_text(args[1]).casefold(), args[2]
    if what in QUANTITY_WORDS:
        if not value.isdigit() or not 0 < int(value) <= MAX_QUANTITY:
            raise DomainError("change.bad_quantity", text=value, limit=MAX_QUANTITY)
        return Request(ChangeKind.quantity, code, int(value))
    if what in DUE_WORDS:
        return Request(ChangeKind.due_date, code, parse_due(value, today).isoformat())
    raise DomainError("change.usage")


def parse_due(text: str, today: date) -> date:
    match = _DATE.fullmatch(normalize_text(text))
    try:
        if match is None:
            raise ValueError(text)
        year, month, day = match[1], int(match[2]), int(match[3])
        if year:
            return date(int(year), month, day)
        due = date(today.year, month, day)
        return due if due >= today else date(today.year + 1, month, day)
    except ValueError:
        raise DomainError("change.bad_date", text=text) from None


def parse_state(kind: str, args: Sequence[str]) -> Request:
    """`/hold WO-000123 [reason]`, `/resume WO-000123`, `/cancel WO-000123 [reason]`."""
    if not args:
        raise DomainError("change.usage_state", command=kind)
    return Request(kind, _code(args[0]), None, " ".join(args[1:]).strip()[:200])


# --- previewing and applying ------------------------------------------------------------------


async def preview(session: AsyncSession, request: Request, now: datetime) -> Preview:
    """Check the change and find who it would reach, changing nothing (it is tried in a
    savepoint that is rolled back)."""
    work_order = await _work_order(session, request.code)
    tasks = await _tasks(session, work_order)
    version = work_order.version
    savepoint = await session.begin_nested()
    try:
        done = await _change(session, work_order, tasks, request, version, now)
        affected, summary = await _affected(session, work_order, done, request.note, now)
        people = tuple(sorted(((p.name, p.code) for p in affected if p.telegram_user_id),
                              key=lambda p: p[1]))  # those who can be told
    finally:
        await savepoint.rollback()
        for item in (work_order, *tasks):  # as they are again (no lazy load left behind)
            await session.refresh(item)
    return Preview(request, version, done.old, done.new, people, tuple(summary))


async def apply(session: AsyncSession, actor: Person, request: Request, *, version: int,
                key: str, now: datetime) -> PlanChange | None:
    """Make the change (if the work order is still at `version`) and announce it to the people
    it touches. None when `key` was applied before (a redelivery)."""
    if await session.scalar(select(PlanChange.id).where(PlanChange.key == key)) is not None:
        return None
    work_order = await _work_order(session, request.code)
    tasks = await _tasks(session, work_order)
    done = await _change(session, work_order, tasks, request, version, now)
    affected, _ = await _affected(session, work_order, done, request.note, now)
    audit.record(session, "work_order.changed", actor_person_id=actor.id, entity="work_order",
                 entity_id=work_order.id, code=work_order.code, kind=request.kind,
                 old=done.old, new=done.new, note=request.note)
    return await changes.announce(session, kind=request.kind, work_order=work_order, key=key,
                                  actor=actor, detail=done.detail, affected=affected, now=now)


async def imported(session: AsyncSession, work_order: WorkOrder, tasks: list[OperationTask],
                   changed: dict[str, list[Any]], *, actor_person_id: int | None,
                   now: datetime) -> PlanChange | None:
    """The workbook changed this work order (`changed`: {field: [old, new]} of quantity,
    due_date, priority, already set on it): replan its tasks and tell the people it touches.

    The key is the work order's version and the new values, so the same import run again
    announces nothing, while a later change back and forth is a new change."""
    version = work_order.version
    if "quantity" in changed:
        await _replan(session, work_order, tasks, now)
    if "due_date" in changed:
        await task_reminders.schedule_task_reminders(session, work_order, now, rules_of(session))
    fields = tuple((name if name != "due_date" else ChangeKind.due_date, old, new)
                   for name, (old, new) in changed.items()
                   if name in ("quantity", "due_date", "priority"))
    if not fields:
        return None
    done = _Done(fields, fields[0][1], fields[0][2], {k: [o, n] for k, o, n in fields})
    affected, _ = await _affected(session, work_order, done, "", now)
    content = json.dumps({k: n for k, _, n in fields}, default=str, sort_keys=True)
    key = (f"import:{work_order.code}:v{version}:"
           f"{hashlib.sha256(content.encode()).hexdigest()[:16]}")
    actor = await session.get(Person, actor_person_id) if actor_person_id else None
    kind = fields[0][0] if len(fields) == 1 else ChangeKind.replan
    return await changes.announce(session, kind=kind, work_order=work_order, key=key,
                                  actor=actor, detail=done.detail, affected=affected, now=now)


# --- the changes themselves -------------------------------------------------------------------


@dataclass(frozen=True)
class _Done:
    fields: tuple[tuple[str, Any, Any], ...]  # (what, old, new): what the lines tell
    old: Any
    new: Any
    detail: dict[str, Any]


async def _work_order(session: AsyncSession, code: str) -> WorkOrder:
    work_order = await session.scalar(select(WorkOrder).where(WorkOrder.code == code))
    if work_order is None:
        raise DomainError("report.unknown_work_order", work_order=code)
    return work_order


async def _tasks(session: AsyncSession, work_order: WorkOrder) -> list[OperationTask]:
    return list((await session.scalars(
        select(OperationTask).where(OperationTask.work_order_id == work_order.id)
        .options(joinedload(OperationTask.operation)).order_by(OperationTask.seq))).all())


def reported(tasks: Sequence[OperationTask]) -> int:
    """The fewest pieces a work order may be planned for: what its busiest operation has
    already dealt with."""
    return max((processed(t) for t in tasks), default=0)


async def _change(session: AsyncSession, work_order: WorkOrder, tasks: list[OperationTask],
                  request: Request, version: int, now: datetime) -> _Done:
    code, status, kind = work_order.code, work_order.status, request.kind
    if kind in (ChangeKind.quantity, ChangeKind.due_date) and status not in OPEN_WORK_ORDER:
        raise DomainError("change.closed", work_order=code, status=status)
    if kind == ChangeKind.quantity:
        new = int(request.value)  # type: ignore[arg-type]
        old = work_order.quantity
        if new == old:
            raise DomainError("change.same", work_order=code)
        if new < reported(tasks):
            raise DomainError("change.below_reported", work_order=code, quantity=new,
                              reported=reported(tasks))
        await _set(session, work_order, OPEN_WORK_ORDER, version, quantity=new)
        await _replan(session, work_order, tasks, now)
        return _Done(((kind, old, new),), old, new, {"quantity": [old, new]})
    if kind == ChangeKind.due_date:
        due = date.fromisoformat(str(request.value))
        old_due = work_order.due_date
        if due == old_due:
            raise DomainError("change.same", work_order=code)
        if due < local_date(now, ZoneInfo(rules_of(session).timezone)):
            raise DomainError("change.due_in_past", due=due.isoformat())
        await _set(session, work_order, OPEN_WORK_ORDER, version, due_date=due)
        await task_reminders.schedule_task_reminders(session, work_order, now, rules_of(session))
        return _Done(((kind, old_due, due),), old_due.isoformat(), due.isoformat(),
                     {"due_date": [old_due.isoformat(), due.isoformat()]})
    if kind == ChangeKind.hold:
        if status not in HOLDABLE:
            raise DomainError("change.cannot_hold", work_order=code, status=status)
        await _set(session, work_order, HOLDABLE, version, status=WorkOrderStatus.on_hold)
    elif kind == ChangeKind.resume:
        if status != WorkOrderStatus.on_hold:
            raise DomainError("change.not_on_hold", work_order=code, status=status)
        back = await _held_from(session, work_order)
        await _set(session, work_order, (WorkOrderStatus.on_hold,), version, status=back)
        if back != WorkOrderStatus.draft:
            progress.refresh(work_order, tasks, now)  # released or in progress, as reported
            await webhooks.work_order_done(session, work_order)  # done while it was held
    elif kind == ChangeKind.cancel:
        if status not in OPEN_WORK_ORDER:
            raise DomainError("change.cannot_cancel", work_order=code, status=status)
        await _set(session, work_order, OPEN_WORK_ORDER, version,
                   status=WorkOrderStatus.cancelled)
        await _stop_task_reminders(session, tasks, now)
    else:
        raise DomainError("change.usage")
    await live_status.touch(session, work_order, now)
    return _Done(((kind, status, work_order.status),), status, work_order.status,
                 {"from": status, "to": work_order.status, "note": request.note})


async def _set(session: AsyncSession, work_order: WorkOrder, states: Sequence[str],
               version: int, **values: Any) -> None:
    """Change the work order only if it is still in one of `states` and at `version`."""
    done = await rows_changed(session,
        update(WorkOrder)
        .where(WorkOrder.id == work_order.id, WorkOrder.status.in_(states),
               WorkOrder.version == version)
        .values(**values).execution_options(synchronize_session=False))
    if done != 1:
        raise DomainError("change.changed_meanwhile", work_order=work_order.code)
    for name, value in values.items():
        set_committed_value(work_order, name, value)


async def _replan(session: AsyncSession, work_order: WorkOrder, tasks: list[OperationTask],
                  now: datetime) -> None:
    """The work order's quantity becomes every task's plan; the states follow again."""
    for task in tasks:
        if task.planned_qty == work_order.quantity:
            continue
        done = await rows_changed(session,
            update(OperationTask)
            .where(OperationTask.id == task.id, OperationTask.version == task.version)
            .values(planned_qty=work_order.quantity, version=OperationTask.version + 1)
            .execution_options(synchronize_session=False))
        if done != 1:
            raise ConcurrentChange(task.id)  # a report meanwhile: the update is retried
        set_committed_value(task, "planned_qty", work_order.quantity)
        set_committed_value(task, "version", task.version + 1)
    progress.refresh(work_order, tasks, now)
    await live_status.touch(session, work_order, now)
    await webhooks.work_order_done(session, work_order)


async def _held_from(session: AsyncSession, work_order: WorkOrder) -> str:
    """The state the last hold found the work order in (released when unknown)."""
    detail = await session.scalar(
        select(PlanChange.detail)
        .where(PlanChange.work_order_id == work_order.id, PlanChange.kind == ChangeKind.hold)
        .order_by(PlanChange.id.desc()).limit(1))
    held = json.loads(detail or "{}").get("from")
    return held if held in HOLDABLE else WorkOrderStatus.released


async def _stop_task_reminders(session: AsyncSession, tasks: list[OperationTask],
                               now: datetime) -> None:
    await session.execute(
        update(Reminder)
        .where(Reminder.entity == task_reminders.TASK,
               Reminder.entity_id.in_([t.id for t in tasks]),
               Reminder.status == ReminderStatus.active)
        .values(status=ReminderStatus.stopped, finished_at=now))


# --- what each person is told ----------------------------------------------------------------


async def _affected(session: AsyncSession, work_order: WorkOrder, done: _Done, note: str,
                    now: datetime) -> tuple[dict[Person, list[Line]], list[Line]]:
    """Each touched person's lines, and the change as the work order's lines."""
    today = local_date(now, ZoneInfo(rules_of(session).timezone))

    def values(what: str, old: Any, new: Any) -> dict[str, Any]:
        if what in (ChangeKind.hold, ChangeKind.resume, ChangeKind.cancel):
            return {}
        if what == ChangeKind.due_date:
            return {"old": _day(old, today), "new": _day(new, today)}
        return {"old": old, "new": new}

    def task_lines(task: OperationTask) -> list[Line]:
        return [(f"change.task.{what}", {**changes.task_params(work_order, task),
                                         **values(what, old, new)})
                for what, old, new in done.fields]

    summary = [(f"change.work_order.{what}", {"work_order": work_order.code,
                                              **values(what, old, new)})
               for what, old, new in done.fields]
    affected = await changes.audience(session, work_order, task_lines, summary)
    if note:
        for lines in (*affected.values(), summary):
            lines.append(("change.note", {"note": note}))
    return affected, summary


def _day(value: date | str, today: date) -> str:
    """A due date as people read it: 11-30, with the year when it is not this year's."""
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return f"{day:%m-%d}" if day.year == today.year else day.isoformat()
