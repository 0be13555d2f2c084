"""The daily summary through the real bot over real HTTP: it arrives at 18:00 factory time on a
fast clock (GONGDAN_CLOCK-style Settings.clock) as a photo with the summary as its caption, in
the manager's private chat and in the management group, exactly once — also after a restart,
and late (not lost) when the bot was down at 18:00. /summary on demand, in private and in the
management group."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from domain import clock
from domain.db import make_engine, make_sessionmaker
from domain.models import GroupLink, Reminder
from tests import databases
from tests.e2e.conftest import Floor, seed, settings_for

WORKER, MANAGER, GROUP = 8101, 8102, -100810
PEOPLE = ({"code": "W01", "skills": "SMT", "telegram_user_id": WORKER},
          {"code": "M01", "role": "manager", "telegram_user_id": MANAGER})
TITLE = "📊 日报 2026-11-20"


async def seed_floor(db: Path) -> None:
    await seed(db, people=PEOPLE)
    engine = make_engine(databases.url_for(db))
    async with make_sessionmaker(engine)() as session, session.begin():
        session.add(GroupLink(chat_id=GROUP, purpose="management", title="管理群"))
    await engine.dispose()


async def run_bot(api: LocalBotApi, db: Path, at: str, speed: int = 10) -> GongdanBot:
    """The bot with its clock set to `at` (factory time) running `speed` times faster."""
    settings = replace(settings_for(api, db), clock=f"{at}+08:00@{speed}", sweep_seconds=0.2)
    bot = GongdanBot(settings, poll_timeout=1)
    await bot.start()
    return bot


async def stop(bot: GongdanBot) -> None:
    try:
        await bot.stop()
    finally:
        clock.set_clock(None)


def summaries(chat) -> list:
    return [m for m in chat.messages if m.outgoing and TITLE in m.content]


async def reminders_of(db: Path) -> list[tuple[str, str]]:
    engine = make_engine(databases.url_for(db))
    async with make_sessionmaker(engine)() as session:
        rows = (await session.execute(
            select(Reminder.fact_key, Reminder.status).where(Reminder.kind == "summary")
            .order_by(Reminder.id))).all()
    await engine.dispose()
    return [tuple(row) for row in rows]


def chats(api: LocalBotApi):
    worker = api.user(WORKER, "Li", started=True)
    manager = api.user(MANAGER, "Zhao", started=True)
    group = api.group(GROUP, "管理群", members=[manager])
    return worker, manager, group


async def test_at_six_in_the_evening_once_even_after_a_restart(api, tmp_path):
    db = tmp_path / "summary.db"
    await seed_floor(db)
    worker, manager, group = chats(api)
    bot = await run_bot(api, db, "2026-11-20T17:58:30")  # 9 real seconds before 18:00
    try:
        await worker.send_text("WO-000001 30")
        assert "已记录" in (await worker.wait_message("已记录")).content
        sent = await manager.wait_message(TITLE, timeout=30)
        posted = await group.wait_message(TITLE, timeout=10)
    finally:
        await stop(bot)

    for message in (sent, posted):
        assert message.photo, "the chart comes as a photo"
        assert message.caption.startswith(TITLE + "\n截至 11-20 18:00\n")
        assert "📦 产出：良品 30 件，计划 –" in message.caption
        assert "⏰ 没有逾期工单" in message.caption
    chart = Image.open(__import__("io").BytesIO(sent.photo_bytes))
    assert chart.width < chart.height  # the portrait phone chart

    # Restarted half an hour later: nothing is sent again.
    bot = await run_bot(api, db, "2026-11-20T18:30:00")
    try:
        await asyncio.sleep(1.5)  # several sweeps and the planning pass
    finally:
        await stop(bot)
    assert len(summaries(manager)) == 1 and len(summaries(group)) == 1
    assert await reminders_of(db) == [("summary:day:2026-11-20", "done"),
                                      ("summary:day:2026-11-21", "active")]


async def test_a_bot_down_at_six_sends_the_summary_when_it_comes_back(api, tmp_path):
    db = tmp_path / "late.db"
    await seed_floor(db)
    _, manager, group = chats(api)
    bot = await run_bot(api, db, "2026-11-20T17:50:00")  # plans 18:00, then goes down
    try:
        await asyncio.sleep(0.5)
    finally:
        await stop(bot)
    assert await reminders_of(db) == [("summary:day:2026-11-20", "active")]
    assert summaries(manager) == []

    bot = await run_bot(api, db, "2026-11-20T19:15:00")
    try:
        late = await manager.wait_message(TITLE, timeout=30)
        await group.wait_message(TITLE, timeout=10)
        await asyncio.sleep(1.0)
    finally:
        await stop(bot)
    assert "截至 11-20 19:15" in late.caption
    assert len(summaries(manager)) == 1 and len(summaries(group)) == 1


async def test_summary_on_demand(floor: Floor):
    async with floor.bot.sessions() as session, session.begin():
        session.add(GroupLink(chat_id=GROUP, purpose="management", title="管理群"))
    worker = await floor.register(1001, "W01", "Li")
    boss = await floor.register(2001, "S01", "Wang", role="supervisor")
    english = await floor.register(2002, "W02", "Ann", lang="en", role="supervisor")
    group = floor.api.group(GROUP, "管理群", members=[boss, worker])
    other = floor.api.group(-100811, "闲聊群", members=[boss])

    await worker.send_text("WO-000001 30")
    await worker.wait_message("已记录")

    await boss.command("/summary")
    today = await boss.wait_message("📊 日报", timeout=20)
    assert today.photo and "📦 产出：良品 30 件，计划 –" in today.caption
    assert "📈 关键指标（目标｜较前一天）：" in today.caption

    await english.command("/summary", "yesterday")
    yesterday = await english.wait_message("Daily summary", timeout=20)
    assert "📦 Output: 0 good pieces, plan –" in yesterday.content

    await boss.command("/summary", "next tuesday")
    assert "看不懂「next tuesday」" in (await boss.wait_message("看不懂")).content

    await worker.command("/summary")
    assert "没有权限" in (await worker.wait_message("没有权限")).content

    await group.command(boss, "/summary")
    posted = await group.wait_message("📊 日报", timeout=20)
    assert posted.photo and "良品 30 件" in posted.caption

    await other.command(boss, "/summary")  # a group not linked for management hears nothing
    await floor.settle()
    assert not [m for m in other.messages if m.outgoing]
