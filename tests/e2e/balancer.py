"""A small round-robin load balancer for tests: an aiohttp reverse proxy in front of several
bot processes, as nginx or Caddy would sit in front of them in production.

Each request goes to the next backend in turn, and only there: when that backend is gone (its
process was killed) the request fails with 502, and it is Telegram's retry that reaches a live
one. That is the behaviour to test against: a proxy that quietly retried elsewhere would hide
whether the bot's webhook answers only after the update is safe.
"""

from __future__ import annotations

import itertools
import socket
from collections import Counter

import aiohttp
from aiohttp import web

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host",
              "upgrade", "proxy-connection", "te", "trailer"}


def free_port() -> int:
    """A port nobody listens on right now (for a process that must be told its port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Balancer:
    def __init__(self, backends: list[str], timeout: float = 30.0) -> None:
        self.backends = backends  # base URLs, e.g. http://127.0.0.1:8081
        self.timeout = timeout
        self._turn = itertools.cycle(range(len(backends)))
        self.answers: Counter[tuple[str, int]] = Counter()  # (backend, status) → requests
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> str:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                                     shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        backend = self.backends[next(self._turn)]
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        body = await request.read()
        try:
            async with self._http.request(request.method, backend + request.path_qs,
                                          headers=headers, data=body) as answer:
                content = await answer.read()
                self.answers[backend, answer.status] += 1
                return web.Response(status=answer.status, body=content, headers={
                    k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP})
        except (aiohttp.ClientError, TimeoutError):
            self.answers[backend, 502] += 1
            return web.Response(status=502, text="bad gateway")
