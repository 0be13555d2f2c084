from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, update

from domain.errors import DomainError
from domain.masterdata import (
    ImportRejected,
    RowError,
    SheetRow,
    import_master_data,
    validate,
)
from domain.models import (
    AuditEvent,
    Operation,
    OperationTask,
    Order,
    Person,
    Product,
    Routing,
    WorkOrder,
)
from domain.work_orders import release_work_order

PEOPLE = ("code", "name", "role", "team", "skills", "wage_mode", "hourly_rate", "language")
PRODUCTS = ("product_code", "product_name", "sequence", "operation_code", "operation_name",
            "piece_rate", "std_minutes", "qc")
ORDERS = ("order_no", "customer", "product_code", "quantity", "due_date", "priority")


def sheet(name, columns, *rows):
    """Rows as bot.workbook hands them over: numbered from 2 (row 1 is the header)."""
    return [SheetRow(name, n, dict(zip(columns, r, strict=True))) for n, r in enumerate(rows, 2)]


def factory(*, rate="0.35", operations=None, quantity=100, orders=None):
    ops = operations or [
        (10, "SMT", "贴片", rate, "0.8", "no"),
        (20, "THT", "插件", "0.80", "2.5", "否"),
        (30, "TEST", "测试", "0.50", "1.2", "是"),
    ]
    return {
        "people": sheet("people", PEOPLE,
                        ("W01", "张伟", "工人", "贴片组", "SMT, THT", "计件", None, "zh"),
                        ("W02", "王芳", "worker", "贴片组", "smt", "hourly", "22.5", None),
                        ("Q01", "郭晓燕", "质检", "品质部", None, None, None, "英文")),
        "products": sheet("products", PRODUCTS,
                          *[("BT-200", "蓝牙音箱主板", *op) for op in ops],
                          ("LED-12", "LED驱动板", 10, "SMT", "贴片", "0.035", None, None)),
        "orders": sheet("orders", ORDERS, *(orders or [
            ("SO-1", "深圳声宝电子", "BT-200", quantity, "2026-12-01", 2),
            ("SO-1", "深圳声宝电子", "LED-12", 300, "2026/12/5", None),
            ("SO-2", "东莞快充科技", "LED-12", 50, date(2026, 11, 20), 1),
        ])),
    }


async def count(session, model):
    return await session.scalar(select(func.count()).select_from(model))


def writes(engine):
    """Count the INSERT/UPDATE/DELETE statements sent to the database."""
    seen = []

    def listen(conn, cursor, statement, *args):
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", listen)
    return seen


async def run_import(sessions, sheets):
    async with sessions() as s, s.begin():
        return await import_master_data(s, sheets)


