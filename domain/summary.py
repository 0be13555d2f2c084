"""The daily (or weekly...) summary 日报: the numbers a manager reads instead of asking around.

`build` gathers them for a period as it stood at `now` (a day still running is shown "so far"):

- output: good pieces reported at every operation (first-time work, not rework; pieces waiting
  for QC count, pieces QC failed do not), by `reported_at`; finished goods: pieces accepted at
  the last operation of their work order, by `accepted_at`;
- plan: every task with `planned_start` and `planned_end` (of a work order neither draft nor
  cancelled) contributes its `planned_qty` prorated over the part of its planned window inside
  the period; no task planned in the period → plan None ("–"), never 0;
- every KPI (domain/kpis) with its target and the trend against the previous period;
- late work orders: due by the period's last day and not done by its end (or by now);
- exceptions open at that moment, with their age and escalation level;
- defects by reason: scrap workers reported and what inspectors scrapped or sent to rework;
- per hour (a day) or per day (longer periods): good pieces and the cumulative plan, for the
  chart the bot draws when the notice is sent (bot/charts.py), in the reader's language.

Everything is an SQL aggregate over an indexed time range, so a day costs the same whether the
database holds a week or years of history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain import kpis
from domain.andon.posts import exception_code, levels
from domain.defects import reason_label
from domain.errors import DomainError
from domain.factory_settings import load_settings
from domain.floor_output import (
    PlannedTask,
    good_by_bucket,
    is_last_operation,
    planned_pieces,
    planned_tasks,
    whole,
)
from domain.kpis.figures import shown
from domain.models import (
    OPEN_WORK_ORDER,
    ExceptionStatus,
    FloorException,
    InspectionStatus,
    OperationTask,
    Product,
    QCInspection,
    ReportStatus,
    WorkOrder,
    WorkReport,
)
from domain.notifications import Notice
from domain.periods import Period, local_date, parse

# How many late work orders, open exceptions and defect reasons the message lists.
LIST_LIMIT = 5
TOP_DEFECTS = 5
CHART_DEFECTS = 8
# Longest period one summary covers (a chart of daily bars stays readable).
MAX_DAYS = 92


@dataclass(frozen=True)
class Output:
    good: int  # good pieces reported at every operation (first-time work)
    plan: int | None  # every task's plan over the period; None: nothing planned
    plan_so_far: int | None  # the plan up to `as_of` (the whole plan once the period is over)
    finished: int  # pieces accepted at the last operation of their work order
    finished_plan: int | None  # the last operations' plan over the period

    @property
    def rate(self) -> Decimal | None:
        """Good pieces against the plan due so far, percent; None without a plan."""
        if not self.plan_so_far:
            return None
        return (Decimal(self.good) * 100 / self.plan_so_far).quantize(Decimal("1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class KpiLine:
    kpi: kpis.Kpi
    before: kpis.Kpi | None  # the same KPI over the previous period

    @property
    def trend(self) -> str | None:
        """up | down | flat against the previous period; None when either has no value."""
        if self.before is None or self.kpi.value is None or self.before.value is None:
            return None
        if self.kpi.value == self.before.value:
            return "flat"
        return "up" if self.kpi.value > self.before.value else "down"

    @property
    def improved(self) -> bool | None:
        """Is the change good news (a higher on-time rate, a lower scrap rate)?"""
        if self.trend in (None, "flat"):
            return None
        return (self.trend == "up") == (self.kpi.better == "higher")


@dataclass(frozen=True)
class LateOrder:
    code: str
    product: str
    quantity: int
    finished: int  # good pieces of its last operation now
    due_date: date
    days_late: int  # 0: due on the period's last day and not done


@dataclass(frozen=True)
class OpenException:
    id: int
    kind: str
    severity: str
    status: str  # open | acknowledged, at `as_of`
    line_stopped: bool
    reported_at: datetime
    age_seconds: int
    level: int  # how far up its ladders it climbed: 1 the first call, 0 none yet

    @property
    def code(self) -> str:
        return exception_code(self.id)


@dataclass(frozen=True)
class DefectCount:
    reason: str | None  # as stored: a configured reason's code, or free text
    label: Any  # for notices: {"zh", "en"} for a configured reason, else the text
    scrap: int
    rework: int

    @property
    def total(self) -> int:
        return self.scrap + self.rework


@dataclass(frozen=True)
class Bucket:
    label: str  # "08" (an hour of a day) or "11-21" (a day of a longer period)
    start: datetime
    end: datetime
    good: int
    plan_cumulative: int | None  # the plan due from the period's start to this bucket's end


@dataclass(frozen=True)
class Summary:
    period: Period
    zone: str
    as_of: datetime  # the moment the figures describe: now, or the period's end
    partial: bool  # the period is still running
    output: Output
    kpis: tuple[KpiLine, ...]
    late: tuple[LateOrder, ...]  # all of them, most overdue first
    exceptions: tuple[OpenException, ...]  # all open ones, line stops and high severity first
    defects: tuple[DefectCount, ...]  # every reason, most pieces first
    buckets: tuple[Bucket, ...]

    @property
    def scrap(self) -> int:
        return sum(d.scrap for d in self.defects)

    @property
    def rework(self) -> int:
        return sum(d.rework for d in self.defects)

    @property
    def elapsed_buckets(self) -> int:
        """Buckets that have begun by `as_of` (the chart's actual line stops there)."""
        return sum(1 for b in self.buckets if b.start < self.as_of)


def period_for(text: str, today: date) -> Period:
    """The period /summary (or the CLI) asks about: today when blank, yesterday, week, a date,
    2026-W47, 2026-11...; refused when unreadable, not begun, or too long for one summary."""
    try:
        period = parse(text, today)
    except ValueError:
        raise DomainError("summary.bad_period", text=text.strip()[:40]) from None
    if period.start > today:
        raise DomainError("summary.future", period=period.label)
    if period.days > MAX_DAYS:
        raise DomainError("summary.too_long", days=MAX_DAYS)
    return period


async def build(session: AsyncSession, period: Period, zone: ZoneInfo,
                now: datetime) -> Summary:
    """The summary of `period` as it stands at `now` (factory time zone `zone`)."""
    if period.days > MAX_DAYS:
        raise ValueError(f"a summary covers at most {MAX_DAYS} days")
    start, end = period.bounds(zone)
    as_of = max(start, min(now, end))
    edges = _edges(period, zone)
    good = await good_by_bucket(session, edges)
    tasks = await planned_tasks(session, start, end)
    plan = _plan(tasks, edges, as_of, last_only=False)
    finished_plan = _plan(tasks, edges, as_of, last_only=True)
    output = Output(good=sum(good), plan=plan.total, plan_so_far=plan.so_far,
                    finished=await _finished(session, start, end),
                    finished_plan=finished_plan.total)
    labels = [_bucket_label(period, edge, zone) for edge in edges[:-1]]
    buckets = tuple(
        Bucket(label, edges[i], edges[i + 1], good[i],
               plan.cumulative[i] if plan.cumulative is not None else None)
        for i, label in enumerate(labels))
    return Summary(
        period=period, zone=zone.key, as_of=as_of, partial=now < end, output=output,
        kpis=await _kpis(session, period, zone, now),
        late=await _late_orders(session, min(period.end, local_date(as_of, zone)), as_of),
        exceptions=await _open_exceptions(session, as_of),
        defects=await _defects(session, start, end),
        buckets=buckets)


# --- output and plan -----------------------------------------------------------------------


def _edges(period: Period, zone: ZoneInfo) -> list[datetime]:
    """Bucket boundaries in UTC: local hours of a day, local days of a longer period."""
    if period.kind == "day":
        return [datetime.combine(period.start, time(hour), tzinfo=zone).astimezone(UTC)
                for hour in range(24)] + [period.bounds(zone)[1]]
    days = [*period.dates(), period.end + timedelta(days=1)]
    return [datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC) for day in days]


