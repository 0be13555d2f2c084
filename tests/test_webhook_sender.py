"""bot/webhook_sender.py against a real aiohttp receiver on a port, over a real database: every
POST signed as docs/api.md says (checked with the receiver's own HMAC), retried with backoff
until accepted, every attempt recorded, and two senders at once delivering each event once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.config import Settings
from bot.webhook_sender import WebhookSender
from domain import webhooks
from domain.db import make_engine, make_sessionmaker
from domain.erp import endpoints
from domain.erp.deliveries import Policy
from domain.models import AuditEvent, DeliveryStatus, WebhookDelivery, utcnow
from tests import databases
from tests.webhook_receiver import Receiver, receiver

__all__ = ["receiver"]

FAST = Policy(max_attempts=5, base_delay=timedelta(milliseconds=50),
              max_delay=timedelta(milliseconds=200), lease=timedelta(seconds=30))


async def subscribe(sessions, receiver: Receiver, url: str | None = None) -> None:
    async with sessions() as session, session.begin():
        added = await endpoints.add(session, url or receiver.url, None, now=utcnow())
    receiver.secret = added.secret


async def emit(sessions, n: int) -> None:
    async with sessions() as session, session.begin():
        for i in range(n):
            await webhooks.emit(session, "report.accepted", f"report.accepted:{i}",
                                {"id": i, "good": 30, "piece_rate": "0.3500"})


async def test_failing_twice_then_accepting_makes_three_recorded_attempts(sessions, receiver):
    await subscribe(sessions, receiver)
    receiver.failures = 2
    await emit(sessions, 1)
    await WebhookSender(sessions, Settings(), policy=FAST).drain(timeout=10)

    assert receiver.bad_signatures == 0
    assert len(receiver.posts) == 3 and sum(receiver.accepted.values()) == 1
    assert len({p["body"] for p in receiver.posts}) == 1  # the same bytes every time
    body = json.loads(receiver.posts[0]["body"])
    assert set(body) == {"id", "event", "created_at", "data"}
    assert (body["event"], body["data"]["piece_rate"]) == ("report.accepted", "0.3500")
    assert receiver.posts[0]["delivery"] == str(body["id"])
    async with sessions() as session:
        delivery = await session.scalar(select(WebhookDelivery))
        attempts = [json.loads(d) for d in (await session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "webhook.attempt")
            .order_by(AuditEvent.id))).all()]
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.delivered, 3, 204)
    assert delivery.delivered_at is not None and delivery.duration_ms is not None
    assert delivery.last_error is None
    assert [(a["attempt"], a["response_status"], a["outcome"]) for a in attempts] == [
        (1, 500, "pending"), (2, 500, "pending"), (3, 204, "delivered")]
    assert attempts[0]["error"] == "HTTP 500: ERP busy"


async def test_nobody_listening_is_retried_then_given_up(sessions, receiver):
    await subscribe(sessions, receiver, "http://127.0.0.1:9/nobody")  # the discard port
    await emit(sessions, 1)
    await WebhookSender(sessions, Settings(), policy=FAST, timeout=2).drain(timeout=10)
    async with sessions() as session:
        delivery = await session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.failed, FAST.max_attempts, None)
    assert "Error" in delivery.last_error


async def test_two_senders_at_once_deliver_each_event_once(tmp_path, sessions, receiver):
    await subscribe(sessions, receiver)
    receiver.delay = 0.05  # each POST takes a while: the senders overlap
    await emit(sessions, 60)
    # Two engines on one database: as two bot processes would be.
    engines = [make_engine(databases.url_for(tmp_path / "gongdan.db")) for _ in range(2)]
    try:
        senders = [WebhookSender(make_sessionmaker(e), Settings(), policy=FAST)
                   for e in engines]
        pumped = [0, 0]

        async def run(n: int) -> None:
            original = senders[n].pump

            async def counted(http):  # how many each sender attempted
                done = await original(http)
                pumped[n] += done
                return done
            senders[n].pump = counted  # type: ignore[method-assign]
            await senders[n].drain(timeout=20)

        await asyncio.gather(run(0), run(1))
    finally:
        for engine in engines:
            await engine.dispose()
    assert receiver.bad_signatures == 0
    assert len(receiver.posts) == 60
    assert set(receiver.accepted.values()) == {1} and len(receiver.accepted) == 60
    assert sum(pumped) == 60 and min(pumped) > 0  # both worked, neither twice on one
    async with sessions() as session:
        statuses = Counter((await session.scalars(select(WebhookDelivery.status))).all())
    assert statuses == {DeliveryStatus.delivered: 60}


def test_the_command_line_adds_lists_and_removes_endpoints(tmp_path):
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(tmp_path / "cli.db"),
           "GONGDAN_LANGUAGE": "en"}

    def gongdan(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "webhook", *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=60)

    added = gongdan("add", "https://erp.example.com/hooks", "--events",
                    "report.accepted,work_order.done")
    assert added.returncode == 0, added.stderr
    assert len(added.stdout.strip()) == 64  # the secret, alone on stdout
    assert "webhook 1: https://erp.example.com/hooks (events: report.accepted," \
           "work_order.done)" in added.stderr
    listed = gongdan("list").stdout.strip()
    assert listed == ("1\tactive\thttps://erp.example.com/hooks\treport.accepted,"
                      "work_order.done\tpending=0 delivered=0 failed=0")
    assert gongdan("remove", "1").stdout.strip() == (
        "removed webhook 1 (https://erp.example.com/hooks)")
    assert gongdan("list").stdout.split("\t")[1] == "removed"
    again = gongdan("remove", "1")
    assert again.returncode == 1 and "no webhook with id 1" in again.stderr
    bad = gongdan("add", "https://erp.example.com", "--events", "order.shipped")
    assert bad.returncode == 1 and "unknown event order.shipped" in bad.stderr
