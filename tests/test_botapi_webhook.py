"""The local Bot API server's webhook delivery, against a real aiohttp receiver over real HTTP:
the secret header, retries of refusals and timeouts, one update at a time per chat within
max_connections, duplicates on demand, and deleteWebhook handing the queue back to getUpdates."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest

from bot.botapi_server import DEFAULT_TOKEN, LocalBotApi

SECRET = "s3cret_-token"


@dataclass
class Receiver:
    """A webhook endpoint that records what it got and answers as told."""

    url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    refuse: int = 0  # answer 500 to this many requests first
    hang: int = 0  # then hang (past the server's timeout) on this many
    delay: float = 0.0
    in_flight: int = 0
    most_in_flight: int = 0
    chats_in_flight: Counter[int] = field(default_factory=Counter)
    chat_overlaps: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        body = await request.json()
        if self.refuse:
            self.refuse -= 1
            return web.Response(status=500)
        if self.hang:
            self.hang -= 1
            await asyncio.sleep(30)
        chat = body["message"]["chat"]["id"]
        self.in_flight += 1
        self.chats_in_flight[chat] += 1
        self.chat_overlaps += self.chats_in_flight[chat] > 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            self.bodies.append(body)
        finally:
            self.in_flight -= 1
            self.chats_in_flight[chat] -= 1
        return web.json_response({})

    def texts(self) -> list[str]:
        return [b["message"]["text"] for b in self.bodies]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    got = Receiver()
    app = web.Application()
    app.router.add_post("/hook", got.handle)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    got.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield got
    await runner.cleanup()


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(webhook_timeout=1.0, webhook_retry_seconds=0.05,
                           webhook_retry_max=0.2) as server:
        yield server


async def call(api: LocalBotApi, method: str, **params: Any) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, \
            http.post(f"{api.base_url}{DEFAULT_TOKEN}/{method}", json=params) as response:
        return await response.json()  # type: ignore[no-any-return]


async def test_set_webhook_with_ptb_delivers_with_the_secret_in_order(api, receiver):
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url) as bot:
        assert await bot.set_webhook(receiver.url, secret_token=SECRET, max_connections=5,
                                     allowed_updates=["message"])
        info = await bot.get_webhook_info()
    assert (info.url, info.max_connections) == (receiver.url, 5)
    user = api.user(1001, "Li", started=True)
    for n in range(5):
        await user.send_text(f"m{n}")
    await api.wait_confirmed(timeout=5)
    assert receiver.texts() == [f"m{n}" for n in range(5)]
    assert receiver.secrets == [SECRET] * 5
    assert [b["update_id"] for b in receiver.bodies] == sorted(b["update_id"]
                                                               for b in receiver.bodies)
    assert api.pending_updates() == []
    assert api.stats["updates_confirmed"] == 5


async def test_http_only_to_loopback_and_a_clean_secret(api):
    refused = await call(api, "setWebhook", url="http://example.com/hook")
    assert (refused["ok"], refused["error_code"]) == (False, 400)
    assert "HTTPS" in refused["description"]
    bad_secret = await call(api, "setWebhook", url="https://example.com/hook",
                            secret_token="no spaces")
    assert bad_secret["error_code"] == 400
    for url in ("http://localhost:9/hook", "http://[::1]:9/hook", "https://example.com/h"):
        assert (await call(api, "setWebhook", url=url))["ok"], url
    assert api.webhook["url"] == "https://example.com/h"


async def test_refusals_and_timeouts_are_retried_until_accepted(api, receiver):
    receiver.refuse, receiver.hang = 2, 1
    assert (await call(api, "setWebhook", url=receiver.url, secret_token=SECRET))["ok"]
    update_id = api.push_update({"message": {"message_id": 1, "date": 0, "text": "hi",
                                             "chat": {"id": 7, "type": "private"},
                                             "from": {"id": 7, "is_bot": False,
                                                      "first_name": "Q"}}})
    await api.wait_confirmed(update_id, timeout=10)
    assert receiver.texts() == ["hi"]
    assert api.updates.deliveries[update_id] == 4  # 500, 500, timeout, accepted
    assert api.stats["webhook_errors"] == 3
    info = (await call(api, "getWebhookInfo"))["result"]
    assert info["pending_update_count"] == 0
    assert "Connection failed" in info["last_error_message"]  # the timeout came last


async def test_one_update_per_chat_at_a_time_within_max_connections(api, receiver):
    receiver.delay = 0.05
    assert (await call(api, "setWebhook", url=receiver.url, max_connections=4))["ok"]
    users = [api.user(2000 + n, f"U{n}", started=True) for n in range(10)]
    for round_ in range(3):
        for user in users:
            await user.send_text(f"{user.id}:{round_}")
    await api.wait_confirmed(timeout=10)
    assert receiver.most_in_flight == 4  # side by side, never more than allowed
    assert receiver.chat_overlaps == 0
    per_chat: dict[int, list[str]] = defaultdict(list)
    for body in receiver.bodies:
        per_chat[body["message"]["chat"]["id"]].append(body["message"]["text"])
    assert per_chat == {u.id: [f"{u.id}:{r}" for r in range(3)] for u in users}


async def test_duplicates_on_demand_each_update_at_most_twice(api, receiver):
    api.duplicate_webhook_deliveries(every=2)
    assert (await call(api, "setWebhook", url=receiver.url))["ok"]
    user = api.user(1001, "Li", started=True)
    for n in range(10):
        await user.send_text(f"m{n}")
    await api.wait_confirmed(timeout=5)
    counts = Counter(receiver.texts())
    assert sorted(counts.values()) == [1] * 5 + [2] * 5
    assert api.stats["updates_duplicated"] == 5
    # A duplicate comes right after the original, before the chat's next update.
    texts = receiver.texts()
    assert all(texts[n + 1] in (texts[n], f"m{int(texts[n][1:]) + 1}")
               for n in range(len(texts) - 1))


async def test_delete_webhook_hands_the_queue_back_to_get_updates(api, receiver):
    receiver.refuse = 1000  # the endpoint is down: nothing is accepted
    assert (await call(api, "setWebhook", url=receiver.url))["ok"]
    user = api.user(1001, "Li", started=True)
    await user.send_text("kept")
    conflict = await call(api, "getUpdates")
    assert conflict["error_code"] == 409
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url) as bot:
        await asyncio.sleep(0.2)  # a few refused attempts
        assert await bot.delete_webhook()
        with pytest.raises(BadRequest):
            await bot.set_webhook("ftp://example.com/x")
        updates = await bot.get_updates(timeout=1)
    assert [u.message.text for u in updates] == ["kept"]
    assert receiver.bodies == []
    assert json.dumps(api.webhook) == json.dumps({"url": ""})
