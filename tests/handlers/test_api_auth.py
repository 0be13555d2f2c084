"""Who may use the API: an active API token, sent as a bearer token. Anything else is 401 in
the caller's language, and nothing is read or changed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update

from domain import access_tokens
from domain.db import make_engine, make_sessionmaker
from domain.migrate import upgrade
from domain.models import AuditEvent, Order, Person, utcnow
from domain.rules import FactoryRules
from handlers.web import api as api_routes
from tests import databases
from tests.handlers.api_client import Api, api, conforms, documented, seed, services_for

__all__ = ["api"]

ORDER = {"customer": "华强电子", "lines": [{"product_code": "PCB-A", "quantity": 10,
                                           "due_date": "2030-12-01"}]}


async def issue(api: Api, **kw) -> access_tokens.IssuedToken:
    async with api.sessions() as session, session.begin():
        return await access_tokens.issue(session, **{"now": utcnow(), **kw})


async def counts(api: Api) -> tuple[int, int]:
    async with api.sessions() as session:
        return (await session.scalar(select(func.count()).select_from(Order)),
                await session.scalar(select(func.count()).select_from(AuditEvent)))


async def refused(api: Api, token: str | None, **headers: str) -> dict:
    before = await counts(api)
    status, body = await api.put("/api/v1/orders/ERP-1", ORDER, token=token, headers=headers)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    status, listed = await api.get("/api/v1/reports", token=token)
    assert status == 401 and "data" not in listed
    assert await counts(api) == before  # nothing read or changed
    return body["error"]


async def test_no_token_wrong_token_and_another_kind_of_token_are_refused(api):
    assert "令牌" in (await refused(api, None))["message"]  # the factory speaks Chinese
    await refused(api, "not-a-token")
    board = await issue(api, label="TV1")  # a board link's token opens the board only
    await refused(api, board.token)
    response = await api.client.get("/api/v1/reports", headers={"Authorization": api.token})
    assert response.status == 401  # the token without "Bearer"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_an_expired_token_is_refused(api):
    old = await issue(api, now=utcnow() - timedelta(days=2), days=1,
                      purpose=access_tokens.API)
    await refused(api, old.token)


async def test_a_revoked_token_is_refused_at_once(api):
    status, _ = await api.get("/api/v1/reports")
    assert status == 200
    async with api.sessions() as session, session.begin():
        [mine] = await access_tokens.listing(session, purpose=access_tokens.API)
        await access_tokens.revoke(session, mine.id, now=utcnow())
    await refused(api, api.token)


async def test_a_token_outlives_the_person_who_issued_it_while_it_is_active(api):
    async with api.sessions() as session, session.begin():
        manager = await session.scalar(select(Person).where(Person.code == "S01"))
        issued = await access_tokens.issue(session, now=utcnow(), purpose=access_tokens.API,
                                           label="ERP-2", actor=manager)
        manager.active = False  # left the factory: the ERP's token is not theirs
    status, _ = await api.get("/api/v1/reports", token=issued.token)
    assert status == 200
    async with api.sessions() as session, session.begin():
        await access_tokens.revoke(session, issued.id, now=utcnow())
    await refused(api, issued.token)


async def test_a_persons_own_token_stops_when_they_are_removed(api):
    """`api-token --for CODE`: once they are removed from the factory their token opens
    nothing, at once; a token they merely issued stays the factory's."""
    from domain import people_removal

    async with api.sessions() as session, session.begin():
        supervisor = await session.scalar(select(Person).where(Person.code == "S01"))
        own = await access_tokens.issue(session, now=utcnow(), purpose=access_tokens.API,
                                        label="own script", holder=supervisor)
        issued = await access_tokens.issue(session, now=utcnow(), purpose=access_tokens.API,
                                           label="ERP-2", actor=supervisor)
    for token in (own.token, issued.token):
        assert (await api.get("/api/v1/reports", token=token))[0] == 200
    async with api.sessions() as session, session.begin():
        await people_removal.remove(session, supervisor.id, actor=None, now=utcnow())
    await refused(api, own.token)
    assert (await api.get("/api/v1/reports", token=issued.token))[0] == 200


async def test_a_token_of_someone_deactivated_without_revoking_it_is_refused(api):
    """An import (or a hand in the database) set active = false and revoked nothing."""
    async with api.sessions() as session, session.begin():
        worker = await session.scalar(select(Person).where(Person.code == "W01"))
        own = await access_tokens.issue(session, now=utcnow(), purpose=access_tokens.API,
                                        holder=worker)
    assert (await api.get("/api/v1/reports", token=own.token))[0] == 200
    async with api.sessions() as session, session.begin():
        await session.execute(update(Person).where(Person.code == "W01").values(active=False))
    await refused(api, own.token)


