"""Fan-out of one plan change to 200 people through the real sender, within Telegram's limits.

A work order is assigned to 190 workers in 10 teams (one supervisor each): one quantity change
(domain/work_order_changes.apply) touches 200 people, each of whom gets one message. The real
outbox sender (bot/sender.py, bot/pacing.py) then delivers them to the local Bot API server
with Telegram's limits enforced (30 messages/s per bot, 1/s per private chat with a burst of 3,
20/min per group): it answers 429 with retry_after whenever a bucket is empty.

Per run: how long the change's transaction took (audience, 200 notices, 200 reminders), how
long until every message was delivered, the delivered rate against the 30 messages/s cap and
the busiest second, the 429s the server answered, and the messages lost or duplicated (each
person must have exactly one). The default pacing runs RUNS times (medians); the next paces twice
as fast as Telegram allows, so the server answers 429s, which must all be retried to the end.
The third is the default with what several processes need (chat leases, the bot-wide budget in
the database), on SQLite: what it would cost the one process there, in CPU per message. The
fourth runs three sender processes (`python -m bot.sender`) on one PostgreSQL: together they must
stay under the cap (it needs a server, see below). The last is a burst of exceptions on the
floor: 8 exceptions, each posted in 5 linked groups and called to the 10 supervisors by the
reminder sweep, so that every group and every supervisor gets more messages than the sender
lets go to one chat at once: their pace is measured against Telegram's 20 per minute per group
and 1 per second per private chat.

The PostgreSQL row needs a server:

    GONGDAN_BENCH_POSTGRES=postgresql://postgres@127.0.0.1:54329/postgres \
        .venv/bin/python -m bench.bench_fanout

(`bash scripts/postgres.sh start` starts one and prints its URL); without it that row is
skipped with a message.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bench.common import fresh_postgres, table
from bot.botapi_server import LocalBotApi
from bot.botapi_server.ratelimit import busiest_second
from bot.config import Settings
from bot.sender import OutboxSender
from domain import reminders, work_order_changes
from domain.andon import lifecycle
from domain.andon.subject import Subject
from domain.clock import now
from domain.db import make_engine, make_sessionmaker
from domain.migrate import upgrade
from domain.models import (
    ChangeNotice,
    GroupLink,
    Operation,
    OperationTask,
    Order,
    OutboxMessage,
    OutboxStatus,
    Person,
    Product,
    Routing,
    TaskAssignee,
    WorkOrder,
)
from domain.rules import FactoryRules
from domain.work_order_changes import Request
from domain.work_orders import release_work_order

TOKEN = "123456:BENCH-FANOUT"
CAP = 30.0  # Telegram: about 30 messages per second per bot
CHAT_CAP = 1.0  # per private chat, a second
GROUP_CAP = 20.0  # per group, a minute
TEAMS = 10
WORKERS_PER_TEAM = 19  # + one supervisor per team: 200 people
FIRST_USER = 500_000


PROCESSES = 3
ROOT = Path(__file__).resolve().parents[1]
GROUPS, EXCEPTIONS = 5, 8
BURST = 3  # what the sender lets go to one chat at once (bot/pacing.py), then it paces
RUNS = 3  # the default pacing, each time afresh; the others once
DEFAULT = "default pacing (30/s, 1/s per chat)"
FIRST_GROUP = -1_000_000_000_001  # supergroups' ids, counting down


async def seed(url: str) -> list[int]:
    """The work order, its 190 assigned workers and 10 supervisors; their Telegram ids."""
    engine = make_engine(url)
    await upgrade(engine)
    user_ids = []
    async with make_sessionmaker(engine)() as session, session.begin():
        product = Product(code="FAN", name="扇出板")
        session.add(product)
        await session.flush()
        routing = Routing(product_id=product.id, version=1)
        session.add(routing)
        await session.flush()
        session.add(Operation(routing_id=routing.id, seq=10, code="ASM", name="装配",
                              piece_rate=Decimal("0.10"), std_minutes=Decimal("0.5")))
        order = Order(order_no="F-1", customer="bench", due_date=date(2030, 1, 1))
        session.add(order)
        await session.flush()
        work_order = WorkOrder(code="WO-000001", order_id=order.id, product_id=product.id,
                               routing_id=routing.id, quantity=1000, due_date=order.due_date)
        session.add(work_order)
        await session.flush()
        (task,) = await release_work_order(session, work_order)
        session.add(Person(code="M01", name="计划员", role="manager"))
        for team in range(TEAMS):
            for n in range(WORKERS_PER_TEAM + 1):
                user_id = FIRST_USER + len(user_ids)
                user_ids.append(user_id)
                lead = n == WORKERS_PER_TEAM
                person = Person(code=f"P{user_id}", name=f"{'班长' if lead else '工人'}{user_id}",
                                role="supervisor" if lead else "worker", team=f"T{team:02d}",
                                skills_text="ASM", telegram_user_id=user_id)
                session.add(person)
                await session.flush()
                if not lead:
                    session.add(TaskAssignee(task_id=task.id, person_id=person.id))
    await engine.dispose()
    return user_ids


async def announce(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, float]:
    """The plan change that tells 200 people: its notices, and how long its transaction took."""
    started = time.perf_counter()
    async with sessions() as session, session.begin():
        planner = await session.scalar(select(Person).where(Person.code == "M01"))
        version = await session.scalar(select(WorkOrder.version))
        change = await work_order_changes.apply(
            session, planner, Request("quantity", "WO-000001", 1200), version=version,
            key="bench:fanout", now=now())
        assert change is not None
        notices = await session.scalar(select(func.count()).select_from(ChangeNotice))
    return notices or 0, (time.perf_counter() - started) * 1000


async def run_once(what: str, shared: bool = False, **pacing: Any) -> dict[str, Any]:
    """One sender in this process, on SQLite."""
    async with _seeded_sqlite() as (sessions, user_ids):
        async with LocalBotApi(TOKEN, rate_limits=True) as api:
            users = [api.user(i, f"U{i}", started=True) for i in user_ids]
            notices, announce_ms = await announce(sessions)
            settings = Settings(token=TOKEN, api_base_url=api.url or "", **pacing)
            seconds, cpu = await _drain(api, sessions, settings, shared)
            result = _measured(what, api, users, notices, announce_ms, seconds)
    return {**result, "cpu_ms": cpu * 1000 / max(1, result["delivered"])}


@asynccontextmanager
async def _seeded_sqlite() -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], list[int]]]:
    """The seeded floor in a throwaway SQLite file, and the people's Telegram ids."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'fanout.db'}"
        user_ids = await seed(url)
        engine = make_engine(url)
        try:
            yield make_sessionmaker(engine), user_ids
        finally:
            await engine.dispose()


