"""Every HTTP route of the bot's server, registered in one place."""

from __future__ import annotations

from aiohttp import web

from handlers.web import api, board, metrics, telegram_webhook
from handlers.web.services import WebServices

SERVICES = web.AppKey("services", WebServices)


def register(app: web.Application, services: WebServices) -> None:
    app[SERVICES] = services
    app.router.add_get("/healthz", _healthz)
    board.register(app, services)
    api.register(app, services)
    metrics.register(app, services)
    telegram_webhook.register(app, services)


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})