async def test_every_bad_row_is_reported_and_nothing_is_imported(sessions):
    sheets = {
        "people": sheet("people", PEOPLE,
                        ("W01", "张伟", "boss", None, "SMT", "piece", None, None),
                        ("W02", None, "worker", None, "WELD", "hourly", None, "fr"),
                        ("W01", "李娜", "worker", None, None, "daily", "-3", None),
                        (None, None, None, None, None, None, "abc", None)),
        "products": sheet("products", PRODUCTS,
                          ("P1", "主板", 10, "SMT", "贴片", "0.35", "1", "maybe"),
                          ("P1", "主板B", 10, "SMT", "插件", "nan", "-1", "yes"),
                          ("P1", "主板", "x", "THT", "插件", "0.123456", "2", "no")),
        "orders": sheet("orders", ORDERS,
                        ("SO-1", "A公司", "P1", "abc", "2026-13-01", 9),
                        ("SO-1", "B公司", "NOPE", 0, "tomorrow", None),
                        ("SO-2", "A公司", "P1", 10, "20261201", None),
                        ("SO-2", "A公司", "P1", 20, "20261202", None)),
    }
    async with sessions() as s, s.begin():
        with pytest.raises(ImportRejected) as caught:
            await import_master_data(s, sheets)

    got = [(e.sheet, e.row, e.column, e.key, e.params) for e in caught.value.errors]
    assert got == [
        ("people", 2, "role", "import.bad_role", {"value": "boss"}),
        ("people", 3, "name", "import.required", {}),
        ("people", 3, "skills", "import.unknown_skill", {"value": "WELD"}),
        ("people", 3, "hourly_rate", "import.hourly_rate_required", {"wage_mode": "hourly"}),
        ("people", 3, "language", "import.bad_language", {"value": "fr"}),
        ("people", 4, "code", "import.duplicate", {"value": "W01", "first_row": 2}),
        ("people", 4, "wage_mode", "import.bad_wage_mode", {"value": "daily"}),
        ("people", 4, "hourly_rate", "import.negative", {"value": "-3"}),
        ("people", 5, "code", "import.required", {}),
        ("people", 5, "name", "import.required", {}),
        ("people", 5, "role", "import.required", {}),
        ("people", 5, "hourly_rate", "import.bad_number", {"value": "abc"}),
        ("products", 2, "qc", "import.bad_qc", {"value": "maybe"}),
        ("products", 3, "product_name", "import.inconsistent",
         {"value": "主板B", "expected": "主板", "first_row": 2}),
        ("products", 3, "sequence", "import.duplicate", {"value": 10, "first_row": 2}),
        ("products", 3, "operation_code", "import.duplicate", {"value": "SMT", "first_row": 2}),
        ("products", 3, "piece_rate", "import.bad_number", {"value": "nan"}),
        ("products", 3, "std_minutes", "import.negative", {"value": "-1"}),
        ("products", 4, "sequence", "import.bad_integer", {"value": "x", "min": 1}),
        ("products", 4, "piece_rate", "import.too_precise", {"value": "0.123456", "places": 4}),
        ("orders", 2, "quantity", "import.bad_integer", {"value": "abc", "min": 1}),
        ("orders", 2, "due_date", "import.bad_date", {"value": "2026-13-01"}),
        ("orders", 2, "priority", "import.bad_priority", {"value": "9"}),
        ("orders", 3, "customer", "import.inconsistent",
         {"value": "B公司", "expected": "A公司", "first_row": 2}),
        ("orders", 3, "product_code", "import.unknown_product", {"value": "NOPE"}),
        ("orders", 3, "quantity", "import.bad_integer", {"value": "0", "min": 1}),
        ("orders", 3, "due_date", "import.bad_date", {"value": "tomorrow"}),
        ("orders", 5, "product_code", "import.duplicate", {"value": "P1", "first_row": 4}),
    ]
    assert caught.value.key == "import.rejected"
    assert caught.value.params == {"count": 28}
    async with sessions() as s:
        for model in (Person, Product, Routing, Operation, Order, WorkOrder, AuditEvent):
            assert await count(s, model) == 0, model


def test_row_error_reads_as_english():
    error = RowError("orders", 5, "quantity", "import.bad_integer", {"value": "abc", "min": 1})
    assert str(error) == "orders row 5, quantity: must be a whole number > 0 (got 'abc')"
    closed = RowError("orders", 3, None, "import.work_order_closed",
                      {"work_order": "WO-000001", "status": "done"})
    assert str(closed) == "orders row 3: work order WO-000001 is done and cannot change"


