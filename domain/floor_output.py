"""Output and plan over a stretch of time, as the daily summary and the board both show them.

- Output: good pieces of first-time reports by `reported_at`: pieces waiting for QC count,
  pieces QC failed do not (accepted_qty), rework re-does pieces already counted, a voided
  report has nothing accepted.
- Plan: every task with `planned_start` ≤ `planned_end` (of a work order neither draft nor
  cancelled) contributes its `planned_qty` spread evenly over its planned window; a task planned
  as an instant counts whole where it falls. No such task → no plan (None, shown "–"), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.models import OperationTask, ReportStatus, WorkOrder, WorkOrderStatus, WorkReport


def first_time_good() -> Any:
    """SQL: a report's good pieces as output. Rework is left out here, not in WHERE: "rework_task_id
    IS NULL" would tempt SQLite into that index (nearly every row) instead of the time range."""
    return case((WorkReport.rework_task_id.is_not(None), 0),
                (WorkReport.status == ReportStatus.pending_qc, WorkReport.good_qty),
                else_=WorkReport.accepted_qty)


async def good_by_bucket(session: AsyncSession, edges: list[datetime]) -> list[int]:
    """Output per bucket [edges[i], edges[i+1]), in one pass over the reports in range."""
    bucket = case(*((WorkReport.reported_at < edge, n) for n, edge in enumerate(edges[1:-1])),
                  else_=len(edges) - 2)
    rows = (await session.execute(
        select(bucket, func.sum(first_time_good()))
        .where(WorkReport.reported_at >= edges[0], WorkReport.reported_at < edges[-1])
        .group_by(bucket))).all()
    found = [0] * (len(edges) - 1)
    for n, total in rows:
        found[int(n)] = int(total or 0)
    return found


def is_last_operation(task: Any) -> Any:
    """SQL: this task is its work order's last operation."""
    later = aliased(OperationTask)
    return ~select(later.id).where(later.work_order_id == task.work_order_id,
                                   later.seq > task.seq).exists()


@dataclass(frozen=True)
class PlannedTask:
    qty: int
    start: datetime
    end: datetime
    last: bool  # the work order's last operation: its pieces are finished goods


async def planned_tasks(session: AsyncSession, start: datetime, end: datetime,
                        task_ids: Any = None) -> list[PlannedTask]:
    """Tasks whose planned window meets [start, end): one that ended exactly as it opens does
    not, one planned as an instant does where it falls. `task_ids` (a SELECT of task ids)
    narrows it to some tasks, e.g. a team's."""
    query = (
        select(OperationTask.planned_qty, OperationTask.planned_start, OperationTask.planned_end,
               is_last_operation(OperationTask))
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .where(OperationTask.planned_start < end, OperationTask.planned_end >= start,
               or_(OperationTask.planned_end > start,
                   OperationTask.planned_start == OperationTask.planned_end),
               OperationTask.planned_start <= OperationTask.planned_end,
               WorkOrder.status.not_in((WorkOrderStatus.draft, WorkOrderStatus.cancelled))))
    if task_ids is not None:
        query = query.where(OperationTask.id.in_(task_ids))
    rows = (await session.execute(query)).all()
    return [PlannedTask(qty, lo, hi, bool(last)) for qty, lo, hi, last in rows]


def planned_pieces(tasks: list[PlannedTask], start: datetime, until: datetime) -> Decimal:
    """Planned pieces falling in [start, until)."""
    total = Decimal(0)
    for task in tasks:
        length = (task.end - task.start).total_seconds()
        if length <= 0:  # planned as an instant
            total += task.qty if start <= task.start < until else 0
            continue
        overlap = (min(task.end, until) - max(task.start, start)).total_seconds()
        if overlap > 0:
            total += Decimal(task.qty) * Decimal(overlap) / Decimal(length)
    return total


def whole(value: Decimal) -> int:
    """Half up to a whole number (pieces, percent)."""
    return int(value.quantize(Decimal("1"), ROUND_HALF_UP))