def _bucket_label(period: Period, edge: datetime, zone: ZoneInfo) -> str:
    local = edge.astimezone(zone)
    return f"{local:%H}" if period.kind == "day" else f"{local:%m-%d}"


async def _finished(session: AsyncSession, start: datetime, end: datetime) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(WorkReport.accepted_qty), 0))
        .join(OperationTask, OperationTask.id == WorkReport.task_id)
        .where(WorkReport.accepted_at >= start, WorkReport.accepted_at < end,
               is_last_operation(OperationTask)))
    return int(total or 0)


@dataclass(frozen=True)
class _Plan:
    total: int | None
    so_far: int | None
    cumulative: list[int] | None


def _plan(tasks: list[PlannedTask], edges: list[datetime], as_of: datetime, *,
          last_only: bool) -> _Plan:
    chosen = [t for t in tasks if t.last or not last_only]
    if not chosen:
        return _Plan(None, None, None)
    start = edges[0]
    cumulative = [whole(planned_pieces(chosen, start, edge)) for edge in edges[1:]]
    return _Plan(cumulative[-1], whole(planned_pieces(chosen, start, as_of)), cumulative)


# --- KPIs, late orders, exceptions, defects ------------------------------------------------


async def _kpis(session: AsyncSession, period: Period, zone: ZoneInfo,
                now: datetime) -> tuple[KpiLine, ...]:
    current = await kpis.compute(session, period, zone, now=now)
    before = await kpis.compute(session, period.previous(), zone, now=now)
    return tuple(KpiLine(current[name], before.get(name)) for name in kpis.KPI_NAMES
                 if name in current)


