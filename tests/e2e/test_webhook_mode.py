"""Webhook mode through the real bot over real HTTP: the local Bot API server POSTs updates to
the bot's own aiohttp server, as Telegram does.

The bot sets the webhook with its secret on start; a request with a forged or missing secret is
refused with 401 and stores nothing; reports are applied once although every update arrives
twice; the last process to stop deletes the webhook, and not before. Once in-process
(GongdanBot), once as `python -m bot run --webhook`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from bot.config import Settings
from bot.processes import Heartbeat
from domain.db import make_engine, make_sessionmaker
from domain.migrate import upgrade
from domain.models import BotProcess
from tests import databases
from tests.e2e.balancer import free_port
from tests.e2e.conftest import TOKEN, seed, settings_for
from tests.e2e.test_reliability import ROOT, wait_for

SECRET = "Gd_webhook-secret_0123456789"
WORKERS = (6001, 6002, 6003)
PEOPLE = tuple({"code": f"W0{n}", "skills": "SMT", "telegram_user_id": uid}
               for n, uid in enumerate(WORKERS, start=1))
REPORTS_EACH = 4


def webhook_settings(api: LocalBotApi, db: Path, name: str = "p1") -> Settings:
    port = free_port()
    return replace(settings_for(api, db), http_port=port, process_name=name,
                   webhook_url=f"http://127.0.0.1:{port}/telegram/updates",
                   webhook_secret=SECRET, heartbeat_seconds=0.5)


async def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows from the test's database, without blocking the loop the Bot API server runs in."""
    engine = make_engine(databases.url_for(db))
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(text(sql))).all()]
    finally:
        await engine.dispose()


async def reports_in(db: Path) -> tuple[int, int, int]:
    [(rows, keys)] = await query(db, "select count(*), count(distinct idempotency_key) "
                                     "from work_report")
    [(good,)] = await query(db, "select good_qty from operation_task where seq = 10")
    return rows, keys, good


async def inbox_count(db: Path) -> int:
    return (await query(db, "select count(*) from inbox_update"))[0][0]


def calls(api: LocalBotApi, method: str) -> list[dict]:
    return [r.params for r in api.requests if r.method == method and r.status == 200]


async def send_reports(api: LocalBotApi) -> None:
    """Each worker reports 1 piece REPORTS_EACH times; each reply names the running total."""
    users = [api.user(uid, f"Worker{uid}", started=True) for uid in WORKERS]
    for _ in range(REPORTS_EACH):
        for user in users:
            await user.send_text("WO-000001 1")
    total = len(WORKERS) * REPORTS_EACH
    await wait_for(lambda: sum("已记录" in (m.text or "") for u in users for m in u.messages)
                   >= total, timeout=30)
    await api.wait_confirmed(timeout=10)


def replies(api: LocalBotApi) -> list[str]:
    return sorted(m.text for uid in WORKERS for m in api.users[uid].messages
                  if "已记录" in (m.text or ""))


def one_reply_per_report(api: LocalBotApi) -> bool:
    """Every total 1…N named once: a reply sent twice would repeat one."""
    totals = [line for text in replies(api) for line in text.splitlines() if "累计" in line]
    return len(totals) == len(set(totals)) == len(WORKERS) * REPORTS_EACH


async def post(url: str, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as got:
        return got.status


def an_update(update_id: int) -> bytes:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": 1, "date": 0, "text": "WO-000001 50",
        "chat": {"id": WORKERS[0], "type": "private"},
        "from": {"id": WORKERS[0], "is_bot": False, "first_name": "Forger"}}}).encode()


async def test_webhook_in_process_secret_duplicates_and_delete_on_stop(api, tmp_path):
    db = tmp_path / "webhook.db"
    await seed(db, quantity=1000, people=PEOPLE)
    settings = webhook_settings(api, db)
    api.duplicate_webhook_deliveries(every=1)  # every update arrives twice
    bot = GongdanBot(settings, webhook=True)
    await bot.start()
    try:
        [hook] = calls(api, "setWebhook")
        assert hook["url"] == settings.webhook_url
        assert hook["secret_token"] == SECRET
        assert json.loads(hook["allowed_updates"]) == ["message", "edited_message",
                                                       "callback_query", "my_chat_member"]
        assert int(hook["max_connections"]) == 40
        assert calls(api, "deleteWebhook") == []

        # Forged, missing, and a right secret with a body that is not JSON.
        stored = await inbox_count(db)
        assert await post(settings.webhook_url, an_update(900001), "forged") == 401
        assert await post(settings.webhook_url, an_update(900002), None) == 401
        assert await post(settings.webhook_url, b"{not json", SECRET) == 400
        assert await inbox_count(db) == stored

        await send_reports(api)
        await asyncio.sleep(0.5)  # a late duplicate would be applied by now
        total = len(WORKERS) * REPORTS_EACH
        assert api.stats["updates_duplicated"] == total
        assert await reports_in(db) == (total, total, total)
        assert one_reply_per_report(api)
    finally:
        await bot.stop()
    assert len(calls(api, "deleteWebhook")) == 1
    assert api.webhook["url"] == ""
    assert await query(db, "select count(*) from bot_process") == [(0,)]


