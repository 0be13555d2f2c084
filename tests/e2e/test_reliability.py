"""Nothing lost, nothing applied twice: redeliveries, double taps, and kill -9 mid-stream."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from pathlib import Path

from sqlalchemy import func, select

from domain.models import InboxUpdate, OperationTask, WorkReport
from tests import databases
from tests.e2e.conftest import seed
from tests.e2e.storage_faults import RECORDED, inbox_failures, start_bot, stop

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


async def test_an_update_nobody_can_read_is_set_aside_at_once_and_the_chat_goes_on(
        floor, api, caplog):
    """A payload the Telegram library cannot parse (malformed, or a kind newer than the library:
    a poll without the fields Bot API 9.6 made required) would fail the same way every time: it
    is set aside at once with its error, the person is told in their language, one warning is
    logged, and the chat's next update runs."""
    caplog.set_level(logging.WARNING, "bot.inbox")
    worker = await floor.register(1001, "W01", "Li", lang="en")
    malformed = api.push_update({"message": {
        "message_id": 999, "date": int(time.time()), "chat": {"id": 1001, "type": "private"},
        "from": worker.to_dict(), "photo": "not a list of sizes"}})
    old_poll = api.push_update({"message": {
        "message_id": 1000, "date": int(time.time()), "chat": {"id": 1001, "type": "private"},
        "from": worker.to_dict(), "poll": {
            "id": "5", "question": "午饭?", "options": [{"text": "面", "voter_count": 0}],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
            "type": "regular", "allows_multiple_answers": False}}})
    await worker.send_text("WO-000001 10")
    await worker.wait_message(lambda m: "recorded" in (m.text or "").lower(), timeout=15)
    told = [m.text for m in worker.messages if "could not read" in (m.text or "")]
    assert len(told) == 2
    async with floor.bot.sessions() as session:
        for update_id in (malformed, old_poll):
            row = await session.get(InboxUpdate, update_id)
            assert row.attempts == 0 and row.processed_at is not None
            assert row.error.startswith(("unreadable: ValueError", "unreadable: TypeError",
                                         "unreadable: AttributeError"))
    assert caplog.text.count("cannot be read") == 2 and "Traceback" not in caplog.text
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
    await seed(db, quantity=10_000, people=tuple(
        {"code": f"W{i:02d}", "skills": "SMT", "telegram_user_id": 5000 + i}
        for i in range(WORKERS)))


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


def replied(user) -> set[int]:
    """The quantities the bot confirmed to this worker: each report's own (n pieces)."""
    return {int(found[1]) for m in user.messages
            if (found := RECORDED.search(m.text or ""))}


async def test_kill_9_mid_stream_applies_every_report_exactly_once(api, tmp_path):
    db, log = tmp_path / "stream.db", tmp_path / "bot.log"
    url = databases.plain_url_for(db)
    await seed_stream_floor(db)
    users = [api.user(5000 + i, f"Worker{i}", started=True) for i in range(WORKERS)]
    total = WORKERS * REPORTS_EACH
    rounds = range(1, REPORTS_EACH + 1)  # report n is n pieces: its reply names it

    bot = start_bot(api, url, log)
    try:
        # The bot stores the first batch, then its confirming getUpdates hangs: everything it
        # took is still unconfirmed at Telegram when it dies, so all of it comes back.
        api.stall_polling(after_batches=1)
        for n in rounds:
            for user in users:
                await user.send_text(f"WO-000001 {n}")
        await wait_for(lambda: reports_in(db)[0] >= total // 10, timeout=30)
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        killed_at = reports_in(db)[0]
        assert 0 < killed_at < total, "the kill must land mid-stream"

        api.resume_polling()
        bot = start_bot(api, url, log)
        await wait_for(lambda: reports_in(db)[0] >= total and not api.pending_updates(),
                       timeout=60)
        await asyncio.sleep(0.5)  # anything applied twice would show up now
        assert reports_in(db) == (total, total, WORKERS * sum(rounds))
        for user in users:  # every reply sent at least once: each report's own
            await wait_for(lambda u=user: replied(u) >= set(rounds), timeout=30)
        assert inbox_failures(db) == []
    finally:
        stop(bot)
