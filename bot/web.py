"""The bot's aiohttp server: the shop-floor board, the REST API, /healthz and /metrics, and in
webhook mode Telegram's webhook (handlers/web/routes.py lists them)."""

from __future__ import annotations

import logging

from aiohttp import web

from handlers.web import routes
from handlers.web.services import WebServices

log = logging.getLogger(__name__)


class WebServer:
    def __init__(self, services: WebServices, host: str, port: int) -> None:
        self.services = services
        self.host = host
        self.port = port
        self.app = web.Application()
        routes.register(self.app, services)
        self.runner = web.AppRunner(self.app, access_log=None)

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port, reuse_address=True)
        await site.start()
        # With port 0 the system picks one: read back what we got.
        sockets = [s for s in (site._server.sockets if site._server else [])]  # noqa: SLF001
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("web server on http://%s:%d", self.host, self.port)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self.runner.server is not None:  # started (a failed start stops too)
            await self.runner.cleanup()
