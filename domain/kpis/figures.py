"""What a KPI is (the dataclasses the package's callers read) and how its figures are rounded."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

KPI_NAMES = (
    "task_on_time",  # 任务准时率: tasks done by their due time / tasks due in the period (%)
    "reporting_timeliness",  # 报工及时率: reports entered within the window / all reports (%)
    "response_ack",  # 异常响应: open → acknowledged, median hours (p90 beside it)
    "response_resolve",  # 异常解决: open → resolved, median hours (p90 beside it)
    "rework_rate",  # 返工率: rework qty / inspected qty (%)
    "downtime",  # 停机时长: line-stop hours in the period
    "first_pass_yield",  # 一次合格率 (%)
    "scrap_rate",  # 报废率 (%)
    "delivery_on_time",  # 交付准时率: work orders done by their due date / due in period (%)
)
SCOPE_KINDS = ("factory", "team", "worker", "operation", "product")
# Which way is good, by KPI.
BETTER = {"task_on_time": "higher", "reporting_timeliness": "higher", "response_ack": "lower",
          "response_resolve": "lower", "rework_rate": "lower", "downtime": "lower",
          "first_pass_yield": "higher", "scrap_rate": "lower", "delivery_on_time": "higher"}
UNITS = {name: "h" if name in ("response_ack", "response_resolve", "downtime") else "%"
         for name in KPI_NAMES}

TENTH = Decimal("0.1")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Scope:
    kind: str = "factory"
    key: str | None = None  # team name, person code, operation code or product code


FACTORY = Scope()


@dataclass(frozen=True)
class Kpi:
    name: str
    value: Decimal | None  # None: no data in the period ("–")
    unit: str  # "%" or "h"
    numerator: Decimal
    denominator: Decimal  # what the value is a share of (tasks due, pieces inspected...)
    better: str  # "higher" | "lower"
    target: Decimal | None = None
    p90: Decimal | None = None  # response times: `value` is the median

    @property
    def met(self) -> bool | None:
        """On target? None without a value or a target."""
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target if self.better == "higher" else self.value <= self.target


@dataclass(frozen=True)
class OutputRow:
    rank: int
    person_code: str
    name: str
    team: str | None
    good: int  # accepted good pieces booked in the period
    scrap: int
    standard_hours: Decimal  # good × the operation's standard minutes / 60: comparable across ops


@dataclass(frozen=True)
class WipRow:
    operation_code: str
    operation_name: str
    work_orders: int  # open work orders with pieces at this operation
    waiting: int  # arrived and not yet dealt with
    pending_qc: int
    rework: int


def tenth(value: Decimal) -> Decimal:
    """Percentages and hours are shown to a tenth, rounded half up."""
    return value.quantize(TENTH, ROUND_HALF_UP)


def shown(value: Decimal) -> str:
    """How a figure is written wherever it appears (/kpi, the summary, the board): values keep
    the tenth they were computed to (95.0, 0.0), targets and deltas read as set (98, 0.16)."""
    return f"{value:f}"


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole in percent to 0.1; None when there is nothing to be a share of."""
    if not whole:
        return None
    return tenth(Decimal(part) * 100 / Decimal(whole))


def share(name: str, part: int | Decimal, whole: int | Decimal) -> Kpi:
    """A rate KPI: `part` of `whole`, in percent."""
    return Kpi(name, percent(part, whole), "%", Decimal(part), Decimal(whole), BETTER[name])


def not_applicable(name: str) -> Kpi:
    """A KPI the scope says nothing about (delivery per worker...): shown as "–"."""
    return Kpi(name, None, UNITS[name], ZERO, ZERO, BETTER[name])
