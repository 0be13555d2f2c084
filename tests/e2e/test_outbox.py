"""The outbox sender against a Bot API server that enforces Telegram's limits and failures."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.botapi_server import LocalBotApi
from bot.config import Settings
from bot.sender import OutboxSender
from domain.models import ChatState, OutboxMessage
from domain.notifications import Notice, enqueue
from tests.e2e.conftest import TOKEN


@pytest.fixture
async def limited():
    async with LocalBotApi(TOKEN, rate_limits=True) as server:
        yield server


async def sender_for(api: LocalBotApi, sessions, **limits) -> tuple[OutboxSender, Bot]:
    settings = Settings(token=TOKEN, api_base_url=api.url or "", **limits)
    bot = Bot(TOKEN, base_url=settings.bot_base_url, base_file_url=settings.bot_file_url)
    await bot.initialize()
    return OutboxSender(bot, sessions, settings), bot


async def queue(sessions, chat_id: int, count: int, start: int = 0) -> None:
    async with sessions() as session, session.begin():
        for n in range(start, start + count):
            enqueue(session, chat_id, Notice("tasks.header", {"count": n}), lang="en")


async def statuses(sessions) -> list[str]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage.status)
                                           .order_by(OutboxMessage.id))).all())


async def test_429_is_honoured_and_nothing_is_lost_or_reordered(limited, sessions):
    user = limited.user(42, "Li", started=True)
    # Our pacing is set looser than the server's so that it answers 429 with retry_after.
    sender, bot = await sender_for(limited, sessions, chat_rate=20, chat_burst=20)
    await queue(sessions, 42, 6)
    await sender.drain(timeout=20)
    await bot.shutdown()
    assert limited.stats["count_429"] >= 1
    assert await statuses(sessions) == ["sent"] * 6
    assert [m.text for m in user.messages] == [f"My tasks ({n}):" for n in range(6)]


async def test_default_pacing_stays_under_the_limits(limited, sessions):
    users = [limited.user(100 + i, f"U{i}", started=True) for i in range(3)]
    sender, bot = await sender_for(limited, sessions)  # 1/s per chat, burst 3
    for u in users:
        await queue(sessions, u.id, 4)
    await sender.drain(timeout=20)
    await bot.shutdown()
    assert limited.stats["count_429"] == 0
    assert all(len(u.messages) == 4 for u in users)


async def test_a_blocked_chat_is_marked_unreachable(api, sessions):
    api.user(7, "Gone", started=True)
    api.block_chat(7, notify=False)
    sender, bot = await sender_for(api, sessions)
    await queue(sessions, 7, 2)
    await sender.drain(timeout=10)
    await bot.shutdown()
    assert await statuses(sessions) == ["failed", "failed"]
    async with sessions() as session:
        assert (await session.get(ChatState, 7)).unreachable_at is not None


async def test_a_migrated_group_is_followed(api, sessions):
    member = api.user(8, "Member", started=True)
    api.group(-100, "Line 1", type="group", members=[member])
    api.migrate_group(-100, -1001234, notify=False)
    sender, bot = await sender_for(api, sessions)
    await queue(sessions, -100, 1)
    await sender.drain(timeout=10)
    await bot.shutdown()
    assert await statuses(sessions) == ["sent"]
    async with sessions() as session:
        assert (await session.get(ChatState, -100)).migrated_to == -1001234
    assert api.groups[-1001234].messages[-1].text == "My tasks (0):"


async def test_server_errors_are_retried(api, sessions):
    user = api.user(9, "Li", started=True)
    api.inject("sendMessage", status=502, times=2)
    sender, bot = await sender_for(api, sessions)
    await queue(sessions, 9, 1)
    await sender.drain(timeout=15)
    await bot.shutdown()
    assert await statuses(sessions) == ["sent"]
    assert [m.text for m in user.messages] == ["My tasks (0):"]
