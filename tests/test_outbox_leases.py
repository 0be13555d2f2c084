"""Several processes drain one outbox: a chat is sent to only by the process holding its lease,
and a dead process's chats are taken over once its leases run out.

Each "process" here is an OutboxSender with its own engine and name, against one database and
one local Bot API server enforcing Telegram's limits (30/s per bot, 1/s per private chat).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot import outbox_leases
from bot.botapi_server import LocalBotApi
from bot.botapi_server.ratelimit import busiest_second as per_second
from bot.config import Settings
from bot.sender import OutboxSender
from domain.db import make_engine, make_sessionmaker
from domain.models import OutboxChatLease, OutboxMessage, OutboxStatus
from domain.notifications import Notice, enqueue
from tests import databases

TOKEN = "123456:LEASES"
FIRST_CHAT = 700_000
CAP = 30  # Telegram: messages per second per bot


class Process:
    """One bot process's sender: its own engine, its own name."""

    def __init__(self, api: LocalBotApi, db: Path, name: str,
                 lease: timedelta = outbox_leases.LEASE) -> None:
        self.api, self.db, self.name, self.lease = api, db, name, lease
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> OutboxSender:
        self.engine = make_engine(databases.url_for(self.db))
        settings = Settings(token=TOKEN, api_base_url=self.api.url or "")
        self.bot = Bot(TOKEN, base_url=settings.bot_base_url, base_file_url=settings.bot_file_url)
        await self.bot.initialize()
        self.sender = OutboxSender(self.bot, make_sessionmaker(self.engine), settings,
                                   name=self.name, shared=True, lease=self.lease)
        self.task = asyncio.get_running_loop().create_task(self.sender.run())
        return self.sender

    async def stop(self) -> None:
        """A clean stop, as the bot does it."""
        assert self.task is not None
        self.task.cancel()
        await asyncio.wait([self.task])
        await self.sender.stop()
        await self._close()

    async def kill(self) -> None:
        """Dead mid-run: sends under way cut off, nothing written back, leases left behind."""
        assert self.task is not None
        doomed = [self.task, *self.sender.deliveries]
        for task in doomed:
            task.cancel()
        await asyncio.wait(doomed)
        await self._close()

    async def _close(self) -> None:
        await self.bot.shutdown()
        await self.engine.dispose()


@pytest.fixture
async def limited():
    async with LocalBotApi(TOKEN, rate_limits=True) as server:
        yield server


def people(api: LocalBotApi, count: int) -> list:
    return [api.user(FIRST_CHAT + n, f"U{n}", started=True) for n in range(count)]


async def queue_fanout(sessions: async_sessionmaker[AsyncSession], chats: list[int],
                       per_chat: int) -> None:
    """`per_chat` numbered messages to each chat, interleaved across chats."""
    async with sessions() as session, session.begin():
        for n in range(per_chat):
            for chat_id in chats:
                enqueue(session, chat_id, Notice("tasks.header", {"count": n}), lang="en")


async def wait_drained(sessions: async_sessionmaker[AsyncSession], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await pending(sessions):
        assert loop.time() < deadline, "the outbox was not drained in time"
        await asyncio.sleep(0.2)


async def pending(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.pending)) or 0


def numbers(user) -> list[int]:
    """The numbers of the messages a person received, in the order received."""
    return [int(m.text.split("(")[1].split(")")[0]) for m in user.messages]


def busiest_second(api: LocalBotApi) -> int:
    """The most messages the server accepted within any one second."""
    return per_second(sorted(r.ts for r in api.requests
                             if r.method == "sendMessage" and r.status == 200))


async def test_two_processes_send_every_row_once_in_order_within_the_limits(
        limited, sessions, tmp_path):
    users = people(limited, 100)
    processes = [Process(limited, tmp_path / "gongdan.db", name) for name in ("p1", "p2")]
    senders = [await p.start() for p in processes]
    await queue_fanout(sessions, [u.id for u in users], per_chat=3)

    await wait_drained(sessions, timeout=60)
    for process in processes:
        await process.stop()

    assert all(numbers(u) == [0, 1, 2] for u in users)  # each once, in the chat's order
    assert all(s.sent_count > 0 for s in senders)  # both took part
    assert sum(s.sent_count for s in senders) == 300
    assert limited.stats["count_429"] == 0
    assert busiest_second(limited) <= CAP