def test_validate_reads_the_ways_people_write_values():
    sheets = {
        "people": sheet("people", PEOPLE,
                        ("１００１", "陈静", "班组长", None, "smt、Tht", "混合", 18, "中文"),
                        (1002.0, "Tom", "Manager", None, None, None, None, None)),
        "products": sheet("products", PRODUCTS,
                          ("P1", "主板", 10.0, "SMT", "贴片", 0.35, 1, True),
                          ("P1", "主板", "20", "THT", "插件", "¥0.0350", None, "Y")),
        "orders": sheet("orders", ORDERS,
                        ("SO-1", "A", "P1", "1,000", datetime(2026, 12, 1, 0, 0), "1"),
                        ("SO-2", "A", "P1", 5.0, 20261201, None),
                        ("SO-3", "A", "P1", "7", "2026年12月3日", None)),
    }
    data, errors = validate(sheets, known_products=(), known_operations=())
    assert errors == []
    chen, tom = data.people
    assert (chen.code, chen.role, chen.skills, chen.wage_mode, chen.hourly_rate, chen.language) \
        == ("1001", "supervisor", ("SMT", "THT"), "mixed", Decimal("18"), "zh")
    assert (tom.code, tom.role, tom.wage_mode, tom.language) == ("1002", "manager", "piece", None)
    assert "language" not in tom.given  # a blank language keeps the one chosen in the bot
    (product,) = data.products
    smt, tht = product.operations
    assert (smt.seq, smt.piece_rate, smt.std_minutes, smt.qc) == (10, Decimal("0.35"), 1, True)
    assert (tht.seq, tht.piece_rate, tht.std_minutes, tht.qc) == (20, Decimal("0.0350"), 0, True)
    assert [(o.quantity, o.due_date, o.priority) for o in data.orders] == [
        (1000, date(2026, 12, 1), 1), (5, date(2026, 12, 1), 3), (7, date(2026, 12, 3), 3)]


async def test_good_import_creates_people_products_orders_and_released_work_orders(sessions):
    result = await run_import(sessions, factory())

    assert result.to_dict() == {
        "people": {"created": 3, "updated": 0, "unchanged": 0},
        "products": {"created": 2, "updated": 0, "unchanged": 0},
        "routings": {"created": 2, "updated": 0, "unchanged": 0},
        "orders": {"created": 2, "updated": 0, "unchanged": 0},
        "work_orders": {"created": 3, "updated": 0, "unchanged": 0},
        "released": ["WO-000001", "WO-000002", "WO-000003"],
    }
    async with sessions() as s:
        people = {p.code: p for p in (await s.scalars(select(Person))).all()}
        w1, w2, q1 = people["W01"], people["W02"], people["Q01"]
        assert (w1.name, w1.role, w1.team, w1.skills_text, w1.wage_mode, w1.hourly_rate,
                w1.language) == ("张伟", "worker", "贴片组", "SMT,THT", "piece", None, "zh")
        assert (w2.skills_text, w2.wage_mode, w2.hourly_rate) == ("SMT", "hourly",
                                                                  Decimal("22.5"))
        assert (q1.role, q1.skills_text, q1.language, q1.telegram_user_id) == ("qc", "", "en",
                                                                               None)

        bt = await s.scalar(select(Product).where(Product.code == "BT-200"))
        routing = await s.scalar(select(Routing).where(Routing.product_id == bt.id))
        assert (bt.name, routing.version) == ("蓝牙音箱主板", 1)
        assert [(o.seq, o.code, o.name, o.piece_rate, o.std_minutes, o.qc_checkpoint)
                for o in routing.operations] == [
            (10, "SMT", "贴片", Decimal("0.35"), Decimal("0.8"), False),
            (20, "THT", "插件", Decimal("0.80"), Decimal("2.5"), False),
            (30, "TEST", "测试", Decimal("0.50"), Decimal("1.2"), True),
        ]

        so1 = await s.scalar(select(Order).where(Order.order_no == "SO-1"))
        # The order carries its earliest line's due date and most urgent priority.
        assert (so1.customer, so1.due_date, so1.priority) == ("深圳声宝电子", date(2026, 12, 1), 2)
        work_orders = (await s.scalars(select(WorkOrder).order_by(WorkOrder.code))).all()
        assert [(w.code, w.order_id, w.quantity, w.due_date, w.priority, w.status)
                for w in work_orders] == [
            ("WO-000001", so1.id, 100, date(2026, 12, 1), 2, "released"),
            ("WO-000002", so1.id, 300, date(2026, 12, 5), 3, "released"),
            ("WO-000003", so1.id + 1, 50, date(2026, 11, 20), 1, "released"),
        ]
        assert work_orders[0].routing_id == routing.id
        assert all(w.released_at is not None for w in work_orders)
        tasks = (await s.scalars(select(OperationTask).where(
            OperationTask.work_order_id == work_orders[0].id).order_by(OperationTask.seq))).all()
        assert [(t.seq, t.planned_qty, t.good_qty, t.status) for t in tasks] == [
            (10, 100, 0, "ready"), (20, 100, 0, "waiting"), (30, 100, 0, "waiting")]
        assert [t.operation_id for t in tasks] == [o.id for o in routing.operations]

        actions = (await s.scalars(select(AuditEvent.action))).all()
        assert sorted(set(actions)) == [
            "master_data.imported", "order.created", "person.created", "product.created",
            "routing.created", "work_order.created", "work_order.released"]
        assert actions.count("person.created") == 3
        assert actions.count("work_order.released") == 3


