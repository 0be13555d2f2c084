"""A process started while the Bot API is down or flooding (a restart after a crash, a deploy
during an outage) comes up once Telegram answers, honouring every retry_after, and then serves
what was sent meanwhile. A Bot API server without setMyCommands costs the command menu, not the
start; a refused token still ends it at once."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from telegram.error import InvalidToken

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from tests.e2e.conftest import seed, settings_for

WORKER = 7301
PEOPLE = ({"code": "W01", "skills": "SMT", "telegram_user_id": WORKER},)
START_CALLS = ["getMe", "deleteWebhook", "setMyCommands"]


async def started_during(api: LocalBotApi, tmp_path, status: int | str, seconds: float,
                         methods: list[str] | str = "*") -> tuple[GongdanBot, float]:
    """Start a bot while every call of `methods` fails with `status` for `seconds`; the bot and
    how long its start took. A worker typed a report just before."""
    db = tmp_path / "start.db"
    await seed(db, people=PEOPLE)
    worker = api.user(WORKER, "Worker", started=True)
    await worker.send_text("WO-000001 7")
    api.storm(status, seconds, methods=methods, delay=2.0)
    bot = GongdanBot(settings_for(api, db), poll_timeout=1)
    began = time.monotonic()
    await asyncio.wait_for(bot.start(), timeout=seconds + 20)
    return bot, time.monotonic() - began


@pytest.mark.parametrize("status", [502, 429, "timeout"])
async def test_a_bot_started_during_an_outage_comes_up_when_telegram_answers(
        api, tmp_path, caplog, status):
    caplog.set_level(logging.WARNING, "bot.telegram_start")
    bot, took = await started_during(api, tmp_path, status, 3.0)
    try:
        assert took >= 2.5  # it waited for the storm to pass, and did not give up
        assert "Telegram did not answer getMe" in caplog.text
        reply = await api.users[WORKER].wait_message("已记录", timeout=15)
        assert "WO-000001" in reply.text
        assert api.retry_after_ignored() == []
        ok = {r.method for r in api.requests if r.status == 200}
        assert set(START_CALLS) <= ok  # the start finished every step once Telegram answered
    finally:
        await bot.stop()


async def test_a_bot_api_without_set_my_commands_costs_the_menu_not_the_start(
        api, tmp_path, caplog):
    caplog.set_level(logging.WARNING, "bot.telegram_start")
    bot, _ = await started_during(api, tmp_path, 404, 3600, methods=["setMyCommands"])
    try:
        assert "Telegram refused setMyCommands (everyone, zh)" in caplog.text
        reply = await api.users[WORKER].wait_message("已记录", timeout=15)
        assert "WO-000001" in reply.text
    finally:
        await bot.stop()


async def test_a_refused_token_still_ends_the_start_at_once(api, tmp_path):
    db = tmp_path / "refused.db"
    await seed(db, people=PEOPLE)
    api.storm(401, None, methods=["getMe"], description="Unauthorized")
    bot = GongdanBot(settings_for(api, db), poll_timeout=1)
    try:
        with pytest.raises(InvalidToken):
            await asyncio.wait_for(bot.start(), timeout=10)
        assert [r.method for r in api.requests].count("getMe") == 1  # not retried
    finally:
        await bot.stop()
