"""Nothing lost, nothing applied twice: redeliveries, double taps, and kill -9 mid-stream."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from bot.botapi_server import LocalBotApi
from domain.models import OperationTask, WorkReport
from tests import databases
from tests.e2e.conftest import TOKEN, seed

ROOT = Path(__file__).resolve().parents[2]


async def counts(floor):
    async with floor.bot.sessions() as session:
        reports = await session.scalar(select(func.count()).select_from(WorkReport))
        first = await session.scalar(select(OperationTask).where(OperationTask.seq == 10))
        return reports, first.good_qty


async def test_a_redelivered_message_is_applied_once(floor, api):
    worker = await floor.register(1001, "W01", "Li")
    await worker.send_text("WO-000001 10")
    await worker.wait_message(lambda m: "已记录" in (m.text or ""))
    update_id = api.updates.next_id - 1
    await api.wait_confirmed()
    assert api.redeliver(update_id)
    await api.wait_confirmed()
    await floor.settle()
    await worker.assert_no_message(0.3)
    assert await counts(floor) == (1, 10)


async def test_a_redelivered_button_press_is_applied_once(floor, api):
    worker = await floor.register(1001, "W01", "Li")
    await worker.send_text("WO-000001")
    await worker.wait_message()
    await worker.press("10")
    await worker.wait_message(lambda m: "已记录" in (m.text or ""))
    update_id = api.updates.next_id - 1
    await api.wait_confirmed()
    api.redeliver(update_id)
    await api.wait_confirmed()
    await floor.settle()
    assert await counts(floor) == (1, 10)


async def test_a_double_tap_records_once_and_says_so(floor):
    worker = await floor.register(1001, "W01", "Li")
    await worker.send_text("WO-000001")
    card = await worker.wait_message()
    first = await worker.press("20", card)
    second = await worker.press("20", card)
    await floor.settle()
    answers = [(await worker.wait_answer(c)).text for c in (first, second)]
    assert answers[0] == "已记录 20"
    assert "已经报过了" in answers[1]
    assert await counts(floor) == (1, 20)


# --- kill -9 -------------------------------------------------------------------------------

WORKERS = 8
REPORTS_EACH = 25


async def seed_stream_floor(db: Path) -> None:
    await seed(db, quantity=1000, people=tuple(
        {"code": f"W{i:02d}", "skills": "SMT", "telegram_user_id": 5000 + i}
        for i in range(WORKERS)))


def start_bot(api: LocalBotApi, db: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url or "",
           "DATABASE_URL": databases.plain_url_for(db), "GONGDAN_SEND_RATE": "2000",
           "GONGDAN_CHAT_RATE": "200", "GONGDAN_HTTP_PORT": ""}  # no web server
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def reports_in(db: Path) -> tuple[int, int, int]:
    reports = databases.fetch(db, "select count(*), count(distinct idempotency_key) "
                                  "from work_report")[0]
    good = databases.fetch(db, "select good_qty from operation_task where seq = 10")[0][0]
    return reports[0], reports[1], good


async def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


async def test_kill_9_mid_stream_applies_every_report_exactly_once(api, tmp_path):
    db = tmp_path / "stream.db"
    await seed_stream_floor(db)
    users = [api.user(5000 + i, f"Worker{i}", started=True) for i in range(WORKERS)]
    total = WORKERS * REPORTS_EACH

    bot = start_bot(api, db)
    try:
        # The bot stores the first batch, then its confirming getUpdates hangs: everything it
        # took is still unconfirmed at Telegram when it dies, so all of it comes back.
        api.stall_polling(after_batches=1)
        for _ in range(REPORTS_EACH):
            for user in users:
                await user.send_text("WO-000001 1")
        await wait_for(lambda: reports_in(db)[0] >= total // 10, timeout=30)
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        killed_at = reports_in(db)[0]
        assert 0 < killed_at < total, "the kill must land mid-stream"

        api.resume_polling()
        bot = start_bot(api, db)
        await wait_for(lambda: reports_in(db)[0] >= total and not api.pending_updates(),
                       timeout=60)
        await asyncio.sleep(0.5)  # anything applied twice would show up now
        assert reports_in(db) == (total, total, total)
        for user in users:  # every reply sent at least once
            await wait_for(lambda u=user: sum("已记录" in (m.text or "") for m in u.messages)
                           >= REPORTS_EACH, timeout=30)
    finally:
        bot.kill()
        bot.wait(10)
