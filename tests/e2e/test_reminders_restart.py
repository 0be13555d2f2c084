"""Durable time: a ladder in seconds, the bot killed with SIGKILL in the middle of it.

The bot runs as its own process (`python -m bot run`) against the local Bot API server. A task
is overdue; its ladder (configured as LadderStep rows) tells the worker, the supervisor, the
manager and the management group. Every step must arrive in the right chat exactly once and in
order, across the kill; a bot that stayed down past several steps folds them into one message.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update

from bot.botapi_server import LocalBotApi
from domain.db import make_engine, make_sessionmaker
from domain.models import (
    EscalationStep,
    GroupLink,
    LadderStep,
    OperationTask,
    Reminder,
    WorkOrder,
)
from domain.rules import FactoryRules
from domain.task_reminders import schedule_task_reminders
from tests import databases
from tests.e2e.conftest import TOKEN, seed
from tests.e2e.test_reliability import wait_for

ROOT = Path(__file__).resolve().parents[2]

WORKER, SUPERVISOR, MANAGER, GROUP = 7001, 7002, 7003, -100700
PEOPLE = ({"code": "W01", "skills": "SMT", "telegram_user_id": WORKER},
          {"code": "S01", "role": "supervisor", "telegram_user_id": SUPERVISOR},
          {"code": "M01", "role": "manager", "telegram_user_id": MANAGER})
OVERDUE = "已超过完工时间"  # the zh text of reminder.task_overdue


def start_bot(api: LocalBotApi, db: Path) -> subprocess.Popen[bytes]:
    """`python -m bot run` with a fast sweep (0.2 s), as a factory would try its ladder out."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url or "",
           "DATABASE_URL": databases.plain_url_for(db), "GONGDAN_SEND_RATE": "2000",
           "GONGDAN_CHAT_RATE": "200", "GONGDAN_SWEEP_SECONDS": "0.2",
           "GONGDAN_HTTP_PORT": ""}  # no web server: tests never compete for a port
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def seed_ladder(db: Path, steps: tuple[tuple[int, str], ...]) -> None:
    await seed(db, people=PEOPLE)
    engine = make_engine(databases.url_for(db))
    async with make_sessionmaker(engine)() as session, session.begin():
        # Only the planned end below is late, whatever today's date: the work order is due
        # far ahead (the bot follows that due date afresh when it starts).
        await session.execute(update(WorkOrder).values(due_date=date(2099, 12, 31)))
        await session.execute(delete(EscalationStep))
        await session.execute(delete(Reminder))
        session.add(GroupLink(chat_id=GROUP, purpose="management", title="管理群"))
        for n, (delay, target) in enumerate(steps):
            session.add(LadderStep(ladder="task_overdue", step_no=n, delay_seconds=delay,
                                   target=target))
    await engine.dispose()


async def make_overdue(db: Path, in_seconds: float) -> datetime:
    """Planning sets the first task's end a moment from now: its overdue ladder starts then."""
    engine = make_engine(databases.url_for(db))
    end = datetime.now(UTC) + timedelta(seconds=in_seconds)
    async with make_sessionmaker(engine)() as session, session.begin():
        task = await session.scalar(select(OperationTask).where(OperationTask.seq == 10))
        task.planned_end = end
        await session.flush()
        await schedule_task_reminders(session, task, datetime.now(UTC), FactoryRules())
    await engine.dispose()
    return end


def query(db: Path, sql: str) -> list[tuple]:
    return databases.fetch(db, sql)


def fired_steps(db: Path) -> list[tuple[int, str, int]]:
    return [(n, target, collapsed) for n, target, collapsed in query(
        db, "select step_no, target, collapsed from escalation_step order by id")]


def settled(db: Path) -> bool:
    """The planned end's reminder is finished and every queued message was sent."""
    done = query(db, "select count(*) from reminder where kind = 'task_overdue' "
                     "and fact_key like 'task_overdue:1:%' and status = 'done'")[0][0]
    pending = query(db, "select count(*) from outbox_message where status = 'pending'")[0][0]
    return done == 1 and pending == 0


def outbox_drained(db: Path) -> bool:
    return query(db, "select count(*) from outbox_message where status = 'pending'")[0][0] == 0


def floor_chats(api: LocalBotApi):
    users = {uid: api.user(uid, name, started=True)
             for uid, name in ((WORKER, "Li"), (SUPERVISOR, "Wang"), (MANAGER, "Zhao"))}
    group = api.group(GROUP, "管理群", members=users.values())
    sends: list[tuple[int, str]] = []
    api.on_event(lambda e: sends.append((e.chat_id, e.text))
                 if e.kind == "send" and OVERDUE in e.text else None)
    return users, group, sends


async def test_kill_9_mid_ladder_loses_no_step_and_repeats_none(api, tmp_path):
    db = tmp_path / "ladder.db"
    await seed_ladder(db, ((0, "assignee"), (5, "person:S01"), (10, "role:manager"),
                           (15, "group:management")))
    users, group, sends = floor_chats(api)
    bot = start_bot(api, db)
    try:
        await make_overdue(db, in_seconds=1)
        await users[SUPERVISOR].wait_message(OVERDUE, timeout=30)
        await wait_for(lambda: outbox_drained(db), timeout=10)
        bot.send_signal(signal.SIGKILL)  # between step 1 and step 2
        bot.wait(10)
        assert fired_steps(db) == [(0, "assignee", 0), (1, "person:S01", 0)]

        bot = start_bot(api, db)
        await group.wait_message(OVERDUE, timeout=30)
        await wait_for(lambda: settled(db), timeout=10)
    finally:
        bot.kill()
        bot.wait(10)

    assert [chat for chat, _ in sends] == [WORKER, SUPERVISOR, MANAGER, GROUP]
    for chat in (*users.values(), group):
        assert sum(OVERDUE in (m.text or "") for m in chat.messages) == 1, chat
    assert "WO-000001" in sends[0][1] and "贴片" in sends[0][1]
    assert fired_steps(db) == [(0, "assignee", 0), (1, "person:S01", 0),
                               (2, "role:manager", 0), (3, "group:management", 0)]


async def test_a_bot_down_past_several_steps_folds_them_into_one_message(api, tmp_path):
    db = tmp_path / "folded.db"
    await seed_ladder(db, ((0, "assignee"), (3, "person:S01"), (6, "role:manager")))
    users, group, sends = floor_chats(api)
    bot = start_bot(api, db)
    try:
        end = await make_overdue(db, in_seconds=1)
        await users[WORKER].wait_message(OVERDUE, timeout=30)
        await wait_for(lambda: outbox_drained(db), timeout=10)
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        # Down until the supervisor's and the manager's steps have both fallen due.
        await asyncio.sleep(max(0.0, (end + timedelta(seconds=7) - datetime.now(UTC))
                                .total_seconds()))
        bot = start_bot(api, db)
        message = await users[MANAGER].wait_message(OVERDUE, timeout=30)
        await wait_for(lambda: settled(db), timeout=10)
    finally:
        bot.kill()
        bot.wait(10)

    assert [chat for chat, _ in sends] == [WORKER, MANAGER]
    assert "合并" in message.text  # says that a step was folded into it
    assert not any(OVERDUE in (m.text or "") for m in users[SUPERVISOR].messages)
    assert fired_steps(db) == [(0, "assignee", 0), (1, "person:S01", 1), (2, "role:manager", 0)]