async def test_importing_the_same_file_again_writes_nothing(engine, sessions):
    await run_import(sessions, factory())
    async with sessions() as s:
        events_before = await count(s, AuditEvent)

    statements = writes(engine)
    result = await run_import(sessions, factory())

    assert statements == []
    assert not result.changed
    assert result.to_dict() == {
        "people": {"created": 0, "updated": 0, "unchanged": 3},
        "products": {"created": 0, "updated": 0, "unchanged": 2},
        "routings": {"created": 0, "updated": 0, "unchanged": 2},
        "orders": {"created": 0, "updated": 0, "unchanged": 2},
        "work_orders": {"created": 0, "updated": 0, "unchanged": 3},
        "released": [],
    }
    async with sessions() as s:
        assert await count(s, AuditEvent) == events_before
        assert await count(s, WorkOrder) == 3


async def test_changed_piece_rate_updates_the_routing_in_place(sessions):
    await run_import(sessions, factory())
    result = await run_import(sessions, factory(rate="0.42"))

    assert (result.routings.updated, result.routings.unchanged, result.routings.created) == (1, 1, 0)
    async with sessions() as s:
        routings = (await s.scalars(select(Routing))).all()
        assert [r.version for r in routings] == [1, 1]
        smt = await s.scalar(select(Operation).where(Operation.code == "SMT",
                                                     Operation.routing_id == routings[0].id))
        assert smt.piece_rate == Decimal("0.42")
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "routing.updated"))
        assert event.entity_id == routings[0].id
        assert '"SMT": {"piece_rate": ["0.3500", "0.42"]}' in event.detail


async def test_new_operation_list_makes_a_new_routing_version_and_old_work_orders_keep_theirs(
        sessions):
    await run_import(sessions, factory())
    ops = [(10, "SMT", "贴片", "0.35", "0.8", "no"),
           (20, "THT", "插件", "0.80", "2.5", "no"),
           (25, "SOLDER", "焊接", "0.60", "1.5", "no"),
           (30, "TEST", "测试", "0.50", "1.2", "yes")]
    orders = [("SO-1", "深圳声宝电子", "BT-200", 100, "2026-12-01", 2),
              ("SO-1", "深圳声宝电子", "LED-12", 300, "2026/12/5", None),
              ("SO-2", "东莞快充科技", "LED-12", 50, date(2026, 11, 20), 1),
              ("SO-3", "深圳声宝电子", "BT-200", 40, "2026-12-20", None)]
    result = await run_import(sessions, factory(operations=ops, orders=orders))

    assert result.routings.created == 1
    assert result.released == ("WO-000004",)
    async with sessions() as s:
        bt = await s.scalar(select(Product).where(Product.code == "BT-200"))
        v1, v2 = (await s.scalars(select(Routing).where(Routing.product_id == bt.id)
                                  .order_by(Routing.version))).all()
        assert (v1.version, v2.version) == (1, 2)
        assert [o.code for o in v1.operations] == ["SMT", "THT", "TEST"]
        assert [o.code for o in v2.operations] == ["SMT", "THT", "SOLDER", "TEST"]
        old = await s.scalar(select(WorkOrder).where(WorkOrder.code == "WO-000001"))
        new = await s.scalar(select(WorkOrder).where(WorkOrder.code == "WO-000004"))
        assert (old.routing_id, new.routing_id) == (v1.id, v2.id)
        old_tasks = (await s.scalars(select(OperationTask.seq).where(
            OperationTask.work_order_id == old.id).order_by(OperationTask.seq))).all()
        new_tasks = (await s.scalars(select(OperationTask.seq).where(
            OperationTask.work_order_id == new.id).order_by(OperationTask.seq))).all()
        assert (list(old_tasks), list(new_tasks)) == ([10, 20, 30], [10, 20, 25, 30])


