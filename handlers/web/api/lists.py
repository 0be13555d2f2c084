"""The lists: work orders, reports, inspections, exceptions (a time window, read in pages),
wages and KPIs (a period of local days)."""

from __future__ import annotations

from aiohttp import web

from domain import clock
from domain.erp import reads, windows
from domain.periods import local_date
from handlers.web.api.calls import Call, endpoint

READERS = {"reports": reads.reports, "inspections": reads.inspections,
           "exceptions": reads.exceptions}


def _page(call: Call, page: reads.Page) -> web.Response:
    return call.json({"data": page.data, "next_cursor": page.next_cursor})


@endpoint
async def records(call: Call) -> web.Response:
    """GET /api/v1/reports, /inspections, /exceptions."""
    read = READERS[call.request.match_info["records"]]
    window = windows.window(call.query("from"), call.query("to"), call.zone)
    limit = windows.limit(call.query("limit"))
    async with call.sessions() as session:
        page = await read(session, window, limit=limit, cursor=call.query("cursor"))
    return _page(call, page)


@endpoint
async def work_orders(call: Call) -> web.Response:
    window = windows.window(call.query("from"), call.query("to"), call.zone)
    limit = windows.limit(call.query("limit"))
    statuses = reads.work_order_statuses(call.query("status"))
    async with call.sessions() as session:
        page = await reads.work_orders(session, window, statuses=statuses, limit=limit,
                                       cursor=call.query("cursor"))
    return _page(call, page)


def _period(call: Call) -> windows.Period:
    today = local_date(clock.now(), call.zone)
    return windows.period(call.query("from"), call.query("to"), today)


@endpoint
async def wages(call: Call) -> web.Response:
    period = _period(call)
    limit = windows.limit(call.query("limit"))
    async with call.sessions() as session:
        page = await reads.payslips(session, period, call.zone, limit=limit,
                                    cursor=call.query("cursor"))
    return _page(call, page)


@endpoint
async def kpis(call: Call) -> web.Response:
    period = _period(call)
    async with call.sessions() as session:
        data = await reads.kpi_list(session, period, call.zone)
    return call.json({"from": period.start.isoformat(), "to": period.end.isoformat(),
                      "data": data, "next_cursor": None})
