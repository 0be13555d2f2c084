"""The status of every open work order: the one view the CLI and the bot both show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.flow import arrived, processed
from domain.models import OPEN_WORK_ORDER, Operation, OperationTask, Order, Product, WorkOrder
from domain.rework import Defect, rework_trace


@dataclass(frozen=True)
class OperationView:
    seq: int
    code: str
    name: str
    qc_checkpoint: bool
    planned: int
    arrived: int  # what reached this operation (the flow rule)
    good: int
    scrap: int
    pending_qc: int
    rework: int  # sent back by QC and not yet back (passed or scrapped)
    remaining: int  # arrived and not yet dealt with
    status: str


@dataclass(frozen=True)
class WorkOrderView:
    id: int
    code: str
    order_no: str
    customer: str
    product_code: str
    product_name: str
    quantity: int
    due_date: date
    priority: int
    status: str
    operations: tuple[OperationView, ...]  # empty while the work order is a draft
    # Scrap and rework with their worker, reason and inspector, oldest first.
    defects: tuple[Defect, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["due_date"] = self.due_date.isoformat()
        data["operations"] = [asdict(op) for op in self.operations]
        data["defects"] = [d.to_dict() for d in self.defects]
        return data


async def load_open_work_orders(session: AsyncSession) -> list[WorkOrderView]:
    """Every open work order, most urgent first (priority, due date, code)."""
    return await load_work_orders(session, statuses=OPEN_WORK_ORDER)


async def load_work_orders(
    session: AsyncSession, *, codes: Sequence[str] | None = None, order_no: str | None = None,
    statuses: Sequence[str] | None = None,
) -> list[WorkOrderView]:
    """Work orders by code, by order, or by status, most urgent first."""
    query = (select(WorkOrder, Order, Product)
             .join(Order, WorkOrder.order_id == Order.id)
             .join(Product, WorkOrder.product_id == Product.id)
             .order_by(WorkOrder.priority, WorkOrder.due_date, WorkOrder.code))
    if codes is not None:
        query = query.where(WorkOrder.code.in_(codes))
    if order_no is not None:
        query = query.where(Order.order_no == order_no)
    if statuses is not None:
        query = query.where(WorkOrder.status.in_(statuses))
    rows = (await session.execute(query)).all()

    tasks: dict[int, list[tuple[OperationTask, Operation]]] = defaultdict(list)
    for task, operation in (await session.execute(
            select(OperationTask, Operation)
            .join(Operation, OperationTask.operation_id == Operation.id)
            .where(OperationTask.work_order_id.in_([w.id for w, _, _ in rows]))
            .order_by(OperationTask.seq))).all():
        tasks[task.work_order_id].append((task, operation))
    defects: dict[str, list[Defect]] = defaultdict(list)
    for defect in await rework_trace(session, [w.id for w, _, _ in rows]):
        defects[defect.work_order].append(defect)

    return [
        WorkOrderView(
            id=work_order.id, code=work_order.code, order_no=order.order_no,
            customer=order.customer, product_code=product.code, product_name=product.name,
            quantity=work_order.quantity, due_date=work_order.due_date,
            priority=work_order.priority, status=work_order.status,
            operations=_operations(tasks[work_order.id]),
            defects=tuple(defects[work_order.code]),
        )
        for work_order, order, product in rows
    ]


def _operations(pairs: list[tuple[OperationTask, Operation]]) -> tuple[OperationView, ...]:
    views = []
    previous: OperationTask | None = None
    for task, operation in pairs:
        incoming = arrived(task, previous)
        views.append(OperationView(
            seq=task.seq, code=operation.code, name=operation.name,
            qc_checkpoint=operation.qc_checkpoint, planned=task.planned_qty, arrived=incoming,
            good=task.good_qty, scrap=task.scrap_qty, pending_qc=task.pending_qc_qty,
            rework=task.rework_qty, remaining=max(0, incoming - processed(task)), status=task.status,
        ))
        previous = task
    return tuple(views)
