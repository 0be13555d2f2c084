"""The shop-floor board 看板: what the TV shows, as plain data.

- every open work order (most urgent first, late ones on top) with its operations' progress as
  `domain.status` computes it (the same truth as /status), late flags: a work order is late once
  its due date has passed (factory calendar), an operation once its planned_end has passed and it
  is not done;
- open exceptions (not yet resolved) with their age and escalation level, line stops first;
- today's output vs plan, defined as the daily summary defines them (domain/summary.py), so the
  TV and the 日报 agree. Output: good pieces of first-time reports made today (local day):
  pieces waiting for QC count, pieces QC failed do not, rework re-does pieces already counted.
  Plan: each task with planned_start ≤ planned_end (of a work order neither draft nor
  cancelled) contributes its planned quantity prorated by the share of its planned window in
  today (and, for "so far", in today up to now); no planned task → None ("–"). Scrap: what
  workers reported as scrap today (rework included).

Only open work orders and today's rows are read (indexed ranges), so a refresh stays cheap
whatever the history holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.andon.lifecycle import STILL_OPEN
from domain.andon.posts import exception_code, levels
from domain.floor_output import first_time_good, planned_pieces, planned_tasks, whole
from domain.models import (
    OPEN_WORK_ORDER,
    AuditEvent,
    EscalationStep,
    FloorException,
    Operation,
    OperationTask,
    Person,
    QCInspection,
    ReportStatus,
    TaskStatus,
    WorkOrder,
    WorkOrderStatus,
    WorkReport,
)
from domain.periods import Period, local_date
from domain.status import WorkOrderView, load_open_work_orders

COMMENT_CHARS = 60  # a TV line, not the whole story


@dataclass(frozen=True)
class BoardOperation:
    seq: int
    code: str
    name: str
    planned: int
    arrived: int
    good: int
    scrap: int
    pending_qc: int
    rework: int
    status: str
    planned_end: datetime | None
    late: bool  # planned_end passed and not done

    @property
    def percent(self) -> int:
        """Good of planned, whole percent (half up; can pass 100 within the tolerance)."""
        return whole(Decimal(self.good * 100) / self.planned) if self.planned else 0


@dataclass(frozen=True)
class BoardWorkOrder:
    code: str
    order_no: str
    customer: str
    product_code: str
    product_name: str
    quantity: int
    due_date: date
    priority: int
    status: str
    late: bool  # the due date has passed
    due_today: bool
    stopped: bool  # a line stop blocks some of its operations now
    finished: int  # good pieces out of the last operation
    operations: tuple[BoardOperation, ...]

    @property
    def late_operations(self) -> int:
        return sum(op.late for op in self.operations)


@dataclass(frozen=True)
class BoardException:
    id: int
    code: str
    kind: str
    severity: str
    status: str
    line_stopped: bool  # the line stands now
    reported_at: datetime
    age_seconds: int
    level: int  # steps of its escalation ladders fired (1: the first call)
    reporter: str
    work_order: str | None
    operation: str | None
    workstation: str | None
    comment: str | None


@dataclass(frozen=True)
class TodayOutput:
    day: date
    good: int
    scrap: int
    planned: int | None  # the whole day's plan; None when nothing is planned today
    planned_so_far: int | None  # the plan up to now

    @property
    def percent(self) -> int | None:
        """Output of the day's plan, whole percent (half up); None without a plan."""
        return whole(Decimal(self.good * 100) / self.planned) if self.planned else None


