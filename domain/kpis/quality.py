"""Quality KPIs: rework rate 返工率, first-pass yield 一次合格率, scrap rate 报废率.

Pieces are counted from what workers reported (good and scrap on each work report) and what
inspectors decided (pass / rework / scrap on each QC inspection). Voided reports, and the
inspections of voided reports, never count.

- rework_rate: inspections decided in the period (`decided_at`, re-inspections of rework
  included): rework pieces / inspected pieces, in percent.
- first_pass_yield: pieces first produced in the period, i.e. good + scrap on the reports
  (not rework reports) entered in it, whose outcome is known (a report still waiting for QC is
  left out until decided). First-pass pieces: good pieces that were not sent to rework or
  scrapped by their inspection. value = first-pass / produced, in percent.
- scrap_rate: scrap in the period / pieces produced in the period. Scrap: what reports entered
  in the period declared (rework reports included) plus what inspections decided in the period
  scrapped (re-inspections of rework included). Produced: good + scrap on the reports (not
  rework reports) entered in the period. Each scrapped piece counts once, on the day it was
  scrapped.

Scopes: team and worker by the worker whose report it is (for an inspection, the report it
inspected), operation and product by the task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kpis.figures import Kpi, Scope, not_applicable, share
from domain.kpis.localtime import Span
from domain.kpis.scoping import narrow
from domain.models import InspectionStatus, QCInspection, ReportStatus, WorkReport

if TYPE_CHECKING:
    from domain.kpis.facts import ReportFacts

NAMES = ("rework_rate", "first_pass_yield", "scrap_rate")
DECIDED = (InspectionStatus.passed, InspectionStatus.failed)


def _sum(expression: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(expression), 0)


def report_sums(report: Any) -> list[ColumnElement[Any]]:
    """Summed over the period's reports (facts.py; `report` has the report's good, scrap,
    status and rework_task_id, and its decided inspection's qc_rework and qc_scrap):
    known, first-pass, produced and declared scrap pieces."""
    first = report.rework_task_id.is_(None)
    settled = and_(first, report.status.in_((ReportStatus.accepted, ReportStatus.rejected)))
    pieces = report.good + report.scrap
    failed = func.coalesce(report.qc_rework + report.qc_scrap, 0)
    return [_sum(case((settled, pieces), else_=0)),
            _sum(case((settled, report.good - failed), else_=0)),
            _sum(case((first, pieces), else_=0)),
            _sum(report.scrap)]


async def _inspections(session: AsyncSession, span: Span,
                       where: list[ColumnElement[bool]]) -> tuple[int, int, int]:
    """(inspected, rework, scrap) pieces of the inspections decided in the period."""
    inspected, rework, scrap = (await session.execute(
        select(_sum(QCInspection.quantity), _sum(QCInspection.rework_qty),
               _sum(QCInspection.scrap_qty))
        .join(WorkReport, WorkReport.id == QCInspection.report_id)
        .where(QCInspection.status.in_(DECIDED), QCInspection.decided_at >= span.start,
               QCInspection.decided_at < span.end, WorkReport.status != ReportStatus.voided,
               *where))).one()
    return int(inspected), int(rework), int(scrap)


async def quality(session: AsyncSession, span: Span, scope: Scope,
                  facts: ReportFacts | None) -> dict[str, Kpi]:
    """The three KPIs, from the period's inspections and the pass over its reports."""
    where = narrow(scope, person=WorkReport.person_id, task=WorkReport.task_id)
    if where is None or facts is None:
        return {name: not_applicable(name) for name in NAMES}
    inspected, rework, qc_scrap = await _inspections(session, span, where)
    return {"rework_rate": share("rework_rate", rework, inspected),
            "first_pass_yield": share("first_pass_yield", facts.first_pass, facts.known),
            "scrap_rate": share("scrap_rate", facts.declared_scrap + qc_scrap, facts.produced)}