async def _drain(api: LocalBotApi, sessions: async_sessionmaker[AsyncSession],
                 settings: Settings, shared: bool = False) -> tuple[float, float]:
    """One sender delivers everything queued: (seconds, CPU seconds); the server's stats
    count from the start of it."""
    bot = Bot(TOKEN, base_url=settings.bot_base_url, base_file_url=settings.bot_file_url)
    await bot.initialize()
    sender = OutboxSender(bot, sessions, settings, shared=shared)
    api.reset_stats()
    started, cpu = time.perf_counter(), time.process_time()
    await sender.drain(timeout=300)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    await bot.shutdown()
    return seconds, cpu


async def run_processes(what: str, server: str) -> dict[str, Any]:
    """PROCESSES sender processes on one PostgreSQL database, started before the change."""
    url = await fresh_postgres(server, "gongdan_bench_fanout")
    user_ids = await seed(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with LocalBotApi(TOKEN, rate_limits=True) as api:
        users = [api.user(i, f"U{i}", started=True) for i in user_ids]
        env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_API_BASE_URL": api.url or ""}
        senders = [await _start_sender(env, f"bench-{n + 1}") for n in range(PROCESSES)]
        try:
            notices, announce_ms = await announce(sessions)
            started = time.perf_counter()
            while await _pending(sessions):
                await asyncio.sleep(0.05)
            seconds = time.perf_counter() - started
        finally:
            split = [await _stop_sender(p) for p in senders]
        result = _measured(what, api, users, notices, announce_ms, seconds)
    await engine.dispose()
    return {**result, "what": f"{what} (sent {' / '.join(map(str, split))})", "cpu_ms": None}


async def _start_sender(env: dict[str, str], name: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.sender", name, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    assert (await process.stdout.readline()).strip() == b"ready"
    return process


async def _stop_sender(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    out, _ = await process.communicate()
    return int(out.split()[-1])


async def _pending(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        return await session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.pending).limit(1)) is not None


def _measured(what: str, api: LocalBotApi, users: list[Any], notices: int, announce_ms: float,
              seconds: float) -> dict[str, Any]:
    counts = Counter(len([m for m in u.messages if m.content.startswith("📢")]) for u in users)
    sent_at = sorted(r.ts for r in api.requests if r.method == "sendMessage" and r.status == 200)
    delivered = len(sent_at)
    # Delivered rate: first to last message, so that the waking up does not count.
    span = sent_at[-1] - sent_at[0] if delivered > 1 else 0.0
    return {"what": what, "people": len(users), "notices": notices, "announce_ms": announce_ms,
            "delivered": delivered, "seconds": seconds,
            "rate": (delivered - 1) / span if span else 0.0,
            "peak": busiest_second(sent_at), "count_429": api.stats["count_429"],
            "lost": counts[0], "duplicated": sum(n for k, n in counts.items() if k > 1)}


async def run_groups(what: str) -> dict[str, Any]:
    """A burst of exceptions: posts to the linked groups and calls to the supervisors."""
    async with _seeded_sqlite() as (sessions, user_ids):
        async with LocalBotApi(TOKEN, rate_limits=True) as api:
            users = {i: api.user(i, f"U{i}", started=True) for i in user_ids}
            groups = [api.group(FIRST_GROUP - n, f"车间{n + 1}群") for n in range(GROUPS)]
            called = await raise_exceptions(sessions, [g.id for g in groups])
            seconds, _ = await _drain(api, sessions, Settings(token=TOKEN,
                                                             api_base_url=api.url or ""))
            supervisors = [users[i] for i in called]
            return {"what": what, "groups": len(groups), "posts": EXCEPTIONS,
                    "supervisors": len(supervisors), "seconds": seconds,
                    "count_429": api.stats["count_429"],
                    "by_scope": dict(api.stats["count_429_by_scope"]),
                    "group": _chat_pace(api, groups, EXCEPTIONS, window=60.0),
                    "private": _chat_pace(api, supervisors, EXCEPTIONS, window=1.0)}


async def raise_exceptions(sessions: async_sessionmaker[AsyncSession],
                           group_ids: list[int]) -> list[int]:
    """Link the groups for exceptions; EXCEPTIONS workers each report a breakdown (one
    transaction each, as the bot does); one sweep calls the supervisors. Who was called."""
    rules = FactoryRules()
    async with sessions() as session, session.begin():
        session.add_all(GroupLink(chat_id=chat_id, purpose="exceptions", title=f"G{chat_id}")
                        for chat_id in group_ids)
    for n in range(EXCEPTIONS):
        async with sessions() as session, session.begin():
            worker = await session.scalar(select(Person).where(Person.role == "worker")
                                          .order_by(Person.id).offset(n).limit(1))
            task = await session.scalar(select(OperationTask))
            assert worker is not None and task is not None
            await lifecycle.report(
                session, worker, kind="equipment", line_stopped=False,
                subject=Subject(task.work_order_id, "WO-000001", task.id),
                comment=f"设备故障 {n + 1}", photo_file_id=None, now=now(), rules=rules)
    await reminders.sweep(sessions, now(), rules)
    async with sessions() as session:
        called = await session.scalars(select(Person.telegram_user_id)
                                       .where(Person.role == "supervisor"))
        return [user_id for user_id in called if user_id is not None]


def _chat_pace(api: LocalBotApi, chats: list[Any], expected: int,
               window: float) -> dict[str, Any]:
    """Per chat, its pace: the messages after the first BURST over the time from its first
    message to its last, per `window` seconds (a bucket that lets BURST go at once and then N
    per window never exceeds N by this measure); the fastest chat's. Also the most messages
    in any one window, and whether every chat got exactly `expected` messages."""
    paces, busiest = [], 0
    for chat in chats:
        stamps = sorted(r.ts for r in api.requests
                        if r.method == "sendMessage" and r.status == 200
                        and int(r.params.get("chat_id", 0)) == chat.id)
        if len(stamps) > BURST:
            paces.append((len(stamps) - BURST) * window / (stamps[-1] - stamps[0]))
        busiest = max(busiest, busiest_second(stamps, window))
    counts = Counter(len(chat.messages) for chat in chats)
    return {"chats": len(chats), "pace": max(paces, default=0.0), "busiest": busiest,
            "delivered": sum(n * k for n, k in counts.items()),
            "lost": sum(k * max(0, expected - n) for n, k in counts.items()),
            "duplicated": sum(k * max(0, n - expected) for n, k in counts.items())}


async def repeated(what: str, runs: int, **pacing: Any) -> dict[str, Any]:
    """`run_once` `runs` times: the median of each figure; 429s, losses and duplicates summed."""
    measured = [await run_once(what, **pacing) for _ in range(runs)]
    summed = {k: sum(r[k] for r in measured) for k in ("count_429", "lost", "duplicated")}
    medians = {k: statistics.median(r[k] for r in measured)
               for k in ("announce_ms", "delivered", "seconds", "rate", "peak", "cpu_ms")}
    return {**measured[0], **medians, **summed, "runs": runs}


async def run(runs: int = RUNS) -> dict[str, Any]:
    rows = [{"key": "default", **await repeated(DEFAULT, runs)},
            {"key": "over_cap", **await run_once("paced at 60/s: over the cap", send_rate=60.0)},
            {"key": "shared",
             **await run_once("with leases and the shared budget, SQLite", shared=True)}]
    server = os.environ.get("GONGDAN_BENCH_POSTGRES", "").strip()
    if server:
        rows.append({"key": "processes",
                     **await run_processes(f"{PROCESSES} processes on PostgreSQL", server)})
    else:
        print(f"({PROCESSES} processes on PostgreSQL: skipped, GONGDAN_BENCH_POSTGRES is not set)")
    groups = await run_groups("default pacing")
    return {"rows": [{"runs": 1, **row} for row in rows], "groups": groups}


def markdown(result: dict[str, Any]) -> str:
    rows, burst = result["rows"], result["groups"]
    group, private = burst["group"], burst["private"]
    lines = table(
        ("pacing", "people", "change tx ms", "delivered", "all delivered s", "msg/s",
         "vs 30/s cap", "busiest second", "429 answered", "lost", "duplicated",
         "CPU ms per message", "runs"),
        ((r["what"], r["people"], f"{r['announce_ms']:.0f}", f"{r['delivered']:.0f}",
          f"{r['seconds']:.1f}", f"{r['rate']:.1f}", f"{r['rate'] / CAP:.2f}",
          f"{r['peak']:.0f}", r["count_429"], r["lost"], r["duplicated"],
          "–" if r["cpu_ms"] is None else f"{r['cpu_ms']:.1f}", r["runs"]) for r in rows))
    lines += [
        "",
        "One quantity change on a work order assigned to 190 workers in 10 teams tells 200 "
        "people; the real outbox sender delivers it to a Bot API server that enforces 30 "
        "messages/s per bot, 1/s per private chat (burst 3) and 20/min per group (burst 20), "
        "answering 429 with retry_after past any of them. msg/s runs from the first delivered "
        "message to the last. With several runs: medians, and the 429s, losses and duplicates "
        "of all runs together.",
        "",
        f"A burst of exceptions ({burst['what']}): {burst['posts']} exceptions, each posted "
        f"in {burst['groups']} linked groups and called to {burst['supervisors']} supervisors "
        f"by the reminder sweep; all delivered in {burst['seconds']:.1f} s.",
        "",
        *table(
            ("chats", "messages each", "delivered", "pace per chat", "cap", "vs cap",
             "busiest window", "lost", "duplicated"),
            (("groups", burst["posts"], group["delivered"], f"{group['pace']:.1f}/min",
              f"{GROUP_CAP:.0f}/min", f"{group['pace'] / GROUP_CAP:.2f}",
              f"{group['busiest']} in a minute", group["lost"], group["duplicated"]),
             ("supervisors' private chats", burst["posts"], private["delivered"],
              f"{private['pace']:.2f}/s", f"{CHAT_CAP:.0f}/s",
              f"{private['pace'] / CHAT_CAP:.2f}", f"{private['busiest']} in a second",
              private["lost"], private["duplicated"]))),
        "",
        f"429 answered during the burst: {burst['count_429']}"
        + (f" ({', '.join(f'{k} {v}' for k, v in sorted(burst['by_scope'].items()))})"
           if burst["by_scope"] else "")
        + f". Pace per chat: the messages after the first {BURST} over the time from the "
        "chat's first message to its last, for the fastest chat (the sender lets "
        f"{BURST} go at once, then paces a tenth under the cap); busiest window: the most "
        "messages one chat got in any minute (groups) or second (private chats).",
    ]
    return "\n".join(lines)


def main(runs: int = RUNS) -> dict[str, Any]:
    result = asyncio.run(run(runs))
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
