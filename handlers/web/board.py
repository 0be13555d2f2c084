"""The shop-floor board 看板 over HTTP, read-only, opened with a token in the URL:

- GET /board?token=…[&lang=en]    the page (HTML; its script and style under /board/static/)
- GET /board/data?token=…         the snapshot as JSON (what the page polls when SSE fails)
- GET /board/events?token=…       server-sent events: `snapshot` whenever it changed, a
                                  keep-alive comment meanwhile, `forbidden` once the token
                                  stops working (revoked or expired: checked on every pass)

A wrong, missing, expired or revoked token gets 403 and no data. Every open board shares one
snapshot, recomputed when the database's change stamp moves (any process's writes) or when it
is older than REFRESH_SECONDS (ages and late flags move with time); this process's own updates
ring the Pulse, so they show at once instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from domain import access_tokens, board, clock
from handlers.web.services import WebServices

STATIC = Path(__file__).parent / "static"
ASSETS = {"board.js": "text/javascript", "board.css": "text/css"}
LANGUAGES = ("zh", "en")
REFRESH_SECONDS = 30.0
KEEPALIVE_SECONDS = 15.0
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never pass it on
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:",
}


class BoardFeed:
    """The snapshot every open board shows, computed once per change."""

    def __init__(self, services: WebServices) -> None:
        self.services = services
        self.closing = False
        self._lock = asyncio.Lock()
        self._stamp: str | None = None
        self._made = 0.0
        self.version = 0
        self.body = ""

    async def current(self, session: AsyncSession) -> tuple[int, str]:
        """(version, JSON): the version moves whenever the body was recomputed."""
        stamp = await board.change_stamp(session)
        async with self._lock:
            if (stamp != self._stamp or not self.version
                    or time.monotonic() - self._made >= REFRESH_SECONDS):
                zone = ZoneInfo(self.services.rules.timezone)
                snapshot = await board.snapshot(session, clock.now(), zone)
                self.body = json.dumps(snapshot.to_dict(), ensure_ascii=False,
                                       separators=(",", ":"))
                self._stamp, self._made = stamp, time.monotonic()
                self.version += 1
            return self.version, self.body


FEED = web.AppKey("board_feed", BoardFeed)


def register(app: web.Application, services: WebServices) -> None:
    app[FEED] = BoardFeed(services)
    app.router.add_get("/board", page)
    app.router.add_get("/board/data", data)
    app.router.add_get("/board/events", events)
    app.router.add_get("/board/static/{name}", asset)
    app.on_shutdown.append(_close_streams)


async def _close_streams(app: web.Application) -> None:
    """Open streams end at once on shutdown (the server would otherwise wait for them)."""
    feed = app[FEED]
    feed.closing = True
    feed.services.pulse.notify()


async def _allowed(session: AsyncSession, request: web.Request) -> bool:
    return await access_tokens.verify(session, request.query.get("token"),
                                      now=clock.now()) is not None


async def page(request: web.Request) -> web.Response:
    feed = request.app[FEED]
    async with feed.services.sessions() as session:
        if not await _allowed(session, request):
            return _forbidden_page()
    lang = request.query.get("lang")
    if lang not in LANGUAGES:
        lang = feed.services.rules.default_language
    html = (STATIC / "board.html").read_text(encoding="utf-8")
    html = html.replace("{{lang}}", lang).replace("{{html_lang}}",
                                                  "zh-CN" if lang == "zh" else "en")
    return web.Response(text=html, content_type="text/html", headers=HEADERS)


async def data(request: web.Request) -> web.Response:
    feed = request.app[FEED]
    async with feed.services.sessions() as session:
        if not await _allowed(session, request):
            return _forbidden_json()
        _, body = await feed.current(session)
    return web.Response(text=body, content_type="application/json", headers=HEADERS)


async def events(request: web.Request) -> web.StreamResponse:
    feed = request.app[FEED]
    services = feed.services
    async with services.sessions() as session:
        if not await _allowed(session, request):
            return _forbidden_json()
    response = web.StreamResponse(headers=HEADERS | {
        "Content-Type": "text/event-stream; charset=utf-8",
        "X-Accel-Buffering": "no",  # a proxy in front must not hold the events back
    })
    await response.prepare(request)
    sent, last_write = 0, time.monotonic()
    try:
        await response.write(b"retry: 3000\n\n")  # how soon the browser reconnects
        while not feed.closing:
            async with services.sessions() as session:
                if not await _allowed(session, request):
                    await response.write(b"event: forbidden\ndata: {}\n\n")
                    break
                version, body = await feed.current(session)
            if version != sent:
                await response.write(f"event: snapshot\ndata: {body}\n\n".encode())
                sent, last_write = version, time.monotonic()
            elif time.monotonic() - last_write >= KEEPALIVE_SECONDS:
                await response.write(b": keep-alive\n\n")
                last_write = time.monotonic()
            await services.pulse.wait(min(services.poll_seconds, KEEPALIVE_SECONDS))
    except ConnectionResetError:  # the screen went away
        pass
    return response


async def asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.Response(body=(STATIC / name).read_bytes(), content_type=ASSETS[name],
                        charset="utf-8", headers=HEADERS | {"Cache-Control": "no-cache"})


def _forbidden_page() -> web.Response:
    return web.Response(status=403, text=(STATIC / "forbidden.html").read_text(encoding="utf-8"),
                        content_type="text/html", headers=HEADERS | {
                            "Content-Security-Policy": "default-src 'none'; "
                                                       "style-src 'unsafe-inline'"})


def _forbidden_json() -> web.Response:
    return web.json_response({"error": "forbidden"}, status=403, headers=HEADERS)