async def _report(sessions, code, seq, good, scrap=0):
    """Stand-in for reporting: put quantities straight on a task."""
    async with sessions() as s, s.begin():
        work_order = await s.scalar(select(WorkOrder).where(WorkOrder.code == code))
        await s.execute(update(OperationTask).where(
            OperationTask.work_order_id == work_order.id, OperationTask.seq == seq)
            .values(good_qty=good, scrap_qty=scrap, status="in_progress"))


async def test_quantity_below_what_is_reported_is_refused(sessions):
    await run_import(sessions, factory(quantity=100))
    await _report(sessions, "WO-000001", 10, good=60, scrap=5)

    async with sessions() as s, s.begin():
        with pytest.raises(ImportRejected) as caught:
            await import_master_data(s, factory(quantity=64))
    assert [(e.sheet, e.row, e.column, e.key, e.params) for e in caught.value.errors] == [
        ("orders", 2, "quantity", "import.below_reported",
         {"value": 64, "reported": 65, "work_order": "WO-000001"})]

    result = await run_import(sessions, factory(quantity=120))
    assert (result.work_orders.updated, result.work_orders.unchanged) == (1, 2)
    async with sessions() as s:
        work_order = await s.scalar(select(WorkOrder).where(WorkOrder.code == "WO-000001"))
        tasks = (await s.scalars(select(OperationTask).where(
            OperationTask.work_order_id == work_order.id).order_by(OperationTask.seq))).all()
        assert (work_order.quantity, work_order.version) == (120, 3)
        assert [(t.planned_qty, t.good_qty, t.status) for t in tasks] == [
            (120, 60, "in_progress"), (120, 0, "ready"), (120, 0, "waiting")]


async def test_a_finished_work_order_cannot_change(sessions):
    await run_import(sessions, factory())
    async with sessions() as s, s.begin():
        await s.execute(update(WorkOrder).where(WorkOrder.code == "WO-000003")
                        .values(status="done"))
    orders = [("SO-1", "深圳声宝电子", "BT-200", 100, "2026-12-01", 2),
              ("SO-1", "深圳声宝电子", "LED-12", 300, "2026/12/5", None),
              ("SO-2", "东莞快充科技", "LED-12", 50, "2026-11-25", 1)]
    async with sessions() as s, s.begin():
        with pytest.raises(ImportRejected) as caught:
            await import_master_data(s, factory(orders=orders))
    (error,) = caught.value.errors
    assert (error.row, error.key, error.params) == (
        4, "import.work_order_closed", {"work_order": "WO-000003", "status": "done"})


async def test_piece_rates_stay_exact_decimals(sessions):
    await run_import(sessions, factory(rate=0.035))
    async with sessions() as s:
        rates = {(o.code, o.routing_id): o.piece_rate
                 for o in (await s.scalars(select(Operation))).all()}
    # 0.035 came in as a float cell and as the text "0.035"; both are the same exact Decimal.
    assert sorted(rates.values()) == [Decimal("0.0350"), Decimal("0.0350"), Decimal("0.5000"),
                                      Decimal("0.8000")]
    assert all(isinstance(r, Decimal) for r in rates.values())


