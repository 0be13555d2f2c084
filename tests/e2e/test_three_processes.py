"""Three real bot processes (`python -m bot run --webhook`) on ONE PostgreSQL database, behind a
round-robin load balancer, fed by one local Bot API server that delivers every third update
twice. Twenty workers send a stream of reports; one process is killed with SIGKILL mid-run.

What must hold, and why it can:
- every report applied exactly once: the inbox stores an update once (its update_id is the
  key), the processing transaction claims it (FOR UPDATE SKIP LOCKED) and commits the effects
  with its idempotency key; a killed process's transaction rolls back and another applies it.
- every reply delivered, none missing: replies are outbox rows committed with the report; a row
  the killed process did not send stays pending and is sent by a survivor.
- no message twice, except in the killed process's in-flight window: with the outbox's chat
  leases (bot/outbox_leases.py) a chat is sent to by one process at a time, so a duplicate can
  only be a row the killed process handed to Telegram but had not yet written back as sent —
  a row still pending at the kill, in a chat whose lease it held then. Duplicates are counted
  per chat and bounded by exactly those rows. (Without leases every process sends every chat,
  and this part cannot hold: it is skipped, saying so.)
- the overdue ladder fires each step once (EscalationStep rows; one message per step), claimed
  by one sweep across processes; the daily summary goes out once, although all three processes
  plan and sweep it at the same moment (the fact key is unique).
- the webhook stays while any process lives; the last one to stop deletes it.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.botapi_server import LocalBotApi
from bot.inbox import MAX_ATTEMPTS, Processor, store_updates
from domain.db import make_engine, make_sessionmaker
from domain.models import (
    FactorySetting,
    GroupLink,
    InboxUpdate,
    LadderStep,
    OperationTask,
    Product,
    Reminder,
    ReminderStatus,
)
from domain.rules import FactoryRules
from domain.task_reminders import schedule_task_reminders
from tests import builders, databases
from tests.e2e.balancer import Balancer, free_port
from tests.e2e.conftest import TOKEN, seed
from tests.e2e.test_reliability import ROOT
from tests.e2e.test_webhook_mode import SECRET, calls, query

pytestmark = pytest.mark.postgres_only

PROCESSES = 3
VICTIM = 1  # the process killed mid-run
WORKERS = 20
WORK_ORDERS = 4  # five workers on each one's first operation
REPORTS_EACH = 6
TOTAL = WORKERS * REPORTS_EACH
PER_TASK = TOTAL // WORK_ORDERS
SUPERVISOR, MANAGER, GROUP = 5901, 5902, -100590
LADDER = ((0, "person:S01"), (4, "role:manager"), (8, "group:management"))
OVERDUE = "已超过完工时间"  # the zh text of reminder.task_overdue
SUMMARY = "日报"
ZONE = ZoneInfo("Asia/Shanghai")


def name_of(n: int) -> str:
    return f"gongdan-{n}"


async def seed_floor(db: Path) -> None:
    people = tuple({"code": f"W{i:02d}", "skills": "SMT", "telegram_user_id": 5000 + i}
                   for i in range(WORKERS))
    await seed(db, quantity=5000, people=(
        *people, {"code": "S01", "role": "supervisor", "telegram_user_id": SUPERVISOR},
        {"code": "M01", "role": "manager", "telegram_user_id": MANAGER}))
    engine = make_engine(databases.url_for(db))
    now = datetime.now(UTC)
    today = now.astimezone(ZONE).date()
    async with make_sessionmaker(engine)() as session, session.begin():
        product = await session.scalar(select(Product))
        for number in range(2, WORK_ORDERS + 1):
            await builders.work_order(session, product, quantity=5000, number=number)
        session.add(GroupLink(chat_id=GROUP, purpose="management", title="管理群"))
        for n, (delay, target) in enumerate(LADDER):
            session.add(LadderStep(ladder="task_overdue", step_no=n, delay_seconds=delay,
                                   target=target))
        # The daily summary is due this very minute, and the schedule ran before (last week's
        # was sent): all three processes find today's due as they start, together.
        session.add(FactorySetting(key="summary_time",
                                   value=now.astimezone(ZONE).strftime("%H:%M")))
        week_ago = today - timedelta(days=7)
        session.add(Reminder(kind="summary", fact_key=f"summary:day:{week_ago}",
                             entity="summary", entity_id=week_ago.toordinal(),
                             started_at=now - timedelta(days=7), due_at=now - timedelta(days=7),
                             step=1, status=ReminderStatus.done, created_at=now))
    await engine.dispose()


async def make_overdue(db: Path, in_seconds: float) -> None:
    """The first task's planned end is a moment from now: its overdue ladder starts then."""
    engine = make_engine(databases.url_for(db))
    async with make_sessionmaker(engine)() as session, session.begin():
        task = await session.scalar(select(OperationTask).where(OperationTask.seq == 10))
        task.planned_end = datetime.now(UTC) + timedelta(seconds=in_seconds)
        await session.flush()
        await schedule_task_reminders(session, task, datetime.now(UTC), FactoryRules())
    await engine.dispose()


