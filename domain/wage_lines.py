"""The queries behind the payslips: every wage item of a period, aggregated in SQL.

A month for a few hundred people is a few hundred thousand reports, so the reports are summed
by the database, never loaded as objects: one row per (person, local day, kind, task, rate).
The local day is computed in SQL from the period's UTC day boundaries (a small binary CASE
over the bounds), which is exact for any time zone, daylight saving time included, and the
same SQL on SQLite and PostgreSQL. Clock entries and adjustments are few and read as rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, case, cast, func, literal, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from domain.models import (
    ClockEntry,
    InspectionStatus,
    Operation,
    OperationTask,
    QCInspection,
    ReportStatus,
    WageAdjustment,
    WorkOrder,
    WorkReport,
)
from domain.periods import Period, local_midnight

# Ids per IN (...) list: far below every engine's limit on bound parameters.
_CHUNK = 2000


@dataclass(frozen=True)
class Days:
    """The local days of a period and the UTC instants between them (one more than days)."""

    dates: list[date]
    bounds: list[datetime]

    @classmethod
    def of(cls, period: Period, zone: ZoneInfo) -> Days:
        dates = period.dates()
        return cls(dates, [local_midnight(d, zone) for d in dates]
                   + [local_midnight(period.end + timedelta(days=1), zone)])

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    def index(self, column: Any) -> ColumnElement[int]:
        """The day number (0 = the first day) of a time column known to lie in [start, end)."""
        return self._bucket(column, 0, len(self.dates))

    def _bucket(self, column: Any, lo: int, hi: int) -> ColumnElement[int]:
        if hi - lo == 1:
            return literal(lo)
        mid = (lo + hi) // 2
        return case((column < self.bounds[mid], self._bucket(column, lo, mid)),
                    else_=self._bucket(column, mid, hi))


@dataclass(frozen=True)
class PieceRow:
    """Pieces of one task at one rate, booked on one day: accepted (+) or voided (-)."""

    person_id: int
    day: date
    kind: str  # piece | rework | void
    task_id: int
    rate: Decimal
    quantity: int
    refs: tuple[int, ...]


@dataclass(frozen=True)
class TaskInfo:
    work_order: str
    seq: int
    operation_code: str
    operation_name: str


def _ids(text: str | None) -> tuple[int, ...]:
    return tuple(sorted(map(int, text.split(",")))) if text else ()


def _refs(column: Any) -> Any:
    return func.aggregate_strings(cast(column, String), ",")


class _Rates(dict[Any, Decimal]):
    """Piece rates as the driver returns them, converted once per distinct value (a month has
    hundreds of thousands of rows and a few dozen rates), exactly as the Money column does."""

    def __missing__(self, raw: Any) -> Decimal:
        self[raw] = rate = Decimal(str(raw)).quantize(_RATE)
        return rate


_RATE = Decimal("0.0001")


async def piece_rows(session: AsyncSession, days: Days,
                     person_ids: Sequence[int] | None = None) -> list[PieceRow]:
    """Accepted pieces on the day they were accepted, and voids on the day of the void.

    A voided report keeps its accepted_at: its pieces stay booked on the day they were paid
    (its accepted_qty is 0 now, so the paid quantity is its good_qty: only reports nobody
    inspected can be voided) and the void takes them back on its own day.
    """
    rows: list[PieceRow] = []
    rates = _Rates()
    raw_rate = type_coerce(WorkReport.piece_rate, NullType())
    booked = case((WorkReport.status == ReportStatus.voided, WorkReport.good_qty),
                  else_=WorkReport.accepted_qty)
    rework = case((WorkReport.rework_task_id.is_(None), 0), else_=1)
    day = days.index(WorkReport.accepted_at)
    query = (select(WorkReport.person_id, day, rework, WorkReport.task_id, raw_rate,
                    func.sum(booked), _refs(WorkReport.id))
             .where(WorkReport.accepted_at >= days.start, WorkReport.accepted_at < days.end)
             .group_by(WorkReport.person_id, day, rework, WorkReport.task_id,
                       WorkReport.piece_rate))
    for person_id, n, is_rework, task_id, rate, quantity, refs in await _run(
            session, query, WorkReport.person_id, person_ids):
        if quantity:
            rows.append(PieceRow(person_id, days.dates[n], "rework" if is_rework else "piece",
                                 task_id, rates[rate], int(quantity), _ids(refs)))
    void_day = days.index(WorkReport.voided_at)
    voids = (select(WorkReport.person_id, void_day, WorkReport.task_id, raw_rate,
                    func.sum(WorkReport.good_qty), _refs(WorkReport.id))
             .where(WorkReport.voided_at >= days.start, WorkReport.voided_at < days.end,
                    WorkReport.accepted_at.is_not(None),
                    WorkReport.status == ReportStatus.voided)
             .group_by(WorkReport.person_id, void_day, WorkReport.task_id, WorkReport.piece_rate))
    for person_id, n, task_id, rate, quantity, refs in await _run(
            session, voids, WorkReport.person_id, person_ids):
        if quantity:
            rows.append(PieceRow(person_id, days.dates[n], "void", task_id, rates[rate],
                                 -int(quantity), _ids(refs)))
    return rows


async def task_info(session: AsyncSession, task_ids: Iterable[int]) -> dict[int, TaskInfo]:
    """What a piece line names: the work order and the operation of each task."""
    ids = sorted(set(task_ids))
    found: dict[int, TaskInfo] = {}
    for n in range(0, len(ids), _CHUNK):
        rows = await session.execute(
            select(OperationTask.id, WorkOrder.code, OperationTask.seq, Operation.code,
                   Operation.name)
            .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
            .join(Operation, Operation.id == OperationTask.operation_id)
            .where(OperationTask.id.in_(ids[n:n + _CHUNK])))
        for task_id, work_order, seq, op_code, op_name in rows:
            found[task_id] = TaskInfo(work_order, seq, op_code, op_name)
    return found


async def closed_entries(session: AsyncSession, days: Days,
                         person_ids: Sequence[int] | None = None) -> list[ClockEntry]:
    """Clock entries closed in the period: their hours are booked on the day they closed."""
    query = (select(ClockEntry)
             .where(ClockEntry.closed_at >= days.start, ClockEntry.closed_at < days.end)
             .order_by(ClockEntry.closed_at, ClockEntry.id))
    return list(await _scalars(session, query, ClockEntry.person_id, person_ids))


async def adjustments(session: AsyncSession, days: Days,
                      person_ids: Sequence[int] | None = None) -> list[WageAdjustment]:
    query = (select(WageAdjustment)
             .where(WageAdjustment.created_at >= days.start, WageAdjustment.created_at < days.end)
             .order_by(WageAdjustment.created_at, WageAdjustment.id))
    return list(await _scalars(session, query, WageAdjustment.person_id, person_ids))


async def pending_qc(session: AsyncSession, before: datetime,
                     person_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Good pieces reported before `before` and still waiting for an inspector, by person.

    Read through the pending inspections (few, and indexed), not by scanning the reports.
    """
    query = (select(WorkReport.person_id, func.sum(QCInspection.quantity))
             .join(WorkReport, WorkReport.id == QCInspection.report_id)
             .where(QCInspection.status == InspectionStatus.pending,
                    WorkReport.status == ReportStatus.pending_qc,
                    WorkReport.reported_at < before)
             .group_by(WorkReport.person_id))
    return {person_id: int(n or 0) for person_id, n in await _run(
        session, query, WorkReport.person_id, person_ids)}


async def open_since(session: AsyncSession,
                     person_ids: Sequence[int] | None = None) -> dict[int, datetime]:
    """When each person clocked in, for those clocked in now."""
    query = select(ClockEntry.person_id, ClockEntry.clock_in_at).where(
        ClockEntry.open_person_id.is_not(None))
    return dict(await _run(session, query, ClockEntry.person_id, person_ids))


async def _run(session: AsyncSession, query: Any, person_column: Any,
               person_ids: Sequence[int] | None) -> list[Any]:
    """The query's rows, for everyone or for these people (in chunks)."""
    if person_ids is None:
        return list((await session.execute(query)).all())
    rows: list[Any] = []
    ids = list(person_ids)
    for n in range(0, len(ids), _CHUNK):
        rows += (await session.execute(query.where(person_column.in_(ids[n:n + _CHUNK])))).all()
    return rows


async def _scalars(session: AsyncSession, query: Any, person_column: Any,
                   person_ids: Sequence[int] | None) -> list[Any]:
    return [row[0] for row in await _run(session, query, person_column, person_ids)]
