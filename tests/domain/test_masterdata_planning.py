"""The planning sheets of the master-data workbook: materials (with stock counts), BOMs and
assignments, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from domain import materials
from domain.masterdata import ImportRejected, SheetRow, import_master_data, validate
from domain.models import (
    AuditEvent,
    BomLine,
    FloorException,
    Material,
    MaterialMovement,
    OperationTask,
    OutboxMessage,
    Person,
    TaskAssignee,
    WorkOrder,
)

D = Decimal
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PEOPLE = ("code", "name", "role", "team", "skills")
PRODUCTS = ("product_code", "product_name", "sequence", "operation_code", "operation_name",
            "piece_rate")
ORDERS = ("order_no", "customer", "product_code", "quantity", "due_date")
MATERIALS = ("material_code", "material_name", "unit", "on_hand")
BOM = ("product_code", "material_code", "qty_per_unit", "unit", "operation_code")
ASSIGNMENTS = ("work_order", "order_no", "product_code", "sequence", "people", "team",
               "claimable")


def sheet(name, columns, *rows):
    return [SheetRow(name, n, dict(zip(columns, r, strict=True))) for n, r in enumerate(rows, 2)]


def factory(**extra):
    """BT-200 (SMT → THT → TEST) ordered twice, people of two teams, and the extra sheets."""
    return {
        "people": sheet("people", PEOPLE,
                        ("W01", "张伟", "worker", "贴片组", "SMT"),
                        ("W02", "王芳", "worker", "贴片组", "SMT,THT"),
                        ("W03", "李娜", "worker", "插件组", "THT"),
                        ("S01", "马建国", "supervisor", "贴片组", None)),
        "products": sheet("products", PRODUCTS,
                          ("BT-200", "蓝牙音箱主板", 10, "SMT", "贴片", "0.35"),
                          ("BT-200", "蓝牙音箱主板", 20, "THT", "插件", "0.80"),
                          ("BT-200", "蓝牙音箱主板", 30, "TEST", "测试", "0.50")),
        "orders": sheet("orders", ORDERS, ("SO-1", "声宝", "BT-200", 100, "2030-12-01"),
                        ("SO-2", "声宝", "BT-200", 40, "2030-12-05")),
        **extra,
    }


def stock_sheets(steel="500", screw=2000):
    return {
        "materials": sheet("materials", MATERIALS, ("M-STEEL", "钢板", "kg", steel),
                           ("M-SCREW", "螺丝", None, screw)),
        "bom": sheet("bom", BOM, ("BT-200", "M-STEEL", "2.5", "kg", None),
                     ("BT-200", "m-screw", 4, None, "tht")),
    }


async def run(sessions, sheets):
    async with sessions() as s, s.begin():
        return await import_master_data(s, sheets)


async def rejected(sessions, sheets) -> list[tuple]:
    with pytest.raises(ImportRejected) as caught:
        await run(sessions, sheets)
    return [(e.sheet, e.row, e.column, e.key, e.params) for e in caught.value.errors]


async def stock(sessions) -> dict[str, tuple]:
    async with sessions() as s:
        return {m.code: (m.name, m.unit, m.on_hand)
                for m in (await s.scalars(select(Material).order_by(Material.code))).all()}


async def receipts(sessions) -> list[tuple[str, Decimal]]:
    async with sessions() as s:
        return list((await s.execute(
            select(Material.code, MaterialMovement.qty).join(Material)
            .where(MaterialMovement.kind == "receipt").order_by(MaterialMovement.id))).all())


# --- materials and BOMs --------------------------------------------------------------------


async def test_materials_and_boms_are_imported_with_their_stock(sessions):
    result = await run(sessions, factory(**stock_sheets()))
    assert result.to_dict()["materials"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert result.to_dict()["bom"] == {"created": 2, "updated": 0, "unchanged": 0, "removed": 0}
    assert await stock(sessions) == {"M-SCREW": ("螺丝", "pcs", D(2000)),
                                     "M-STEEL": ("钢板", "kg", D(500))}
    assert await receipts(sessions) == [("M-STEEL", D(500)), ("M-SCREW", D(2000))]
    async with sessions() as s:
        lines = (await s.execute(select(BomLine.material_code, BomLine.material_name,
                                        BomLine.qty_per_unit, BomLine.unit,
                                        BomLine.operation_code)
                                 .order_by(BomLine.material_code))).all()
        wo = await s.scalar(select(WorkOrder).where(WorkOrder.code == "WO-000001"))
        need = {r.code: r.need for r in await materials.requirement(s, wo)}
    # Codes as the material and the routing spell them; no operation: the first one.
    assert lines == [("M-SCREW", "螺丝", D(4), "pcs", "THT"),
                     ("M-STEEL", "钢板", D("2.5"), "kg", None)]
    assert need == {"M-SCREW": D(400), "M-STEEL": D(250)}
    # Enough for each work order: nothing was short at their release.
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(FloorException)) == 0


async def test_every_bad_planning_row_is_reported_and_nothing_is_imported(sessions):
    sheets = factory(
        materials=sheet("materials", MATERIALS, ("M-STEEL", "钢板", "kg", "-1"),
                        ("M-STEEL", None, "kg", "abc"), ("M-GLUE", "胶水", "kg", "0.00001"),
                        ("M-TAPE", "胶带", "roll", "2000000000"), ("M-WIRE", "线", "m", 2000)),
        bom=sheet("bom", BOM, ("BT-200", "M-STEEL", "0", None, None),
                  ("NOPE", "M-STEEL", "1", None, None),
                  ("BT-200", "M-NONE", "1", None, None),
                  ("BT-200", "M-GLUE", "-2", None, None),
                  ("BT-200", "M-WIRE", "1", "cm", None),
                  ("BT-200", "M-WIRE", "1", None, "WELD"),
                  ("BT-200", "M-STEEL", "two", None, None)))
    assert await rejected(sessions, sheets) == [
        ("materials", 2, "on_hand", "import.negative", {"value": "-1"}),
        ("materials", 3, "material_code", "import.duplicate", {"value": "M-STEEL",
                                                               "first_row": 2}),
        ("materials", 3, "material_name", "import.required", {}),
        ("materials", 3, "on_hand", "import.bad_number", {"value": "abc"}),
        ("materials", 4, "on_hand", "import.too_precise", {"value": "0.00001", "places": 4}),
        ("materials", 5, "on_hand", "import.too_large", {"value": "2000000000",
                                                         "max": D(1000000000)}),
        ("bom", 2, "qty_per_unit", "import.not_positive", {"value": "0"}),
        ("bom", 3, "product_code", "import.unknown_product", {"value": "NOPE"}),
        ("bom", 4, "material_code", "import.unknown_material", {"value": "M-NONE"}),
        ("bom", 5, "qty_per_unit", "import.negative", {"value": "-2"}),
        ("bom", 6, "unit", "import.unit_mismatch", {"value": "cm", "expected": "m"}),
        ("bom", 7, "material_code", "import.duplicate", {"value": "M-WIRE", "first_row": 6}),
        ("bom", 7, "operation_code", "import.unknown_operation", {"value": "WELD",
                                                                  "product": "BT-200"}),
        ("bom", 8, "material_code", "import.duplicate", {"value": "M-STEEL", "first_row": 2}),
        ("bom", 8, "qty_per_unit", "import.bad_number", {"value": "two"}),
    ]
    async with sessions() as s:
        for model in (Material, BomLine, Person, WorkOrder):
            assert await s.scalar(select(func.count()).select_from(model)) == 0


async def test_a_row_with_its_own_problem_is_reported_once_not_again_where_it_is_named(sessions):
    sheets = factory(**stock_sheets())
    sheets["products"][0].values["piece_rate"] = "-1"  # BT-200 fails; its BOM rows name it
    sheets["materials"][0].values["on_hand"] = "abc"  # M-STEEL fails; a BOM row names it
    sheets["people"][0].values["role"] = "boss"  # W01 fails; an assignment names it
    sheets["assignments"] = sheet("assignments", ASSIGNMENTS,
                                  (None, "SO-1", "BT-200", 10, "W01", None, None))
    assert [(e[0], e[1], e[2]) for e in await rejected(sessions, sheets)] == [
        ("people", 2, "role"), ("products", 2, "piece_rate"), ("materials", 2, "on_hand")]


async def test_a_material_the_database_holds_may_be_named_without_the_materials_sheet(sessions):
    await run(sessions, factory(**stock_sheets()))
    again = await run(sessions, {"bom": sheet("bom", BOM, ("BT-200", "M-STEEL", 3, "kg", "SMT"))})
    assert again.to_dict()["bom"] == {"created": 0, "updated": 1, "unchanged": 0, "removed": 1}
    async with sessions() as s:
        assert (await s.execute(select(BomLine.material_code, BomLine.qty_per_unit,
                                       BomLine.operation_code))).all() == [
            ("M-STEEL", D(3), "SMT")]
        assert await s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "bom.updated")) == 2


async def test_the_same_file_again_changes_nothing_even_after_material_was_issued(sessions):
    file = factory(**stock_sheets())
    await run(sessions, file)
    async with sessions() as s, s.begin():
        s.add(Person(code="M01", name="林志强", role="manager"))
        await s.flush()
        manager = await s.scalar(select(Person).where(Person.code == "M01"))
        await materials.issue(s, manager, "WO-000001", "M-STEEL", "50", key="u1", now=NOW)
    again = await run(sessions, file)
    assert not again.changed
    assert again.to_dict()["materials"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert (await stock(sessions))["M-STEEL"][2] == D(450)  # the issue is not counted away

    # A new count: the difference is received (a loss too), once.
    recount = factory(**stock_sheets(steel="480", screw=1990))
    counted = await run(sessions, recount)
    assert counted.to_dict()["materials"] == {"created": 0, "updated": 2, "unchanged": 0}
    assert await receipts(sessions) == [("M-STEEL", D(500)), ("M-SCREW", D(2000)),
                                        ("M-STEEL", D(30)), ("M-SCREW", D(-10))]
    assert not (await run(sessions, recount)).changed
    assert {c: v[2] for c, v in (await stock(sessions)).items()} == {
        "M-SCREW": D(1990), "M-STEEL": D(480)}


async def test_a_work_order_the_import_releases_short_of_material_raises_a_shortage(sessions):
    await run(sessions, factory(**stock_sheets(steel="100")))  # 250 kg needed by WO-000001
    async with sessions() as s:
        (raised,) = (await s.scalars(select(FloorException))).all()
        wo = await s.get(WorkOrder, raised.work_order_id)
    assert (raised.kind, raised.reported_by, wo.code) == ("material", None, "WO-000001")
    assert "M-STEEL 钢板：还需 250 kg，可用 100 kg（线上 0 + 库存 100），缺 150 kg" in raised.comment


def test_without_a_catalog_references_are_not_checked():
    data, errors = validate({"bom": sheet("bom", BOM, ("ANY", "THING", "1.5", None, None))})
    assert errors == []
    (line,) = data.planning.bom
    assert (line.product_code, line.material_code, line.qty_per_unit) == ("ANY", "THING",
                                                                          D("1.5"))
    assert data.planning.materials is None and data.planning.assignments is None


# --- assignments ---------------------------------------------------------------------------


async def assignees(sessions) -> dict[tuple[str, int], list[str]]:
    async with sessions() as s:
        rows = (await s.execute(
            select(WorkOrder.code, OperationTask.seq, Person.code)
            .join(OperationTask, OperationTask.work_order_id == WorkOrder.id)
            .join(TaskAssignee, TaskAssignee.task_id == OperationTask.id)
            .join(Person, Person.id == TaskAssignee.person_id)
            .order_by(WorkOrder.code, OperationTask.seq, Person.code))).all()
    found: dict[tuple[str, int], list[str]] = {}
    for code, seq, person in rows:
        found.setdefault((code, seq), []).append(person)
    return found


async def claimable(sessions) -> list[tuple[str, int, str | None]]:
    async with sessions() as s:
        return list((await s.execute(
            select(WorkOrder.code, OperationTask.seq, OperationTask.claim_team)
            .join(OperationTask, OperationTask.work_order_id == WorkOrder.id)
            .where(OperationTask.open_for_claim.is_(True))
            .order_by(WorkOrder.code, OperationTask.seq))).all())


async def test_assignments_by_work_order_or_order_line_with_people_teams_and_claiming(sessions):
    await run(sessions, factory())  # WO-000001 (SO-1) and WO-000002 (SO-2)
    async with sessions() as s, s.begin():
        await s.execute(update(Person).where(Person.code == "W01")
                        .values(telegram_user_id=1001))
    rows = sheet("assignments", ASSIGNMENTS,
                 ("wo-1", None, None, 10, "W01, W02", None, None),
                 ("WO-000001", None, None, 20, None, "插件组", None),
                 (None, "SO-2", "BT-200", 10, None, "贴片组", "yes"),
                 (None, "SO-2", "BT-200", 20, None, None, "是"))
    result = await run(sessions, {"assignments": rows})
    assert result.to_dict()["assignments"] == {"created": 0, "updated": 4, "unchanged": 0}
    assert await assignees(sessions) == {("WO-000001", 10): ["W01", "W02"],
                                         ("WO-000001", 20): ["W03"]}
    assert await claimable(sessions) == [("WO-000002", 10, "贴片组"), ("WO-000002", 20, None)]
    async with sessions() as s:  # the newly assigned person with Telegram gets the card
        cards = (await s.scalars(select(OutboxMessage.chat_id))).all()
    assert cards == [1001]

    again = await run(sessions, {"assignments": rows})
    assert again.to_dict()["assignments"] == {"created": 0, "updated": 0, "unchanged": 4}
    assert not again.changed
    closing = sheet("assignments", ASSIGNMENTS, ("WO-000002", None, None, 20, None, None, "no"))
    await run(sessions, {"assignments": closing})
    assert await claimable(sessions) == [("WO-000002", 10, "贴片组")]


async def test_assignments_for_the_work_orders_the_same_file_creates(sessions):
    sheets = factory(assignments=sheet("assignments", ASSIGNMENTS,
                                       (None, "SO-1", "BT-200", 10, "W01", None, None)))
    await run(sessions, sheets)
    assert await assignees(sessions) == {("WO-000001", 10): ["W01"]}


async def test_every_bad_assignment_row_is_reported(sessions):
    await run(sessions, factory())
    async with sessions() as s, s.begin():
        await s.execute(update(WorkOrder).where(WorkOrder.code == "WO-000002")
                        .values(status="closed"))
        await s.execute(update(Person).where(Person.code == "W03").values(active=False))
    rows = sheet("assignments", ASSIGNMENTS,
                 ("WO-000009", None, None, 10, "W01", None, None),
                 ("WO-000001", None, None, 40, "W01", None, None),
                 ("WO-000001", None, None, 10, "W09, W03", None, None),
                 ("WO-000001", None, None, 20, "W01", "质检组", None),
                 (None, "SO-1", "BT-200", 30, None, None, None),
                 ("WO-000002", None, None, 10, "W01", None, None),
                 (None, "SO-9", "BT-200", 10, "W01", None, None),
                 (None, None, None, 10, "W01", None, None),
                 ("WO-000001", None, None, 30, None, "贴片组", None),
                 ("WO-000001", None, None, "x", None, None, "maybe"))
    assert await rejected(sessions, {"assignments": rows}) == [
        ("assignments", 2, "work_order", "import.unknown_work_order", {"value": "WO-000009"}),
        ("assignments", 3, "sequence", "import.unknown_task", {"value": 40,
                                                               "work_order": "WO-000001"}),
        ("assignments", 4, "people", "import.unknown_person", {"value": "W09"}),
        ("assignments", 4, "people", "import.inactive_person", {"value": "W03"}),
        ("assignments", 5, "people", "import.no_skill", {"value": "W01", "operation": "THT"}),
        ("assignments", 5, "team", "import.unknown_team", {"value": "质检组"}),
        ("assignments", 6, "people", "import.assignment_empty", {}),
        ("assignments", 7, "work_order", "import.work_order_closed", {
            "work_order": "WO-000002", "status": "closed"}),
        ("assignments", 8, "product_code", "import.unknown_order_line", {
            "value": "BT-200", "order_no": "SO-9"}),
        ("assignments", 9, "work_order", "import.work_order_needed", {}),
        ("assignments", 10, "team", "import.team_without_workers", {
            "value": "贴片组", "operation": "TEST"}),
        ("assignments", 11, "sequence", "import.bad_integer", {"value": "x", "min": 1}),
        ("assignments", 11, "claimable", "import.bad_qc", {"value": "maybe"}),
    ]
    assert await assignees(sessions) == {}