def start_process(n: int, api: LocalBotApi, db: Path, port: int, hook: str,
                  log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url or "",
           "DATABASE_URL": databases.plain_url_for(db), "GONGDAN_SEND_RATE": "2000",
           "GONGDAN_CHAT_RATE": "200", "GONGDAN_SWEEP_SECONDS": "0.2",
           "GONGDAN_HTTP_PORT": str(port), "GONGDAN_WEBHOOK_URL": hook,
           "GONGDAN_WEBHOOK_SECRET": SECRET, "GONGDAN_PROCESS_NAME": name_of(n),
           "GONGDAN_HEARTBEAT_SECONDS": "1"}
    with log.open("wb") as out:  # a file, not a pipe nobody reads: INFO logs must not block it
        return subprocess.Popen([sys.executable, "-m", "bot", "run", "--webhook"], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=out)


async def until(check, timeout: float, what: str) -> None:
    """Wait for `check()` (a bool, or an awaitable of one) to hold."""
    deadline = time.monotonic() + timeout
    while not await _holds(check()):
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.1)


async def _holds(value) -> bool:
    return bool(await value) if inspect.isawaitable(value) else bool(value)


async def one(db: Path, sql: str) -> int:
    return int((await query(db, sql))[0][0])


async def applied(db: Path) -> int:
    return await one(db, "select count(*) from work_report")


async def applied_at_least(db: Path, count: int) -> bool:
    return await applied(db) >= count


def work_order_of(worker: int) -> str:
    return f"WO-{worker % WORK_ORDERS + 1:06d}"


async def report_stream(api: LocalBotApi, sent: list[int]) -> None:
    """Each worker reports one piece every second: a steady stream, no burst."""
    async def worker(i: int) -> None:
        user = api.users[5000 + i]
        await asyncio.sleep(i * 0.05)
        for _ in range(REPORTS_EACH):
            await user.send_text(f"{work_order_of(i)} 1")
            sent.append(i)
            await asyncio.sleep(1.0)
    await asyncio.gather(*(worker(i) for i in range(WORKERS)))


def totals(api: LocalBotApi) -> Counter[tuple[str, int]]:
    """The running totals the workers' replies name: each report's reply names its own."""
    return Counter((found.group(1), int(found.group(2))) for i in range(WORKERS)
                   for m in api.users[5000 + i].messages
                   if (found := re.search(r"(WO-\d+) .*累计良品 (\d+)", m.text or "",
                                          re.DOTALL)))


EVERY_TOTAL = {(f"WO-{n:06d}", total) for n in range(1, WORK_ORDERS + 1)
               for total in range(1, PER_TASK + 1)}


async def settled(api: LocalBotApi, db: Path) -> bool:
    return (await applied(db) == TOTAL
            and await one(db, "select count(*) from inbox_update where processed_at is null") == 0
            and await one(db, "select count(*) from outbox_message where status = 'pending'") == 0
            and await one(db, "select count(*) from reminder where kind = 'task_overdue' "
                              "and fact_key like 'task_overdue:1:%' and status = 'done'") == 1
            and set(totals(api)) == EVERY_TOTAL)


