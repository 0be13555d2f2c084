"""Small builders for domain tests: a product with a routing, people, a released work order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Operation, Order, Person, Product, Routing, WorkOrder
from domain.work_orders import release_work_order

OPERATIONS = (("SMT", "贴片", "0.35"), ("THT", "插件", "0.50"), ("TEST", "测试", "0.20"))


async def product(session: AsyncSession, code: str = "PCB-A",
                  operations: tuple[tuple[str, str, str], ...] = OPERATIONS) -> Product:
    item = Product(code=code, name=f"{code} 主板")
    session.add(item)
    await session.flush()
    routing = Routing(product_id=item.id, version=1)
    session.add(routing)
    await session.flush()
    for i, (op_code, name, rate) in enumerate(operations, start=1):
        session.add(Operation(routing_id=routing.id, seq=i * 10, code=op_code, name=name,
                              piece_rate=Decimal(rate), std_minutes=Decimal("0.5")))
    await session.flush()
    return item


async def person(session: AsyncSession, code: str, *, skills: str = "", role: str = "worker",
                 telegram_user_id: int | None = None) -> Person:
    item = Person(code=code, name=f"工人{code}", role=role, skills_text=skills,
                  telegram_user_id=telegram_user_id)
    session.add(item)
    await session.flush()
    return item


async def work_order(session: AsyncSession, item: Product, quantity: int = 100,
                     number: int = 1, order_no: str = "SO-1") -> WorkOrder:
    order = Order(order_no=f"{order_no}-{number}", customer="客户甲",
                  due_date=date(2030, 12, 1))  # far ahead: no task is overdue in tests
    session.add(order)
    await session.flush()
    routing_id = await _routing_id(session, item)
    wo = WorkOrder(code=f"WO-{number:06d}", order_id=order.id, product_id=item.id,
                   routing_id=routing_id, quantity=quantity, due_date=order.due_date)
    session.add(wo)
    await session.flush()
    await release_work_order(session, wo)
    await session.flush()
    return wo


async def _routing_id(session: AsyncSession, item: Product) -> int:
    return (await session.scalars(select(Routing.id).where(Routing.product_id == item.id))).one()
