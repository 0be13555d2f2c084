"""Travel cards from the database: the domain's work-order views, drawn by bot.labels.

A rework task (RW-000001) gets a card of its own, so its pieces travel with a code that reports
them as rework. Every card's codes carry the factory tag (domain/factory_settings.factory_tag)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.labels import Card, CardOperation
from domain import rework
from domain.errors import DomainError
from domain.factory_settings import factory_tag, load_settings
from domain.models import OperationTask, WorkOrder
from domain.status import WorkOrderView, load_work_orders


def card_of(view: WorkOrderView, factory: str | None = None) -> Card:
    return Card(
        work_order=view.code, order_no=view.order_no, customer=view.customer,
        product_code=view.product_code, product_name=view.product_name,
        quantity=view.quantity, due=view.due_date, priority=view.priority,
        operations=[CardOperation(op.seq, op.code, op.name, op.qc_checkpoint)
                    for op in view.operations],
        factory=factory,
    )


async def cards_for(session: AsyncSession, codes: list[str], order_no: str | None) -> list[Card]:
    """Cards for work orders and rework tasks by code, or for every work order of an order."""
    reworks = [c for c in codes if c.startswith("RW-")]
    work_orders = [c for c in codes if c not in reworks]
    cards: list[Card] = []
    factory = await factory_tag(session)
    if work_orders or order_no or not reworks:
        views = await load_work_orders(session, codes=work_orders or None, order_no=order_no)
        found = {v.code for v in views}
        missing = [c for c in work_orders if c not in found]
        if missing:
            raise DomainError("report.unknown_work_order", work_order=", ".join(missing))
        if not views:
            raise DomainError("labels.no_work_orders", order=order_no or "")
        cards = [card_of(v, factory) for v in views]
    return cards + [await rework_card(session, code) for code in reworks]


async def rework_card(session: AsyncSession, code: str) -> Card:
    """A rework task's card: its code, quantity and defect, and the operation to redo."""
    task = await rework.by_code(session, code)
    work_order_code = await session.scalar(
        select(WorkOrder.code).where(WorkOrder.id == task.work_order_id))
    seq = await session.scalar(select(OperationTask.seq).where(OperationTask.id == task.task_id))
    (view,) = await load_work_orders(session, codes=[work_order_code or ""])
    operation = next(op for op in view.operations if op.seq == seq)
    reason = (await load_settings(session)).reason(task.defect_reason or "")
    defect = f"{reason.name_zh} {reason.name_en}" if reason else task.defect_reason
    return Card(
        work_order=task.code, order_no=view.order_no, customer=view.customer,
        product_code=view.product_code, product_name=view.product_name,
        quantity=task.quantity, due=view.due_date, priority=view.priority,
        operations=[CardOperation(operation.seq, operation.code, operation.name,
                                  operation.qc_checkpoint)],
        rework_of=view.code, defect=defect, factory=await factory_tag(session),
    )
