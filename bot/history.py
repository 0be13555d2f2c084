"""A factory's history, generated: a year of a 300-worker shop floor in a few minutes.

`generate(path, HistoryParams(...))` builds a fresh SQLite file at the real schema (the Alembic
migrations) and plays the factory day by day: products with routings of 3-6 operations (some
QC checkpoints), teams, workers paid by the piece, by the hour or both, a day shift and a night
shift. Work orders are released when the first operations run dry; every worker reports ~30
times a shift on the tasks their skills allow, pulling from the operations furthest down the
routing first; checkpoint reports wait for an inspector who passes them or splits them into
rework and scrap; rework comes back through its own reports and inspections; workers undo a
mistyped report now and then and type it again; exceptions are acknowledged and resolved, line
stops block their work order's tasks meanwhile; hourly staff clock in and out (and sometimes
forget, fixed by their supervisor); supervisors enter bonuses and deductions.

It is a simulation of the same rules the app applies (the flow rule, QC holds, the rework
policy, task and work-order states as domain/progress.py computes them), so every row is one
the app could have written. Rows go in with executemany in big batches, in one transaction.

Everything is drawn from one seeded RNG: the same parameters give the same database. With
`keep=True` the rows also stay in memory (`History`), so an independent computation can check
the domain's wage and KPI code against them (tests/known_answers.py).

    gongdan generate-history --workers 300 --days 365 --seed 1 --db var/history.db
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import random
import sqlite3
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from domain.models import Base
from domain.payload import rework_code

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


# --- the calendar ----------------------------------------------------------------------------


class _Calendar:
    """Local days as UTC epoch seconds: midnights, shifts, and which day an instant falls on."""

    def __init__(self, params: HistoryParams) -> None:
        self.zone = ZoneInfo(params.zone)
        # A week and more past the end: work waiting then is scheduled (never played) beyond it.
        self.days = [params.start + timedelta(days=n) for n in range(params.days + 10)]
        self.midnights = [self.at(d, "00:00") for d in self.days]

    def at(self, day: date, hhmm: str) -> int:
        hours, minutes = map(int, hhmm.split(":"))
        return int(datetime.combine(day, clock_time(hours, minutes), tzinfo=self.zone).timestamp())

    def shift(self, index: int, spec: tuple[str, str, str]) -> tuple[int, int]:
        day = self.days[index]
        start, end = self.at(day, spec[1]), self.at(day, spec[2])
        if end <= start:
            end = self.at(day + timedelta(days=1), spec[2])
        return start, end

    def workday(self, index: int) -> bool:
        return self.days[index].isoweekday() <= 6

    def day_index(self, epoch: int) -> int:
        return bisect.bisect_right(self.midnights, epoch) - 1


# --- rows ------------------------------------------------------------------------------------

_MINUTE_TEXT: dict[int, str] = {}


def _ts(epoch: int | None) -> str | None:
    """An instant as SQLAlchemy stores a DateTime on SQLite (naive UTC, microseconds)."""
    if epoch is None:
        return None
    minute, second = divmod(epoch, 60)
    text = _MINUTE_TEXT.get(minute)
    if text is None:
        text = _MINUTE_TEXT[minute] = f"{datetime.fromtimestamp(minute * 60, UTC):%Y-%m-%d %H:%M}"
    return f"{text}:{second:02d}.000000"


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _check_storage_format() -> None:
    """The rows are written as text the ORM would have written: prove it once."""
    from sqlalchemy.dialects import sqlite

    bind = sqlite.DATETIME().bind_processor(sqlite.dialect())
    sample = datetime(2026, 3, 4, 5, 6, 7)
    assert bind is not None and bind(sample) == _ts(int(sample.replace(tzinfo=UTC).timestamp()))


# Columns written per table, in the order the row functions produce them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("id", "code", "name", "role", "team", "skills", "wage_mode", "hourly_rate",
               "language", "telegram_user_id", "active", "registered_at", "created_at"),
    "product": ("id", "code", "name"),
    "routing": ("id", "product_id", "version"),
    "operation": ("id", "routing_id", "seq", "code", "name", "piece_rate", "std_minutes",
                  "qc_checkpoint", "qc_sampling", "workstation"),
    "customer_order": ("id", "order_no", "customer", "due_date", "priority", "created_at"),
    "work_order": ("id", "code", "order_id", "product_id", "routing_id", "quantity", "due_date",
                   "priority", "status", "version", "created_at", "released_at", "done_at"),
    "operation_task": ("id", "work_order_id", "operation_id", "seq", "planned_qty", "good_qty",
                       "scrap_qty", "pending_qc_qty", "rework_qty", "status", "version",
                       "started_at", "done_at", "planned_start", "planned_end"),
    "work_report": ("id", "task_id", "person_id", "good_qty", "scrap_qty", "scrap_reason",
                    "minutes", "source", "idempotency_key", "status", "accepted_qty",
                    "rework_task_id", "piece_rate", "reported_at", "work_started_at",
                    "accepted_at", "voided_at", "voided_by", "void_reason", "corrects_id"),
    "qc_inspection": ("id", "report_id", "task_id", "rework_task_id", "quantity", "status",
                      "created_at", "decided_at", "decided_by", "pass_qty", "rework_qty",
                      "scrap_qty", "defect_reason", "notice_outbox_ids"),
    "rework_task": ("id", "code", "task_id", "work_order_id", "operation_id", "inspection_id",
                    "quantity", "good_qty", "scrap_qty", "pending_qc_qty", "returned_qty",
                    "status", "assignee_id", "caused_by_id", "defect_reason", "created_at",
                    "done_at", "version"),
    "floor_exception": ("id", "kind", "severity", "status", "line_stopped", "work_order_id",
                        "task_id", "workstation", "comment", "reported_by", "reported_at",
                        "acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at",
                        "closed_at", "closed_by", "stopped_since", "downtime_seconds",
                        "group_outbox_ids", "version"),
    "exception_block": ("exception_id", "task_id", "blocked_at", "released_at"),
    "clock_entry": ("id", "person_id", "open_person_id", "clock_in_at", "clock_out_at",
                    "closed_at", "closed_by", "close_source", "fix_reason", "hourly_rate",
                    "paid_minutes", "idempotency_key", "created_at"),
    "wage_adjustment": ("id", "person_id", "amount", "reason", "created_by", "created_at",
                        "reverses_id", "idempotency_key"),
    "shift": ("id", "name", "team", "weekdays", "start", "end"),
    "defect_reason": ("id", "code", "name_zh", "name_en", "sort", "active"),
    "factory_setting": ("key", "value"),
    "responsibility": ("id", "kind", "person_id"),
}


def _check_columns() -> None:
    """Every NOT NULL column without a database default is written (raw inserts skip the
    models' Python defaults), and every name written exists."""
    for name, columns in COLUMNS.items():
        table = Base.metadata.tables[name]
        unknown = set(columns) - set(table.c.keys())
        assert not unknown, (name, unknown)
        for column in table.c:
            if (not column.nullable and column.server_default is None
                    and column.name not in columns):
                raise AssertionError(f"{name}.{column.name} is NOT NULL and not written")


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)  # quoted: "start" and "end" are SQL words
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"


