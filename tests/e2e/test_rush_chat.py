"""A rush order through the real bot over real HTTP: the manager's /rush shows a preview naming
the work orders it makes late and by how much; Confirm (tapped twice) applies it once; the
worker and the supervisor each get exactly one change message.

One worker W01 does SMT at 1 minute a piece (product P1); no shifts, so 08:00-17:00. The bot's
clock reads Monday 2026-11-23 07:30 (factory time). Without a rush: WO-000004 (60 pieces, due
Sunday) 08:00-09:00, 9 h late; WO-000001 (180, due Monday) 09:00-12:00; WO-000002 (300, due
Monday) 12:00-17:00; WO-000003 (120, due Wednesday) Tuesday 08:00-10:00. Rushing WO-000003
makes WO-000002 late by 10 h and WO-000004 by 11 h instead of 9.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from domain import clock
from domain.db import make_engine, make_sessionmaker
from domain.migrate import upgrade
from domain.models import Operation, OperationTask, PlanChange, TaskAssignee, WorkOrder
from tests import builders, databases
from tests.e2e.conftest import Floor, settings_for

W01, S01, M01 = 7201, 7202, 7203
MONDAY = "2026-11-23T07:30:00+08:00"


async def seed(db: Path) -> None:
    engine = make_engine(databases.url_for(db))
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session, session.begin():
        product = await builders.product(session, "P1", operations=(("SMT", "贴片", "0.30"),))
        await session.execute(update(Operation).values(std_minutes=Decimal(1)))
        await builders.person(session, "W01", skills="SMT", telegram_user_id=W01)
        await builders.person(session, "S01", role="supervisor", telegram_user_id=S01)
        await builders.person(session, "M01", role="manager", telegram_user_id=M01)
        for number, quantity, due in ((1, 180, 23), (2, 300, 23), (3, 120, 25), (4, 60, 22)):
            wo = await builders.work_order(session, product, quantity=quantity, number=number)
            wo.due_date = date(2026, 11, due)
    await engine.dispose()


@pytest.fixture
async def floor(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Floor]:
    db = tmp_path / "floor.db"
    await seed(db)
    settings = replace(settings_for(api, db), clock=f"{MONDAY}@1")
    bot = GongdanBot(settings, poll_timeout=1)
    await bot.start()
    try:
        yield Floor(api, bot, settings)
    finally:
        try:
            await bot.stop()
        finally:
            clock.set_clock(None)


def change_messages(chat) -> list:
    return [m for m in chat.messages if m.outgoing and "计划变更（插单）" in m.content]


async def test_a_rush_preview_names_the_late_work_orders_and_confirm_applies_once(floor):
    manager = floor.api.user(M01, "Zhou", started=True)
    worker = floor.api.user(W01, "Li", started=True)
    boss = floor.api.user(S01, "Zhao", started=True)

    await manager.command("/rush", "WO-000003")
    preview = await manager.wait_message("插单预览")
    assert "工单 WO-000003 提到最高优先级（交期 2026-11-25）" in preview.content
    assert "插单预计 11-23 10:00 完工，能按期交付。" in preview.content
    assert "因此会延期的其他工单（2 个）：\n🔴 WO-000002 延期 10小时（原本按期）\n" \
           "🔴 WO-000004 延期 11小时（原本延期 9小时）" in preview.content
    assert preview.button_texts == ["⚡ 确认插单", "取消"]
    async with floor.bot.sessions() as session:  # nothing changed yet
        assert await session.scalar(select(WorkOrder.priority)
                                    .where(WorkOrder.code == "WO-000003")) == 3

    first = await manager.press("⚡ 确认插单", preview)
    second = await manager.press("⚡ 确认插单", preview)
    confirmed = await manager.wait_edit("插单已确认", message=preview)
    assert "工单 WO-000003 现在是最高优先级。4 个任务重新安排，2 人已收到通知" in confirmed.content
    assert (await manager.wait_answer(first)).text == "已确认插单"
    assert (await manager.wait_answer(second)).text == "已确认插单"

    notice = await worker.wait_message("计划变更（插单）")
    assert "➕ WO-000003 #10 贴片 ×120：派给您，11-23 08:00–11-23 10:00" in notice.content
    assert "➕ WO-000002 #10 贴片 ×300：派给您，11-23 14:00–11-24 10:00" in notice.content
    assert notice.button_texts == ["✅ 确认收到"]
    team = await boss.wait_message("计划变更（插单）")
    assert "· WO-000004 #10 贴片 ×60 → 工人W01，11-23 10:00–11-23 11:00（原 —）" in team.content
    await floor.settle()
    await asyncio.sleep(0.5)
    assert len(change_messages(worker)) == 1 and len(change_messages(boss)) == 1
    assert change_messages(manager) == []

    async with floor.bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PlanChange)) == 1
        assert await session.scalar(select(WorkOrder.priority)
                                    .where(WorkOrder.code == "WO-000003")) == 0
        assert await session.scalar(select(func.count()).select_from(TaskAssignee)) == 4
        rush_task = await session.scalar(
            select(OperationTask).join(WorkOrder).where(WorkOrder.code == "WO-000003"))
        assert rush_task.planned_start.isoformat() == "2026-11-23T00:00:00+00:00"


async def test_cancel_changes_nothing(floor):
    manager = floor.api.user(M01, "Zhou", started=True)
    await manager.command("/rush", "WO-000003")
    preview = await manager.wait_message("插单预览")
    await manager.press("取消", preview)
    await manager.wait_edit("已取消插单", message=preview)
    async with floor.bot.sessions() as session:
        assert await session.scalar(select(WorkOrder.priority)
                                    .where(WorkOrder.code == "WO-000003")) == 3
        assert await session.scalar(select(func.count()).select_from(PlanChange)) == 0
