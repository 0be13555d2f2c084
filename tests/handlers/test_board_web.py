"""The board's HTTP routes on aiohttp's test server over a real database: 403 without a valid
token (and no data), the page in zh and en, the JSON snapshot, and the event stream delivering
a new snapshot after a change (rung by the Pulse, or seen by polling), ending when the token is
revoked."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from domain import access_tokens
from domain.models import OperationTask, Person, WorkReport, utcnow
from domain.rules import FactoryRules
from handlers.web import routes
from handlers.web.services import WebServices
from tests import builders


@pytest.fixture
async def floor(sessions):
    async with sessions() as s, s.begin():
        product = await builders.product(s)
        await builders.work_order(s, product, quantity=100)
        await builders.person(s, "W01")
        tv = await access_tokens.issue(s, now=utcnow(), label="TV1")
    return sessions, tv.token


@pytest.fixture
async def client(floor):
    sessions, _ = floor
    services = WebServices(sessions, FactoryRules(), poll_seconds=0.2)
    app = web.Application()
    routes.register(app, services)
    async with TestClient(TestServer(app)) as test_client:
        test_client.services = services  # type: ignore[attr-defined]
        yield test_client


async def report(sessions, good: int, key: str) -> None:
    """What a report leaves behind: the report row and the task's quantities."""
    async with sessions() as s, s.begin():
        task = await s.scalar(select(OperationTask).where(OperationTask.seq == 10))
        worker = await s.scalar(select(Person).where(Person.code == "W01"))
        s.add(WorkReport(task_id=task.id, person_id=worker.id, good_qty=good, source="typed",
                         idempotency_key=key, status="accepted", accepted_qty=good,
                         piece_rate=Decimal("0.35"), reported_at=utcnow()))
        await s.execute(update(OperationTask).where(OperationTask.id == task.id).values(
            good_qty=OperationTask.good_qty + good, status="in_progress"))


async def next_event(response, timeout: float = 5.0) -> tuple[str, str]:
    """The next event (name, data) of a text/event-stream, comments skipped."""
    async def read() -> tuple[str, str]:
        name, data = "message", []
        while True:
            line = (await response.content.readline()).decode().rstrip("\n")
            if line == "":
                if data:
                    return name, "\n".join(data)
                name = "message"
                continue
            if line.startswith(":") or line.startswith("retry:"):
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
    return await asyncio.wait_for(read(), timeout)


async def smt_good(body: str) -> int:
    data = json.loads(body)
    return data["work_orders"][0]["operations"][0]["good"]


async def expired_and_revoked(sessions) -> list[str]:
    async with sessions() as s, s.begin():
        expired = await access_tokens.issue(s, now=utcnow() - timedelta(days=2), days=1)
        revoked = await access_tokens.issue(s, now=utcnow())
        await access_tokens.revoke(s, revoked.id, now=utcnow())
    return [expired.token, revoked.token]


async def test_no_valid_token_no_data(client, floor):
    sessions, token = floor
    bad = ["", "nope", token[:-2], *await expired_and_revoked(sessions)]
    for value in bad:
        suffix = f"?token={value}" if value else ""
        page = await client.get(f"/board{suffix}")
        assert page.status == 403
        text = await page.text()
        assert "无效" in text and "not valid" in text  # both languages
        assert "WO-000001" not in text
        for path in ("/board/data", "/board/events"):
            refused = await client.get(f"{path}{suffix}")
            assert refused.status == 403
            assert await refused.json() == {"error": "forbidden"}


async def test_the_page_in_both_languages(client, floor):
    _, token = floor
    page = await client.get(f"/board?token={token}")
    assert page.status == 200
    html = await page.text()
    assert 'data-lang="zh"' in html and 'lang="zh-CN"' in html  # the factory's language
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    english = await (await client.get(f"/board?token={token}&lang=en")).text()
    assert 'data-lang="en"' in english
    odd = await (await client.get(f"/board?token={token}&lang=xx")).text()
    assert 'data-lang="zh"' in odd

    script = await client.get("/board/static/board.js")
    assert script.status == 200 and script.content_type == "text/javascript"
    assert "EventSource" in await script.text()
    assert (await client.get("/board/static/board.css")).content_type == "text/css"
    assert (await client.get("/board/static/forbidden.html")).status == 404
    assert (await client.get("/board/static/..%2Fboard.py")).status == 404


