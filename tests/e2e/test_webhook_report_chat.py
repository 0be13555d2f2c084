"""End to end: a worker's report in chat through the real bot reaches the ERP as a signed
`report.accepted` webhook, sent by the webhook sender over real HTTP."""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress

from bot.webhook_sender import WebhookSender
from domain.erp import endpoints
from domain.erp.deliveries import Policy
from domain.models import utcnow
from tests.webhook_receiver import Receiver, receiver

__all__ = ["receiver"]


async def test_a_report_in_chat_reaches_the_erp_signed(floor, receiver: Receiver):
    async with floor.bot.sessions() as session, session.begin():
        added = await endpoints.add(session, receiver.url, ["report.accepted"], now=utcnow())
    receiver.secret = added.secret
    sender = WebhookSender(floor.bot.sessions, floor.settings, policy=Policy(),
                           idle_seconds=0.1)
    sending = asyncio.create_task(sender.run())
    try:
        worker = await floor.register(1001, "W01", "Li")
        await worker.send_text("WO-000001 30")
        await worker.wait_message(lambda m: "已记录" in (m.text or ""))
        await receiver.wait_for(1)
    finally:
        sending.cancel()
        with suppress(asyncio.CancelledError):
            await sending
    assert receiver.bad_signatures == 0
    [post] = receiver.posts
    body = json.loads(post["body"])
    assert (post["event"], body["event"]) == ("report.accepted", "report.accepted")
    report = body["data"]
    assert (report["work_order"], report["operation_code"], report["person_code"]) == (
        "WO-000001", "SMT", "W01")
    assert (report["good"], report["accepted"], report["status"]) == (30, 30, "accepted")
    assert report["piece_rate"] == "0.3500"
