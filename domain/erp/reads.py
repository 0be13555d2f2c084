"""The API's lists and single reads. Each list is a window of time read in pages: rows in a
stable order by (time, id), and a cursor after the last row of a page, so rows that arrive while
the pages are read come after it (none is skipped or shown twice). Reports, inspections and
exceptions are domain/records.py's rows (what the Excel export holds); work orders are
domain/status.py's views (what `gongdan status --json` shows); wages are domain/wages.py's
payslips, KPIs domain/kpis'."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import kpis, records, status, wages
from domain.erp import resources
from domain.erp.resources import Json, WorkOrderFacts
from domain.erp.windows import Window, decode_cursor, encode_cursor
from domain.errors import DomainError
from domain.models import OPEN_WORK_ORDER, Order, WorkOrder, WorkOrderStatus
from domain.periods import Period

Row = TypeVar("Row")
# records.py's queries take a zone for a Period's days; a Window is in UTC and ignores it.
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Page:
    data: list[Json]
    next_cursor: str | None  # None: nothing after this page (yet)


async def _take(batches: AsyncIterator[list[Row]], limit: int) -> tuple[list[Row], bool]:
    """The first `limit` rows, and whether there are more."""
    rows: list[Row] = []
    try:
        async for batch in batches:
            rows.extend(batch)
            if len(rows) > limit:
                break
    finally:
        await batches.aclose()  # type: ignore[attr-defined]
    return rows[:limit], len(rows) > limit


async def _external_ids(session: AsyncSession, codes: Collection[str | None]
                        ) -> dict[str, str | None]:
    wanted = [code for code in set(codes) if code]
    if not wanted:
        return {}
    return dict((await session.execute(select(WorkOrder.code, WorkOrder.external_id)
                                       .where(WorkOrder.code.in_(wanted)))).all())


# --- records: reports, inspections, exceptions ----------------------------------------------


@dataclass(frozen=True)
class _Records:
    """One of records.py's row kinds as an API list: its rows, its JSON, its cursor key."""

    kind: str
    rows: Any  # records.reports / inspections / exceptions
    resource: Any  # resources.report / inspection / exception
    timed: bool  # cursor by (time, id); else by id alone


async def _records_page(session: AsyncSession, listing: _Records, window: Window, *,
                        limit: int, cursor: str | None) -> Page:
    after = decode_cursor(cursor, listing.kind, timed=listing.timed)
    rows, more = await _take(listing.rows(session, window, _UTC, batch=limit + 1, after=after),
                             limit)
    ids = await _external_ids(session, [r.work_order for r in rows])
    last = (rows[-1].at_key if listing.timed else rows[-1].id) if more else None
    return Page([listing.resource(r, ids) for r in rows],
                None if last is None else encode_cursor(listing.kind, last))


_REPORTS = _Records("reports", records.reports, resources.report, timed=True)
# By when they were decided (still pending: asked for), listed in the order asked for.
_INSPECTIONS = _Records("inspections", records.inspections, resources.inspection, timed=False)
_EXCEPTIONS = _Records("exceptions", records.exceptions, resources.exception, timed=True)


async def reports(session: AsyncSession, window: Window, *, limit: int,
                  cursor: str | None) -> Page:
    return await _records_page(session, _REPORTS, window, limit=limit, cursor=cursor)


async def inspections(session: AsyncSession, window: Window, *, limit: int,
                      cursor: str | None) -> Page:
    return await _records_page(session, _INSPECTIONS, window, limit=limit, cursor=cursor)


async def exceptions(session: AsyncSession, window: Window, *, limit: int,
                     cursor: str | None) -> Page:
    return await _records_page(session, _EXCEPTIONS, window, limit=limit, cursor=cursor)


async def one_record(session: AsyncSession, kind: str, at: datetime,
                     row_id: int) -> Json | None:
    """The one report or exception (by its time and id) or inspection (by its booked time and
    id) as the lists show it: a window of that instant, starting just before the row."""
    instant = Window(at, at + timedelta(microseconds=1))
    if kind == "inspection":
        batches: AsyncIterator[list[Any]] = records.inspections(
            session, instant, _UTC, batch=1, after=row_id - 1)
    elif kind == "report":
        batches = records.reports(session, instant, _UTC, batch=1, after=(at, row_id - 1))
    else:
        batches = records.exceptions(session, instant, _UTC, batch=1, after=(at, row_id - 1))
    rows, _ = await _take(batches, 1)
    if not rows or rows[0].id != row_id:
        return None
    ids = await _external_ids(session, [rows[0].work_order])
    make: dict[str, Callable[[Any, dict[str, str | None]], Json]] = {
        "report": resources.report, "inspection": resources.inspection,
        "exception": resources.exception}
    return make[kind](rows[0], ids)


