"""A stopped line blocks the tasks it affects until the exception is resolved, and its time
counts as downtime.

Affected: the open tasks of the exception's work order, or (for a workstation) every open task
of an open work order whose operation runs there. A task blocked by two exceptions stays blocked
until both are resolved: each block is its own ExceptionBlock row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain import progress, webhooks
from domain.models import (
    OPEN_WORK_ORDER,
    ExceptionBlock,
    FloorException,
    Operation,
    OperationTask,
    TaskStatus,
    WorkOrder,
)


async def affected_tasks(session: AsyncSession, exception: FloorException) -> list[int]:
    query = (select(OperationTask.id)
             .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
             .where(WorkOrder.status.in_(OPEN_WORK_ORDER),
                    OperationTask.status != TaskStatus.done)
             .order_by(OperationTask.id))
    if exception.work_order_id is not None:
        query = query.where(OperationTask.work_order_id == exception.work_order_id)
    elif exception.workstation is not None:
        query = query.join(Operation, Operation.id == OperationTask.operation_id).where(
            Operation.workstation == exception.workstation)
    else:
        return []  # the line stopped, but nothing says which tasks: downtime only
    return list((await session.scalars(query)).all())


async def stop(session: AsyncSession, exception: FloorException, now: datetime) -> list[int]:
    """The line stopped (again): block the affected tasks; returns their ids."""
    exception.stopped_since = now
    task_ids = await affected_tasks(session, exception)
    for task_id in task_ids:
        block = await session.get(ExceptionBlock, (exception.id, task_id))
        if block is None:
            session.add(ExceptionBlock(exception_id=exception.id, task_id=task_id,
                                       blocked_at=now))
        else:  # blocked again after "not fixed"
            block.blocked_at, block.released_at = now, None
    if task_ids:
        # The version bump makes a report that read the task before the block retry and see it.
        await session.execute(
            update(OperationTask).where(OperationTask.id.in_(task_ids))
            .values(status=TaskStatus.blocked, version=OperationTask.version + 1)
            .execution_options(synchronize_session="fetch"))
    await session.flush()
    return task_ids


async def restart(session: AsyncSession, exception: FloorException, now: datetime) -> list[int]:
    """The line runs again: count the downtime and release this exception's blocks. Returns the
    ids of tasks that are free now (not those another exception still blocks)."""
    if exception.stopped_since is not None:
        exception.downtime_seconds += max(0, int((now - exception.stopped_since).total_seconds()))
        exception.stopped_since = None
    released = list((await session.scalars(
        select(ExceptionBlock.task_id).where(ExceptionBlock.exception_id == exception.id,
                                             ExceptionBlock.released_at.is_(None)))).all())
    if not released:
        return []
    await session.execute(
        update(ExceptionBlock)
        .where(ExceptionBlock.exception_id == exception.id, ExceptionBlock.released_at.is_(None))
        .values(released_at=now).execution_options(synchronize_session="fetch"))
    still_blocked = set((await session.scalars(
        select(ExceptionBlock.task_id).where(ExceptionBlock.task_id.in_(released),
                                             ExceptionBlock.released_at.is_(None)))).all())
    free = [task_id for task_id in released if task_id not in still_blocked]
    await _unblock(session, free, now)
    return free


async def _unblock(session: AsyncSession, task_ids: list[int], now: datetime) -> None:
    """Give the tasks back the status their quantities say (refresh keeps `blocked`, so the
    mark comes off first)."""
    if not task_ids:
        return
    work_orders = (await session.scalars(
        select(WorkOrder).where(WorkOrder.id.in_(
            select(OperationTask.work_order_id).where(OperationTask.id.in_(task_ids))))
        .options(selectinload(WorkOrder.tasks)).execution_options(populate_existing=True)
    )).all()
    for work_order in work_orders:
        for task in work_order.tasks:
            if task.id in task_ids and task.status == TaskStatus.blocked:
                task.status = TaskStatus.waiting
                task.version = task.version + 1
        progress.refresh(work_order, work_order.tasks, now)
        await webhooks.work_order_done(session, work_order)  # QC finished it while it stood
    await session.flush()
