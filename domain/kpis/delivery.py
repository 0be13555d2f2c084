"""Order on-time delivery 交付准时率: work orders done by their due date / due in the period.

Counted: work orders whose due date is a day of the period, cancelled ones left out. On time:
done (`done_at`) on a local date no later than the due date. Late: done after it, or not done
once the due date is over (local midnight after it has passed). A work order not done whose due
date is not over yet counts neither way.

value = on time / (on time + late), in percent. Scopes: product (the work order's); a team,
worker or operation does not deliver work orders, so those scopes show "–".
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kpis.figures import Kpi, Scope, not_applicable, share
from domain.kpis.localtime import Span
from domain.kpis.scoping import narrow
from domain.models import WorkOrder, WorkOrderStatus
from domain.periods import local_date, local_midnight

NAME = "delivery_on_time"


async def delivery_on_time(session: AsyncSession, span: Span, scope: Scope) -> Kpi:
    if scope.kind not in ("factory", "product"):
        return not_applicable(NAME)
    where = narrow(scope, work_order=WorkOrder.id) or []
    rows = (await session.execute(
        select(WorkOrder.due_date, WorkOrder.done_at)
        .where(WorkOrder.due_date.between(span.period.start, span.period.end),
               WorkOrder.status != WorkOrderStatus.cancelled, *where))).all()
    on_time = late = 0
    for due_date, done_at in rows:
        if done_at is not None and local_date(done_at, span.zone) <= due_date:
            on_time += 1
        elif done_at is not None or local_midnight(due_date + timedelta(days=1),
                                                   span.zone) <= span.now:
            late += 1
    return share(NAME, on_time, on_time + late)
