"""What an export holds: the rows behind its reports, inspections, rework and exceptions sheets,
and who may have which.

Each query reads one period (local days, turned into UTC bounds) and yields typed rows in
batches, oldest first, so a month of a large factory streams through without being held in
memory. Times are aware UTC; codes (statuses, reasons, kinds) stay codes: naming them is the
reader's language's business. Nothing here computes a wage or a KPI: those have one definition
each, in domain/wages.py and domain/kpis.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.errors import DomainError
from domain.models import (
    FloorException,
    Operation,
    OperationTask,
    Person,
    Product,
    QCInspection,
    ReworkTask,
    Role,
    WorkOrder,
    WorkReport,
)
from domain.periods import Period, parse

BATCH = 2000
# A chat export travels as one Telegram document (50 MB at most): a month of a 300-worker
# factory is about 32 MB; longer periods are for `gongdan export`.
MAX_CHAT_DAYS = 31


# --- who may export what ---------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    period: Period
    team: str | None  # None: the whole factory; "": the people without a team


def export_request(person: Person, text: str, today: date) -> ExportRequest:
    """What `/export [period]` asks for: this month so far by default. A manager gets the
    whole factory; a supervisor the sheets about people (reports, wages...) of their own team,
    as domain.wages.supervises has it (a supervisor without a team: the people without one)."""
    text = text.strip()
    try:
        period = parse(text, today) if text else Period.between(today.replace(day=1), today)
    except ValueError:
        raise DomainError("export.usage") from None
    if period.days > MAX_CHAT_DAYS:
        raise DomainError("export.too_long", days=period.days, limit=MAX_CHAT_DAYS)
    if person.has_role(Role.manager):
        return ExportRequest(period, None)
    if not person.has_role(Role.supervisor):
        raise DomainError("auth.forbidden", needed=Role.supervisor.value)
    return ExportRequest(period, person.team or "")


def in_team(column: Any, team: str) -> Any:
    """People of `team`; "" stands for the people without a team (as in domain.wages)."""
    return or_(column.is_(None), column == "") if team == "" else column == team


class Span(Protocol):
    """What the queries read: a Period, or the API's windows (already in UTC), which give their
    bounds alike."""

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]: ...


# --- the rows --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRecord:
    id: int
    reported_at: datetime
    work_order: str
    product: str
    seq: int
    operation_code: str
    operation_name: str
    rework_code: str | None  # set when the report was work on a rework task
    person_code: str
    person_name: str
    team: str | None
    good: int
    scrap: int
    scrap_reason: str | None  # a reason code, or the text typed
    accepted: int  # good pieces that count (for flow and wages)
    piece_rate: Decimal  # frozen at the time of the report
    minutes: int | None
    source: str
    status: str
    accepted_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    corrects_id: int | None

    @property
    def at_key(self) -> tuple[datetime, int]:
        return self.reported_at, self.id


@dataclass(frozen=True, slots=True)
class InspectionRecord:
    id: int
    created_at: datetime
    decided_at: datetime | None
    status: str
    work_order: str
    seq: int
    operation_name: str
    report_id: int
    person_code: str  # whose pieces
    person_name: str
    team: str | None
    quantity: int
    passed: int
    rework: int
    scrap: int
    defect_reason: str | None
    inspector: str | None
    reinspected_rework: str | None  # the rework task whose pieces came back for this inspection
    created_rework: str | None  # the rework task this inspection sent pieces to
    note: str | None


@dataclass(frozen=True, slots=True)
class ReworkRecord:
    id: int
    code: str
    created_at: datetime
    work_order: str
    seq: int
    operation_name: str
    inspection_id: int
    defect_reason: str | None
    caused_by_code: str | None
    caused_by: str | None
    assignee: str | None
    quantity: int
    passed: int
    scrap: int
    pending_qc: int
    returned: int  # sent back again: a newer rework task holds them
    status: str
    done_at: datetime | None

    @property
    def outstanding(self) -> int:
        """Not yet reported back (as domain.rework.outstanding counts it)."""
        return self.quantity - self.passed - self.scrap - self.pending_qc - self.returned


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    id: int
    reported_at: datetime
    kind: str
    severity: str
    line_stopped: bool
    status: str
    work_order: str | None
    seq: int | None
    operation_name: str | None
    workstation: str | None
    reporter: str
    comment: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    closed_at: datetime | None
    downtime_seconds: int  # line-stop time recorded when the line ran again
    stopped_since: datetime | None  # still stopped since then

    @property
    def at_key(self) -> tuple[datetime, int]:
        return self.reported_at, self.id

    @property
    def ack_seconds(self) -> int | None:
        """Open → acknowledged."""
        return _seconds(self.reported_at, self.acknowledged_at)

    @property
    def resolve_seconds(self) -> int | None:
        """Open → resolved."""
        return _seconds(self.reported_at, self.resolved_at)

    def downtime_until(self, now: datetime) -> int:
        """Line-stop seconds, a stop still going on counted up to `now`."""
        running = _seconds(self.stopped_since, now) if self.stopped_since else 0
        return self.downtime_seconds + max(0, running or 0)


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds())


Row = TypeVar("Row")


async def _pages(session: AsyncSession, query: Select[*tuple[Any, ...]],
                 make: Callable[..., Row], batch: int, after: Callable[[Any], Any],
                 key: Callable[[Row], Any], start: Any = None) -> AsyncIterator[list[Row]]:
    """The query's rows in pages of `batch`, each page asking for the rows after the last one
    (keyset paging): memory stays one page whatever the driver buffers, and each page is an
    index range. `after(k)` gives the WHERE clause of the rows after the one whose `key(row)`
    is k; the query must be ordered by the same key. `start`: such a key to resume after (the
    API's cursor)."""
    page = query if start is None else query.where(after(start))
    while True:
        rows = [make(*row) for row in (await session.execute(page.limit(batch))).all()]
        if rows:
            yield rows
        if len(rows) < batch:
            return
        page = query.where(after(key(rows[-1])))


def _after_time(column: Any, id_column: Any) -> Callable[[tuple[datetime, int]], Any]:
    """After (time, id): written so that the time's index still bounds the range."""
    def after(at_key: tuple[datetime, int]) -> Any:
        at, row_id = at_key
        return and_(column >= at, or_(column > at, id_column > row_id))
    return after


def _at_key(row: ReportRecord | ExceptionRecord) -> tuple[datetime, int]:
    return row.at_key


def _id(row: InspectionRecord | ReworkRecord) -> int:
    return row.id


async def reports(session: AsyncSession, period: Span, zone: ZoneInfo, *,
                  team: str | None = None, batch: int = BATCH,
                  after: tuple[datetime, int] | None = None) -> AsyncIterator[list[ReportRecord]]:
    """Every report made in the period (voided and rejected ones too: they are the record);
    `after`: only those after this (reported_at, id)."""
    start, end = period.bounds(zone)
    rework = aliased(ReworkTask)
    query = (
        select(WorkReport.id, WorkReport.reported_at, WorkOrder.code, Product.code,
               OperationTask.seq, Operation.code, Operation.name, rework.code, Person.code,
               Person.name, Person.team, WorkReport.good_qty, WorkReport.scrap_qty,
               WorkReport.scrap_reason, WorkReport.accepted_qty, WorkReport.piece_rate,
               WorkReport.minutes, WorkReport.source, WorkReport.status, WorkReport.accepted_at,
               WorkReport.voided_at, WorkReport.void_reason, WorkReport.corrects_id)
        .join(OperationTask, OperationTask.id == WorkReport.task_id)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Product, Product.id == WorkOrder.product_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .join(Person, Person.id == WorkReport.person_id)
        .outerjoin(rework, rework.id == WorkReport.rework_task_id)
        .where(WorkReport.reported_at >= start, WorkReport.reported_at < end)
        .order_by(WorkReport.reported_at, WorkReport.id))
    if team is not None:
        query = query.where(in_team(Person.team, team))
    async for rows in _pages(session, query, ReportRecord, batch,
                             _after_time(WorkReport.reported_at, WorkReport.id), _at_key, after):
        yield rows


async def inspections(session: AsyncSession, period: Span, zone: ZoneInfo, *,
                      team: str | None = None, batch: int = BATCH,
                      after: int | None = None) -> AsyncIterator[list[InspectionRecord]]:
    """Inspections decided in the period, and those still pending that were asked for in it:
    each one is listed in one period only. In the order they were asked for (`after`: only
    those after this id)."""
    start, end = period.bounds(zone)
    worker, inspector = aliased(Person), aliased(Person)
    reinspected, created = aliased(ReworkTask), aliased(ReworkTask)
    # coalesce() takes its arguments' type, so the bounds are stored as the columns are.
    booked = func.coalesce(QCInspection.decided_at, QCInspection.created_at)
    query = (
        select(QCInspection.id, QCInspection.created_at, QCInspection.decided_at,
               QCInspection.status, WorkOrder.code, OperationTask.seq, Operation.name,
               QCInspection.report_id, worker.code, worker.name, worker.team,
               QCInspection.quantity, QCInspection.pass_qty, QCInspection.rework_qty,
               QCInspection.scrap_qty, QCInspection.defect_reason, inspector.name,
               reinspected.code, created.code, QCInspection.note)
        .join(WorkReport, WorkReport.id == QCInspection.report_id)
        .join(worker, worker.id == WorkReport.person_id)
        .join(OperationTask, OperationTask.id == QCInspection.task_id)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .outerjoin(inspector, inspector.id == QCInspection.decided_by)
        .outerjoin(reinspected, reinspected.id == QCInspection.rework_task_id)
        .outerjoin(created, created.inspection_id == QCInspection.id)
        .where(booked >= start, booked < end)
        .order_by(QCInspection.id))
    if team is not None:
        query = query.where(in_team(worker.team, team))
    async for rows in _pages(session, query, InspectionRecord, batch,
                             lambda last_id: QCInspection.id > last_id, _id, after):
        yield rows


async def rework_tasks(session: AsyncSession, period: Span, zone: ZoneInfo, *,
                       team: str | None = None,
                       batch: int = BATCH) -> AsyncIterator[list[ReworkRecord]]:
    """Rework tasks created in the period (with their state now), in the order they were
    created. With a team: those caused by or assigned to one of its people."""
    start, end = period.bounds(zone)
    caused, assignee = aliased(Person), aliased(Person)
    query = (
        select(ReworkTask.id, ReworkTask.code, ReworkTask.created_at, WorkOrder.code,
               OperationTask.seq, Operation.name, ReworkTask.inspection_id,
               ReworkTask.defect_reason, caused.code, caused.name, assignee.name,
               ReworkTask.quantity, ReworkTask.good_qty,
               ReworkTask.scrap_qty, ReworkTask.pending_qc_qty, ReworkTask.returned_qty,
               ReworkTask.status, ReworkTask.done_at)
        .join(WorkOrder, WorkOrder.id == ReworkTask.work_order_id)
        .join(OperationTask, OperationTask.id == ReworkTask.task_id)
        .join(Operation, Operation.id == ReworkTask.operation_id)
        .outerjoin(caused, caused.id == ReworkTask.caused_by_id)
        .outerjoin(assignee, assignee.id == ReworkTask.assignee_id)
        .where(ReworkTask.created_at >= start, ReworkTask.created_at < end)
        .order_by(ReworkTask.id))
    if team is not None:
        query = query.where(or_(in_team(caused.team, team), in_team(assignee.team, team)))
    async for rows in _pages(session, query, ReworkRecord, batch,
                             lambda last_id: ReworkTask.id > last_id, _id):
        yield rows


async def exceptions(session: AsyncSession, period: Span, zone: ZoneInfo, *,
                     batch: int = BATCH, after: tuple[datetime, int] | None = None,
                     ) -> AsyncIterator[list[ExceptionRecord]]:
    """Exceptions reported in the period (with their state now). Factory-wide: a stopped line
    concerns every team. `after`: only those after this (reported_at, id)."""
    start, end = period.bounds(zone)
    reporter, acknowledger, resolver = aliased(Person), aliased(Person), aliased(Person)
    query = (
        select(FloorException.id, FloorException.reported_at, FloorException.kind,
               FloorException.severity, FloorException.line_stopped, FloorException.status,
               WorkOrder.code, OperationTask.seq, Operation.name, FloorException.workstation,
               reporter.name, FloorException.comment, FloorException.acknowledged_at,
               acknowledger.name, FloorException.resolved_at, resolver.name,
               FloorException.resolution, FloorException.closed_at,
               FloorException.downtime_seconds, FloorException.stopped_since)
        .outerjoin(reporter, reporter.id == FloorException.reported_by)  # None: the system
        .outerjoin(WorkOrder, WorkOrder.id == FloorException.work_order_id)
        .outerjoin(OperationTask, OperationTask.id == FloorException.task_id)
        .outerjoin(Operation, Operation.id == OperationTask.operation_id)
        .outerjoin(acknowledger, acknowledger.id == FloorException.acknowledged_by)
        .outerjoin(resolver, resolver.id == FloorException.resolved_by)
        .where(FloorException.reported_at >= start, FloorException.reported_at < end)
        .order_by(FloorException.reported_at, FloorException.id))
    async for rows in _pages(session, query, ExceptionRecord, batch,
                             _after_time(FloorException.reported_at, FloorException.id), _at_key,
                             after):
        yield rows


async def teams(session: AsyncSession) -> list[str]:
    """The teams active people belong to, by name."""
    # The query leaves out the people without a team.
    return cast(list[str], list((await session.scalars(
        select(Person.team).distinct().where(Person.active.is_(True), Person.team.is_not(None),
                                            Person.team != "")
        .order_by(Person.team))).all()))
