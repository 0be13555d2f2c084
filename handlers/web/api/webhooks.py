"""Webhook endpoints: POST to add one (its secret shown once), GET to list, DELETE to remove."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from domain import clock
from domain.erp import endpoints, resources
from handlers.web.api.calls import Call, endpoint


@endpoint
async def add(call: Call) -> web.Response:
    body = await call.body("WebhookPost")

    async def work(session: AsyncSession) -> endpoints.Added:
        return await endpoints.add(session, body["url"], body.get("events"), now=clock.now(),
                                   label=call.token.label)

    added = await call.write(work)
    return call.json({"data": resources.webhook(added.endpoint), "secret": added.secret},
                     status=201)


@endpoint
async def listing(call: Call) -> web.Response:
    async with call.sessions() as session:
        found = await endpoints.listing(session)
    return call.json({"data": [resources.webhook(e) for e in found]})


@endpoint
async def remove(call: Call) -> web.Response:
    endpoint_id = int(call.request.match_info["id"])

    async def work(session: AsyncSession) -> endpoints.Endpoint:
        return await endpoints.remove(session, endpoint_id, now=clock.now(),
                                      label=call.token.label)

    return call.json({"data": resources.webhook(await call.write(work))})