@pytest.mark.parametrize(("header", "word"), [("en-US,en;q=0.9", "token"),
                                               ("zh-CN,zh;q=0.9,en;q=0.5", "令牌"),
                                               ("fr, en;q=0.2, zh;q=0.1", "token"),
                                               ("fr", "令牌")])
async def test_the_message_speaks_the_callers_language(api, header, word):
    error = await refused(api, "wrong", **{"Accept-Language": header})
    assert word in error["message"]


async def test_the_factorys_language_when_the_caller_says_nothing(sessions):
    await seed(sessions)
    app = web.Application()
    api_routes.register(app, services_for(sessions, FactoryRules(default_language="en")))
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/api/v1/reports")
        body = await response.json()
    assert response.status == 401
    conforms(body, documented("GET", "/api/v1/reports", 401))
    assert body["error"]["message"].startswith("A valid API token is needed")


async def test_the_document_needs_no_token(api):
    response = await api.client.get("/api/openapi.json")
    assert response.status == 200
    assert (await response.json())["openapi"] == "3.1.0"


async def test_an_unknown_api_path_is_a_json_404(api):
    response = await api.client.get("/api/v1/nothing-here")
    body = await response.json()
    assert (response.status, body["error"]["code"]) == (404, "not_found")
    conforms(body, {"$ref": "#/components/schemas/Error"})


def gongdan(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(db), "GONGDAN_LANGUAGE": "en"}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=db.parent, env=env,
                          capture_output=True, text=True, timeout=60)


async def test_the_command_line_issues_lists_and_revokes_api_tokens(tmp_path):
    db = tmp_path / "cli.db"
    made = await asyncio.to_thread(gongdan, db, "api-token", "--label", "ERP", "--days", "30")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()  # alone on stdout, shown once
    assert "API token 1 (ERP)" in made.stderr and token not in made.stderr
    engine = make_engine(databases.url_for(db))
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            assert await access_tokens.verify(session, token, now=utcnow(),
                                              purpose=access_tokens.API) is not None
            assert await access_tokens.verify(session, token, now=utcnow()) is None  # not a board
        listed = await asyncio.to_thread(gongdan, db, "api-token", "--list")
        assert listed.stdout.startswith("1\tactive\tuntil ") and "\tERP" in listed.stdout
        revoked = await asyncio.to_thread(gongdan, db, "api-token", "--revoke", "1")
        assert revoked.stdout.strip() == "revoked API token 1 (ERP)"
        async with sessions() as session:
            assert await access_tokens.verify(session, token, now=utcnow(),
                                              purpose=access_tokens.API) is None
        unknown = await asyncio.to_thread(gongdan, db, "api-token", "--revoke", "9")
        assert unknown.returncode == 1 and "no API token 9" in unknown.stderr
    finally:
        await engine.dispose()


async def test_the_command_line_issues_a_persons_own_token_and_removal_ends_it(tmp_path):
    db = tmp_path / "own.db"
    engine = make_engine(databases.url_for(db))
    try:
        await upgrade(engine)
        sessions = make_sessionmaker(engine)
        await seed(sessions)
        made = await asyncio.to_thread(gongdan, db, "api-token", "--for", "w01", "--label", "x")
        assert made.returncode == 0, made.stderr
        assert "工人W01's own" in made.stderr
        token = made.stdout.strip()
        listed = await asyncio.to_thread(gongdan, db, "api-token", "--list")
        assert listed.stdout.splitlines()[0].endswith("\tfor 工人W01")
        unknown = await asyncio.to_thread(gongdan, db, "api-token", "--for", "NOPE")
        assert unknown.returncode == 1 and "No person with code NOPE" in unknown.stderr
        removed = await asyncio.to_thread(gongdan, db, "person", "remove", "W01")
        assert removed.returncode == 0, removed.stderr
        assert "1 access token(s) of theirs revoked" in removed.stdout
        async with sessions() as session:
            assert await access_tokens.verify(session, token, now=utcnow(),
                                              purpose=access_tokens.API) is None
        again = await asyncio.to_thread(gongdan, db, "api-token", "--for", "W01")
        assert again.returncode == 1 and "no longer in the factory" in again.stderr
    finally:
        await engine.dispose()
