"""One pass over the work reports entered in the period, for every KPI counted from them.

Reporting timeliness (reporting.py) and the report side of first-pass yield and scrap rate
(quality.py) read the same rows: the period's reports (`reported_at`, voided ones left out),
each with its decided inspection if any. Their sums are taken in one aggregate query, so a
month of a large factory is read once. The modules named say what is summed and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.factory_settings import load_settings
from domain.kpis import quality, reporting
from domain.kpis.figures import Scope
from domain.kpis.localtime import DAY, Span, local_millis
from domain.kpis.scoping import narrow
from domain.models import QCInspection, ReportStatus, WorkReport
from domain.shifts import load_shifts


@dataclass(frozen=True)
class ReportFacts:
    reports: int  # entered in the period, not voided
    timely: int
    known: int  # first-report pieces whose outcome is known
    first_pass: int
    produced: int  # good + scrap on first reports
    declared_scrap: int  # scrap the reports declared (rework reports included)


async def report_facts(session: AsyncSession, span: Span, scope: Scope) -> ReportFacts | None:
    """None when the scope cannot narrow reports."""
    where = narrow(scope, person=WorkReport.person_id, task=WorkReport.task_id)
    if where is None:
        return None
    window = (await load_settings(session)).report_window_minutes
    shifts = await load_shifts(session)
    table = span.offsets()
    # Each layer is kept apart (OFFSET 0) so that SQLite computes a report's local times once
    # instead of once per mention in the deadline.
    rows = (
        select(WorkReport.person_id.label("person"), WorkReport.good_qty.label("good"),
               WorkReport.scrap_qty.label("scrap"), WorkReport.status.label("status"),
               WorkReport.rework_task_id.label("rework_task_id"),
               QCInspection.rework_qty.label("qc_rework"),
               QCInspection.scrap_qty.label("qc_scrap"),
               local_millis(WorkReport.work_started_at, table).label("started"),
               local_millis(WorkReport.reported_at, table).label("reported"))
        .select_from(WorkReport)
        .outerjoin(QCInspection, and_(QCInspection.report_id == WorkReport.id,
                                      QCInspection.status.in_(quality.DECIDED)))
        .where(WorkReport.reported_at >= span.start, WorkReport.reported_at < span.end,
               WorkReport.status != ReportStatus.voided, *where)
        .offset(0).subquery())
    reports = (select(rows, (rows.c.started // DAY).label("started_day"),
                      (rows.c.started % DAY).label("started_moment"))
               .offset(0).subquery())
    report = reports.c
    timely = reporting.timely(report.person, report.started_day, report.started_moment,
                              report.reported, shifts, window)
    counted = (await session.execute(
        select(func.count(), func.coalesce(func.sum(timely), 0),
               *quality.report_sums(report)).select_from(reports))).one()
    return ReportFacts(*(int(n) for n in counted))
