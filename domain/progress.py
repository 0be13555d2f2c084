"""Task and work-order states follow from the quantities: one pure function decides them."""

from __future__ import annotations

from datetime import datetime

from domain.flow import arrived, processed
from domain.models import OperationTask, TaskStatus, WorkOrder, WorkOrderStatus


def refresh(work_order: WorkOrder, tasks: list[OperationTask], now: datetime) -> None:
    """Recompute every task's status, then the work order's, after quantities changed.

    A task is ready once pieces have reached it, in progress once it reported any, and done when
    it dealt with everything its predecessor will ever pass on. Blocked stays blocked: only
    resolving the exception that blocked it releases it.
    """
    previous: OperationTask | None = None
    for task in tasks:
        if task.status != TaskStatus.blocked:
            task.status = _task_status(task, previous)
            if task.status == TaskStatus.done and task.done_at is None:
                task.done_at = now
            elif task.status != TaskStatus.done:
                task.done_at = None
            if processed(task) > 0 and task.started_at is None:
                task.started_at = now
        previous = task

    if work_order.status not in (WorkOrderStatus.released, WorkOrderStatus.in_progress,
                                 WorkOrderStatus.done):
        return
    if tasks and all(t.status == TaskStatus.done for t in tasks):
        work_order.status = WorkOrderStatus.done
        work_order.done_at = work_order.done_at or now
    elif any(processed(t) > 0 for t in tasks):
        work_order.status = WorkOrderStatus.in_progress
        work_order.done_at = None
    else:
        work_order.status = WorkOrderStatus.released
        work_order.done_at = None


def _task_status(task: OperationTask, previous: OperationTask | None) -> TaskStatus:
    incoming = arrived(task, previous)
    previous_finished = previous is None or previous.status == TaskStatus.done
    if (previous_finished and processed(task) >= incoming and task.pending_qc_qty == 0
            and task.rework_qty == 0):
        return TaskStatus.done
    if processed(task) > 0:
        return TaskStatus.in_progress
    return TaskStatus.ready if incoming > 0 else TaskStatus.waiting