async def test_import_keeps_the_telegram_binding_and_the_chosen_language(sessions):
    await run_import(sessions, factory())
    async with sessions() as s, s.begin():
        await s.execute(update(Person).where(Person.code == "W02")
                        .values(telegram_user_id=777, language="en"))
    sheets = factory()
    sheets["people"] = sheet("people", PEOPLE,
                             ("W02", "王芳", "班组长", "贴片组", "SMT", "hourly", "24", None))
    result = await run_import(sessions, sheets)
    assert (result.people.updated, result.people.unchanged) == (1, 0)
    async with sessions() as s:
        w2 = await s.scalar(select(Person).where(Person.code == "W02"))
        assert (w2.role, w2.hourly_rate, w2.telegram_user_id, w2.language) == (
            "supervisor", Decimal("24"), 777, "en")
        assert await count(s, Person) == 3  # people absent from the file stay as they are


async def test_a_later_file_may_name_products_and_skills_already_in_the_database(sessions):
    await run_import(sessions, factory())
    sheets = {
        "people": sheet("people", ("code", "name", "role", "skills"),
                        ("W20", "新人", "worker", "test"),
                        ("W21", "新人二", "worker", "PAINT")),
        "orders": sheet("orders", ORDERS, ("SO-9", "新客户", "BT-200", 10, "2027-01-05", 5)),
    }
    async with sessions() as s, s.begin():
        with pytest.raises(ImportRejected) as caught:
            await import_master_data(s, sheets)
    assert [(e.row, e.column, e.key, e.params) for e in caught.value.errors] == [
        (3, "skills", "import.unknown_skill", {"value": "PAINT"})]

    sheets["people"] = sheets["people"][:1]
    result = await run_import(sessions, sheets)
    assert result.released == ("WO-000004",)
    async with sessions() as s:
        newcomer = await s.scalar(select(Person).where(Person.code == "W20"))
        assert (newcomer.skills_text, newcomer.wage_mode) == ("TEST", "piece")


async def test_release_refuses_a_work_order_that_is_not_a_draft(sessions):
    await run_import(sessions, factory())
    async with sessions() as s, s.begin():
        work_order = await s.scalar(select(WorkOrder).where(WorkOrder.code == "WO-000001"))
        with pytest.raises(DomainError) as caught:
            await release_work_order(s, work_order)
    assert caught.value.key == "work_order.bad_state"
    assert caught.value.params == {"work_order": "WO-000001", "status": "released"}


async def test_a_blank_priority_keeps_a_rush_set_since_the_last_import(sessions):
    await run_import(sessions, factory())
    async with sessions() as s, s.begin():
        await s.execute(update(WorkOrder).where(WorkOrder.code == "WO-000002").values(priority=1))

    result = await run_import(sessions, factory())

    assert (result.work_orders.updated, result.work_orders.unchanged) == (0, 3)
    async with sessions() as s:
        priorities = dict((await s.execute(select(WorkOrder.code, WorkOrder.priority))).all())
        so1 = await s.scalar(select(Order).where(Order.order_no == "SO-1"))
    assert priorities == {"WO-000001": 2, "WO-000002": 1, "WO-000003": 1}
    assert so1.priority == 1  # the order follows its most urgent line


async def test_over_production_within_tolerance_does_not_block_other_changes(sessions):
    await run_import(sessions, factory(quantity=100))
    await _report(sessions, "WO-000001", 10, good=103)
    orders = [("SO-1", "深圳声宝电子", "BT-200", 100, "2026-12-08", 2),
              ("SO-1", "深圳声宝电子", "LED-12", 300, "2026/12/5", None),
              ("SO-2", "东莞快充科技", "LED-12", 50, date(2026, 11, 20), 1)]

    result = await run_import(sessions, factory(orders=orders))

    assert (result.work_orders.updated, result.orders.updated) == (1, 1)
    async with sessions() as s:
        work_order = await s.scalar(select(WorkOrder).where(WorkOrder.code == "WO-000001"))
        so1 = await s.scalar(select(Order).where(Order.order_no == "SO-1"))
    assert (work_order.quantity, work_order.due_date) == (100, date(2026, 12, 8))
    assert so1.due_date == date(2026, 12, 5)