class _Writer:
    """Buffers rows per table and writes them with executemany in big batches."""

    BATCH = 50_000

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.sql = {name: _insert_sql(name, columns) for name, columns in COLUMNS.items()}

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        rows = self.rows[table]
        rows.append(row)
        if len(rows) >= self.BATCH:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.rows):
            rows = self.rows[name]
            if rows:
                self.connection.executemany(self.sql[name], rows)
                self.counts[name] += len(rows)
                rows.clear()


# --- the factory -----------------------------------------------------------------------------


def _rate(rng: random.Random, std_minutes: float) -> Decimal:
    """About 0.40 yuan per standard minute, with 2 to 4 decimals."""
    value = Decimal(str(std_minutes * 0.40 * rng.uniform(0.8, 1.25)))
    places = rng.choice((2, 2, 3, 4))
    rate = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return max(rate, Decimal("0.01"))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _yuan(rng: random.Random, low: int, high: int, step: int = 50) -> Decimal:
    """An amount between `low` and `high` cents, in steps of `step` cents."""
    return Decimal(rng.randrange(low, high + 1, step)) / 100


class _Factory:
    """Products, people, shifts and settings (master data), all from the RNG."""

    def __init__(self, params: HistoryParams, rng: random.Random) -> None:
        self.products: list[ProductRec] = []
        self.operations: list[Op] = []
        ids = iter(range(1, 10**6))
        op_ids = iter(range(1, 10**6))
        count = max(4, min(len(PRODUCT_NAMES), params.workers // 20))
        kinds = list(enumerate(OPERATION_KINDS))
        middle = kinds[:-2]  # TEST and PACK come last
        if params.workers < 4 * len(middle):  # a small factory: a few people on each kind
            middle = sorted(rng.sample(middle, max(2, params.workers // 4)))
        pool = middle + kinds[-2:-1]
        for n in range(count):
            product_id = next(ids)
            size = rng.randint(3, min(6, len(pool) + 1))
            chosen = sorted(rng.sample(pool, size - 1)) + [kinds[-1]]  # PACK last
            if not any(k[1][4] for k in chosen) and rng.random() < 0.7:  # most get a TEST
                chosen[rng.randrange(size - 1)] = kinds[-2]
                chosen = sorted(chosen[:-1]) + [kinds[-1]]
            product = ProductRec(product_id, f"P-{n + 1:03d}", PRODUCT_NAMES[n % len(PRODUCT_NAMES)]
                                 + ("" if n < len(PRODUCT_NAMES) else f"{n // len(PRODUCT_NAMES)}"),
                                 product_id)
            for i, (_, (code, name, low, high, qc)) in enumerate(chosen):
                std = round(rng.uniform(low, high), 1)
                op = Op(id=next(op_ids), routing_id=product.routing_id, seq=(i + 1) * 10,
                        code=code, name=name, piece_rate=_rate(rng, std),
                        std_minutes=Decimal(str(std)), qc=qc or (i < len(chosen) - 1
                                                                and rng.random() < 0.08))
                product.operations.append(op)
                self.operations.append(op)
            self.products.append(product)

        # Workers per operation kind, by the standard minutes of work it carries.
        load: dict[str, float] = defaultdict(float)
        for op in self.operations:
            load[op.code] += float(op.std_minutes)
        codes = sorted(load, key=lambda c: [k[0] for k in OPERATION_KINDS].index(c))
        team_names = {c: next(k[1] for k in OPERATION_KINDS if k[0] == c) + "组" for c in codes}
        total = sum(load.values())
        seats = {c: max(1, round(params.workers * load[c] / total)) for c in codes}
        while sum(seats.values()) > params.workers:
            biggest = max(seats, key=lambda c: (seats[c], c))
            seats[biggest] -= 1
        while sum(seats.values()) < params.workers:
            seats[min(seats, key=lambda c: (seats[c] / load[c], c))] += 1
        self.teams = [team_names[c] for c in codes if seats[c]]
        night_code = max(codes, key=lambda c: (seats[c], c)) if params.workers >= 10 else None
        self.night_team = team_names[night_code] if night_code else None

        self.people: list[PersonRec] = []
        person_ids = iter(range(1, 10**6))
        number = 0
        rank = {kind[0]: i for i, kind in enumerate(OPERATION_KINDS)}
        for code in codes:
            neighbours = [c for c in codes if c != code]
            for _ in range(seats[code]):
                number += 1
                skills = [code]
                if rng.random() < 0.3 and neighbours:
                    skills.append(rng.choice(neighbours))
                mode = rng.choices(("piece", "hourly", "mixed"), (70, 15, 15))[0]
                rate = (_yuan(rng, 1800, 3200, 25) if mode == "hourly"
                        else _yuan(rng, 800, 1400, 25) if mode == "mixed" else None)
                skills.sort(key=lambda c: -rank[c])  # pull: the furthest operation first
                self.people.append(PersonRec(
                    next(person_ids), f"W{number:04d}", _name(rng), "worker", team_names[code],
                    tuple(skills), mode, rate, night=team_names[code] == self.night_team,
                    sloppy=rng.random() < 0.2))
        self.supervisors: dict[str, PersonRec] = {}
        for n, team in enumerate(self.teams, start=1):
            person = PersonRec(next(person_ids), f"S{n:02d}", _name(rng), "supervisor", team,
                               (), "hourly", _yuan(rng, 2800, 3800, 50),
                               night=team == self.night_team)
            self.supervisors[team] = person
            self.people.append(person)
        self.inspectors = [PersonRec(next(person_ids), f"Q{n:02d}", _name(rng), "qc", "品质部",
                                     ("TEST",), "hourly", _yuan(rng, 2400, 3000, 50))
                           for n in range(1, max(2, params.workers // 50) + 1)]
        self.managers = [PersonRec(next(person_ids), f"M{n:02d}", _name(rng), "manager", "厂部",
                                   (), "hourly", _yuan(rng, 4000, 6000, 100))
                         for n in (1, 2)]
        self.people += self.inspectors + self.managers
        self.workers = [p for p in self.people if p.role == "worker"]
        self.skilled: dict[str, list[PersonRec]] = defaultdict(list)
        for person in self.workers:
            for skill in person.skills:
                self.skilled[skill].append(person)
        self.shifts = [(DAY_SHIFT[0], "*", WORKDAYS, DAY_SHIFT[1], DAY_SHIFT[2])]
        if self.night_team:
            self.shifts.append((NIGHT_SHIFT[0], self.night_team, WORKDAYS, NIGHT_SHIFT[1],
                                NIGHT_SHIFT[2]))

    def write(self, writer: _Writer, created_at: int) -> None:
        stamp = _ts(created_at)
        for p in self.people:
            writer.add("person", (p.id, p.code, p.name, p.role, p.team, ",".join(p.skills),
                                  p.wage_mode, _money(p.hourly_rate), "zh", 800_000_000 + p.id, 1,
                                  stamp, stamp))
        for product in self.products:
            writer.add("product", (product.id, product.code, product.name))
            writer.add("routing", (product.routing_id, product.id, 1))
        for op in self.operations:
            writer.add("operation", (op.id, op.routing_id, op.seq, op.code, op.name,
                                     _money(op.piece_rate), float(op.std_minutes), int(op.qc),
                                     "all", None))
        for n, (name, team, days, start, end) in enumerate(self.shifts, start=1):
            writer.add("shift", (n, name, team, days, start, end))
        for n, (code, zh, en) in enumerate(DEFECT_REASONS, start=1):
            writer.add("defect_reason", (n, code, zh, en, n, 1))
        for key, value in SETTINGS.items():
            writer.add("factory_setting", (key, value))
        responsible = [("equipment", self.supervisors[self.teams[0]].id),
                       ("material", self.managers[0].id), ("quality", self.inspectors[0].id),
                       ("safety", self.managers[0].id), ("other", self.managers[1].id),
                       ("qc", self.inspectors[0].id)]
        for n, (kind, person_id) in enumerate(responsible, start=1):
            writer.add("responsibility", (n, kind, person_id))


# --- the simulation --------------------------------------------------------------------------

# Event kinds, in the order they are handled when they fall on the same second.
SLOT, DECIDE, VOID, EXC_REPORT, EXC_ACK, EXC_RESOLVE, EXC_CLOSE = range(7)


class _Simulation:
    def __init__(self, params: HistoryParams, writer: _Writer, keep: bool) -> None:
        self.params = params
        self.rng = random.Random(params.seed)
        self.calendar = _Calendar(params)
        self.factory = _Factory(params, self.rng)
        self.writer = writer
        self.keep = keep
        self.as_of = self.calendar.midnights[params.days]
        self.events: list[tuple[int, int, int, Any]] = []
        self.sequence = 0
        self.work_orders: list[WorkOrderRec] = []
        # Per operation code, the tasks that can take a report now, oldest first.
        self.ready: dict[str, dict[TaskRec, None]] = defaultdict(dict)
        self.unsettled: dict[int, ReportRec] = {}
        self.pending_inspections: dict[int, InspectionRec] = {}
        self.kept_reports: list[ReportRec] = []
        self.kept_inspections: list[InspectionRec] = []
        self.rework_tasks: list[ReworkRec] = []
        self.exceptions: list[ExceptionRec] = []
        self.clock_entries: list[ClockRec] = []
        self.adjustments: list[AdjustmentRec] = []
        self.ids: dict[str, int] = defaultdict(int)
        self.slot_seconds = (9.5 * 3600) / params.slots_per_shift
        self.first_ops: dict[str, list[ProductRec]] = defaultdict(list)
        for product in self.factory.products:
            self.first_ops[product.operations[0].code].append(product)
        # Work in progress is capped per first operation (CONWIP): new work orders start only
        # when earlier ones finished, so the floor neither runs dry nor piles up.
        self.open_cap = {code: 4 * len(products) + 1 for code, products in self.first_ops.items()}
        self.open_count: dict[str, int] = defaultdict(int)
        self.handlers: dict[int, Callable[[int, Any], None]] = {
            SLOT: self._slot, DECIDE: self._decide, VOID: self._void,
            EXC_REPORT: self._exception_reported, EXC_ACK: self._exception_acknowledged,
            EXC_RESOLVE: self._exception_resolved, EXC_CLOSE: self._exception_closed}

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def push(self, at: int, kind: int, payload: Any) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (at, kind, self.sequence, payload))

    # --- the main loop -----------------------------------------------------------------------

    def run(self) -> None:
        for index in range(self.params.days):
            if self.calendar.workday(index):
                self._plan_day(index)
            horizon = min(self.calendar.midnights[index + 1], self.as_of)
            events = self.events
            while events and events[0][0] < horizon:
                at, kind, _, payload = heapq.heappop(events)
                self.handlers[kind](at, payload)
            if self.calendar.days[index + 1].day == 1:
                self._month_end_bonuses(index)

    def _plan_day(self, index: int) -> None:
        rng, calendar = self.rng, self.calendar
        day_start, day_end = calendar.shift(index, DAY_SHIFT)
        night_start, night_end = calendar.shift(index, NIGHT_SHIFT)
        present: list[tuple[PersonRec, int, int]] = []
        for person in self.factory.people:
            start, end = (night_start, night_end) if person.night else (day_start, day_end)
            if rng.random() < 0.03:
                continue  # absent today
            present.append((person, start, end))
            if person.role == "worker":
                self._plan_slots(person, start, end)
            if person.wage_mode in ("hourly", "mixed"):
                self._clock(person, start, end)
            if rng.random() < 0.002:
                self._adjust(person, start, end, bonus=False)
        workers = [p for p in present if p[0].role == "worker"]
        for _ in range(self._poisson(max(0.8, len(workers) / 120))):
            person, start, end = rng.choice(workers)
            self.push(rng.randrange(start, end), EXC_REPORT, person)

    def _poisson(self, mean: float) -> int:
        count, total = 0, self.rng.expovariate(1.0)
        while total < mean:
            count += 1
            total += self.rng.expovariate(1.0)
        return count

    def _plan_slots(self, person: PersonRec, start: int, end: int) -> None:
        rng = self.rng
        slots = self.params.slots_per_shift + rng.randint(-3, 3)
        step = (end - start) / slots
        for n in range(slots):
            opened = int(start + n * step + rng.uniform(0, step * 0.6))
            reported = opened + rng.randint(30, 240)
            # Entered after the shift: now and then the last job, and the afternoon's work of
            # the people who report everything at the end.
            late = (end - opened < 3 * 3600 and rng.random() < 0.5 if person.sloppy
                    else end - opened < 3600 and rng.random() < 0.1)
            if late:
                reported = end + rng.randint(5 * 60, 150 * 60)
            self.push(reported, SLOT, (person, opened))

    # --- work orders -------------------------------------------------------------------------

    def _release(self, product: ProductRec, at: int) -> WorkOrderRec:
        rng = self.rng
        number = self.next_id("work_order")
        wo = WorkOrderRec(id=number, code=f"WO-{number:06d}", product=product,
                          quantity=rng.randrange(200, 3001, 50),
                          created_at=at - rng.randint(3600, 2 * 86400), released_at=at,
                          priority=rng.choices((1, 2, 3, 4, 5), (5, 15, 50, 20, 10))[0],
                          customer=rng.choice(CUSTOMERS))
        previous = None
        for op in product.operations:
            task = TaskRec(self.next_id("operation_task"), wo, op, previous)
            wo.tasks.append(task)
            previous = task
        self._touch(wo.tasks[0])
        self.work_orders.append(wo)
        return wo

    def _pick(self, person: PersonRec, at: int) -> TaskRec | None:
        for code in person.skills:
            ready = self.ready[code]
            if ready:
                return next(iter(ready))
        for code in person.skills:  # nothing to do: start a new work order if allowed
            if code in self.first_ops and self.open_count[code] < self.open_cap[code]:
                self.open_count[code] += 1
                wo = self._release(self.rng.choice(self.first_ops[code]), at)
                return wo.tasks[0]
        return None  # idle this time

    def _touch(self, task: TaskRec | None) -> None:
        """Keep `ready` (tasks with pieces to work on and no line stop) up to date."""
        if task is None:
            return
        ready = self.ready[task.op.code]
        if task.blocks == 0 and task.available > 0:
            if task not in ready:
                ready[task] = None
        else:
            ready.pop(task, None)

    def _refresh(self, wo: WorkOrderRec, at: int) -> None:
        """domain/progress.py's refresh, on the simulation's objects."""
        previous: TaskRec | None = None
        all_done, any_processed = True, False
        for task in wo.tasks:
            processed = task.good + task.pending + task.scrap + task.rework
            if task.status != BLOCKED:
                arrived = task.planned if previous is None else previous.good
                if ((previous is None or previous.status == DONE) and processed >= arrived
                        and task.pending == 0 and task.rework == 0):
                    task.status = DONE
                    if task.done_at is None:
                        task.done_at = at
                else:
                    task.status = (IN_PROGRESS if processed > 0
                                   else READY if arrived > 0 else WAITING)
                    task.done_at = None
                if processed > 0 and task.started_at is None:
                    task.started_at = at
            all_done = all_done and task.status == DONE
            any_processed = any_processed or processed > 0
            self._touch(task)
            previous = task
        if all_done:
            if wo.done_at is None:
                wo.done_at = at
                self.open_count[wo.tasks[0].op.code] -= 1
            wo.status = "done"
        else:
            wo.status = "in_progress" if any_processed else "released"
            wo.done_at = None

    # --- reports -----------------------------------------------------------------------------

    def _report(self, person: PersonRec, task: TaskRec, at: int, opened: int, *, good: int,
                scrap: int, rework: ReworkRec | None = None, corrects: ReportRec | None = None,
                rate: Decimal | None = None) -> ReportRec:
        rng = self.rng
        held = good > 0 and (rework is not None or task.op.qc)
        report = ReportRec(
            id=self.next_id("work_report"), task=task, person=person, good=good, scrap=scrap,
            reason=rng.choices(DEFECT_REASONS, DEFECT_WEIGHTS)[0][0] if scrap else None,
            minutes=max(1, round((good + scrap) * float(task.op.std_minutes)
                                 * rng.uniform(0.8, 1.3))),
            source=SOURCES[int(rng.random() * len(SOURCES))],
            status="pending_qc" if held else "accepted", accepted=0 if held else good,
            rework=rework, rate=task.op.piece_rate if rate is None else rate, reported_at=at,
            started_at=opened, accepted_at=None if held or not good else at, settled=not held,
            corrects=corrects)
        task.version += 1
        if rework is not None:
            task.scrap += scrap
            task.rework -= scrap
            self._rework_change(rework, at, pending=good, scrap=scrap)
        elif held:
            task.pending += good
            task.scrap += scrap
        else:
            task.good += good
            task.scrap += scrap
        if held:
            self._hold(report, at)
        elif rework is None and not task.op.qc and good > 1 and rng.random() < 0.006:
            report.settled = False  # mistyped: undone and typed again within the undo window
            self.push(at + rng.randint(45, UNDO_SECONDS - 30), VOID, report)
        if not report.settled:
            self.unsettled[report.id] = report
        else:
            self._settle(report)
        self._refresh(task.wo, at)
        return report

    def _slot(self, at: int, payload: tuple[PersonRec, int]) -> None:
        person, opened = payload
        rng = self.rng
        while person.rework and person.rework[0].outstanding == 0:
            person.rework.popleft()
        for rework in person.rework:
            if rework.outstanding and rework.task.blocks == 0:
                left = rework.outstanding
                scrap = 1 if left >= 2 and rng.random() < 0.1 else 0
                rate = (Decimal("0") if REWORK_PAY == "unpaid" or (
                    REWORK_PAY == "unpaid_own" and rework.caused_by is person)
                    else rework.task.op.piece_rate)
                self._report(person, rework.task, at, opened, good=left - scrap, scrap=scrap,
                             rework=rework, rate=rate)
                return
        task = self._pick(person, at)
        if task is None:
            return
        batch = max(1, int(self.slot_seconds / 60 / float(task.op.std_minutes)
                           * rng.uniform(0.6, 1.4)))
        quantity = min(task.available, batch)
        scrap = rng.randint(1, max(1, quantity // 10)) if rng.random() < 0.03 else 0
        self._report(person, task, at, opened, good=quantity - scrap, scrap=scrap)

    def _void(self, at: int, report: ReportRec) -> None:
        """The worker's undo (domain/reporting.py undo_report), then the right quantity."""
        task = report.task
        following = task.next
        report.settled = True
        del self.unsettled[report.id]
        consumed = following is not None and following.processed > task.good - report.good
        if report.status != "accepted" or consumed:
            self._settle(report)
            return
        report.status, report.accepted = "voided", 0
        report.voided_at, report.voided_by, report.void_reason = at, report.person, "undo"
        task.good -= report.good
        task.scrap -= report.scrap
        task.version += 1
        self._settle(report)
        self._refresh(task.wo, at)
        if task.blocks == 0:
            right = report.good - self.rng.randint(1, max(1, report.good // 5))
            if right > 0 and right + report.scrap <= task.available:
                self._report(report.person, task, at, at - self.rng.randint(10, 40),
                             good=right, scrap=report.scrap, corrects=report)

    def _settle(self, report: ReportRec) -> None:
        if self.keep:
            self.kept_reports.append(report)
        self.writer.add("work_report", _report_row(report))

    # --- QC and rework -----------------------------------------------------------------------

    def _hold(self, report: ReportRec, at: int) -> None:
        inspection = InspectionRec(
            id=self.next_id("qc_inspection"), report=report, task=report.task,
            rework=report.rework, quantity=report.good, created_at=at)
        self.pending_inspections[inspection.id] = inspection
        self.push(self._inspector_time(at + self.rng.randint(3 * 60, 90 * 60)), DECIDE,
                  inspection)

    def _inspector_time(self, at: int) -> int:
        """Inspectors work the day shift: later work waits for the next one."""
        index = self.calendar.day_index(at)
        for n in range(index, min(index + 9, len(self.calendar.days) - 1)):
            if not self.calendar.workday(n):
                continue
            start, end = self.calendar.shift(n, DAY_SHIFT)
            if at < start:
                return start + self.rng.randint(5 * 60, 45 * 60)
            if at < end:
                return at
        return at

    def _decide(self, at: int, inspection: InspectionRec) -> None:
        rng = self.rng
        quantity, rework = inspection.quantity, inspection.rework
        passed, reworked, scrapped = quantity, 0, 0
        draw = rng.random()
        if rework is None and draw >= 0.90:
            reworked = max(1, round(quantity * rng.uniform(0.02, 0.25)))
            scrapped = round(quantity * rng.uniform(0, 0.05))
            if draw >= 0.97:
                reworked, scrapped = 0, max(1, scrapped)  # scrap only
            reworked = min(reworked, quantity)
            scrapped = min(scrapped, quantity - reworked)
            passed = quantity - reworked - scrapped
        elif rework is not None and draw >= 0.85:
            if draw < 0.95:
                scrapped = max(1, round(quantity * rng.uniform(0, 0.3)))
            else:
                reworked = max(1, round(quantity * rng.uniform(0, 0.5)))
            passed = quantity - reworked - scrapped
        inspector = rng.choice(self.factory.inspectors)
        inspection.status = "passed" if passed == quantity else "failed"
        inspection.decided_at, inspection.decided_by = at, inspector
        inspection.passed, inspection.reworked, inspection.scrapped = passed, reworked, scrapped
        if reworked or scrapped:
            inspection.reason = rng.choices(DEFECT_REASONS, DEFECT_WEIGHTS)[0][0]
        report = inspection.report
        report.status = "accepted" if passed else "rejected"
        report.accepted, report.accepted_at = passed, at if passed else None
        report.settled = True
        del self.unsettled[report.id]
        self._settle(report)
        task = inspection.task
        task.version += 1
        task.good += passed
        task.scrap += scrapped
        if rework is None:
            task.rework += reworked
            task.pending -= quantity
        else:
            task.rework -= passed + scrapped
            self._rework_change(rework, at, pending=-quantity, good=passed, scrap=scrapped,
                                returned=reworked)
        if reworked:
            self._create_rework(inspection, reworked, at)
        del self.pending_inspections[inspection.id]
        if self.keep:
            self.kept_inspections.append(inspection)
        self.writer.add("qc_inspection", _inspection_row(inspection))
        self._refresh(task.wo, at)

    def _create_rework(self, inspection: InspectionRec, quantity: int, at: int) -> None:
        number = self.next_id("rework_task")
        worker = inspection.report.person
        assignee = worker
        if self.rng.random() < 0.2:  # the supervisor hands it to a colleague
            others = [p for p in self.factory.skilled[inspection.task.op.code]
                      if p is not worker and p.night == worker.night]
            assignee = self.rng.choice(others) if others else worker
        rework = ReworkRec(id=number, code=rework_code(number), task=inspection.task,
                           inspection=inspection, quantity=quantity, assignee=assignee,
                           caused_by=worker, reason=inspection.reason, created_at=at)
        self.rework_tasks.append(rework)
        assignee.rework.append(rework)

    def _rework_change(self, rework: ReworkRec, at: int, **deltas: int) -> None:
        """domain/rework.py's _change."""
        for name, amount in deltas.items():
            setattr(rework, name, getattr(rework, name) + amount)
        back = rework.good + rework.scrap + rework.returned
        if back >= rework.quantity:
            rework.status, rework.done_at = "done", at
        else:
            rework.status = "in_progress" if back + rework.pending > 0 else "open"
            rework.done_at = None
        rework.version += 1

    # --- exceptions --------------------------------------------------------------------------

    def _exception_reported(self, at: int, person: PersonRec) -> None:
        rng = self.rng
        kind, _, stop_share = rng.choices(EXCEPTION_KINDS, [k[1] for k in EXCEPTION_KINDS])[0]
        task = next(iter(self.ready[person.skills[-1]]), None)
        stopped = task is not None and rng.random() < stop_share
        exception = ExceptionRec(
            id=self.next_id("floor_exception"), kind=kind,
            severity="high" if stopped or kind == "safety" else "normal",
            line_stopped=stopped, wo=task.wo if task else None, task=task,
            workstation=f"{person.skills[-1]}-{rng.randint(1, 6)}",
            comment=rng.choice(_COMMENTS[kind]), reported_by=person, reported_at=at,
            stopped_since=at if stopped else None)
        self.exceptions.append(exception)
        if stopped and task is not None:
            for blocked in task.wo.tasks:
                if blocked.status != DONE:
                    blocked.blocks += 1
                    blocked.status = BLOCKED
                    blocked.version += 1
                    self._touch(blocked)
                    exception.blocks.append([blocked, at, None])
        handler = self._handler(kind, person)
        acknowledged = at + int(rng.lognormvariate(6.4, 1.0))  # median ~10 min
        resolved = acknowledged + int(rng.lognormvariate(8.4, 1.0))  # median ~75 min more
        closed = resolved + (rng.randint(5 * 60, 3 * 3600) if rng.random() < 0.7
                             else 240 * 60)  # confirmed by the reporter, or closed by time
        self.push(acknowledged, EXC_ACK, (exception, handler))
        self.push(resolved, EXC_RESOLVE, (exception, handler))
        self.push(closed, EXC_CLOSE, exception)

    def _handler(self, kind: str, reporter: PersonRec) -> PersonRec:
        if kind == "quality":
            return self.rng.choice(self.factory.inspectors)
        if kind in ("material", "safety"):
            return self.factory.managers[0]
        return self.factory.supervisors.get(reporter.team) or self.factory.managers[0]

    def _exception_acknowledged(self, at: int, payload: tuple[ExceptionRec, PersonRec]) -> None:
        exception, handler = payload
        exception.status, exception.ack_by, exception.ack_at = "acknowledged", handler, at

    def _exception_resolved(self, at: int, payload: tuple[ExceptionRec, PersonRec]) -> None:
        exception, handler = payload
        exception.status, exception.resolved_by, exception.resolved_at = "resolved", handler, at
        if exception.stopped_since is not None:
            exception.downtime += at - exception.stopped_since
            exception.stopped_since = None
        touched: dict[int, WorkOrderRec] = {}
        for block in exception.blocks:
            task = block[0]
            block[2] = at
            task.blocks -= 1
            if task.blocks == 0:
                task.status = WAITING  # line_stop._unblock, then refresh
                task.version += 1
                touched[task.wo.id] = task.wo
        for wo in touched.values():
            self._refresh(wo, at)

    def _exception_closed(self, at: int, exception: ExceptionRec) -> None:
        exception.status, exception.closed_at = "closed", at
        confirmed = at - exception.resolved_at < 240 * 60
        exception.closed_by = exception.reported_by if confirmed else None

    # --- time clocked and adjustments --------------------------------------------------------

    def _clock(self, person: PersonRec, start: int, end: int) -> None:
        rng = self.rng
        clock_in = start - rng.randint(0, 15 * 60)
        if rng.random() < 0.05:
            clock_in = start + rng.randint(5 * 60, 40 * 60)  # late
        clock_out = end + rng.randint(0, 25 * 60)
        entry = ClockRec(id=self.next_id("clock_entry"), person=person, clock_in=clock_in,
                         clock_out=clock_out, closed_at=clock_out, closed_by=person,
                         source="chat", rate=person.hourly_rate)
        if rng.random() < 0.025:  # forgot: the supervisor sets the end of the shift
            entry.clock_out = end
            entry.closed_at = clock_in + CLOCK_FORGOT_MINUTES * 60 + rng.randint(5 * 60, 90 * 60)
            entry.closed_by = (self.factory.supervisors.get(person.team)
                               or self.factory.managers[0])
            entry.source, entry.fix_reason = "fix", "忘记打下班卡，按班次结束时间补录"
        if entry.closed_at >= self.as_of:  # still clocked in when the history ends
            entry.clock_out = entry.closed_at = entry.closed_by = entry.source = None
            entry.fix_reason = entry.rate = None
        else:
            # Whole minutes between the times as shown (domain/clocking.py paid_minutes).
            entry.paid_minutes = entry.clock_out // 60 - clock_in // 60
        self.clock_entries.append(entry)

    def _adjust(self, person: PersonRec, start: int, end: int, *, bonus: bool) -> None:
        rng = self.rng
        at = rng.randrange(start, end)
        by = self.factory.supervisors.get(person.team) or self.factory.managers[0]
        if bonus:
            amount = _yuan(rng, 5000, 30000, 100)
            reason = rng.choice(("全勤奖", "质量奖", "超产奖"))
        else:
            amount = -_yuan(rng, 1000, 10000, 50)
            reason = rng.choice(("违规扣款：未戴防护用品", "迟到扣款", "损坏工装扣款"))
        if at >= self.as_of:  # the last night shift runs past the end of the history
            return
        adjustment = AdjustmentRec(id=self.next_id("wage_adjustment"), person=person,
                                   amount=amount, reason=reason, created_by=by, created_at=at)
        self.adjustments.append(adjustment)
        if rng.random() < 0.1:
            later = at + rng.randint(3600, 5 * 86400)
            if later < self.as_of:
                self.adjustments.append(AdjustmentRec(
                    id=self.next_id("wage_adjustment"), person=person, amount=-amount,
                    reason=f"撤销：{reason}（录错）", created_by=self.factory.managers[0],
                    created_at=later, reverses=adjustment))

    def _month_end_bonuses(self, index: int) -> None:
        """On the last day of a month, the supervisors' bonuses for some of their people."""
        start, end = self.calendar.shift(index, DAY_SHIFT)
        for person in self.factory.workers:
            if self.rng.random() < 0.1:
                self._adjust(person, start, end, bonus=True)

    # --- the end -----------------------------------------------------------------------------

    def finish(self) -> None:
        self._plans()
        self._write_remaining()

    def _plans(self) -> None:
        """Planned times and due dates, as planning would have set them: most work ends on
        time, some late, and what is still open is due over the next days."""
        rng, calendar = self.rng, self.calendar
        for wo in self.work_orders:
            for task in wo.tasks:
                if task.done_at is not None:
                    slack = (rng.randint(1800, 3 * 86400) if rng.random() < 0.9
                             else -rng.randint(3600, 2 * 86400))
                    task.planned_end = task.done_at + slack
                    span = (task.done_at - (task.started_at or wo.released_at)
                            ) * rng.uniform(0.8, 1.2)
                    task.planned_start = max(wo.released_at, task.planned_end - int(span) - 600)
                else:
                    lead = (task.seq // 10) * rng.randint(86400, 2 * 86400)
                    task.planned_start = wo.released_at + lead - 86400
                    task.planned_end = wo.released_at + lead
                if task.planned_start >= task.planned_end:
                    task.planned_start = task.planned_end - 3600
            last = max(t.planned_end for t in wo.tasks)
            if wo.done_at is not None:
                late = rng.random() < 0.12
                day = calendar.days[calendar.day_index(wo.done_at)]
                wo.due_date = day + timedelta(days=-rng.randint(1, 4) if late
                                              else rng.randint(0, 6))
            else:
                day = calendar.days[min(calendar.day_index(last), len(calendar.days) - 1)]
                wo.due_date = day + timedelta(days=rng.randint(0, 3))

    def _write_remaining(self) -> None:
        """Everything not written as it settled: what was still open, and the few big rows."""
        writer = self.writer
        for report in self.unsettled.values():  # waiting for QC (or an undo) at the end
            writer.add("work_report", _report_row(report))
            if self.keep:
                self.kept_reports.append(report)
        for inspection in self.pending_inspections.values():
            writer.add("qc_inspection", _inspection_row(inspection))
            if self.keep:
                self.kept_inspections.append(inspection)
        for wo in self.work_orders:
            writer.add("customer_order", (wo.id, f"SO-{wo.id:06d}", wo.customer,
                                          wo.due_date.isoformat(), wo.priority,
                                          _ts(wo.created_at)))
            writer.add("work_order", (wo.id, wo.code, wo.id, wo.product.id,
                                      wo.product.routing_id, wo.quantity, wo.due_date.isoformat(),
                                      wo.priority, wo.status, 2,  # released once
                                      _ts(wo.created_at), _ts(wo.released_at), _ts(wo.done_at)))
            for t in wo.tasks:
                writer.add("operation_task", (
                    t.id, wo.id, t.op.id, t.seq, t.planned, t.good, t.scrap, t.pending,
                    t.rework, t.status, t.version, _ts(t.started_at), _ts(t.done_at),
                    _ts(t.planned_start), _ts(t.planned_end)))
        for r in self.rework_tasks:
            writer.add("rework_task", (
                r.id, r.code, r.task.id, r.task.wo.id, r.task.op.id, r.inspection.id, r.quantity,
                r.good, r.scrap, r.pending, r.returned, r.status, r.assignee.id, r.caused_by.id,
                r.reason, _ts(r.created_at), _ts(r.done_at), r.version))
        for e in self.exceptions:
            writer.add("floor_exception", (
                e.id, e.kind, e.severity, e.status, int(e.line_stopped),
                e.wo.id if e.wo else None, e.task.id if e.task else None, e.workstation,
                e.comment, e.reported_by.id, _ts(e.reported_at), _id(e.ack_by), _ts(e.ack_at),
                _id(e.resolved_by), _ts(e.resolved_at), _ts(e.closed_at), _id(e.closed_by),
                _ts(e.stopped_since), e.downtime, "", 1))
            for task, blocked_at, released_at in e.blocks:
                writer.add("exception_block", (e.id, task.id, _ts(blocked_at),
                                               _ts(released_at)))
        for c in self.clock_entries:
            writer.add("clock_entry", (
                c.id, c.person.id, c.person.id if c.closed_at is None else None,
                _ts(c.clock_in), _ts(c.clock_out), _ts(c.closed_at), _id(c.closed_by), c.source,
                c.fix_reason, _money(c.rate), c.paid_minutes, f"history:clock:{c.id}",
                _ts(c.clock_in)))
        for a in self.adjustments:
            writer.add("wage_adjustment", (
                a.id, a.person.id, _money(a.amount), a.reason, a.created_by.id, _ts(a.created_at),
                _id(a.reverses), f"history:adjustment:{a.id}"))
        writer.flush()


def _id(record: Any) -> int | None:
    return None if record is None else record.id


def _report_row(r: ReportRec) -> tuple[Any, ...]:
    return (r.id, r.task.id, r.person.id, r.good, r.scrap, r.reason, r.minutes, r.source,
            f"history:{r.id}", r.status, r.accepted, r.rework.id if r.rework else None,
            float(r.rate), _ts(r.reported_at), _ts(r.started_at), _ts(r.accepted_at),
            _ts(r.voided_at), _id(r.voided_by), r.void_reason, _id(r.corrects))


def _inspection_row(i: InspectionRec) -> tuple[Any, ...]:
    return (i.id, i.report.id, i.task.id, i.rework.id if i.rework else None, i.quantity,
            i.status, _ts(i.created_at), _ts(i.decided_at), _id(i.decided_by), i.passed,
            i.reworked, i.scrapped, i.reason, "")


_COMMENTS = {
    "equipment": ("设备异响，已停机检查", "气缸漏气", "主轴报警", "传送带卡死", "温控失灵"),
    "material": ("物料不足，等待补料", "来料尺寸不对", "缺螺丝", "批次混料"),
    "quality": ("连续出现毛刺", "首件检验不合格", "尺寸超差", "外观划伤较多"),
    "safety": ("防护罩损坏", "地面有油污", "急停按钮失灵"),
    "other": ("工位照明不足", "工装夹具缺失", "其他问题"),
}


# --- building a database -----------------------------------------------------------------------


def schema_head() -> str:
    """The migrations' head revision: a cached history is rebuilt when the schema moves."""
    from alembic.script import ScriptDirectory

    from domain.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def _migrate(path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from domain.migrate import alembic_config

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def generate(path: Path, params: HistoryParams = HistoryParams(), *, keep: bool = False,
             progress: Callable[[str], None] | None = None) -> History:
    """A fresh database at `path` (replaced if it exists) holding the generated history."""
    _check_storage_format()
    _check_columns()
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _migrate(path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # A bulk load into a new file: nothing to protect until it is complete.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("BEGIN")
        writer = _Writer(connection)
        simulation = _Simulation(params, writer, keep)
        simulation.factory.write(writer, simulation.calendar.midnights[0] - 86400)
        simulation.run()
        simulation.finish()
        connection.execute("COMMIT")
        if progress:
            progress(f"{writer.counts['work_report']:,} reports in "
                     f"{time.perf_counter() - started:.0f} s")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    factory = simulation.factory
    return History(
        params=params, zone=simulation.calendar.zone, as_of=instant(simulation.as_of),
        products=factory.products, people=factory.people, shifts=factory.shifts,
        work_orders=simulation.work_orders if keep else [],
        reports=sorted(simulation.kept_reports, key=lambda r: r.id),
        inspections=sorted(simulation.kept_inspections, key=lambda i: i.id),
        rework_tasks=simulation.rework_tasks if keep else [],
        exceptions=simulation.exceptions if keep else [],
        clock_entries=simulation.clock_entries if keep else [],
        adjustments=simulation.adjustments if keep else [],
        counts=dict(writer.counts), seconds=time.perf_counter() - started,
        settings=dict(SETTINGS))


def cached(directory: Path, params: HistoryParams,
           progress: Callable[[str], None] | None = None) -> tuple[Path, bool]:
    """The generated database for these parameters, made once and reused: (path, was cached)."""
    path = directory / params.cache_name(schema_head())
    if path.exists():
        return path, True
    stem = path.name.rsplit("-", 1)[0]
    for stale in directory.glob(f"{stem}-*"):  # an older schema or generator: never read again
        stale.unlink()
    partial = path.with_name(path.name + ".partial")
    history = generate(partial, params, progress=progress)
    path.with_suffix(".json").write_text(json.dumps(
        {"counts": history.counts, "seconds": round(history.seconds, 1)}, indent=1))
    partial.rename(path)
    return path, False


def summary_lines(history: History) -> Iterable[str]:
    counts = history.counts
    yield (f"{history.params.workers} workers, {history.params.days} days "
           f"({history.params.start} – {history.params.end}), seed {history.params.seed}")
    for table in ("work_report", "qc_inspection", "rework_task", "work_order", "floor_exception",
                  "clock_entry", "wage_adjustment"):
        yield f"  {table}: {counts.get(table, 0):,}"
    yield f"  in {history.seconds:.1f} s"