async def test_data_is_the_snapshot(client, floor):
    sessions, token = floor
    await report(sessions, 30, "k1")
    response = await client.get(f"/board/data?token={token}")
    assert response.status == 200 and response.content_type == "application/json"
    data = await response.json()
    assert set(data) == {"now", "timezone", "date", "output", "work_orders", "exceptions",
                         "counts"}
    (wo,) = data["work_orders"]
    assert (wo["code"], wo["quantity"], wo["late"]) == ("WO-000001", 100, False)
    assert [(op["code"], op["name"], op["planned"], op["good"], op["percent"])
            for op in wo["operations"]] == [("SMT", "贴片", 100, 30, 30),
                                            ("THT", "插件", 100, 0, 0),
                                            ("TEST", "测试", 100, 0, 0)]
    assert (data["output"]["good"], data["output"]["planned"]) == (30, None)
    assert data["exceptions"] == [] and data["timezone"] == "Asia/Shanghai"


async def test_stream_pushes_a_new_snapshot_when_the_pulse_rings(client, floor):
    sessions, token = floor
    stream = await client.get(f"/board/events?token={token}")
    assert stream.status == 200
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    name, body = await next_event(stream)
    assert name == "snapshot" and await smt_good(body) == 0

    client.services.poll_seconds = 60  # only the pulse can bring it now
    await asyncio.sleep(0.3)  # the stream waits on the pulse with the new poll time
    await report(sessions, 25, "k1")
    client.services.pulse.notify()
    name, body = await next_event(stream, timeout=3)
    assert name == "snapshot" and await smt_good(body) == 25
    stream.close()


async def test_stream_sees_changes_made_elsewhere_by_polling(client, floor):
    sessions, token = floor
    stream = await client.get(f"/board/events?token={token}")
    assert (await next_event(stream))[0] == "snapshot"
    await report(sessions, 40, "k1")  # another process: no pulse here
    name, body = await next_event(stream, timeout=3)
    assert name == "snapshot" and await smt_good(body) == 40
    stream.close()


async def test_a_revoked_token_ends_the_stream(client, floor):
    sessions, token = floor
    stream = await client.get(f"/board/events?token={token}")
    assert (await next_event(stream))[0] == "snapshot"
    async with sessions() as s, s.begin():
        (info,) = await access_tokens.listing(s)
        await access_tokens.revoke(s, info.id, now=utcnow())
    assert await next_event(stream, timeout=3) == ("forbidden", "{}")
    assert await asyncio.wait_for(stream.content.read(), 3) == b""  # closed by the server
    assert (await client.get(f"/board/data?token={token}")).status == 403


async def test_a_link_ends_when_the_manager_it_belongs_to_is_removed(client, floor):
    """A board link asked for in chat is the manager's: removed, their screens go dark."""
    from domain import people_removal

    sessions, _ = floor
    async with sessions() as s, s.begin():
        manager = await builders.person(s, "M01", role="manager")
        await builders.person(s, "M02", role="manager")
        theirs = await access_tokens.issue(s, now=utcnow(), label="office", holder=manager)
    stream = await client.get(f"/board/events?token={theirs.token}")
    assert (await next_event(stream))[0] == "snapshot"
    async with sessions() as s, s.begin():
        await people_removal.remove(s, manager.id, actor=None, now=utcnow())
    assert await next_event(stream, timeout=3) == ("forbidden", "{}")
    for path in ("/board", "/board/data"):
        assert (await client.get(f"{path}?token={theirs.token}")).status == 403
    assert (await client.get(f"/board/data?token={floor[1]}")).status == 200  # not theirs


async def test_keep_alive_while_nothing_changes(client, floor, monkeypatch):
    from handlers.web import board as web_board

    monkeypatch.setattr(web_board, "KEEPALIVE_SECONDS", 0.3)
    _, token = floor
    stream = await client.get(f"/board/events?token={token}")
    assert (await next_event(stream))[0] == "snapshot"
    lines = []
    while ": keep-alive" not in lines:
        lines.append((await asyncio.wait_for(stream.content.readline(), 3)).decode().strip())
    stream.close()


async def test_shutdown_ends_open_streams_at_once(floor):
    sessions, token = floor
    services = WebServices(sessions, FactoryRules(), poll_seconds=30)
    app = web.Application()
    routes.register(app, services)
    server = TestServer(app)
    test_client = TestClient(server)
    await test_client.start_server()
    stream = await test_client.get(f"/board/events?token={token}")
    assert (await next_event(stream))[0] == "snapshot"
    loop = asyncio.get_running_loop()
    started = loop.time()
    await server.close()  # the server goes first; the screen is still connected
    assert loop.time() - started < 5
    assert await asyncio.wait_for(stream.content.read(), 3) == b""
    await test_client.close()
