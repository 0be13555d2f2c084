"""What a generated history holds: its parameters, the settings it plays by, and the records
it keeps in memory for independent checks (tests/known_answers.py)."""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

# --- parameters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryParams:
    workers: int = 300
    days: int = 365
    seed: int = 1
    end: date = date(2026, 11, 20)  # the last local day of the history
    zone: str = "Asia/Shanghai"
    slots_per_shift: int = 36  # reports a worker makes in a shift, about

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    def cache_name(self, schema: str = "") -> str:
        """A file name that changes with anything that changes the database."""
        text = f"{self}|{schema}|{GENERATOR_VERSION}"
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        return f"history-w{self.workers}-d{self.days}-s{self.seed}-{digest}.db"


GENERATOR_VERSION = 5  # bump when the generated data changes: cached files are rebuilt

DAY_SHIFT = ("白班", "08:00", "17:30")
NIGHT_SHIFT = ("夜班", "20:00", "05:00")
WORKDAYS = "1-6"  # Monday to Saturday
UNDO_SECONDS = 600  # FactoryRules.undo_window
TOLERANCE_PCT = 5  # FactoryRules.tolerance_pct
REWORK_PAY = "unpaid_own"
REPORT_WINDOW_MINUTES = 30
CLOCK_FORGOT_MINUTES = 12 * 60
SETTINGS = {"rework_pay": REWORK_PAY, "report_window_minutes": str(REPORT_WINDOW_MINUTES),
            "clock_forgot_minutes": str(CLOCK_FORGOT_MINUTES), "hours_source": "clock",
            "summary_time": "18:00"}

# Operation kinds in routing order: code, name, standard minutes (low, high), QC checkpoint.
OPERATION_KINDS = (
    ("CUT", "下料", 0.3, 1.0, False),
    ("STAMP", "冲压", 0.2, 0.8, False),
    ("CNC", "数控加工", 2.0, 6.0, False),
    ("DRILL", "钻孔", 0.5, 1.5, False),
    ("WELD", "焊接", 1.5, 4.0, False),
    ("SMT", "贴片", 0.2, 0.8, False),
    ("THT", "插件", 1.0, 3.0, False),
    ("SOLDER", "补焊", 0.8, 2.0, False),
    ("GRIND", "打磨", 0.8, 2.5, False),
    ("ASSY", "装配", 1.5, 5.0, False),
    ("PAINT", "喷涂", 0.5, 1.5, False),
    ("TEST", "功能测试", 0.8, 2.5, True),
    ("PACK", "包装", 0.2, 0.6, False),
)
PRODUCT_NAMES = ("控制主板", "电源模块", "散热支架", "机箱外壳", "驱动板", "连接器组件",
                 "传感器模组", "电机端盖", "充电底座", "显示面板", "继电器板", "铝合金面框",
                 "风扇组件", "线束总成", "按键模组", "LED灯板")
DEFECT_REASONS = (("burr", "毛刺", "burr"), ("dimension", "尺寸不良", "dimension"),
                  ("scratch", "划伤", "scratch"), ("cold_joint", "虚焊", "cold solder joint"),
                  ("appearance", "外观不良", "appearance"), ("function", "功能不良", "function"),
                  ("material", "来料不良", "material"), ("other", "其他", "other"))
DEFECT_WEIGHTS = (18, 14, 16, 10, 16, 12, 8, 6)
CUSTOMERS = ("深圳声宝电子", "东莞快充科技", "广州明光照明", "佛山华美电器", "苏州精工机械",
             "宁波海天家电", "厦门星联通信", "中山新能源")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红",
         "建国", "志强", "晓燕", "海燕", "春梅", "国庆", "玉兰", "德明", "小红", "丹", "鹏")
SOURCES = ("photo-scan",) * 6 + ("typed",) * 3 + ("button",)  # how reports come in
# Exceptions: kind, weight, share that stop the line.
EXCEPTION_KINDS = (("equipment", 35, 0.3), ("material", 25, 0.2), ("quality", 25, 0.1),
                   ("safety", 5, 0.2), ("other", 10, 0.0))

# States, as the models spell them.
WAITING, READY, IN_PROGRESS, DONE, BLOCKED = "waiting", "ready", "in_progress", "done", "blocked"


# --- what the history holds ------------------------------------------------------------------
# Plain objects with the models' column names (times are UTC epoch seconds): the simulation
# works on them, the writer turns them into rows, and known-answer checks read them.


@dataclass(slots=True, eq=False)
class Op:
    id: int
    routing_id: int
    seq: int
    code: str
    name: str
    piece_rate: Decimal
    std_minutes: Decimal
    qc: bool


@dataclass
class ProductRec:
    id: int
    code: str
    name: str
    routing_id: int
    operations: list[Op] = field(default_factory=list)


@dataclass(eq=False)
class PersonRec:
    id: int
    code: str
    name: str
    role: str
    team: str
    skills: tuple[str, ...]  # operation codes, the furthest down a routing first
    wage_mode: str
    hourly_rate: Decimal | None
    night: bool = False
    sloppy: bool = False  # reports the afternoon's work after the shift
    rework: deque[ReworkRec] = field(default_factory=deque, repr=False)  # assigned to them


