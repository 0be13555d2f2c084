"""A task's quantities change here only: reports, QC decisions and rework all go through `apply`.

Every change is a conditional UPDATE on the task's version, so two writers that read the same
task cannot both apply on top of what they read: the second gets ConcurrentChange and its
whole update is retried from a fresh read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from domain import live_status, materials, partial_flow, progress, webhooks
from domain.db import rows_changed
from domain.errors import DomainError
from domain.models import OperationTask, TaskStatus, WorkOrder


class ConcurrentChange(Exception):
    """Someone changed the task between our read and our write; the caller retries."""


# A work order comes with its product and its tasks with their operations: everything a card
# shows, in two queries.
WHOLE = (joinedload(WorkOrder.product),
         selectinload(WorkOrder.tasks).joinedload(OperationTask.operation))


def _locked(query: Select[WorkOrder]) -> Select[WorkOrder]:
    """The work order with its tasks, its row locked for this transaction and read afresh.

    Everything that changes quantities reads the work order through here first. On PostgreSQL
    the row lock makes writers to one work order queue for it (in any process) instead of all
    reading the same version and all but one retrying; the version check in `apply` stays the
    guarantee. SQLite has one writer at a time anyway and ignores FOR UPDATE.
    """
    return (query.options(*WHOLE).with_for_update(of=WorkOrder)
            .execution_options(populate_existing=True))


async def work_order_by_code(session: AsyncSession, code: str) -> WorkOrder:
    work_order = await session.scalar(_locked(select(WorkOrder).where(WorkOrder.code == code)))
    if work_order is None:
        raise DomainError("report.unknown_work_order", work_order=code)
    return work_order


async def work_order_of_task(session: AsyncSession, task_id: int) -> tuple[WorkOrder, int]:
    """The task's work order (with every task) and the task's sequence in it."""
    task = await session.get(OperationTask, task_id)
    if task is None:
        raise DomainError("report.unknown_task")
    work_order = await session.scalar(_locked(select(WorkOrder)
                                              .where(WorkOrder.id == task.work_order_id)))
    assert work_order is not None
    return work_order, task.seq


def neighbours(tasks: list[OperationTask], seq: int) -> tuple[OperationTask | None, OperationTask,
                                                                 OperationTask | None]:
    index = next(i for i, t in enumerate(tasks) if t.seq == seq)
    previous = tasks[index - 1] if index > 0 else None
    following = tasks[index + 1] if index + 1 < len(tasks) else None
    return previous, tasks[index], following


_FIELDS = ("good_qty", "scrap_qty", "pending_qc_qty", "rework_qty")


async def apply(session: AsyncSession, work_order: WorkOrder, task: OperationTask, *,
                now: datetime, good: int = 0, scrap: int = 0, pending_qc: int = 0,
                rework: int = 0) -> None:
    """Add these amounts to the task (negative to take away), then recompute the states."""
    deltas = {name: amount for name, amount in zip(_FIELDS, (good, scrap, pending_qc, rework),
                                                   strict=True) if amount}
    changed = await rows_changed(session,
        update(OperationTask)
        .where(OperationTask.id == task.id, OperationTask.version == task.version)
        .values(version=OperationTask.version + 1,
                **{name: getattr(OperationTask, name) + amount
                   for name, amount in deltas.items()})
        .execution_options(synchronize_session=False)
    )
    if changed != 1:
        raise ConcurrentChange(task.id)
    # Mirror the committed change in memory without marking it dirty (no second UPDATE).
    for name, amount in deltas.items():
        set_committed_value(task, name, getattr(task, name) + amount)
    set_committed_value(task, "version", task.version + 1)
    # New pieces made (or unmade by a void); QC and rework only move pieces between fields.
    made = good + scrap + pending_qc + rework
    if made:
        await materials.consumed(session, work_order, task, made, now)
    waiting = {t.id for t in work_order.tasks if t.status == TaskStatus.waiting}
    progress.refresh(work_order, work_order.tasks, now)
    for following in work_order.tasks:
        if (following.id in waiting and following.status != TaskStatus.waiting
                and following.ready_notified_at is None):
            await partial_flow.first_pieces_arrived(session, work_order, following, now)
    await live_status.touch(session, work_order, now)
    await webhooks.work_order_done(session, work_order)