async def _late_orders(session: AsyncSession, cutoff: date, as_of: datetime) -> tuple[
        LateOrder, ...]:
    """Work orders due by `cutoff` (the period's last day, or today while it runs) and not
    done at `as_of`. Cancelled ones are not late, they are off."""
    last_task = aliased(OperationTask)
    finished = (select(last_task.good_qty).where(last_task.work_order_id == WorkOrder.id)
                .order_by(last_task.seq.desc()).limit(1).scalar_subquery())
    rows = (await session.execute(
        select(WorkOrder.code, Product.name, WorkOrder.quantity, WorkOrder.due_date, finished)
        .join(Product, Product.id == WorkOrder.product_id)
        .where(WorkOrder.due_date <= cutoff, WorkOrder.created_at < as_of,
               or_(WorkOrder.status.in_(OPEN_WORK_ORDER), WorkOrder.done_at >= as_of))
        .order_by(WorkOrder.due_date, WorkOrder.priority, WorkOrder.code))).all()
    return tuple(LateOrder(code, product, quantity, int(done or 0), due,
                           max(0, (cutoff - due).days))
                 for code, product, quantity, due, done in rows)


async def _open_exceptions(session: AsyncSession, as_of: datetime) -> tuple[
        OpenException, ...]:
    """Exceptions reported before `as_of` and not resolved by then."""
    rows = (await session.scalars(
        select(FloorException)
        .where(FloorException.reported_at < as_of,
               or_(FloorException.status.in_((ExceptionStatus.open,
                                              ExceptionStatus.acknowledged)),
                   FloorException.resolved_at >= as_of)))).all()
    reached = await levels(session, [r.id for r in rows], as_of)
    found = [OpenException(
        id=row.id, kind=row.kind, severity=row.severity,
        status=(ExceptionStatus.acknowledged if row.acknowledged_at is not None
                and row.acknowledged_at <= as_of else ExceptionStatus.open),
        line_stopped=row.line_stopped, reported_at=row.reported_at,
        age_seconds=int((as_of - row.reported_at).total_seconds()),
        level=reached.get(row.id, 0)) for row in rows]
    return tuple(sorted(found, key=lambda e: (not e.line_stopped, e.severity != "high",
                                              e.reported_at, e.id)))


async def _defects(session: AsyncSession, start: datetime, end: datetime) -> tuple[
        DefectCount, ...]:
    """Scrap reported by workers (reports of the period, not voided) and pieces inspectors
    scrapped or sent to rework (inspections decided in the period), by reason."""
    counts: dict[str | None, list[int]] = {}
    reported = (await session.execute(
        select(WorkReport.scrap_reason, func.sum(WorkReport.scrap_qty))
        .where(WorkReport.reported_at >= start, WorkReport.reported_at < end,
               WorkReport.status != ReportStatus.voided, WorkReport.scrap_qty > 0)
        .group_by(WorkReport.scrap_reason))).all()
    for reason, scrap in reported:
        counts.setdefault(reason, [0, 0])[0] += int(scrap)
    inspected = (await session.execute(
        select(QCInspection.defect_reason, func.sum(QCInspection.scrap_qty),
               func.sum(QCInspection.rework_qty))
        .where(QCInspection.status == InspectionStatus.failed,
               QCInspection.decided_at >= start, QCInspection.decided_at < end)
        .group_by(QCInspection.defect_reason))).all()
    for reason, scrap, rework in inspected:
        entry = counts.setdefault(reason, [0, 0])
        entry[0] += int(scrap or 0)
        entry[1] += int(rework or 0)
    settings = await load_settings(session)
    found = [DefectCount(reason, reason_label(settings, reason) if reason else None, scrap,
                         rework)
             for reason, (scrap, rework) in counts.items() if scrap or rework]
    return tuple(sorted(found, key=lambda d: (-d.total, d.reason or "")))


# --- the message ---------------------------------------------------------------------------

Line = tuple[str, dict[str, Any]]
_BETTER_SIGN = {"higher": "≥", "lower": "≤"}


def notice(summary: Summary) -> Notice:
    """The summary as a message with its chart (drawn by the bot when sent, in the reader's
    language)."""
    period = summary.period
    lines: list[Line] = []
    if summary.partial:
        lines.append(("summary.as_of", {"as_of_at": summary.as_of}))
    lines += _output_lines(summary.output, summary.partial)
    lines.append(("summary.kpis_header", {"summary_versus": period.kind}))
    lines += [_kpi_line(line) for line in summary.kpis]
    lines += _late_lines(summary)
    lines += _exception_lines(summary)
    lines += _defect_lines(summary)
    return Notice(f"summary.title_{period.kind}",
                  {"period": period.label, "first": period.start.isoformat()[5:],
                   "last": period.end.isoformat()[5:]},
                  lines=lines, attachment=chart_spec(summary))


