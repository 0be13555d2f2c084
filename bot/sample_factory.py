"""The demo factory: a small electronics assembler in Shenzhen, as a master-data workbook.

Three products on SMT / through-hole / soldering / test / packing lines, sixteen people and four
orders whose due dates follow `today`, and the factory's settings: defect reasons, who answers
for which kind of exception, escalation ladders, shifts and single values, and materials with
their stock and each product's BOM (enough for every order). Some sheets use the
Chinese names and headers and the others the English ones, so one file shows that both are
understood. `SAMPLE` holds the same data
for demo scripts (who has which skill, which orders exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from bot.workbook import HEADER_ALIASES


@dataclass(frozen=True)
class SamplePerson:
    code: str
    name: str
    role: str
    team: str
    skills: tuple[str, ...]
    wage_mode: str
    hourly_rate: str | None  # yuan per hour, as text: money is never a float
    language: str | None


@dataclass(frozen=True)
class SampleOperation:
    seq: int
    code: str
    name: str
    piece_rate: str  # yuan per piece, as text
    std_minutes: str
    qc: bool = False
    sampling: str | None = None  # 抽检 at a QC checkpoint; None: every report


@dataclass(frozen=True)
class SampleProduct:
    code: str
    name: str
    operations: tuple[SampleOperation, ...]


@dataclass(frozen=True)
class SampleOrderLine:
    order_no: str
    customer: str
    product_code: str
    quantity: int
    due_in_days: int
    priority: int


@dataclass(frozen=True)
class SampleFactory:
    people: tuple[SamplePerson, ...]
    products: tuple[SampleProduct, ...]
    orders: tuple[SampleOrderLine, ...]

    def person(self, code: str) -> SamplePerson:
        return next(p for p in self.people if p.code == code)

    def skilled(self, operation_code: str) -> tuple[str, ...]:
        """Codes of the workers who can do an operation."""
        return tuple(p.code for p in self.people if operation_code in p.skills)

    def by_role(self, role: str) -> tuple[str, ...]:
        return tuple(p.code for p in self.people if p.role == role)


def _op(seq: int, code: str, name: str, rate: str, minutes: str, qc: bool = False,
        sampling: str | None = None):
    return SampleOperation(seq, code, name, rate, minutes, qc, sampling)


SAMPLE = SampleFactory(
    people=(
        SamplePerson("W01", "张伟", "worker", "贴片组", ("SMT",), "piece", None, "zh"),
        SamplePerson("W02", "王芳", "worker", "贴片组", ("SMT", "SOLDER"), "piece", None, "zh"),
        SamplePerson("W03", "李娜", "worker", "贴片组", ("SMT",), "mixed", "12.50", None),
        SamplePerson("W04", "刘洋", "worker", "插件组", ("THT",), "piece", None, "zh"),
        SamplePerson("W05", "陈静", "worker", "插件组", ("THT", "SOLDER"), "piece", None, "zh"),
        SamplePerson("W06", "杨磊", "worker", "插件组", ("THT",), "piece", None, None),
        SamplePerson("W07", "赵敏", "worker", "焊接组", ("SOLDER",), "piece", None, "zh"),
        SamplePerson("W08", "黄勇", "worker", "焊接组", ("SOLDER", "THT"), "mixed", "13.00", "zh"),
        SamplePerson("W09", "周婷", "worker", "测试包装组", ("TEST",), "hourly", "22.50", "zh"),
        SamplePerson("W10", "吴强", "worker", "测试包装组", ("TEST", "PACK"), "hourly", "21.00",
                     "zh"),
        SamplePerson("W11", "徐丽", "worker", "测试包装组", ("PACK",), "piece", None, "zh"),
        SamplePerson("W12", "孙浩", "worker", "测试包装组", ("PACK", "TEST"), "piece", None, "en"),
        SamplePerson("S01", "马建国", "supervisor", "贴片组", (), "hourly", "30.00", "zh"),
        SamplePerson("S02", "胡秀英", "supervisor", "测试包装组", (), "hourly", "30.00", "zh"),
        SamplePerson("Q01", "郭晓燕", "qc", "品质部", ("TEST",), "hourly", "26.00", "zh"),
        SamplePerson("M01", "林志强", "manager", "厂部", (), "hourly", "45.00", "zh"),
    ),
    products=(
        SampleProduct("BT-200", "蓝牙音箱主板", (
            _op(10, "SMT", "贴片", "0.35", "0.8"),
            _op(20, "THT", "插件", "0.80", "2.5"),
            _op(30, "SOLDER", "焊接", "0.60", "1.5"),
            _op(40, "TEST", "功能测试", "0.50", "1.2", qc=True),
            _op(50, "PACK", "包装", "0.20", "0.5"),
        )),
        SampleProduct("CH-65W", "65W快充充电器", (
            _op(10, "THT", "插件", "1.20", "3.0"),
            _op(20, "SOLDER", "焊接", "0.90", "2.0"),
            _op(30, "TEST", "老化测试", "0.75", "2.0", qc=True),
            _op(40, "PACK", "包装", "0.30", "0.6"),
        )),
        SampleProduct("LED-12", "LED驱动板", (
            _op(10, "SMT", "贴片", "0.035", "0.2"),
            _op(20, "TEST", "点亮测试", "0.15", "0.4", qc=True, sampling="每5件"),
            _op(30, "PACK", "包装", "0.08", "0.2"),
        )),
    ),
    orders=(
        SampleOrderLine("SO-2601", "深圳声宝电子", "BT-200", 500, 5, 2),
        SampleOrderLine("SO-2602", "东莞快充科技", "CH-65W", 1000, 10, 3),
        SampleOrderLine("SO-2602", "东莞快充科技", "LED-12", 300, 12, 3),
        SampleOrderLine("SO-2603", "深圳声宝电子", "BT-200", 200, 14, 4),
        SampleOrderLine("SO-2604", "广州明光照明", "LED-12", 2000, 3, 1),
    ),
)

# The factory's settings sheets, as a factory fills them in (Chinese or English words).
SAMPLE_REASONS = (  # code, 中文名称, English name
    ("burr", "毛刺", "burr"),
    ("cold_joint", "虚焊", "cold solder joint"),
    ("bridge", "连锡", "solder bridge"),
    ("missing", "漏件", "missing part"),
    ("polarity", "极性反", "reversed polarity"),
    ("appearance", "外观不良", "appearance"),
    ("function", "功能不良", "function"),
    ("material", "来料不良", "material"),
    ("other", "其他", "other"),
)
SAMPLE_RESPONSIBLES = (("设备", "S01"), ("缺料", "M01"), ("质量", "Q01"), ("安全", "M01"),
                       ("其他", "S02"), ("质检", "Q01"))
SAMPLE_LADDERS = (  # ladder, kind, severity, step, after, target
    ("exception_ack", "*", "*", 1, "0", "responsible"),
    ("exception_ack", "*", "*", 2, "10m", "role:supervisor"),
    ("exception_ack", "*", "*", 3, "30m", "role:manager"),
    ("exception_ack", "*", "*", 4, "1h", "group:exceptions"),
    # A line stop or a safety problem climbs faster.
    ("exception_ack", "*", "high", 1, "0", "responsible"),
    ("exception_ack", "*", "high", 2, "5m", "role:supervisor"),
    ("exception_ack", "*", "high", 3, "15m", "role:manager"),
    ("exception_ack", "*", "high", 4, "30m", "group:exceptions"),
    ("exception_resolve", "*", "*", 1, "2h", "responsible"),
    ("exception_resolve", "*", "*", 2, "4h", "role:supervisor"),
    ("exception_resolve", "*", "*", 3, "8h", "role:manager"),
    ("qc_waiting", "*", "*", 1, "0", "responsible"),
    ("qc_waiting", "*", "*", 2, "30m", "role:supervisor"),
    ("qc_waiting", "*", "*", 3, "2h", "role:manager"),
)
# Two twelve-hour shifts, every day: somebody is always on the floor.
SAMPLE_SHIFTS = (("白班", "*", "1-7", "08:00", "20:00"), ("夜班", "*", "1-7", "20:00", "08:00"))
SAMPLE_SETTINGS = (("rework_pay", "unpaid_own"), ("qc_wait_minutes", 30),
                   ("exception_autoclose_minutes", 240), ("shift_report_lead_minutes", 15))

# Materials 物料 with their stock, and each product's BOM: enough stock for every order.
SAMPLE_MATERIALS = (  # code, 名称, 单位, 库存
    ("PCB-BT200", "蓝牙主板PCB", "片", 800),
    ("IC-BT5", "蓝牙芯片BT5.0", "pcs", 1000),
    ("CN-SPK", "喇叭插座", "个", 1600),
    ("SOLDER-W", "无铅焊锡丝", "kg", Decimal("5")),
    ("BOX-S", "小号彩盒", "个", 800),
    ("TRF-65W", "65W变压器", "个", 1200),
    ("CASE-65W", "充电器外壳", "套", 1100),
    ("PCB-LED12", "LED驱动板PCB", "片", 2500),
    ("LED-2835", "2835灯珠", "pcs", 30000),
    ("BAG-S", "防静电袋", "个", 3000),
)
SAMPLE_BOM = (  # product, material, per unit, operation (blank: the first)
    ("BT-200", "PCB-BT200", 1, None), ("BT-200", "IC-BT5", 1, "SMT"),
    ("BT-200", "CN-SPK", 2, "THT"), ("BT-200", "SOLDER-W", Decimal("0.002"), "SOLDER"),
    ("BT-200", "BOX-S", 1, "PACK"),
    ("CH-65W", "TRF-65W", 1, "THT"), ("CH-65W", "SOLDER-W", Decimal("0.003"), "SOLDER"),
    ("CH-65W", "CASE-65W", 1, "PACK"),
    ("LED-12", "PCB-LED12", 1, None), ("LED-12", "LED-2835", 12, "SMT"),
    ("LED-12", "BAG-S", 1, "PACK"),
)

_YES_NO = {True: "yes", False: "no"}


def _chinese(sheet: str, column: str) -> str:
    return next(a for a in HEADER_ALIASES[sheet][column] if not a.isascii())


def write_sample_workbook(path: Path, today: date) -> Path:
    """Write the demo factory's master data to `path` (.xlsx) and return the path."""
    book = Workbook()
    people = book.active
    people.title = "人员"
    columns = ("code", "name", "role", "team", "skills", "wage_mode", "hourly_rate", "language")
    people.append([_chinese("people", c) for c in columns])
    for p in SAMPLE.people:
        people.append([p.code, p.name, p.role, p.team, ",".join(p.skills), p.wage_mode,
                       Decimal(p.hourly_rate) if p.hourly_rate else None, p.language])

    products = book.create_sheet("products")
    products.append(["product_code", "product_name", "sequence", "operation_code",
                     "operation_name", "piece_rate", "std_minutes", "qc", "qc_sampling"])
    for product in SAMPLE.products:
        for op in product.operations:
            products.append([product.code, product.name, op.seq, op.code, op.name,
                             Decimal(op.piece_rate), Decimal(op.std_minutes), _YES_NO[op.qc],
                             op.sampling or ("全检" if op.qc else None)])

    orders = book.create_sheet("orders")
    orders.append(["order_no", "customer", "product_code", "quantity", "due_date", "priority"])
    for line in SAMPLE.orders:
        orders.append([line.order_no, line.customer, line.product_code, line.quantity,
                       today + timedelta(days=line.due_in_days), line.priority])
        orders.cell(orders.max_row, 5).number_format = "yyyy-mm-dd"

    _settings_sheets(book)
    _material_sheets(book)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _settings_sheets(book: Workbook) -> None:
    """The settings sheets: two with Chinese sheet names and headers, the others in English."""
    reasons = book.create_sheet("不良原因")
    reasons.append([_chinese("defect_reasons", c) for c in ("code", "name_zh", "name_en")])
    for row in SAMPLE_REASONS:
        reasons.append(list(row))
    responsibles = book.create_sheet("responsibles")
    responsibles.append(["kind", "person"])
    for row in SAMPLE_RESPONSIBLES:
        responsibles.append(list(row))
    ladders = book.create_sheet("升级规则")
    columns = ("ladder", "kind", "severity", "step", "after", "target")
    ladders.append([_chinese("ladders", c) for c in columns])
    for row in SAMPLE_LADDERS:
        ladders.append(list(row))
    shifts = book.create_sheet("shifts")
    shifts.append(["name", "team", "weekdays", "start", "end"])
    for row in SAMPLE_SHIFTS:
        shifts.append(list(row))
    settings = book.create_sheet("settings")
    settings.append(["key", "value"])
    for row in SAMPLE_SETTINGS:
        settings.append(list(row))


def _material_sheets(book: Workbook) -> None:
    """Materials with Chinese sheet name and headers, the BOM in English."""
    stock = book.create_sheet("物料")
    columns = ("material_code", "material_name", "unit", "on_hand")
    stock.append([_chinese("materials", c) for c in columns])
    for row in SAMPLE_MATERIALS:
        stock.append(list(row))
    bom = book.create_sheet("bom")
    bom.append(["product_code", "material_code", "qty_per_unit", "operation_code"])
    for row in SAMPLE_BOM:
        bom.append(list(row))