async def in_flight_window(db: Path, owner: str) -> Counter[int]:
    """Per chat: rows still pending at the kill in chats whose lease the killed process held —
    the only rows it may have sent without writing back."""
    return Counter(dict(await query(db, f"""
        select m.chat_id, count(*) from outbox_message m
        join outbox_chat_lease l on l.chat_id = m.chat_id
        where m.status = 'pending' and l.owner = '{owner}' and l.until > now()
        group by m.chat_id""")))


def tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


async def test_three_processes_one_database_kill_one_mid_run(api, tmp_path):
    db = tmp_path / "three.db"
    await seed_floor(db)
    for i in range(WORKERS):
        api.user(5000 + i, f"Worker{i}", started=True)
    supervisor = api.user(SUPERVISOR, "Ma", started=True)
    manager = api.user(MANAGER, "Qian", started=True)
    group = api.group(GROUP, "管理群", members=[supervisor, manager])
    api.duplicate_webhook_deliveries(every=3)

    ports = [free_port() for _ in range(PROCESSES)]
    balancer = Balancer([f"http://127.0.0.1:{port}" for port in ports])
    hook = await balancer.start() + "/telegram/updates"
    logs = [tmp_path / f"{name_of(n)}.log" for n in range(PROCESSES)]
    processes = [start_process(n, api, db, ports[n], hook, logs[n]) for n in range(PROCESSES)]
    started = time.monotonic()
    try:
        await until(lambda: len(calls(api, "setWebhook")) == PROCESSES, 60,
                    "three processes set the webhook")
        await make_overdue(db, in_seconds=1)
        sent: list[int] = []
        stream = asyncio.get_running_loop().create_task(report_stream(api, sent))
        await until(lambda: len(sent) >= TOTAL // 2, 30, "half the reports sent")
        await until(lambda: applied_at_least(db, 10), 30, "reports applied")

        processes[VICTIM].send_signal(signal.SIGKILL)
        await asyncio.to_thread(processes[VICTIM].wait, 10)
        at_kill = await applied(db)
        window = await in_flight_window(db, name_of(VICTIM))
        assert 0 < at_kill < TOTAL and not stream.done(), "the kill must land mid-stream"

        await stream
        await until(lambda: settled(api, db), 75, "every report applied and every reply sent")
        await asyncio.sleep(1.0)  # a late duplicate would show now

        # A rolling stop: the webhook stays while one process lives, the last one deletes it.
        first, last = (n for n in range(PROCESSES) if n != VICTIM)
        processes[first].send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(processes[first].wait, 20) == 0
        assert calls(api, "deleteWebhook") == [] and api.webhook["url"] == hook
        processes[last].send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(processes[last].wait, 20) == 0
        took = time.monotonic() - started
    except BaseException:
        for log in logs:
            print(f"--- {log.name}\n{tail(log)}")
        raise
    finally:
        for process in processes:
            process.kill()
            process.wait(10)
        await balancer.stop()

    # Every report applied exactly once.
    assert await query(db, "select count(*), count(distinct idempotency_key) from work_report") \
        == [(TOTAL, TOTAL)]
    assert await query(db, "select good_qty from operation_task where seq = 10") \
        == [(PER_TASK,)] * WORK_ORDERS
    # None parked as failed (a transient error, say a deadlock, may be retried: it is printed).
    assert await one(db, f"select count(*) from inbox_update where attempts >= {MAX_ATTEMPTS}") \
        == 0
    errors = await query(db, "select distinct error from inbox_update where error is not null")
    print(f"updates retried after an error: {errors}")
    # The fault really happened: duplicates delivered, and requests to the dead process failed
    # (502 from the balancer) until Telegram's retry reached a live one.
    assert api.stats["updates_duplicated"] > 0
    assert sum(n for (backend, status), n in balancer.answers.items()
               if status == 502 and backend.endswith(str(ports[VICTIM]))) > 0

    # Every reply delivered: each work order's running totals 1…PER_TASK named.
    assert set(totals(api)) == EVERY_TOTAL

    # The overdue ladder: each step fired once, its message there (a step folded into a later
    # one when a sweep came late is recorded as collapsed and sends nothing itself). Distinct
    # texts: a copy sent twice is the duplicates check's business, below.
    steps = await query(db, "select step_no, target, collapsed, recipients from escalation_step "
                            "order by step_no")
    assert [(n, target) for n, target, _, _ in steps] == [(n, t) for n, (_, t) in
                                                          enumerate(LADDER)]
    chat_of = {"person:S01": supervisor, "role:manager": manager, "group:management": group}
    for _, target, collapsed, _ in steps:
        got = {m.content for m in chat_of[target].messages if OVERDUE in m.content}
        assert len(got) == (0 if collapsed else 1), target

    # The daily summary once, to the manager and the management group.
    assert [len({m.content for m in chat.messages if SUMMARY in m.content})
            for chat in (manager, group)] == [1, 1]
    assert await one(db, "select count(*) from audit_event where action = 'summary.sent'") == 1

    # No message twice outside the killed process's in-flight window (needs chat leases).
    seen = Counter((chat.id, m.content) for chat in (*api.users.values(), group)
                   for m in chat.messages)
    doubled = Counter(chat for (chat, _), n in seen.items() for _ in range(n - 1))
    leases_on = await one(db, "select count(*) from outbox_chat_lease") > 0
    if leases_on:
        assert all(n <= window[chat] for chat, n in doubled.items()), (doubled, window)
    else:
        print(f"outbox chat leases are off: {sum(doubled.values())} messages went out twice")

    # The last live process deleted the webhook, once; the killed one's row stays behind.
    assert len(calls(api, "setWebhook")) == PROCESSES
    assert len(calls(api, "deleteWebhook")) == 1 and api.webhook["url"] == ""
    assert await query(db, "select name from bot_process") == [(name_of(VICTIM),)]
    print(f"three processes: {TOTAL} reports, killed at {at_kill}, in-flight window "
          f"{sum(window.values())} rows, {sum(doubled.values())} sent twice, {took:.1f} s")
    assert took < 90


async def test_an_update_another_process_holds_is_left_to_it(api, sessions):
    """The claim itself, with a second connection standing in for another process: the update
    it holds is not applied here, and neither is the chat's next one (order); released, both
    apply; one the other process applied meanwhile is passed over."""
    seen: list[int] = []

    async def record(update: Update, _context: object) -> None:
        seen.append(update.update_id)

    application = (Application.builder().token(TOKEN).base_url(api.base_url)
                   .updater(None).build())
    application.add_handler(MessageHandler(filters.ALL, record))
    await application.initialize()
    processor = Processor(application, sessions, on_committed=lambda: None)
    chat = {"id": 5000, "type": "private"}
    raws = [{"update_id": n, "message": {"message_id": n, "date": 0, "chat": chat, "text": "1",
                                         "from": {"id": 5000, "is_bot": False,
                                                  "first_name": "Li"}}} for n in (41, 42, 43)]
    await store_updates(sessions, raws)
    payloads = {raw["update_id"]: json.dumps(raw) for raw in raws}

    async with sessions() as other, other.begin():
        await other.execute(select(InboxUpdate).where(InboxUpdate.update_id == 41)
                            .with_for_update())
        assert not await processor.process(41, payloads[41])  # held elsewhere
        pending = await processor._pending(exclude=set())
        assert [u for u, _ in pending[5000]] == [41, 42, 43]
        await processor._lane(pending[5000], asyncio.Semaphore(1))  # stops at 41: order
        assert seen == []
        # Meanwhile the other process applies 41.
        await other.execute(update(InboxUpdate).where(InboxUpdate.update_id == 41)
                            .values(processed_at=datetime.now(UTC)))
    assert await processor.process(41, payloads[41])  # done elsewhere: passed over
    for update_id in (42, 43):
        assert await processor.process(update_id, payloads[update_id])
    assert seen == [42, 43]
    assert not (await processor._pending(exclude=set()))
    await application.shutdown()