def chart_spec(summary: Summary) -> dict[str, Any]:
    """What bot/charts.py draws: plain JSON, no words but the data's own (reason names)."""
    out = summary.output
    return {
        "kind": "chart", "chart": "daily" if summary.period.kind == "day" else "period",
        "period": summary.period.label, "period_kind": summary.period.kind,
        "as_of": summary.as_of.astimezone(ZoneInfo(summary.zone)).strftime(
            "%H:%M" if summary.period.kind == "day" else "%m-%d %H:%M")
        if summary.partial else None,
        "buckets": [b.label for b in summary.buckets],
        "good": [b.good for b in summary.buckets],
        "plan": ([b.plan_cumulative for b in summary.buckets]
                 if out.plan is not None else None),
        "elapsed": summary.elapsed_buckets,
        "defects": [[d.label, d.scrap, d.rework] for d in summary.defects[:CHART_DEFECTS]],
    }


def _output_lines(out: Output, partial: bool) -> list[Line]:
    rate = "–" if out.rate is None else f"{out.rate}%"
    if out.plan is None:
        lines: list[Line] = [("summary.output_unplanned", {"good": out.good})]
    elif partial:
        lines = [("summary.output_so_far", {"good": out.good, "plan": out.plan,
                                            "plan_so_far": out.plan_so_far, "rate": rate})]
    else:
        lines = [("summary.output", {"good": out.good, "plan": out.plan, "rate": rate})]
    if out.finished_plan is None:
        lines.append(("summary.finished", {"finished": out.finished}))
    else:
        lines.append(("summary.finished_planned", {"finished": out.finished,
                                                   "plan": out.finished_plan}))
    return lines


def _kpi_line(line: KpiLine) -> Line:
    kpi = line.kpi
    params: dict[str, Any] = {
        "kpi": kpi.name, "summary_unit": kpi.unit,
        "goal": "–" if kpi.target is None else _BETTER_SIGN[kpi.better] + shown(kpi.target),
        "met": {True: "✅", False: "⚠️", None: "➖"}[kpi.met]}
    if kpi.value is None:
        return "summary.kpi_none", params
    params["value"] = shown(kpi.value)
    key = "summary.kpi"
    if kpi.p90 is not None:
        key, params["p90"] = "summary.kpi_p90", shown(kpi.p90)
    if line.trend is None:
        return key + "_first", params
    assert line.before is not None and line.before.value is not None
    delta = kpi.value - line.before.value
    params["arrow"] = {"up": "↑", "down": "↓", "flat": "→"}[line.trend]
    params["delta"] = "" if not delta else ("+" if delta > 0 else "-") + shown(abs(delta))
    params["summary_trend"] = {True: "better", False: "worse", None: "flat"}[line.improved]
    return key, params


def _late_lines(summary: Summary) -> list[Line]:
    if not summary.late:
        return [("summary.late_none", {})]
    lines: list[Line] = [("summary.late_header", {"count": len(summary.late)})]
    for order in summary.late[:LIST_LIMIT]:
        lines.append(("summary.late_order" if order.days_late else "summary.due_today", {
            "work_order": order.code, "product": order.product, "finished": order.finished,
            "quantity": order.quantity, "due": order.due_date.isoformat()[5:],
            "days": order.days_late}))
    if len(summary.late) > LIST_LIMIT:
        lines.append(("summary.more", {"count": len(summary.late) - LIST_LIMIT}))
    return lines


def _exception_lines(summary: Summary) -> list[Line]:
    if not summary.exceptions:
        return [("summary.exceptions_none", {})]
    lines: list[Line] = [("summary.exceptions_header", {"count": len(summary.exceptions)})]
    for item in summary.exceptions[:LIST_LIMIT]:
        lines.append(("summary.exception_escalated" if item.level > 1 else "summary.exception", {
            "code": item.code, "kind": item.kind, "exception_status": item.status,
            "stop": "⛔" if item.line_stopped else "", "age_seconds": item.age_seconds,
            "level": item.level}))
    if len(summary.exceptions) > LIST_LIMIT:
        lines.append(("summary.more", {"count": len(summary.exceptions) - LIST_LIMIT}))
    return lines


def _defect_lines(summary: Summary) -> list[Line]:
    if not summary.defects:
        return [("summary.defects_none", {})]
    lines: list[Line] = [("summary.defects_header", {"scrap": summary.scrap,
                                                     "rework": summary.rework})]
    for defect in summary.defects[:TOP_DEFECTS]:
        counts = {"total": defect.total, "scrap": defect.scrap, "rework": defect.rework}
        if defect.label is None:
            lines.append(("summary.defect_unspecified", counts))
        else:
            lines.append(("summary.defect", {"reason": defect.label, **counts}))
    return lines
