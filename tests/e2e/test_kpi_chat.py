"""/kpi through the real bot over real HTTP: two workers report, a supervisor reads the figures
(zh), a manager reads them in English, a worker is refused, bad input is explained."""

from __future__ import annotations

from tests import builders
from tests.e2e.conftest import Floor


async def add_manager(floor: Floor) -> None:
    async with floor.bot.sessions() as session, session.begin():
        await builders.person(session, "M01", role="manager")


async def test_kpi_in_chat(floor):
    await add_manager(floor)
    smt = await floor.register(1001, "W01", "Li")
    tht = await floor.register(1002, "W02", "Wang")
    boss = await floor.register(2001, "S01", "Zhao", role="supervisor")
    manager = await floor.register(2002, "M01", "Chen", lang="en", role="manager")

    await smt.send_text("WO-000001 100")
    await smt.wait_message("已记录")
    await tht.send_text("WO-000001 40")
    await tht.wait_message("已记录")

    await boss.command("/kpi")
    shown = (await boss.wait_message("关键指标")).content
    # Two reports entered right after the cards were opened: both in time. 140 pieces made,
    # all first pass, none scrapped; nothing inspected, due or stopped; people worked: 0 h.
    assert "全厂" in shown
    assert "报工及时率：100.0%（目标 ≥95%）✅ 2/2 条报工" in shown
    assert "一次合格率：100.0%（目标 ≥95%）✅ 140/140 件" in shown
    assert "报废率：0.0%（目标 ≤2%）✅ 0/140 件" in shown
    assert "返工率：–（目标 ≤3%）" in shown
    assert "任务准时率：–（目标 ≥98%）" in shown
    assert "交付准时率：–（目标 ≥98%）" in shown
    assert "异常响应：–（目标 ≤12 小时）" in shown
    assert "停机时长：0.0 小时（目标 ≤0.16 小时）✅ 停线 0 次" in shown
    # Standard minutes are 0.5 a piece: 100 → 0.8 h, 40 → 0.3 h.
    ranking = shown.split("人效排名")[1]
    assert "1. 工人W01（W01）良品 100 件 · 0.8 小时 · 报废 0" in ranking
    assert "2. 工人W02（W02）良品 40 件 · 0.3 小时 · 报废 0" in ranking

    await boss.command("/kpi", "week worker W02")
    mine = (await boss.wait_message("关键指标")).content
    assert "工人 W02" in mine and "1/1 条报工" in mine and "40/40 件" in mine
    assert "W01" not in mine.split("人效排名")[1]

    await manager.command("/kpi", "today operation THT")
    english = (await manager.wait_message("KPIs")).content
    assert "operation THT" in english
    assert "Reporting on time: 100.0% (target ≥95%) ✅ 1/1 reports" in english
    assert "Delivery on time: – (target ≥98%)" in english

    await boss.command("/kpi", "明年")
    assert "看不懂时间「明年」" in (await boss.wait_message("用法")).content
    await boss.command("/kpi", "team 不存在")
    await boss.wait_message("没有找到班组「不存在」")
    await boss.command("/kpi", "month product")
    await boss.wait_message("请在「产品」后写上名称或编码")

    await smt.command("/kpi")
    await smt.wait_message("没有权限")
