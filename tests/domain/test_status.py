import json
from datetime import date

from sqlalchemy import select, update

from domain.masterdata import SheetRow, import_master_data
from domain.models import OperationTask, Order, Product, Routing, WorkOrder
from domain.status import load_open_work_orders

PRODUCTS = ("product_code", "product_name", "sequence", "operation_code", "operation_name",
            "piece_rate", "qc")
ORDERS = ("order_no", "customer", "product_code", "quantity", "due_date", "priority")


def sheet(name, columns, *rows):
    return [SheetRow(name, n, dict(zip(columns, r, strict=True))) for n, r in enumerate(rows, 2)]


async def seed(sessions):
    sheets = {
        "products": sheet("products", PRODUCTS,
                          ("CH-65W", "65W充电器", 10, "THT", "插件", "1.20", "no"),
                          ("CH-65W", "65W充电器", 20, "TEST", "老化测试", "0.75", "yes"),
                          ("CH-65W", "65W充电器", 30, "PACK", "包装", "0.30", "no")),
        "orders": sheet("orders", ORDERS,
                        ("SO-1", "东莞快充科技", "CH-65W", 100, "2026-12-10", 3),   # WO-000001
                        ("SO-2", "深圳声宝电子", "CH-65W", 40, "2026-12-01", 3),    # WO-000002
                        ("SO-3", "广州明光照明", "CH-65W", 10, "2026-12-20", 1),    # WO-000003
                        ("SO-4", "广州明光照明", "CH-65W", 10, "2026-12-01", 3)),   # WO-000004
    }
    async with sessions() as s, s.begin():
        await import_master_data(s, sheets)


async def set_task(s, code, seq, **values):
    work_order = await s.scalar(select(WorkOrder).where(WorkOrder.code == code))
    await s.execute(update(OperationTask).where(
        OperationTask.work_order_id == work_order.id, OperationTask.seq == seq).values(**values))


async def test_open_work_orders_most_urgent_first_with_flow_quantities(sessions):
    await seed(sessions)
    async with sessions() as s, s.begin():
        await set_task(s, "WO-000001", 10, good_qty=70, scrap_qty=4, status="in_progress")
        await set_task(s, "WO-000001", 20, good_qty=30, pending_qc_qty=15, scrap_qty=1,
                       status="in_progress")
        await s.execute(update(WorkOrder).where(WorkOrder.code == "WO-000004")
                        .values(status="cancelled"))
        # A draft (not yet released) shows, without operations.
        product = await s.scalar(select(Product))
        routing = await s.scalar(select(Routing))
        order = Order(order_no="SO-5", customer="X", due_date=date(2026, 12, 15), priority=2)
        s.add(order)
        await s.flush()
        s.add(WorkOrder(code="WO-000009", order_id=order.id, product_id=product.id,
                        routing_id=routing.id, quantity=5, due_date=date(2026, 12, 15),
                        priority=2))

    async with sessions() as s:
        views = await load_open_work_orders(s)

    assert [(v.code, v.priority, v.due_date, v.status) for v in views] == [
        ("WO-000003", 1, date(2026, 12, 20), "released"),
        ("WO-000009", 2, date(2026, 12, 15), "draft"),
        ("WO-000002", 3, date(2026, 12, 1), "released"),
        ("WO-000001", 3, date(2026, 12, 10), "released"),
    ]
    first = views[3]
    assert (first.order_no, first.customer, first.product_code, first.product_name,
            first.quantity) == ("SO-1", "东莞快充科技", "CH-65W", "65W充电器", 100)
    assert [(o.seq, o.code, o.qc_checkpoint, o.planned, o.arrived, o.good, o.scrap,
             o.pending_qc, o.remaining, o.status) for o in first.operations] == [
        (10, "THT", False, 100, 100, 70, 4, 0, 26, "in_progress"),
        (20, "TEST", True, 100, 70, 30, 1, 15, 24, "in_progress"),
        (30, "PACK", False, 100, 30, 0, 0, 0, 30, "waiting"),
    ]
    assert views[1].operations == ()


async def test_view_turns_into_json(sessions):
    await seed(sessions)
    async with sessions() as s:
        view = (await load_open_work_orders(s))[0]
    data = json.loads(json.dumps(view.to_dict(), ensure_ascii=False))
    assert data["code"] == "WO-000003"
    assert data["due_date"] == "2026-12-20"
    assert data["customer"] == "广州明光照明"
    assert data["operations"][0] == {
        "seq": 10, "code": "THT", "name": "插件", "qc_checkpoint": False, "planned": 10,
        "arrived": 10, "good": 0, "scrap": 0, "pending_qc": 0, "rework": 0, "remaining": 10,
        "status": "ready"}
    assert data["defects"] == []
    assert [o["status"] for o in data["operations"]] == ["ready", "waiting", "waiting"]


async def test_no_open_work_orders_is_an_empty_list(session):
    assert await load_open_work_orders(session) == []
