"""Key figures the factory is judged by (DESIGN.md, the KPI table): one definition each.

CONTRACT (implemented in this package; the summary, the export and the board read it):

- `compute(session, period, zone, scope)` → {name: Kpi} for every name in KPI_NAMES.
- `output_ranking(session, period, zone, scope)` → output per worker, best first (人效排名).
- `wip_by_operation(session, scope)` → pieces waiting at each operation now (WIP).

A KPI without data has `value=None`, shown as "–", never 0 % or 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.periods import Period

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


async def compute(session: AsyncSession, period: Period, zone: ZoneInfo,
                  scope: Scope = FACTORY, *, now: datetime | None = None) -> dict[str, Kpi]:
    raise NotImplementedError


async def output_ranking(session: AsyncSession, period: Period, zone: ZoneInfo,
                         scope: Scope = FACTORY) -> list[OutputRow]:
    raise NotImplementedError


async def wip_by_operation(session: AsyncSession, scope: Scope = FACTORY) -> list[WipRow]:
    raise NotImplementedError
