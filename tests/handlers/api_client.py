"""The REST API on aiohttp's test server over a real database, for the test_api_* modules.

`Api` sends requests with the ERP's token and checks every answer against the OpenAPI
document: the schema documented for that route, method and status (jsonschema), so no test
can pass on an answer the document does not describe.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache, partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import render_text
from domain import access_tokens
from domain.models import utcnow
from domain.rules import FactoryRules
from handlers.web import api as api_routes
from handlers.web.api.openapi import document
from handlers.web.services import WebServices
from tests import builders


@cache
def _routes() -> list[tuple[re.Pattern[str], dict[str, Any]]]:
    return [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), item)
            for path, item in document()["paths"].items()]


def documented(method: str, path: str, status: int) -> dict[str, Any]:
    """The response schema the document gives for this request and status."""
    for pattern, item in _routes():
        if pattern.match(path):
            responses = item[method.lower()]["responses"]
            answer = responses.get(str(status)) or responses["default"]
            return answer["content"]["application/json"]["schema"]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def conforms(body: Any, schema: dict[str, Any]) -> None:
    Draft202012Validator({**schema, "components": document()["components"]}).validate(body)


@dataclass
class Api:
    client: TestClient
    sessions: async_sessionmaker[AsyncSession]
    services: WebServices
    token: str

    async def call(self, method: str, path: str, *, json: Any = None, token: str | None = "",
                   headers: dict[str, str] | None = None, data: bytes | None = None,
                   **query: Any) -> tuple[int, Any]:
        """(status, JSON body); `token=None` sends none, "" the ERP's."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token or self.token}"
        response = await self.client.request(method, path, json=json, data=data,
                                             headers=sent, params=query)
        assert response.content_type == "application/json", await response.text()
        body = await response.json()
        conforms(body, documented(method, path, response.status))
        return response.status, body

    async def get(self, path: str, **query: Any) -> tuple[int, Any]:
        return await self.call("GET", path, **query)

    async def put(self, path: str, body: Any, **kw: Any) -> tuple[int, Any]:
        return await self.call("PUT", path, json=body, **kw)

    async def pages(self, path: str, **query: Any) -> list[dict[str, Any]]:
        """Every row of a list, page after page."""
        rows, cursor = [], None
        while True:
            status, body = await self.get(path, **query, **({"cursor": cursor} if cursor
                                                            else {}))
            assert status == 200, body
            rows += body["data"]
            cursor = body["next_cursor"]
            if cursor is None:
                return rows


async def seed(sessions: async_sessionmaker[AsyncSession]) -> str:
    """PCB-A (SMT → THT → TEST) and PCB-B, WO-000001 of 100 (order SO-1-1, made by the
    workbook), workers W01 (SMT) and W02 (THT) and supervisor S01 with Telegram accounts;
    returns the ERP's API token."""
    async with sessions() as session, session.begin():
        product = await builders.product(session)
        await builders.product(session, "PCB-B")
        await builders.work_order(session, product, quantity=100)
        await builders.person(session, "W01", skills="SMT", telegram_user_id=1001)
        await builders.person(session, "W02", skills="THT", telegram_user_id=1002)
        await builders.person(session, "S01", role="supervisor", telegram_user_id=2001)
        issued = await access_tokens.issue(session, now=utcnow(), label="ERP",
                                           purpose=access_tokens.API)
    return issued.token


def services_for(sessions: async_sessionmaker[AsyncSession],
                 rules: FactoryRules | None = None) -> WebServices:
    rules = rules or FactoryRules()
    return WebServices(sessions, rules,
                       render=partial(render_text, zone=ZoneInfo(rules.timezone)))


@pytest.fixture
async def api(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Api]:
    token = await seed(sessions)
    services = services_for(sessions)
    app = web.Application()
    api_routes.register(app, services)
    async with TestClient(TestServer(app)) as client:
        yield Api(client, sessions, services, token)
