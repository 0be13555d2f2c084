"""The ERP's side of outgoing webhooks, for tests: a real aiohttp server on a free port that
checks every POST's signature with its own HMAC, the way docs/api.md tells an ERP to."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass, field

import pytest
from aiohttp import web


@dataclass
class Receiver:
    """The ERP's side: checks each POST's signature, answers `failures` times with 500 per
    delivery before accepting it."""

    secret: str = ""
    failures: int = 0
    delay: float = 0.0
    posts: list[dict] = field(default_factory=list)
    accepted: Counter = field(default_factory=Counter)
    bad_signatures: int = 0
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        timestamp = request.headers["X-Gongdan-Timestamp"]
        expected = "sha256=" + hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body,
                                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers["X-Gongdan-Signature"]):
            self.bad_signatures += 1
            return web.Response(status=401)
        delivery = request.headers["X-Gongdan-Delivery"]
        self.posts.append({"delivery": delivery, "event": request.headers["X-Gongdan-Event"],
                           "body": body})
        await asyncio.sleep(self.delay)
        tries = sum(1 for p in self.posts if p["delivery"] == delivery)
        if tries <= self.failures:
            return web.Response(status=500, text="ERP busy")
        self.accepted[delivery] += 1
        return web.Response(status=204)

    async def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Until `count` deliveries were accepted."""
        async def enough() -> None:
            while sum(self.accepted.values()) < count:
                await asyncio.sleep(0.02)
        await asyncio.wait_for(enough(), timeout)


@pytest.fixture
async def receiver():
    found = Receiver()
    app = web.Application()
    app.router.add_post("/gongdan/events", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001
    found.url = f"http://127.0.0.1:{port}/gongdan/events"
    yield found
    await runner.cleanup()
