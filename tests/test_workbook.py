import csv
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.import_report import describe_result
from bot.sample_factory import SAMPLE, SAMPLE_LADDERS, SAMPLE_REASONS, write_sample_workbook
from bot.workbook import WorkbookError, read_workbook
from domain.factory_settings import ladder_for, load_settings, responsible_for
from domain.masterdata import SETTINGS_SHEETS, ImportRejected, SheetRow, import_master_data
from domain.models import Operation, OperationTask, Person, WorkOrder


def save(path, **sheets):
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def test_xlsx_with_chinese_sheet_names_headers_and_an_extra_column(tmp_path):
    path = save(
        tmp_path / "主数据.xlsx",
        人员=[(" 工号 ", "姓名", "角色", "备注", "时薪(元)", "计薪方式"),
              ("W01", " 张伟 ", "工人", "夜班", None, "计件"),
              (None, None, None, "只有备注的行", None, None),
              (None, None, None, None, None, None),
              ("W02", "王芳", "质检", None, 22.5, "计时")],
        说明=[("这一页不是数据",)],
        Orders=[("Order No", "CUSTOMER", "product_code", "Quantity", "Due Date", "Priority"),
                ("SO-1", "深圳声宝电子", "BT-200", 500, datetime(2026, 12, 1), 2)],
    )

    sheets = read_workbook([path])

    assert sorted(sheets) == ["orders", "people"]
    assert sheets["people"] == [
        SheetRow("people", 2, {"code": "W01", "name": "张伟", "role": "工人",
                               "hourly_rate": None, "wage_mode": "计件"}),
        SheetRow("people", 5, {"code": "W02", "name": "王芳", "role": "质检",
                               "hourly_rate": 22.5, "wage_mode": "计时"}),
    ]
    assert sheets["orders"] == [
        SheetRow("orders", 2, {"order_no": "SO-1", "customer": "深圳声宝电子",
                               "product_code": "BT-200", "quantity": 500,
                               "due_date": datetime(2026, 12, 1), "priority": 2}),
    ]


def write_csv(path, rows, encoding):
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)


async def test_csv_folder_in_gbk_and_utf8_with_bom_imports(tmp_path, sessions):
    folder = tmp_path / "master"
    folder.mkdir()
    write_csv(folder / "人员.csv", [("工号", "姓名", "角色", "技能", "计薪方式", "时薪"),
                                   ("W01", "张伟", "工人", "SMT", "混合", "12.50"),
                                   ("S01", "马建国", "班组长", "", "", "")], "gbk")
    write_csv(folder / "products.csv", [("产品编码", "产品名称", "工序号", "工序编码", "工序名称",
                                         "计件单价", "标准工时", "质检点"),
                                        ("LED-12", "LED驱动板", "10", "SMT", "贴片", "0.035",
                                         "0.2", "否"),
                                        ("LED-12", "LED驱动板", "20", "TEST", "点亮测试", "0.15",
                                         "0.4", "是")], "gb18030")
    write_csv(folder / "orders.csv", [("订单号", "客户", "产品编码", "数量", "交期", "优先级"),
                                      ("SO-1", "广州明光照明", "LED-12", "2000", "2026/12/1", "")],
              "utf-8-sig")
    (folder / "readme.txt").write_text("not data")

    sheets = read_workbook([folder])
    assert sheets["people"][0] == SheetRow("people", 2, {
        "code": "W01", "name": "张伟", "role": "工人", "skills": "SMT", "wage_mode": "混合",
        "hourly_rate": "12.50"})
    assert sheets["orders"][0].values["customer"] == "广州明光照明"

    async with sessions() as s, s.begin():
        result = await import_master_data(s, sheets)
    assert (result.people.created, result.products.created, result.released) == (
        2, 1, ("WO-000001",))
    async with sessions() as s:
        w01 = await s.scalar(select(Person).where(Person.code == "W01"))
        assert (w01.role, w01.wage_mode, w01.hourly_rate) == ("worker", "mixed",
                                                              Decimal("12.5"))
        smt = await s.scalar(select(Operation).where(Operation.code == "SMT"))
        assert (smt.piece_rate, smt.qc_checkpoint) == (Decimal("0.035"), False)
        wo = await s.scalar(select(WorkOrder))
        assert (wo.quantity, wo.due_date, wo.priority) == (2000, date(2026, 12, 1), 3)


def test_missing_and_doubled_columns_are_row_one_errors_of_their_sheet(tmp_path):
    path = save(
        tmp_path / "bad.xlsx",
        people=[("code", "name", "team"), ("W01", "张伟", "A")],
        products=[("product_code", "产品名称", "sequence", "operation_code", "operation_name",
                   "piece_rate", "工序编码")],
        orders=[("order_no", "customer", "product_code", "quantity", "due_date")],
    )
    with pytest.raises(ImportRejected) as caught:
        read_workbook([path])
    assert [(e.sheet, e.row, e.column, e.key, e.params) for e in caught.value.errors] == [
        ("people", 1, "role", "import.missing_column", {}),
        ("products", 1, "operation_code", "import.duplicate_column",
         {"header": "工序编码", "first": "operation_code"}),
    ]
    assert str(caught.value.errors[0]) == (
        "people row 1, role: this column is missing from the sheet")


