"""Task on-time rate 任务准时率: tasks done by their due time / tasks due in the period.

A task's due time is its `planned_end` when planning set one, else the end of its work order's
due date (local midnight after it). A task is due in the period when that time falls in
(start, end] of the period: a due time at local midnight belongs to the day it ends, so a task
due on 11-21 is due on that day. Tasks of cancelled work orders do not count.

On time: done (`done_at`) no later than the due time. Late: done after it, or not done while
its due time has passed. A task not done whose due time is still ahead counts neither way yet.

value = on time / (on time + late), in percent; numerator = on time, denominator = on time +
late. Scopes: team and worker by the task's assignees (a task nobody was assigned to belongs to
the workers who reported on it), operation and product by the task.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kpis.figures import Kpi, Scope, share
from domain.kpis.localtime import Span
from domain.kpis.scoping import narrow, people_in
from domain.models import (
    OperationTask,
    ReportStatus,
    TaskAssignee,
    WorkOrder,
    WorkOrderStatus,
    WorkReport,
)
from domain.periods import local_midnight

NAME = "task_on_time"


def belongs_to(scope: Scope) -> ColumnElement[bool]:
    """The task is the scope's people's: assigned to one of them, or, assigned to nobody,
    reported on by one of them."""
    people = people_in(scope)
    assigned = exists().where(TaskAssignee.task_id == OperationTask.id,
                              TaskAssignee.person_id.in_(people))
    anyone_assigned = exists().where(TaskAssignee.task_id == OperationTask.id)
    reported = exists().where(WorkReport.task_id == OperationTask.id,
                              WorkReport.person_id.in_(people),
                              WorkReport.status != ReportStatus.voided)
    return or_(assigned, and_(not_(anyone_assigned), reported))


async def task_on_time(session: AsyncSession, span: Span, scope: Scope) -> Kpi:
    if scope.kind in ("team", "worker"):
        where = [belongs_to(scope)]
    else:
        where = narrow(scope, operation=OperationTask.operation_id,
                       work_order=OperationTask.work_order_id) or []
    columns = (OperationTask.planned_end, OperationTask.done_at, WorkOrder.due_date)
    counted = WorkOrder.status != WorkOrderStatus.cancelled
    # Two lookups, each on its own index: tasks planned to end in the period, and the tasks of
    # the work orders due in it (those without a planned end are due with their work order).
    planned = (await session.execute(
        select(*columns).join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .where(OperationTask.planned_end > span.start, OperationTask.planned_end <= span.end,
               counted, *where))).all()
    unplanned = [row for row in (await session.execute(
        select(*columns).select_from(WorkOrder)
        .join(OperationTask, OperationTask.work_order_id == WorkOrder.id)
        .where(WorkOrder.due_date.between(span.period.start, span.period.end), counted,
               *where))).all() if row.planned_end is None]
    on_time = late = 0
    for planned_end, done_at, due_date in (*planned, *unplanned):
        due = planned_end or local_midnight(due_date + timedelta(days=1), span.zone)
        if done_at is not None and done_at <= due:
            on_time += 1
        elif done_at is not None or due < span.now:
            late += 1
    return share(NAME, on_time, on_time + late)