@dataclass(frozen=True)
class Board:
    now: datetime
    timezone: str
    output: TodayOutput
    work_orders: tuple[BoardWorkOrder, ...]
    exceptions: tuple[BoardException, ...]

    @property
    def late_work_orders(self) -> int:
        return sum(wo.late for wo in self.work_orders)

    @property
    def line_stops(self) -> int:
        return sum(e.line_stopped for e in self.exceptions)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: instants as ISO UTC, dates as ISO, derived figures included."""
        return cast("dict[str, Any]", _plain({
            "now": self.now, "timezone": self.timezone, "date": self.output.day,
            "output": asdict(self.output) | {"percent": self.output.percent},
            "work_orders": [
                asdict(wo) | {"late_operations": wo.late_operations,
                              "operations": [asdict(op) | {"percent": op.percent}
                                             for op in wo.operations]}
                for wo in self.work_orders],
            "exceptions": [asdict(e) for e in self.exceptions],
            "counts": {"work_orders": len(self.work_orders), "late": self.late_work_orders,
                       "exceptions": len(self.exceptions), "line_stops": self.line_stops},
        }))  # _plain keeps a dict a dict


async def snapshot(session: AsyncSession, now: datetime, zone: ZoneInfo) -> Board:
    today = local_date(now, zone)
    views = await load_open_work_orders(session)
    plans = await _task_plans(session, [v.id for v in views])
    work_orders = [_work_order(v, plans.get(v.id, {}), now, today) for v in views]
    # Late first, then as planned (most urgent first); drafts, not yet on the floor, last.
    work_orders.sort(key=lambda wo: (wo.status == WorkOrderStatus.draft, not wo.late))
    return Board(now=now, timezone=zone.key, output=await today_output(session, now, zone),
                 work_orders=tuple(work_orders),
                 exceptions=tuple(await open_exceptions(session, now)))


def _work_order(view: WorkOrderView, plans: dict[int, tuple[datetime | None, str]],
                now: datetime, today: date) -> BoardWorkOrder:
    operations = tuple(
        BoardOperation(
            seq=op.seq, code=op.code, name=op.name, planned=op.planned, arrived=op.arrived,
            good=op.good, scrap=op.scrap, pending_qc=op.pending_qc, rework=op.rework,
            status=op.status, planned_end=plans.get(op.seq, (None, ""))[0],
            late=_task_late(plans.get(op.seq, (None, ""))[0], op.status, now))
        for op in view.operations)
    return BoardWorkOrder(
        code=view.code, order_no=view.order_no, customer=view.customer,
        product_code=view.product_code, product_name=view.product_name,
        quantity=view.quantity, due_date=view.due_date, priority=view.priority,
        status=view.status, late=view.due_date < today, due_today=view.due_date == today,
        stopped=any(op.status == TaskStatus.blocked for op in operations),
        finished=operations[-1].good if operations else 0, operations=operations)


async def rows_for(session: AsyncSession, views: list[WorkOrderView], now: datetime,
                   zone: ZoneInfo) -> list[BoardWorkOrder]:
    """Board rows (late and stop flags, planned ends) for these work orders, in their order."""
    today = local_date(now, zone)
    plans = await _task_plans(session, [v.id for v in views])
    return [_work_order(v, plans.get(v.id, {}), now, today) for v in views]


def _task_late(planned_end: datetime | None, status: str, now: datetime) -> bool:
    return planned_end is not None and planned_end <= now and status != TaskStatus.done


async def _task_plans(session: AsyncSession, work_order_ids: list[int]
                      ) -> dict[int, dict[int, tuple[datetime | None, str]]]:
    """{work order id: {seq: (planned_end, status)}} (status.py's views do not carry plans)."""
    plans: dict[int, dict[int, tuple[datetime | None, str]]] = defaultdict(dict)
    if work_order_ids:
        for wo_id, seq, planned_end, status in (await session.execute(
                select(OperationTask.work_order_id, OperationTask.seq, OperationTask.planned_end,
                       OperationTask.status)
                .where(OperationTask.work_order_id.in_(work_order_ids)))).all():
            plans[wo_id][seq] = (planned_end, status)
    return plans


async def today_output(session: AsyncSession, now: datetime, zone: ZoneInfo, *,
                       reporters: Any = None, task_ids: Any = None) -> TodayOutput:
    """The floor's, or a part of it: `reporters` (a SELECT of person ids) whose reports count,
    `task_ids` (a SELECT of task ids) whose plan counts (a team's live status)."""
    day = local_date(now, zone)
    start, end = Period.day(day).bounds(zone)
    query = (select(func.coalesce(func.sum(first_time_good()), 0),
                    func.coalesce(func.sum(WorkReport.scrap_qty), 0))
             .where(WorkReport.reported_at >= start, WorkReport.reported_at < end,
                    WorkReport.status != ReportStatus.voided))
    if reporters is not None:
        query = query.where(WorkReport.person_id.in_(reporters))
    good, scrap = (await session.execute(query)).one()
    tasks = await planned_tasks(session, start, end, task_ids)
    if not tasks:
        return TodayOutput(day, int(good), int(scrap), None, None)
    so_far = min(max(now, start), end)
    return TodayOutput(day, int(good), int(scrap),
                       whole(planned_pieces(tasks, start, end)),
                       whole(planned_pieces(tasks, start, so_far)))


async def open_exceptions(session: AsyncSession, now: datetime) -> list[BoardException]:
    """Not yet resolved: line stops first, then the highest level, then the oldest."""
    rows = (await session.execute(
        select(FloorException, WorkOrder.code, Operation.name, Person.name)
        .outerjoin(WorkOrder, WorkOrder.id == FloorException.work_order_id)
        .outerjoin(OperationTask, OperationTask.id == FloorException.task_id)
        .outerjoin(Operation, Operation.id == OperationTask.operation_id)
        .outerjoin(Person, Person.id == FloorException.reported_by)
        .where(FloorException.status.in_(STILL_OPEN)))).all()
    reached = await levels(session, [exception.id for exception, *_ in rows])
    items = []
    for exception, work_order, operation, reporter in rows:
        comment = (exception.comment or "").strip()
        items.append(BoardException(
            id=exception.id, code=exception_code(exception.id), kind=exception.kind,
            severity=exception.severity, status=exception.status,
            line_stopped=exception.line_stopped and exception.stopped_since is not None,
            reported_at=exception.reported_at,
            age_seconds=max(0, int((now - exception.reported_at).total_seconds())),
            level=reached.get(exception.id, 0), reporter=reporter or "?",
            work_order=work_order, operation=operation, workstation=exception.workstation,
            comment=_clip(comment) if comment else None))
    items.sort(key=lambda e: (not e.line_stopped, -e.level, e.reported_at, e.id))
    return items


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= COMMENT_CHARS else text[:COMMENT_CHARS - 1] + "…"


async def change_stamp(session: AsyncSession) -> str:
    """Cheap (indexed maxima and the few open rows): different whenever something the board
    shows may have changed in any process, so a live page knows when to fetch a snapshot.
    Every state change writes an audit event; escalation steps and the open exceptions'
    versions cover what the reminder sweep changes."""
    stamp = (await session.execute(select(
        select(func.max(AuditEvent.id)).scalar_subquery(),
        select(func.max(WorkReport.id)).scalar_subquery(),
        select(func.max(QCInspection.id)).scalar_subquery(),
        select(func.max(EscalationStep.id)).scalar_subquery(),
        select(func.count()).select_from(FloorException)
        .where(FloorException.status.in_(STILL_OPEN)).scalar_subquery(),
        select(func.sum(FloorException.version))
        .where(FloorException.status.in_(STILL_OPEN)).scalar_subquery(),
        select(func.count()).select_from(WorkOrder)
        .where(WorkOrder.status.in_(OPEN_WORK_ORDER)).scalar_subquery(),
    ))).one()
    return ":".join("-" if part is None else str(part) for part in stamp)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
