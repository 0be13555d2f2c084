"""/metrics on a running aiohttp server over a real database: every line parses with a strict
reader of Prometheus' text format (0.0.4), the figures move with the database and the process's
counters, and only this machine or a metrics token may read them."""

from __future__ import annotations

import asyncio
import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import metrics as process_metrics
from domain import access_tokens
from domain.models import (
    BotProcess,
    InboxUpdate,
    Reminder,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from domain.notifications import Notice, enqueue
from domain.operations_metrics import TOKEN_PURPOSE
from domain.rules import FactoryRules
from handlers.web import routes
from handlers.web.services import WebServices
from tests import builders
from tests.test_backup import report

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
VIA_PROXY = {"X-Forwarded-For": "203.0.113.7"}


def parse_exposition(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Samples by (name, labels); AssertionError on anything the format does not allow."""
    assert body.endswith("\n"), "the last line ends with a newline"
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    types: dict[str, str] = {}
    helps: set[str] = set()
    finished: set[str] = set()  # families whose samples are over: they may not come back
    current: str | None = None
    for number, line in enumerate(body[:-1].split("\n"), start=1):
        where = f"line {number}: {line!r}"
        if line.startswith("#"):
            keyword, name, rest = (line[2:].split(" ", 2) + ["", ""])[:3]
            assert line.startswith("# ") and keyword in ("HELP", "TYPE"), where
            assert NAME.fullmatch(name), where
            if keyword == "HELP":
                assert name not in helps, f"second HELP, {where}"
                assert re.fullmatch(r"(?:[^\\\n]|\\[\\n])*", rest), where
                helps.add(name)
            else:
                assert name not in types and rest in TYPES, where
                assert not any(key[0] == name for key in samples), f"TYPE after samples, {where}"
                types[name] = rest
            continue
        match = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?", line)
        assert match, where
        name, labels_text, value_text = match.group(1), match.group(2), match.group(3)
        assert name in types, f"sample before its TYPE, {where}"
        if current != name:
            assert name not in finished, f"family split in two, {where}"
            if current is not None:
                finished.add(current)
            current = name
        labels: list[tuple[str, str]] = []
        rest = labels_text or ""
        while rest:
            label = LABEL.match(rest)
            assert label, where
            assert not label.group(1).startswith("__"), where
            labels.append((label.group(1), label.group(2)))
            rest = rest[label.end():]
            assert rest == "" or rest.startswith(","), where
            rest = rest[1:]
        assert len({k for k, _ in labels}) == len(labels), f"label twice, {where}"
        assert value_text in ("NaN", "+Inf", "-Inf") or re.fullmatch(
            r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", value_text), where
        key = (name, frozenset(labels))
        assert key not in samples, f"duplicate sample, {where}"
        samples[key] = float(value_text)
        if types[name] == "counter":
            assert name.endswith("_total") and samples[key] >= 0, where
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


@pytest.fixture
async def client(sessions):
    async with sessions() as s, s.begin():
        product = await builders.product(s)
        await builders.work_order(s, product, quantity=100)
        await builders.person(s, "W01", skills="SMT")
    services = WebServices(sessions, FactoryRules(),
                           counters=lambda: dict(process_metrics.COUNTS))
    app = web.Application()
    routes.register(app, services)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def scrape(client, **kwargs) -> dict:
    response = await client.get("/metrics", **kwargs)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse_exposition(await response.text())


async def test_figures_move_with_the_database_and_the_counters(client, sessions):
    first = await scrape(client)
    assert value(first, "gongdan_outbox_pending") == 0
    assert value(first, "gongdan_outbox_oldest_pending_age_seconds") == 0
    assert value(first, "gongdan_inbox_pending") == 0
    assert value(first, "gongdan_sweep_lag_seconds") == 0
    assert value(first, "gongdan_reports", status="accepted") == 0
    assert value(first, "gongdan_webhook_deliveries", status="pending") == 0
    assert value(first, "gongdan_processes_alive") == 0
    handled = value(first, "gongdan_updates_handled_total")
    assert value(first, "gongdan_sender_429_total") >= 0

    await report(sessions, "W01", 10, 5, 0, "k1")  # before any webhook endpoint exists
    now = utcnow()
    async with sessions() as s, s.begin():
        enqueue(s, 42, Notice("errors.internal"), lang="zh")
        s.add(InboxUpdate(update_id=7, chat_id=42, payload="{}",
                          received_at=now - timedelta(seconds=30)))
        s.add(Reminder(kind="exception", fact_key="x:1", entity="exception", entity_id=1,
                       started_at=now - timedelta(minutes=5),
                       due_at=now - timedelta(seconds=40)))
        s.add(Reminder(kind="exception", fact_key="x:2", entity="exception", entity_id=2,
                       started_at=now, due_at=now + timedelta(hours=1)))  # not due: no lag
        endpoint = WebhookEndpoint(url="http://erp.example/hook", secret="s")
        s.add(endpoint)
        await s.flush()
        s.add(WebhookDelivery(endpoint_id=endpoint.id, event="report.accepted",
                              event_key="report.accepted:1", payload="{}"))
        s.add(WebhookDelivery(endpoint_id=endpoint.id, event="report.accepted",
                              event_key="report.accepted:2", payload="{}", status="failed"))
        wall = datetime.now(UTC)  # heartbeats follow the wall clock, not the business clock
        s.add(BotProcess(name="bot-1", mode="webhook", seen_at=wall))
        s.add(BotProcess(name="bot-2", mode="webhook", seen_at=wall - timedelta(seconds=16)))
    process_metrics.count("updates_handled", 2)
    await asyncio.sleep(0.05)

    second = await scrape(client)
    assert value(second, "gongdan_outbox_pending") == 1
    assert value(second, "gongdan_outbox_oldest_pending_age_seconds") > 0
    assert value(second, "gongdan_inbox_pending") == 1
    assert 30 <= value(second, "gongdan_inbox_oldest_pending_age_seconds") < 60
    assert 40 <= value(second, "gongdan_sweep_lag_seconds") < 70
    assert value(second, "gongdan_reports", status="accepted") == 1
    assert value(second, "gongdan_reports", status="voided") == 0
    assert value(second, "gongdan_webhook_deliveries", status="pending") == 1
    assert value(second, "gongdan_webhook_deliveries", status="failed") == 1
    assert value(second, "gongdan_processes_alive") == 1  # bot-2 missed 3 beats of 5 s
    assert value(second, "gongdan_process_heartbeat_age_seconds",
                 process="bot-1", mode="webhook") < 5
    assert value(second, "gongdan_process_heartbeat_age_seconds",
                 process="bot-2", mode="webhook") >= 16
    assert value(second, "gongdan_updates_handled_total") == handled + 2


async def test_only_this_machine_or_a_metrics_token_may_read(client, sessions):
    async with sessions() as s, s.begin():
        good = await access_tokens.issue(s, now=utcnow(), purpose=TOKEN_PURPOSE, label="prom")
        board = await access_tokens.issue(s, now=utcnow(), label="TV1")
        gone = await access_tokens.issue(s, now=utcnow(), purpose=TOKEN_PURPOSE)
        await access_tokens.revoke(s, gone.id, now=utcnow())

    for headers in (VIA_PROXY, {**VIA_PROXY, "Authorization": "Bearer nope"},
                    {**VIA_PROXY, "Authorization": f"Bearer {board.token}"},
                    {**VIA_PROXY, "Authorization": f"Bearer {gone.token}"},
                    {"Forwarded": "for=203.0.113.7"}):
        response = await client.get("/metrics", headers=headers)
        assert response.status == 401, headers
        assert "gongdan_" not in await response.text()
        assert response.headers["WWW-Authenticate"] == "Bearer"

    by_header = await scrape(client, headers={**VIA_PROXY,
                                              "Authorization": f"Bearer {good.token}"})
    by_query = await scrape(client, headers=VIA_PROXY, params={"token": good.token})
    assert ("gongdan_processes_alive", frozenset()) in by_header.keys() & by_query.keys()


@pytest.mark.parametrize("body", [
    "a 1",                                  # no newline at the end
    "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n",  # duplicate
    "a 1\n",                                # no TYPE
    "# TYPE a gauge\na{x=\"\\q\"} 1\n",     # bad escape
    "# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na 2\n",  # family split
    "# TYPE a_total counter\na_total -1\n",  # a counter below zero
    "# TYPE a gauge\na one\n",               # not a number
])
def test_the_parser_is_strict(body):
    with pytest.raises(AssertionError):
        parse_exposition(body)


def test_the_parser_reads_special_values():
    samples = parse_exposition('# HELP a x\\ny\n# TYPE a gauge\na{k="q\\"\\\\"} NaN\n'
                               'a{k="z"} +Inf 1700000000\n')
    assert math.isnan(value(samples, "a", k='q\\"\\\\'))
    assert value(samples, "a", k="z") == math.inf
