"""The dispatch suggestion through the real bot over real HTTP: a supervisor runs /dispatch,
gives one line to another worker, accepts; the workers get their task cards with the planned
times, and the tasks hold them.

WO-000001 (100 pieces of PCB-A: SMT → THT → TEST, 0.5 min a piece); W01 and W03 do SMT, W02
THT, nobody TEST. The bot's clock reads Monday 2026-11-23 07:30 (factory time): with no shifts
configured, plans start at 08:00.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from domain import clock
from domain.models import DispatchPlan, OperationTask, Person, TaskAssignee
from tests.e2e.conftest import Floor, seed, settings_for

SUPERVISOR, W01, W02, W03 = 7101, 7102, 7103, 7104
PEOPLE = ({"code": "W01", "skills": "SMT", "telegram_user_id": W01},
          {"code": "W02", "skills": "THT", "telegram_user_id": W02},
          {"code": "W03", "skills": "SMT", "telegram_user_id": W03},
          {"code": "S01", "role": "supervisor", "telegram_user_id": SUPERVISOR})
MONDAY = "2026-11-23T07:30:00+08:00"


@pytest.fixture
async def floor(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Floor]:
    db = tmp_path / "floor.db"
    await seed(db, people=PEOPLE)
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


async def holders(floor: Floor) -> dict[int, list[str]]:
    async with floor.bot.sessions() as session:
        rows = (await session.execute(
            select(OperationTask.seq, Person.code, TaskAssignee.how)
            .join(TaskAssignee, TaskAssignee.task_id == OperationTask.id)
            .join(Person, Person.id == TaskAssignee.person_id))).all()
    found: dict[int, list[str]] = {}
    for seq, code, how in rows:
        found.setdefault(seq, []).append(f"{code}:{how}")
    return found


async def test_a_supervisor_edits_one_line_and_accepts(floor):
    boss = floor.api.user(SUPERVISOR, "Zhao", started=True)
    smt = floor.api.user(W01, "Li", started=True)
    tht = floor.api.user(W02, "Wang", started=True)
    other = floor.api.user(W03, "Chen", started=True)

    await boss.command("/dispatch")
    shown = await boss.wait_message("排产建议 #1（第 1 版）")
    assert "3 个任务，0 个会延期，1 个没人能做。第 1/1 页" in shown.content
    assert "1. WO-000001 #10 贴片 ×100 → 工人W01  11-23 08:00–11-23 08:50" in shown.content
    # THT starts after SMT's first piece (08:00:30) and ends 30 s after SMT's last.
    assert "1. WO-000001 #20 插件 ×100 → 工人W02  11-23 08:00–11-23 08:50" in shown.content
    assert "WO-000001 #30 测试 ×100 → ❗没有会「TEST」的在岗工人，无法排产" in shown.content
    assert shown.button_texts == ["✅ 全部接受", "✏️ 调整", "🗑 放弃"]

    await boss.press("✏️ 调整", shown)
    picking = await boss.wait_edit("要把哪个任务改派给别人", message=shown)
    assert picking.button_texts == ["WO-000001 #10", "WO-000001 #30", "WO-000001 #20",
                                    "↩️ 返回"]
    await boss.press("WO-000001 #10", shown)
    people = await boss.wait_edit("改派给谁", message=shown)
    assert "现排给 工人W01" in people.content
    assert "· 工人W03：手上 0 个任务（0秒），本建议里还没有活" in people.content
    assert people.button_texts == ["工人W03 · 手上没活", "↩️ 返回"]
    await boss.press("工人W03 · 手上没活", shown)
    edited = await boss.wait_edit("排产建议 #1（第 2 版）", message=shown)
    assert "1. WO-000001 #10 贴片 ×100 → 工人W03 📌  11-23 08:00–11-23 08:50" in edited.content

    await boss.press("✅ 全部接受", shown)
    accepted = await boss.wait_edit("已接受", message=shown)
    assert "2 个任务派给了新的人，2 个任务定了计划时间，0 人收到计划变更通知" in accepted.content
    assert boss.message(shown.message_id).buttons == []

    card = await other.wait_message("新派工")
    assert "工单 WO-000001" in card.content and "工序 10 贴片" in card.content
    assert "计划开工：11-23 08:00\n计划完工：11-23 08:50" in card.content
    await tht.wait_message("新派工")
    await smt.assert_no_message(within=0.5)
    assert await holders(floor) == {10: ["W03:dispatched"], 20: ["W02:dispatched"]}
    async with floor.bot.sessions() as session:
        plan = await session.get(DispatchPlan, 1)
        assert (plan.status, plan.version) == ("accepted", 2)
        smt_task = await session.scalar(select(OperationTask).where(OperationTask.seq == 10))
        assert smt_task.planned_start.isoformat() == "2026-11-23T00:00:00+00:00"
