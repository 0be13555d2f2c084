"""Partial flow 流转 through the real bot: pieces reported on one operation are available to
the next at once, and its assignee hears of the first ones, not of the finished batch."""

from __future__ import annotations

from sqlalchemy import select

from domain.models import OperationTask


async def quantities(floor) -> list[tuple[int, str]]:
    async with floor.bot.sessions() as session:
        tasks = (await session.scalars(select(OperationTask).order_by(OperationTask.seq))).all()
        return [(t.good_qty, t.status) for t in tasks]


async def test_the_next_operation_hears_of_its_first_pieces_and_reports_no_more(floor):
    smt = await floor.register(1001, "W01", "Li")
    tht = await floor.register(1002, "W02", "Wang")
    boss = await floor.register(2001, "S01", "Ma", role="supervisor")
    await boss.command("/assign", "WO-000001 20 W02")
    await boss.wait_message("派工已更新")
    assigned = await tht.wait_message("新派工")
    assert "计划 100｜已到 0" in assigned.text  # nothing has reached THT yet

    await smt.send_text("WO-000001 30")
    await smt.wait_message("已记录")
    ready = await tht.wait_message("件已到")
    assert ready.text == ("📦 工单 WO-000001 有 30 件已到「插件」（工序 20，计划 100 件），可以开工了。")
    assert ready.button_texts == ["报工"]
    assert await quantities(floor) == [(30, "in_progress"), (0, "ready"), (0, "waiting")]

    await tht.press("报工", ready)
    card = await tht.wait_message("请选择良品数量")
    assert "已到 30" in card.text and "剩余 30" in card.text
    await tht.send_text("31")
    refused = await tht.wait_message("不能报 31 件")
    assert "上道工序只流转过来 30 件" in refused.text and "最多还能报 30 件" in refused.text
    await tht.send_text("30")
    assert "良品 30" in (await tht.wait_message("已记录")).text
    assert await quantities(floor) == [(30, "in_progress"), (30, "in_progress"), (0, "ready")]
    await tht.send_text("WO-000001:20 1")  # every piece that arrived is reported
    refused = await tht.wait_message("不能报 1 件")
    assert "最多还能报 0 件" in refused.text

    # More pieces on SMT are simply there for THT: no second "ready" message.
    await smt.send_text("WO-000001 20")
    await smt.wait_message("已记录")
    await floor.settle()
    assert sum("件已到" in m.content for m in tht.messages) == 1
    await tht.send_text("WO-000001:20 20")
    assert "良品 20" in (await tht.wait_message("已记录")).text
    assert await quantities(floor) == [(50, "in_progress"), (50, "in_progress"), (0, "ready")]
