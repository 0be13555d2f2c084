"""Travel cards from the database: the domain's work-order views, drawn by bot.labels."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.labels import Card, CardOperation
from domain.errors import DomainError
from domain.status import WorkOrderView, load_work_orders


def card_of(view: WorkOrderView) -> Card:
    return Card(
        work_order=view.code, order_no=view.order_no, customer=view.customer,
        product_code=view.product_code, product_name=view.product_name,
        quantity=view.quantity, due=view.due_date, priority=view.priority,
        operations=[CardOperation(op.seq, op.code, op.name, op.qc_checkpoint)
                    for op in view.operations],
    )


async def cards_for(session: AsyncSession, codes: list[str], order_no: str | None) -> list[Card]:
    views = await load_work_orders(session, codes=codes or None, order_no=order_no)
    found = {v.code for v in views}
    missing = [c for c in codes if c not in found]
    if missing:
        raise DomainError("report.unknown_work_order", work_order=", ".join(missing))
    if not views:
        raise DomainError("labels.no_work_orders", order=order_no or "")
    return [card_of(v) for v in views]
