"""Orders and work orders: PUT by the ERP's external id (domain/erp/upsert.py), GET one."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from domain.erp import reads, upsert
from domain.erp.resources import Json
from handlers.web.api.calls import ApiError, Call, endpoint


@endpoint
async def put_order(call: Call) -> web.Response:
    external_id = call.request.match_info["external_id"]
    body = await call.body("OrderPut")

    async def work(session: AsyncSession) -> tuple[upsert.Upserted, Json | None]:
        done = await upsert.put_order(session, external_id, body,
                                      token_label=call.token.label)
        return done, await reads.order(session, external_id)

    done, order = await call.write(work)
    return _written(call, done, order)


@endpoint
async def put_work_order(call: Call) -> web.Response:
    external_id = call.request.match_info["id"]
    body = await call.body("WorkOrderPut")

    async def work(session: AsyncSession) -> tuple[upsert.Upserted, Json | None]:
        done = await upsert.put_work_order(session, external_id, body,
                                           token_label=call.token.label)
        return done, (await reads.work_order_resources(session, [done.id]))[0]

    done, work_order = await call.write(work)
    return _written(call, done, work_order)


def _written(call: Call, done: upsert.Upserted, data: Json | None) -> web.Response:
    if done.changed:
        call.services.pulse.notify()  # open boards show it at once
    return call.json({"created": done.created, "data": data},
                     status=201 if done.created else 200)


@endpoint
async def get_order(call: Call) -> web.Response:
    external_id = call.request.match_info["external_id"]
    async with call.sessions() as session:
        order = await reads.order(session, external_id)
    if order is None:
        raise ApiError(404, "api.not_found", {"ref": external_id})
    return call.json(order)


@endpoint
async def get_work_order(call: Call) -> web.Response:
    ref = call.request.match_info["id"]
    async with call.sessions() as session:
        work_order = await reads.work_order(session, ref)
    if work_order is None:
        raise ApiError(404, "api.not_found", {"ref": ref})
    return call.json(work_order)
