"""Faults of the local Bot API server that last a while (storms), the check that a bot waited
out every retry_after, and the bot's Floodgate against them, with python-telegram-bot over
real HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.botapi_server import DEFAULT_TOKEN, LocalBotApi, RequestRecord
from bot.botapi_server.faults import calls_inside_retry_after
from bot.pacing import retry_seconds
from bot.telegram_out import Floodgate


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi() as server:
        yield server


def make_bot(server: LocalBotApi, cls: type[Bot] = Bot, **extra) -> Bot:
    return cls(DEFAULT_TOKEN, base_url=server.base_url, base_file_url=server.base_file_url,
               request=HTTPXRequest(read_timeout=0.5),
               get_updates_request=HTTPXRequest(read_timeout=0.5), **extra)


@pytest.fixture
async def bot(api: LocalBotApi) -> AsyncIterator[Bot]:
    async with make_bot(api) as b:
        yield b


async def test_a_storm_fails_every_method_getupdates_included_until_it_is_over(api, bot):
    user = api.user(1, "Li", started=True)
    api.storm(503, seconds=0.6)
    for call in (bot.get_me(), bot.get_updates(timeout=0), bot.send_message(user.id, "x")):
        with pytest.raises(NetworkError, match="Service Unavailable"):
            await call
    await asyncio.sleep(0.7)
    assert (await bot.send_message(user.id, "after")).text == "after"
    assert await bot.get_updates(timeout=0) == ()
    assert api.faults == []  # a storm that is over is gone
    assert [m.text for m in user.messages] == ["after"]


async def test_a_storm_as_a_block_and_on_some_methods_only(api, bot):
    user = api.user(2, "Wang", started=True)
    with api.storm(502, methods=["sendMessage"]):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(user.id, "lost")
        assert (await bot.get_me()).username == api.bot_username
    assert (await bot.send_message(user.id, "after")).text == "after"
    assert api.stats["errors"][("sendMessage", 502)] == 1


async def test_a_429_storm_says_to_wait_what_is_left_of_it(api, bot):
    api.storm(429, seconds=2.5)
    with pytest.raises(RetryAfter) as first:
        await bot.get_me()
    assert retry_seconds(first.value.retry_after) == 3  # 2.5 s left: whole seconds, rounded up
    api.clear_faults()
    api.storm(429, seconds=10, retry_after=1)
    with pytest.raises(RetryAfter) as fixed:
        await bot.get_updates(timeout=0)
    assert retry_seconds(fixed.value.retry_after) == 1


async def test_a_storm_on_one_chat_leaves_the_others_alone(api, bot):
    flooded, calm = api.user(3, "Zhao", started=True), api.user(4, "Qian", started=True)
    api.storm(429, seconds=5, retry_after=2, chats=[flooded.id])
    with pytest.raises(RetryAfter):
        await bot.send_message(flooded.id, "no")
    assert (await bot.send_message(calm.id, "yes")).text == "yes"
    (record,) = [r for r in api.requests if r.status == 429]
    assert (record.retry_after, record.window, record.chat_id) == (2, "chat", flooded.id)


async def test_inject_for_a_while_and_the_old_ways_unchanged(api, bot):
    user = api.user(5, "Sun", started=True)
    api.inject("sendMessage", status=500, for_seconds=0.4)
    for _ in range(3):  # not just once: every call in the window
        with pytest.raises(NetworkError):
            await bot.send_message(user.id, "x")
    await asyncio.sleep(0.5)
    assert (await bot.send_message(user.id, "y")).text == "y"
    api.inject(status=500, times=None)  # any method but getUpdates, until cleared
    assert await bot.get_updates(timeout=0) == ()
    with pytest.raises(NetworkError):
        await bot.get_me()
    api.clear_faults()
    api.inject("sendMessage", status="timeout", process=True, for_seconds=5)
    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "delivered, unanswered")
    assert [m.text for m in user.messages] == ["y", "delivered, unanswered"]


async def test_file_downloads_can_fail_too(api, bot):
    user = api.user(6, "Zhou", started=True)
    photo = await user.send_photo(_jpeg())
    file = await bot.get_file(photo.photo[-1].file_id)
    api.storm(500, seconds=5, methods=["file"])
    assert (await bot.get_me()).id == api.bot_id  # "file" names downloads, nothing else
    with pytest.raises(NetworkError):
        await file.download_as_bytearray()
    api.clear_faults()
    api.storm(500, seconds=5)  # every method: not the file server
    assert bytes(await file.download_as_bytearray()) == photo.photo[-1].data


def record(method: str, ts: float, status: int = 200, chat: int | None = None,
           retry_after: int | None = None, window: str | None = None) -> RequestRecord:
    params = {"chat_id": str(chat)} if chat is not None else {}
    return RequestRecord(ts, method, params, status, duration=0.01, retry_after=retry_after,
                         window=window)


def test_calls_inside_a_retry_after_window_are_found():
    flood = record("sendMessage", 100.0, 429, chat=1, retry_after=2, window="bot")
    on_its_way = record("sendMessage", 100.1, chat=2)  # begun before the answer was read
    too_soon = record("editMessageText", 101.0, chat=3)
    polling = record("getUpdates", 101.0)  # long polling is a channel of its own
    after = record("sendMessage", 102.1, chat=1)
    found = calls_inside_retry_after([flood, on_its_way, too_soon, polling, after])
    assert found == [(flood, too_soon)]


def test_a_chat_window_holds_that_chat_and_a_polling_window_polling():
    chat = record("sendMessage", 100.0, 429, chat=1, retry_after=3, window="chat")
    poll = record("getUpdates", 200.0, 429, retry_after=3, window="bot")
    calls = [record("sendMessage", 101.0, chat=2), record("sendMessage", 101.5, chat=1),
             record("sendMessage", 201.0, chat=2), record("getUpdates", 201.5)]
    found = calls_inside_retry_after([chat, poll, *calls])
    assert found == [(chat, calls[1]), (poll, calls[3])]


async def test_the_floodgate_holds_every_call_until_the_window_is_over(api):
    """Eight calls at once into a 429 storm: after each 429 nothing starts until its
    retry_after has passed, then one call goes alone until the storm is over."""
    users = [api.user(100 + n, f"U{n}", started=True) for n in range(8)]
    gate = Floodgate()
    async with make_bot(api, ExtBot, rate_limiter=gate) as bot:
        api.storm(429, seconds=2.2, retry_after=1, methods=["sendMessage"])
        started = time.monotonic()
        results = await asyncio.gather(*(_send_until_sent(bot, u.id) for u in users))
    assert results == [f"to {u.id}" for u in users]
    assert time.monotonic() - started >= 2.0  # nothing got through the storm
    assert api.retry_after_ignored() == []
    # The eight were all on their way at the first 429; after it, one call went at a time.
    later = [r for r in api.requests if r.status == 429][8:]
    assert later and len(later) == gate.floods - 8
    assert all(b.ts - a.ts > 0.5 for a, b in zip(later, later[1:], strict=False))


async def test_without_the_floodgate_the_same_calls_break_the_windows(api):
    users = [api.user(200 + n, f"V{n}", started=True) for n in range(4)]
    async with make_bot(api) as bot:
        api.storm(429, seconds=1.5, retry_after=1, methods=["sendMessage"])
        # Each caller waits out its own 429 only: the others' windows mean nothing to it.
        await asyncio.gather(*(_send_until_sent(bot, u.id, pause=0.5 * n)
                               for n, u in enumerate(users)))
    assert api.retry_after_ignored() != []


async def _send_until_sent(bot: Bot, chat_id: int, pause: float = 0.0) -> str:
    await asyncio.sleep(pause)
    while True:
        try:
            return (await bot.send_message(chat_id, f"to {chat_id}")).text
        except RetryAfter as error:
            await asyncio.sleep(retry_seconds(error.retry_after))


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()