@dataclass(slots=True, eq=False)
class WorkOrderRec:
    id: int
    code: str
    product: ProductRec
    quantity: int
    created_at: int
    released_at: int
    priority: int
    customer: str
    status: str = "released"
    done_at: int | None = None
    due_date: date | None = None  # planned when the history is complete (see finish)
    tasks: list[TaskRec] = field(default_factory=list)


class TaskRec:
    __slots__ = ("id", "wo", "op", "seq", "planned", "good", "scrap", "pending", "rework",
                 "status", "started_at", "done_at", "planned_start", "planned_end", "prev",
                 "next", "blocks", "version")

    def __init__(self, id: int, wo: WorkOrderRec, op: Op, prev: TaskRec | None) -> None:
        self.id, self.wo, self.op, self.seq, self.planned = id, wo, op, op.seq, wo.quantity
        self.good = self.scrap = self.pending = self.rework = self.blocks = 0
        self.status = READY if prev is None else WAITING
        self.started_at: int | None = None
        self.done_at: int | None = None
        self.planned_start: int | None = None
        self.planned_end: int | None = None
        self.prev, self.next, self.version = prev, None, 1
        if prev is not None:
            prev.next = self

    @property
    def processed(self) -> int:
        return self.good + self.pending + self.scrap + self.rework

    @property
    def available(self) -> int:
        """Arrived and not dealt with (domain/flow.py)."""
        arrived = self.planned if self.prev is None else self.prev.good
        return arrived - self.good - self.pending - self.scrap - self.rework


@dataclass(slots=True, eq=False)
class ReportRec:
    id: int
    task: TaskRec
    person: PersonRec
    good: int
    scrap: int
    reason: str | None
    minutes: int
    source: str
    status: str
    accepted: int  # accepted_qty
    rework: ReworkRec | None
    rate: Decimal
    reported_at: int
    started_at: int  # work_started_at
    accepted_at: int | None
    settled: bool  # final: not waiting for QC, nor for an undo
    corrects: ReportRec | None = None
    voided_at: int | None = None
    voided_by: PersonRec | None = None
    void_reason: str | None = None


@dataclass(slots=True, eq=False)
class InspectionRec:
    id: int
    report: ReportRec
    task: TaskRec
    rework: ReworkRec | None
    quantity: int
    created_at: int
    status: str = "pending"
    decided_at: int | None = None
    decided_by: PersonRec | None = None
    passed: int = 0
    reworked: int = 0
    scrapped: int = 0
    reason: str | None = None


@dataclass(slots=True, eq=False)
class ReworkRec:
    id: int
    code: str
    task: TaskRec
    inspection: InspectionRec
    quantity: int
    assignee: PersonRec
    caused_by: PersonRec
    reason: str | None
    created_at: int
    good: int = 0
    scrap: int = 0
    pending: int = 0
    returned: int = 0
    status: str = "open"
    done_at: int | None = None
    version: int = 1

    @property
    def outstanding(self) -> int:
        return self.quantity - self.good - self.scrap - self.pending - self.returned


@dataclass(slots=True, eq=False)
class ExceptionRec:
    id: int
    kind: str
    severity: str
    line_stopped: bool
    wo: WorkOrderRec | None
    task: TaskRec | None
    workstation: str
    comment: str
    reported_by: PersonRec
    reported_at: int
    stopped_since: int | None
    status: str = "open"
    ack_by: PersonRec | None = None
    ack_at: int | None = None
    resolved_by: PersonRec | None = None
    resolved_at: int | None = None
    closed_by: PersonRec | None = None
    closed_at: int | None = None
    downtime: int = 0
    blocks: list[list[Any]] = field(default_factory=list)  # [task, blocked_at, released_at]


@dataclass(slots=True, eq=False)
class ClockRec:
    id: int
    person: PersonRec
    clock_in: int
    clock_out: int | None
    closed_at: int | None
    closed_by: PersonRec | None
    source: str | None
    rate: Decimal | None
    fix_reason: str | None = None
    paid_minutes: int | None = None


@dataclass(slots=True, eq=False)
class AdjustmentRec:
    id: int
    person: PersonRec
    amount: Decimal
    reason: str
    created_by: PersonRec
    created_at: int
    reverses: AdjustmentRec | None = None


@dataclass
class History:
    """What was generated. The row lists are filled only with `keep=True`."""

    params: HistoryParams
    zone: ZoneInfo
    as_of: datetime  # the history ends here (local midnight after its last day)
    products: list[ProductRec]
    people: list[PersonRec]
    shifts: list[tuple[str, str, str, str, str]]  # name, team, weekdays, start, end
    work_orders: list[WorkOrderRec] = field(default_factory=list)
    reports: list[ReportRec] = field(default_factory=list)
    inspections: list[InspectionRec] = field(default_factory=list)
    rework_tasks: list[ReworkRec] = field(default_factory=list)
    exceptions: list[ExceptionRec] = field(default_factory=list)
    clock_entries: list[ClockRec] = field(default_factory=list)
    adjustments: list[AdjustmentRec] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    settings: dict[str, str] = field(default_factory=dict)

    def person(self, code: str) -> PersonRec:
        return next(p for p in self.people if p.code == code)

    @property
    def tasks(self) -> list[TaskRec]:
        return [t for wo in self.work_orders for t in wo.tasks]


def instant(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)

