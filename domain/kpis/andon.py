"""Exception KPIs: response times 异常响应时效 and downtime 停机时长.

Response (response_ack, response_resolve): the exceptions reported in the period
(`reported_at`). For each one answered, the hours from `reported_at` to `acknowledged_at`
(resolving acknowledges too) or to `resolved_at`. value = the median of those hours (the mean of
the two middle ones for an even count), p90 = the nearest-rank 90th percentile (the smallest
time at least 90 % of them do not exceed); both to 0.1 h. Exceptions still waiting are not in
the median: denominator = exceptions reported, numerator = those answered, so
denominator - numerator are still open. A fix the reporter rejected ("not fixed") is not a
resolution: the time runs on to the next one.

Downtime: every line-stop exception's stop runs from its report to its resolution (a rejected
fix counts as never fixed: the line stopped again), or to `now` while it is still stopped; its
part inside the period counts. value = those hours to 0.1; numerator = the same hours,
denominator = the stops that overlap the period. A period without a stop shows 0.0 h when
anything was reported in it (the line ran), "–" when nothing was recorded at all.

Scopes: team and worker by the person who reported the exception, operation by its task,
product by its work order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kpis.figures import BETTER, Kpi, Scope, not_applicable, tenth
from domain.kpis.localtime import Span
from domain.kpis.scoping import narrow
from domain.models import FloorException, ReportStatus, WorkReport

HOUR = Decimal(3600)
MICRO = Decimal(1_000_000)


def _narrowed(scope: Scope) -> list[ColumnElement[bool]] | None:
    return narrow(scope, person=FloorException.reported_by, task=FloorException.task_id,
                  work_order=FloorException.work_order_id)


def seconds_between(since: datetime, until: datetime) -> Decimal:
    """Exact, to the microsecond: a median or a sum lands on 0.05 h without float noise."""
    delta = until - since
    return Decimal(delta // timedelta(microseconds=1)) / MICRO


def median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def p90(values: list[Decimal]) -> Decimal:
    """Nearest rank: the ceil(0.9 n)-th smallest (counted in integers, no float rounding)."""
    ordered = sorted(values)
    return ordered[(9 * len(ordered) + 9) // 10 - 1]


def _hours(seconds: Decimal) -> Decimal:
    return tenth(seconds / HOUR)


def response_kpi(name: str, reported: list[datetime], answered: list[datetime | None]) -> Kpi:
    seconds = [seconds_between(since, at) for since, at in zip(reported, answered, strict=True)
               if at is not None]
    if not seconds:
        return Kpi(name, None, "h", Decimal(0), Decimal(len(reported)), BETTER[name])
    return Kpi(name, _hours(median(seconds)), "h", Decimal(len(seconds)),
               Decimal(len(reported)), BETTER[name], p90=_hours(p90(seconds)))


async def response_times(session: AsyncSession, span: Span, scope: Scope) -> dict[str, Kpi]:
    where = _narrowed(scope)
    if where is None:
        return {name: not_applicable(name) for name in ("response_ack", "response_resolve")}
    rows = (await session.execute(
        select(FloorException.reported_at, FloorException.acknowledged_at,
               FloorException.resolved_at)
        .where(FloorException.reported_at >= span.start, FloorException.reported_at < span.end,
               *where))).all()
    reported = [r.reported_at for r in rows]
    return {"response_ack": response_kpi("response_ack", reported,
                                         [r.acknowledged_at for r in rows]),
            "response_resolve": response_kpi("response_resolve", reported,
                                             [r.resolved_at for r in rows])}


async def downtime(session: AsyncSession, span: Span, scope: Scope) -> Kpi:
    where = _narrowed(scope)
    if where is None:
        return not_applicable("downtime")
    until = min(span.end, span.now)  # the rest of the period has not happened yet
    rows = (await session.execute(
        select(FloorException.reported_at, FloorException.resolved_at)
        .where(FloorException.line_stopped.is_(True), FloorException.reported_at < until,
               or_(FloorException.resolved_at.is_(None),
                   FloorException.resolved_at > span.start),
               *where))).all()
    stops = [seconds_between(max(since, span.start), min(resolved_at or until, until))
             for since, resolved_at in rows]
    stops = [seconds for seconds in stops if seconds > 0]
    if not stops and not await _worked(session, span, scope):
        return Kpi("downtime", None, "h", Decimal(0), Decimal(0), BETTER["downtime"])
    hours = _hours(sum(stops, Decimal(0)))
    return Kpi("downtime", hours, "h", hours, Decimal(len(stops)), BETTER["downtime"])


async def _worked(session: AsyncSession, span: Span, scope: Scope) -> bool:
    """Was anything reported in the period (in the scope)? Then no stop means 0 h."""
    where = narrow(scope, person=WorkReport.person_id, task=WorkReport.task_id) or []
    return bool(await session.scalar(select(exists().where(
        WorkReport.reported_at >= span.start, WorkReport.reported_at < span.end,
        WorkReport.status != ReportStatus.voided, *where))))
