"""Work in progress by operation (WIP 在制品): where pieces wait right now.

Over the open work orders (draft, released, in progress, on hold), per operation code:
waiting = pieces that reached the operation and nobody dealt with yet (the flow rule,
domain/flow.py: the first operation receives the planned quantity, a later one what the
previous passed on), pending_qc = reported and waiting for an inspector, rework = sent back by
QC and not back yet. work_orders = the open work orders with any of those at the operation.
Operations with nothing waiting are left out; the list follows the routing order.

Scopes: operation (that code) and product (its work orders); team and worker keep the tasks
assigned to the team's people or to the worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.flow import arrived, processed
from domain.kpis.figures import Scope, WipRow
from domain.kpis.scoping import narrow, people_in
from domain.models import OPEN_WORK_ORDER, Operation, OperationTask, TaskAssignee, WorkOrder


@dataclass
class _Tally:
    name: str
    seq: int
    work_orders: set[int] = field(default_factory=set)
    waiting: int = 0
    pending_qc: int = 0
    rework: int = 0


async def wip_by_operation(session: AsyncSession, scope: Scope) -> list[WipRow]:
    rows = (await session.execute(
        select(OperationTask, Operation.code, Operation.name)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .where(WorkOrder.status.in_(OPEN_WORK_ORDER))
        .order_by(OperationTask.work_order_id, OperationTask.seq))).all()
    kept = await _kept_tasks(session, scope)
    tallies: dict[str, _Tally] = {}
    previous: OperationTask | None = None
    for task, code, name in rows:
        if previous is not None and previous.work_order_id != task.work_order_id:
            previous = None
        waiting = max(0, arrived(task, previous) - processed(task))
        previous = task
        if kept is not None and task.id not in kept:
            continue
        if not (waiting or task.pending_qc_qty or task.rework_qty):
            continue
        tally = tallies.setdefault(code, _Tally(name, task.seq))
        tally.seq = min(tally.seq, task.seq)
        tally.work_orders.add(task.work_order_id)
        tally.waiting += waiting
        tally.pending_qc += task.pending_qc_qty
        tally.rework += task.rework_qty
    ordered = sorted(tallies.items(), key=lambda item: (item[1].seq, item[0]))
    return [WipRow(code, t.name, len(t.work_orders), t.waiting, t.pending_qc, t.rework)
            for code, t in ordered]


async def _kept_tasks(session: AsyncSession, scope: Scope) -> set[int] | None:
    """The ids of the tasks the scope keeps; None for the whole factory."""
    if scope.kind == "factory":
        return None
    if scope.kind in ("team", "worker"):
        query = select(TaskAssignee.task_id).where(TaskAssignee.person_id.in_(people_in(scope)))
    else:
        where = narrow(scope, operation=OperationTask.operation_id,
                       work_order=OperationTask.work_order_id) or []
        query = (select(OperationTask.id)
                 .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
                 .where(WorkOrder.status.in_(OPEN_WORK_ORDER), *where))
    return set((await session.scalars(query)).all())
