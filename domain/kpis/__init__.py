"""Key figures the factory is judged by (DESIGN.md, the KPI table): one definition each.

CONTRACT (implemented in this package; the summary, the export and the board read it):

- `compute(session, period, zone, scope)` → {name: Kpi} for every name in KPI_NAMES.
- `output_ranking(session, period, zone, scope)` → output per worker, best first (人效排名).
- `wip_by_operation(session, scope)` → pieces waiting at each operation now (WIP).

A KPI without data has `value=None`, shown as "–", never 0 % or 100 %.

Each family lives in its own module, whose docstring is the definition: tasks.py (task on-time),
reporting.py (reporting timeliness), andon.py (exception response, downtime), quality.py
(rework rate, first-pass yield, scrap rate), delivery.py (order on-time delivery), output.py
(output ranking), wip.py (WIP). scoping.py says what a scope keeps, targets.py where targets
come from, facts.py reads the period's reports once for the KPIs counted from them.
Percentages and hours are Decimals rounded half up to 0.1. Every figure is an SQL aggregate over
an indexed time range: a month of a large factory is a handful of queries.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.factory_settings import load_settings
from domain.kpis import andon, delivery, output, quality, reporting, tasks, wip
from domain.kpis.facts import report_facts
from domain.kpis.figures import (
    FACTORY,
    KPI_NAMES,
    SCOPE_KINDS,
    Kpi,
    OutputRow,
    Scope,
    WipRow,
)
from domain.kpis.localtime import Span
from domain.kpis.scoping import check_scope, parse_request, scope_kind
from domain.kpis.targets import with_targets
from domain.models import utcnow
from domain.periods import Period

__all__ = ["FACTORY", "KPI_NAMES", "SCOPE_KINDS", "Kpi", "OutputRow", "Scope", "WipRow",
           "check_scope", "compute", "output_ranking", "parse_request", "scope_kind",
           "wip_by_operation"]


async def compute(session: AsyncSession, period: Period, zone: ZoneInfo,
                  scope: Scope = FACTORY, *, now: datetime | None = None) -> dict[str, Kpi]:
    """Every KPI of KPI_NAMES for the period (factory days in `zone`) and scope, with its
    target. `now` decides what is late already (default: the clock)."""
    span = Span.of(period, zone, now or utcnow())
    reports = await report_facts(session, span, scope)
    found: dict[str, Kpi] = {
        "task_on_time": await tasks.task_on_time(session, span, scope),
        "reporting_timeliness": reporting.reporting_timeliness(reports),
        **await andon.response_times(session, span, scope),
        "downtime": await andon.downtime(session, span, scope),
        **await quality.quality(session, span, scope, reports),
        "delivery_on_time": await delivery.delivery_on_time(session, span, scope),
    }
    settings = await load_settings(session)
    return with_targets({name: found[name] for name in KPI_NAMES}, settings, period)


async def output_ranking(session: AsyncSession, period: Period, zone: ZoneInfo,
                         scope: Scope = FACTORY) -> list[OutputRow]:
    return await output.output_ranking(session, Span.of(period, zone, utcnow()), scope)


async def wip_by_operation(session: AsyncSession, scope: Scope = FACTORY) -> list[WipRow]:
    return await wip.wip_by_operation(session, scope)