async def test_a_dead_process_s_chats_are_taken_over_when_its_leases_run_out(
        limited, sessions, tmp_path):
    users = people(limited, 40)
    lease = timedelta(seconds=2)
    dying = Process(limited, tmp_path / "gongdan.db", "dying", lease)
    sender = await dying.start()
    await queue_fanout(sessions, [u.id for u in users], per_chat=3)
    async with asyncio.timeout(30):
        while sender.sent_count < 20:
            await asyncio.sleep(0.01)
    unwritten = len(sender.unflushed) + len(sender.in_flight)
    await dying.kill()
    async with sessions() as session:
        leases = {row.chat_id: row.until for row in await session.scalars(
            select(OutboxChatLease).where(OutboxChatLease.owner == "dying"))}
    assert leases, "the dead process left leases behind"
    killed_at = datetime.now(UTC)
    limited.reset_stats()

    survivor = Process(limited, tmp_path / "gongdan.db", "survivor", lease)
    await survivor.start()
    await wait_drained(sessions, timeout=60)
    await survivor.stop()

    # Nothing lost, each chat in order; sent twice at most what was sent but not written back.
    assert all(sorted(set(numbers(u))) == [0, 1, 2] for u in users)
    assert all(list(dict.fromkeys(numbers(u))) == [0, 1, 2] for u in users)
    twice = sum(len(numbers(u)) - 3 for u in users)
    assert 0 <= twice <= unwritten
    # The survivor kept off the dead process's chats until their leases ran out.
    sent_to = [(datetime.fromtimestamp(r.ts, UTC), r.params.get("chat_id"))
               for r in limited.requests if r.method == "sendMessage"]
    early = [(at, chat) for at, chat in sent_to
             if int(chat) in leases and at < leases[int(chat)] and at > killed_at]
    assert early == []
    assert any(int(chat) in leases for _, chat in sent_to)  # and then took them over
    assert limited.stats["count_429"] == 0


async def test_a_lease_is_taken_by_one_process_renewed_by_it_and_taken_over_when_it_runs_out(
        sessions):
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    lease = outbox_leases.LEASE

    async def acquire(owner: str, chats: set[int], at: datetime) -> set[int]:
        async with sessions() as session, session.begin():
            return await outbox_leases.acquire(session, chats, owner, at)

    assert await acquire("a", {1, 2}, now) == {1, 2}
    assert await acquire("b", {2, 3}, now) == {3}
    assert await acquire("a", {1, 2, 3}, now + lease / 2) == {1, 2}  # renewed: a's until moves
    assert await acquire("b", {1, 2}, now + lease) == set()  # a's renewal still holds
    assert await acquire("b", {1, 2, 3}, now + lease * 2) == {1, 2, 3}  # a stopped renewing
    assert await acquire("a", {1}, now + lease * 2) == set()


async def test_a_clean_stop_hands_the_chats_over_soon(sessions):
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    async with sessions() as session, session.begin():
        assert await outbox_leases.acquire(session, {1, 2}, "a", now) == {1, 2}
        await outbox_leases.release(session, "a", now)
    async with sessions() as session, session.begin():
        assert await outbox_leases.acquire(session, {1}, "b", now + timedelta(seconds=1)) == set()
        later = now + outbox_leases.HANDOVER + timedelta(seconds=1)
        assert await outbox_leases.acquire(session, {1, 2}, "b", later) == {1, 2}


async def test_rows_of_chats_held_by_another_process_are_not_picked_up(sessions):
    now = datetime.now(UTC)
    await queue_fanout(sessions, [1, 2, 3], per_chat=1)
    async with sessions() as session, session.begin():
        await outbox_leases.acquire(session, {2}, "other", now)
    async with sessions() as session:
        chats = await session.scalars(select(OutboxMessage.chat_id).where(
            outbox_leases.not_leased_by_others("me", now)).order_by(OutboxMessage.chat_id))
        assert list(chats) == [1, 3]