# --- work orders and orders ------------------------------------------------------------------


STATUS_CHOICES = ("open", *WorkOrderStatus)


def work_order_statuses(text: str | None) -> tuple[str, ...] | None:
    """`?status=open` (draft, released, in progress, on hold), or statuses comma separated."""
    if not text:
        return None
    chosen: list[str] = []
    for word in (w.strip() for w in text.split(",")):
        if word == "open":
            chosen += OPEN_WORK_ORDER
        elif word in WorkOrderStatus.__members__:
            chosen.append(word)
        else:
            raise DomainError("api.bad_choice", field="status", value=word[:40],
                              choices=", ".join(STATUS_CHOICES))
    return tuple(dict.fromkeys(chosen))


async def work_orders(session: AsyncSession, window: Window, *,
                      statuses: Sequence[str] | None, limit: int, cursor: str | None) -> Page:
    """Work orders created in the window, with their progress per operation."""
    after = decode_cursor(cursor, "work_orders", timed=True)
    query = (select(WorkOrder.id, WorkOrder.created_at)
             .where(WorkOrder.created_at >= window.start, WorkOrder.created_at < window.end)
             .order_by(WorkOrder.created_at, WorkOrder.id).limit(limit + 1))
    if statuses is not None:
        query = query.where(WorkOrder.status.in_(statuses))
    if after is not None:
        at, last_id = after
        query = query.where(and_(WorkOrder.created_at >= at,
                                 or_(WorkOrder.created_at > at, WorkOrder.id > last_id)))
    rows = (await session.execute(query)).all()
    page = rows[:limit]
    return Page(await work_order_resources(session, [row_id for row_id, _ in page]),
                encode_cursor("work_orders", (page[-1][1], page[-1][0]))
                if len(rows) > limit else None)


async def work_order_resources(session: AsyncSession, ids: Sequence[int]) -> list[Json]:
    """These work orders as the API shows them, in the order given."""
    if not ids:
        return []
    facts = {code: (row_id, WorkOrderFacts(external_id, order_ref, created, released, done))
             for code, row_id, external_id, order_ref, created, released, done in (
        await session.execute(
            select(WorkOrder.code, WorkOrder.id, WorkOrder.external_id, Order.external_id,
                   WorkOrder.created_at, WorkOrder.released_at, WorkOrder.done_at)
            .join(Order, Order.id == WorkOrder.order_id).where(WorkOrder.id.in_(ids)))).all()}
    views = await status.load_work_orders(session, codes=list(facts))
    shown = {facts[v.code][0]: resources.work_order(v, facts[v.code][1]) for v in views}
    return [shown[row_id] for row_id in ids if row_id in shown]


async def work_order(session: AsyncSession, ref: str) -> Json | None:
    """One work order by the ERP's external id, or else by its code (WO-000123)."""
    for column in (WorkOrder.external_id, WorkOrder.code):
        row_id = await session.scalar(select(WorkOrder.id).where(column == ref))
        if row_id is not None:
            return (await work_order_resources(session, [row_id]))[0]
    return None


async def order(session: AsyncSession, external_id: str) -> Json | None:
    row = await session.scalar(select(Order).where(Order.external_id == external_id))
    if row is None:
        return None
    ids = (await session.scalars(select(WorkOrder.id).where(WorkOrder.order_id == row.id)
                                 .order_by(WorkOrder.code))).all()
    return resources.order(row, await work_order_resources(session, list(ids)))


# --- wages and KPIs -------------------------------------------------------------------------


async def payslips(session: AsyncSession, period: Period, zone: ZoneInfo, *, limit: int,
                   cursor: str | None) -> Page:
    """The period's payslips (domain/wages.py's wage run) in the order people were added."""
    after = decode_cursor(cursor, "wages", timed=False)
    slips = sorted(await wages.wage_run(session, period, zone), key=lambda s: s.person_id)
    rest = [s for s in slips if after is None or s.person_id > after]
    page = rest[:limit]
    return Page([resources.payslip(s) for s in page],
                encode_cursor("wages", page[-1].person_id) if len(rest) > limit else None)


async def kpi_list(session: AsyncSession, period: Period, zone: ZoneInfo) -> list[Json]:
    return [resources.kpi(k) for k in (await kpis.compute(session, period, zone)).values()]