async def test_only_the_last_live_process_deletes_the_webhook(api, tmp_path):
    db = tmp_path / "two.db"
    await seed(db, people=PEOPLE)
    engine = make_engine(databases.url_for(db))
    async with make_sessionmaker(engine)() as session, session.begin():
        # A process killed an hour ago left its row: it no longer counts as live.
        long_ago = datetime.now(UTC) - timedelta(minutes=30)
        session.add(BotProcess(name="crashed", mode="webhook", started_at=long_ago,
                               seen_at=long_ago))
    await engine.dispose()
    first = GongdanBot(webhook_settings(api, db, "first"), webhook=True)
    second = GongdanBot(webhook_settings(api, db, "second"), webhook=True)
    await first.start()
    await second.start()
    try:
        await first.stop()  # a rolling restart: the other one still serves
        assert calls(api, "deleteWebhook") == []
        assert api.webhook["url"] == second.settings.webhook_url
    finally:
        await second.stop()
    assert len(calls(api, "deleteWebhook")) == 1
    assert await query(db, "select name from bot_process") == [("crashed",)]


async def test_a_stopped_process_leaves_no_row_though_its_heartbeat_was_due(api, tmp_path):
    """A beat between signing off and the heartbeat's end would write the row back: the
    process would count as live for three beats, and keep a webhook with nobody behind it."""
    db = tmp_path / "beating.db"
    await seed(db, people=PEOPLE)
    for _ in range(3):
        bot = GongdanBot(replace(webhook_settings(api, db), heartbeat_seconds=0.001),
                         webhook=True)
        await bot.start()
        await asyncio.sleep(0.05)
        await bot.stop()
        assert await query(db, "select count(*) from bot_process") == [(0,)]
    assert api.webhook["url"] == ""


async def test_of_two_processes_leaving_at_once_one_finds_itself_the_last(tmp_path):
    """Each deletes its row and looks for others: unless they take turns, each sees the other
    still there, and the webhook stays with nobody serving it."""
    engines = [make_engine(databases.url_for(tmp_path / "leave.db")) for _ in range(2)]
    await upgrade(engines[0])
    try:
        for _ in range(5):
            hearts = [Heartbeat(make_sessionmaker(engine), name, "webhook", 1.0)
                      for engine, name in zip(engines, ("a", "b"), strict=True)]
            for heart in hearts:
                await heart.beat(starting=True)
            left = await asyncio.gather(*(heart.leave() for heart in hearts))
            assert sorted(left) == [[], ["a"]] or sorted(left) == [[], ["b"]], left
    finally:
        for engine in engines:
            await engine.dispose()


def start_webhook_bot(api: LocalBotApi, db: Path, port: int,
                      **extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url or "",
           "DATABASE_URL": databases.plain_url_for(db), "GONGDAN_SEND_RATE": "2000",
           "GONGDAN_CHAT_RATE": "200", "GONGDAN_HTTP_PORT": str(port),
           "GONGDAN_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/updates",
           "GONGDAN_WEBHOOK_SECRET": SECRET, **extra}
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--webhook"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def test_gongdan_run_webhook_as_a_process(api, tmp_path):
    db = tmp_path / "process.db"
    await seed(db, quantity=1000, people=PEOPLE)
    api.duplicate_webhook_deliveries(every=2)
    port = free_port()
    bot = start_webhook_bot(api, db, port, GONGDAN_PROCESS_NAME="gongdan-1")
    try:
        await wait_for(lambda: bool(calls(api, "setWebhook")), timeout=30)
        assert calls(api, "setWebhook")[0]["secret_token"] == SECRET
        url = f"http://127.0.0.1:{port}/telegram/updates"
        assert await post(url, an_update(900003), "forged") == 401
        await send_reports(api)
        total = len(WORKERS) * REPORTS_EACH
        assert api.stats["updates_duplicated"] == total // 2
        assert await reports_in(db) == (total, total, total)
        assert one_reply_per_report(api)
        assert await query(db, "select name, mode from bot_process") == [
            ("gongdan-1", "webhook")]
        bot.send_signal(signal.SIGTERM)  # docker stop, systemctl stop
        assert await asyncio.to_thread(bot.wait, 20) == 0
    finally:
        bot.kill()
        stderr = bot.stderr.read().decode() if bot.stderr else ""
        bot.wait(10)
    assert len(calls(api, "deleteWebhook")) == 1, stderr
    assert await query(db, "select count(*) from bot_process") == [(0,)]


@pytest.mark.parametrize(("env", "message"), [
    ({}, "GONGDAN_WEBHOOK_URL"),
    ({"GONGDAN_WEBHOOK_URL": "https://bot.example.com"}, "path of its own"),
    ({"GONGDAN_WEBHOOK_URL": "https://bot.example.com/tg"}, "GONGDAN_WEBHOOK_SECRET"),
    ({"GONGDAN_WEBHOOK_URL": "https://bot.example.com/tg", "GONGDAN_WEBHOOK_SECRET": "a b"},
     "A-Z a-z 0-9 _ -"),
    ({"GONGDAN_WEBHOOK_URL": "https://bot.example.com/tg", "GONGDAN_WEBHOOK_SECRET": "ok",
      "GONGDAN_HTTP_PORT": ""}, "GONGDAN_HTTP_PORT"),
])
def test_webhook_settings_say_what_is_missing(env, message):
    with pytest.raises(SystemExit, match=message):
        Settings.from_env(env).check_webhook()
    Settings.from_env(env)  # polling mode does not care


def test_gongdan_run_webhook_refuses_before_touching_anything(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GONGDAN_WEBHOOK")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--webhook"], cwd=ROOT, capture_output=True,
        text=True, timeout=60, env={**clean, "TELEGRAM_BOT_TOKEN": TOKEN,
                                    "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
                                    "GONGDAN_WEBHOOK_URL": "https://bot.example.com/tg"})
    assert done.returncode != 0
    assert "GONGDAN_WEBHOOK_SECRET" in done.stderr
    assert not (tmp_path / "unused.db").exists()
