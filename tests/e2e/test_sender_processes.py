"""Three real processes, each running only an outbox sender, drain one outbox on one PostgreSQL
through one local Bot API server enforcing Telegram's limits: every row sent once, and all of
them together within the bot-wide 30 messages/s."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.botapi_server import LocalBotApi
from domain.models import OutboxChatLease
from tests import databases
from tests.test_outbox_leases import (
    CAP,
    busiest_second,
    numbers,
    people,
    queue_fanout,
    wait_drained,
)

pytestmark = pytest.mark.postgres_only

TOKEN = "123456:SENDER-PROCESSES"
ROOT = Path(__file__).resolve().parents[2]


async def start_sender(api: LocalBotApi, db: Path, name: str) -> asyncio.subprocess.Process:
    """A bot process reduced to its sender (python -m bot.sender), once it is ready."""
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(db),
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url or ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.sender", name, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    assert line.strip() == b"ready"
    return process


async def stop_sender(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0
    return int(out.split()[-1])


async def test_three_processes_send_every_row_once_within_the_bot_wide_limit(
        sessions, tmp_path):
    async with LocalBotApi(TOKEN, rate_limits=True) as api:
        users = people(api, 100)
        names = ("bot-1", "bot-2", "bot-3")
        processes = [await start_sender(api, tmp_path / "gongdan.db", n) for n in names]
        try:
            await queue_fanout(sessions, [u.id for u in users], per_chat=3)
            await wait_drained(sessions, timeout=90)
        finally:
            sent = [await stop_sender(p) for p in processes]

        assert all(numbers(u) == [0, 1, 2] for u in users)  # each once, in the chat's order
        assert sum(sent) == 300 and all(sent), sent
        assert api.stats["count_429"] == 0
        assert busiest_second(api) <= CAP
    async with sessions() as session:
        owners = set(await session.scalars(select(OutboxChatLease.owner)))
    assert owners == set(names)