def test_files_that_cannot_be_read_are_clear_errors(tmp_path):
    (tmp_path / "master.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(WorkbookError) as caught:
        read_workbook([tmp_path / "master.xls"])
    assert (caught.value.key, caught.value.params["suffix"]) == ("import.unsupported_file", ".xls")

    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(WorkbookError) as caught:
        read_workbook([tmp_path / "broken.xlsx"])
    assert caught.value.key == "import.unreadable"

    write_csv(tmp_path / "客户.csv", [("a",), ("b",)], "utf-8")
    with pytest.raises(WorkbookError) as caught:
        read_workbook([tmp_path / "客户.csv"])
    assert caught.value.params["name"] == "客户"

    save(tmp_path / "empty.xlsx", Sheet1=[("x",)])
    with pytest.raises(WorkbookError) as caught:
        read_workbook([tmp_path / "empty.xlsx"])
    assert caught.value.key == "import.no_sheets"


async def test_the_sample_factory_imports_cleanly(tmp_path, sessions):
    path = write_sample_workbook(tmp_path / "demo" / "factory.xlsx", date(2026, 3, 2))
    sheets = read_workbook([path])
    assert [len(sheets[k]) for k in ("people", "products", "orders")] == [16, 12, 5]

    async with sessions() as s, s.begin():
        result = await import_master_data(s, sheets)
    assert (result.people.created, result.products.created, result.orders.created,
            len(result.released)) == (16, 3, 4, 5)
    async with sessions() as s:
        w09 = await s.scalar(select(Person).where(Person.code == "W09"))
        assert (w09.name, w09.team, w09.skills_text, w09.wage_mode, w09.hourly_rate) == (
            "周婷", "测试包装组", "TEST", "hourly", Decimal("22.50"))
        rates = set((await s.scalars(select(Operation.piece_rate))).all())
        assert {Decimal("0.035"), Decimal("0.35"), Decimal("0.80")} <= rates
        assert await s.scalar(select(func.count()).select_from(OperationTask)) == 5 + 4 + 3 + 5 + 3
        rush = await s.scalar(select(WorkOrder).where(WorkOrder.priority == 1))
        assert rush.due_date == date(2026, 3, 5)

    assert SAMPLE.skilled("TEST") == ("W09", "W10", "W12", "Q01")
    assert SAMPLE.by_role("supervisor") == ("S01", "S02")
    assert len(SAMPLE.by_role("worker")) == 12


async def test_the_sample_factory_brings_its_settings(tmp_path, sessions):
    path = write_sample_workbook(tmp_path / "factory.xlsx", date(2026, 3, 2))
    sheets = read_workbook([path])
    assert {k: len(sheets[k]) for k in SETTINGS_SHEETS} == {
        "defect_reasons": len(SAMPLE_REASONS), "responsibles": 6, "ladders": len(SAMPLE_LADDERS),
        "shifts": 2, "settings": 4}
    async with sessions() as s, s.begin():
        result = await import_master_data(s, sheets)
    assert all(r.created and not r.removed for r in result.settings.values())
    async with sessions() as s:
        settings = await load_settings(s)
        assert settings.reason("cold_joint").names == {"zh": "虚焊", "en": "cold solder joint"}
        assert [p.code for p in await responsible_for(s, "qc")] == ["Q01"]
        high = await ladder_for(s, "exception_ack", "safety", "high")
        assert [(r.delay.total_seconds(), r.target) for r in high] == [
            (0, "responsible"), (300, "role:supervisor"), (900, "role:manager"),
            (1800, "group:exceptions")]
        sampling = dict((await s.execute(select(Operation.name, Operation.qc_sampling)
                                         .where(Operation.qc_checkpoint.is_(True)))).all())
        assert sampling == {"功能测试": "all", "老化测试": "all", "点亮测试": "every:5"}


def test_settings_sheets_with_chinese_names_and_headers(tmp_path):
    path = save(
        tmp_path / "设置.xlsx",
        升级规则=[("规则", "类型", "级别", "步骤", "延时", "对象"),
                  ("异常响应", "设备", "*", 1, "0", "责任人")],
        责任人=[("类型", "工号"), ("质检", "Q01")],
        班次=[("班次", "班组", "工作日", "开始", "结束"), ("白班", "*", "1-5", "08:00", "17:00")],
        设置=[("参数", "值"), ("返工计薪", "不计")],
        不良原因=[("编码", "中文名称", "英文名称", "排序"), ("burr", "毛刺", "burr", 1)],
    )
    sheets = read_workbook([path])
    assert sheets["ladders"] == [SheetRow("ladders", 2, {
        "ladder": "异常响应", "kind": "设备", "severity": "*", "step": 1, "after": "0",
        "target": "责任人"})]
    assert sheets["settings"] == [SheetRow("settings", 2, {"key": "返工计薪", "value": "不计"})]
    assert sorted(sheets) == sorted(SETTINGS_SHEETS)


def test_a_settings_sheet_needs_its_columns(tmp_path):
    path = save(tmp_path / "x.xlsx", ladders=[("ladder", "step", "target"),
                                             ("qc_waiting", 1, "responsible")])
    with pytest.raises(ImportRejected) as caught:
        read_workbook([path])
    assert [(e.sheet, e.row, e.column, e.key) for e in caught.value.errors] == [
        ("ladders", 1, "after", "import.missing_column")]


async def test_the_import_report_names_each_settings_sheet(tmp_path, sessions):
    path = write_sample_workbook(tmp_path / "factory.xlsx", date(2026, 3, 2))
    async with sessions() as s, s.begin():
        result = await import_master_data(s, read_workbook([path]))
    english = describe_result(result, "en").splitlines()
    assert "ladder steps: 14 created, 0 updated, 0 unchanged, 0 removed" in english
    assert "shifts: 2 created, 0 updated, 0 unchanged, 0 removed" in english
    assert "升级规则步骤：新增 14，更新 0，未变 0，移除 0" in describe_result(result, "zh")
    async with sessions() as s, s.begin():
        again = await import_master_data(s, read_workbook([path]))
    text = describe_result(again, "en")
    assert "defect reasons: 0 created, 0 updated, 9 unchanged, 0 removed" in text
    assert text.endswith("Nothing changed.")
