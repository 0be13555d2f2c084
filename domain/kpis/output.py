"""Output per worker 人效排名: who made how much in the period, comparable across operations.

good: accepted good pieces booked in the period, i.e. `accepted_qty` of the worker's reports
whose `accepted_at` (when the pieces became payable: at once, or when QC passed them) falls in
it; rework that passed counts for whoever reported the rework. standard_hours: each of those
pieces × its operation's standard minutes (`std_minutes`) / 60, to 0.1 h; a quick operation
and a slow one compare fairly. scrap: the scrap the worker's reports entered in the period
declared, plus what inspections decided in the period scrapped of their reports (as in
scrap_rate).

Ranked by standard hours (exact, before rounding), then by person code; only people with good
or scrap in the period appear. Scopes: team and worker by the worker, operation and product by
the task (a worker's output on that operation or product only).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kpis.figures import OutputRow, Scope, tenth
from domain.kpis.localtime import Span
from domain.kpis.quality import DECIDED
from domain.kpis.scoping import narrow
from domain.models import Operation, OperationTask, Person, QCInspection, ReportStatus, WorkReport

MINUTES = Decimal(60)


async def _good(session: AsyncSession, span: Span,
                where: list[ColumnElement[bool]]) -> tuple[dict[int, int], dict[int, Decimal]]:
    """Accepted pieces and standard minutes per person."""
    rows = (await session.execute(
        select(WorkReport.person_id, OperationTask.operation_id, func.sum(WorkReport.accepted_qty))
        .join(OperationTask, OperationTask.id == WorkReport.task_id)
        .where(WorkReport.accepted_at >= span.start, WorkReport.accepted_at < span.end,
               WorkReport.status != ReportStatus.voided, *where)
        .group_by(WorkReport.person_id, OperationTask.operation_id))).all()
    std = dict((await session.execute(
        select(Operation.id, Operation.std_minutes)
        .where(Operation.id.in_({operation for _, operation, _ in rows})))).all())
    good: dict[int, int] = defaultdict(int)
    minutes: dict[int, Decimal] = defaultdict(Decimal)
    for person, operation, pieces in rows:
        good[person] += int(pieces or 0)
        minutes[person] += int(pieces or 0) * (std.get(operation) or Decimal(0))
    return good, minutes


async def _scrap(session: AsyncSession, span: Span,
                 where: list[ColumnElement[bool]]) -> dict[int, int]:
    declared = (await session.execute(
        select(WorkReport.person_id, func.sum(WorkReport.scrap_qty))
        .where(WorkReport.reported_at >= span.start, WorkReport.reported_at < span.end,
               WorkReport.status != ReportStatus.voided, WorkReport.scrap_qty > 0, *where)
        .group_by(WorkReport.person_id))).all()
    decided = (await session.execute(
        select(WorkReport.person_id, func.sum(QCInspection.scrap_qty))
        .join(WorkReport, WorkReport.id == QCInspection.report_id)
        .where(QCInspection.status.in_(DECIDED), QCInspection.decided_at >= span.start,
               QCInspection.decided_at < span.end, QCInspection.scrap_qty > 0,
               WorkReport.status != ReportStatus.voided, *where)
        .group_by(WorkReport.person_id))).all()
    scrap: dict[int, int] = defaultdict(int)
    for person, pieces in (*declared, *decided):
        scrap[person] += int(pieces or 0)
    return scrap


async def output_ranking(session: AsyncSession, span: Span, scope: Scope) -> list[OutputRow]:
    where = narrow(scope, person=WorkReport.person_id, task=WorkReport.task_id)
    if where is None:
        return []
    good, minutes = await _good(session, span, where)
    scrap = await _scrap(session, span, where)
    ids = {p for p, n in good.items() if n} | {p for p, n in scrap.items() if n}
    people = {p.id: p for p in (await session.execute(
        select(Person.id, Person.code, Person.name, Person.team)
        .where(Person.id.in_(ids)))).all()}
    ranked = sorted(ids, key=lambda p: (-minutes[p], people[p].code))
    return [OutputRow(rank=n, person_code=people[p].code, name=people[p].name,
                      team=people[p].team, good=good[p], scrap=scrap[p],
                      standard_hours=tenth(minutes[p] / MINUTES))
            for n, p in enumerate(ranked, start=1)]
