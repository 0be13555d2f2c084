"""The pinned live status through the real bot over HTTP: a manager links a group for a team's
status, the group gets one pinned message, quick reports edit that same message (throttled:
fewer edits than reports, no new messages), and /unlink status unpins it."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from domain.models import LiveStatus, Person
from tests import builders
from tests.e2e.conftest import Floor, seed, settings_for

GROUP = -100777
INTERVAL = 1.5  # seconds between two edits of one message (10 in production)


@pytest.fixture
async def live_floor(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Floor]:
    """The standard floor with a short live-status interval; W01 in team 一组, a manager."""
    db = tmp_path / "floor.db"
    await seed(db)
    settings = dataclasses.replace(settings_for(api, db), live_status_seconds=INTERVAL)
    bot = GongdanBot(settings, poll_timeout=1)
    await bot.start()
    async with bot.sessions() as session, session.begin():
        (await session.scalar(select(Person).where(Person.code == "W01"))).team = "一组"
        (await builders.person(session, "M01", role="manager")).name = "林志强"
    try:
        yield Floor(api, bot, settings)
    finally:
        await bot.stop()


def calls(floor: Floor, method: str) -> list[dict]:
    return [r.params for r in floor.api.requests
            if r.method == method and str(r.params.get("chat_id")) == str(GROUP)
            and r.status == 200]


async def shows(group, message_id: int, text: str, timeout: float = 10.0) -> str:
    """Wait until the message reads `text` below its title line; its text."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        current = group.message(message_id).text
        if current.split("\n", 1)[1] == text:
            return current
        if loop.time() > deadline:
            raise AssertionError(f"message {message_id} still reads {current!r}")
        await asyncio.sleep(0.1)


async def test_one_pinned_message_edited_in_place_as_reports_arrive(live_floor):
    floor = live_floor
    manager = await floor.register(7001, "M01", "林志强", role="manager")
    worker = await floor.register(1001, "W01", "李明")
    group = floor.api.group(GROUP, "装配群", members=[manager, worker])

    await group.command(manager, "/link", "status 一组")
    assert (await group.wait_message()).text == \
        "✅ 本群已绑定「实时进度」（林志强）。相关消息会发到本群。"
    status = await group.wait_message("一组 今日进度")
    assert status.text.split("\n", 1)[1] == (
        "今日产出 0 件，报废 0 件（今日没有排计划）\n\n今天还没有工单。\n\n"
        "良品/计划 · ✅完成 ⚠️逾期 ⛔停线 ⏸暂停")
    await floor.settle()
    assert group.chat.pinned == [status.message_id]
    (pin,) = calls(floor, "pinChatMessage")
    assert pin["disable_notification"] in (True, "true", "True")

    # Six reports of 10 as fast as the worker can type them.
    for _ in range(6):
        await worker.send_text("WO-000001 10")
    for _ in range(6):
        await worker.wait_message("已记录", timeout=10)

    await shows(group, status.message_id, (
        "今日产出 60 件，报废 0 件（今日没有排计划）\n\n"
        "WO-000001 PCB-A 主板 ×100，交期 12-01\n  10 贴片 60/100\n\n"
        "良品/计划 · ✅完成 ⚠️逾期 ⛔停线 ⏸暂停"))
    await asyncio.sleep(INTERVAL)  # nothing more to show: no further edit comes
    edits = calls(floor, "editMessageText")
    assert 1 <= len(edits) < 6
    assert {int(e["message_id"]) for e in edits} == {status.message_id}
    assert [m.message_id for m in group.messages] == [status.message_id - 1, status.message_id]
    assert group.chat.pinned == [status.message_id]

    # Unlinked: unpinned, left as last shown, and no longer edited.
    await group.command(manager, "/unlink", "status")
    assert (await group.wait_message()).text == "本群已解除「实时进度」绑定（林志强）。"
    await floor.settle()
    assert group.chat.pinned == []
    await worker.send_text("WO-000001 5")
    await worker.wait_message("已记录", timeout=10)
    await asyncio.sleep(INTERVAL * 2)
    assert len(calls(floor, "editMessageText")) == len(edits)
    assert "10 贴片 60/100" in group.message(status.message_id).text
    async with floor.bot.sessions() as session:
        row = await session.scalar(select(LiveStatus))
        assert (row.team, row.active) == ("一组", False)


async def test_a_deleted_status_comes_back_as_a_new_pinned_message(live_floor):
    floor = live_floor
    manager = await floor.register(7001, "M01", "林志强", role="manager")
    worker = await floor.register(1001, "W01", "李明")
    group = floor.api.group(GROUP, "装配群", members=[manager, worker])
    await group.command(manager, "/link", "status")  # no team: the whole floor
    await group.wait_message("已绑定")
    first = await group.wait_message("全车间 今日进度")
    await floor.settle()
    assert group.chat.pinned == [first.message_id]

    # Someone deletes it (Telegram unpins it too); the next change posts it anew, pinned.
    first.deleted = True
    group.chat.pinned = []
    await worker.send_text("WO-000001 10")
    await worker.wait_message("已记录", timeout=10)
    again = await group.wait_message("全车间 今日进度", timeout=10)
    assert "  10 贴片 10/100\n  20 插件 0/100\n  30 测试 0/100" in again.text
    await floor.settle()
    assert group.chat.pinned == [again.message_id]

    # And later changes edit that one.
    await worker.send_text("WO-000001 5")
    await worker.wait_message("已记录", timeout=10)
    await shows_part(group, again.message_id, "10 贴片 15/100")
    assert [m.message_id for m in group.messages] == [first.message_id - 1, again.message_id]
    assert group.chat.pinned == [again.message_id]


async def shows_part(group, message_id: int, part: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while part not in group.message(message_id).text:
        if loop.time() > deadline:
            raise AssertionError(f"{group.message(message_id).text!r} lacks {part!r}")
        await asyncio.sleep(0.1)
