"""A planner's change through the real bot over real HTTP: the confirmation card names whom it
reaches; each affected worker gets exactly one change message, the uninvolved none; a scanned
card on a screen turns outdated and its old quantity button records nothing; Acknowledge."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.botapi_server.models import CallbackRec
from domain.models import (
    ChangeNotice,
    OperationTask,
    Person,
    PlanChange,
    TaskAssignee,
    WorkReport,
)
from tests import builders
from tests.e2e.conftest import Floor


async def add_people(floor: Floor) -> None:
    """W03 is skilled in SMT but has no part in WO-000001; M01 plans; W02 is assigned #20."""
    async with floor.bot.sessions() as session, session.begin():
        await builders.person(session, "W03", skills="SMT")
        await builders.person(session, "M01", role="manager")
        w02 = await session.scalar(select(Person).where(Person.code == "W02"))
        tht = await session.scalar(select(OperationTask).where(OperationTask.seq == 20))
        session.add(TaskAssignee(task_id=tht.id, person_id=w02.id))


async def press_stale(user, message_id: int, data: str) -> str:
    """A tap on a button the phone still showed, as Telegram delivers it: the old data."""
    server = user.server
    cid = str(4_100_000_000_000_000_000 + server.next_seq())
    server.callbacks[cid] = CallbackRec(cid, user.id, message_id, user.id, data)
    server.push_update({"callback_query": {
        "id": cid, "from": user.to_dict(), "message": user.message(message_id).to_api(),
        "chat_instance": str(user.id), "data": data}})
    return cid


def changes_in(user) -> list[str]:
    return [m.content for m in user.messages if m.content.startswith("📢 计划变更")]


async def test_a_quantity_change_reaches_each_affected_person_once(floor):
    await add_people(floor)
    a = await floor.register(1001, "W01", "Li")
    b = await floor.register(1002, "W02", "Wang")
    c = await floor.register(1003, "W03", "Zhao")
    boss = await floor.register(2001, "S01", "Ma", role="supervisor")
    planner = await floor.register(3001, "M01", "Chen", role="manager")

    # A scans the card: quantity buttons on the screen.
    await a.send_text("WO-000001")
    card = await a.wait_message("请选择良品数量")
    old_buttons = [data for row in card.buttons for _, data in row]
    all_left = next(data for text, data in card.buttons[0] if text == "全部剩余 100")

    await planner.command("/change", "WO-000001 qty 120")
    confirm = await planner.wait_message("请确认变更工单 WO-000001（数量变更）")
    assert "WO-000001：计划数量 100 → 120" in confirm.content
    assert "确认后将通知 3 人：工人S01、工人W01、工人W02" in confirm.content
    assert confirm.button_texts == ["✅ 确认变更", "✖ 放弃"]
    confirm_data = confirm.buttons[0][0][1]
    answer = await planner.wait_answer(await planner.press("✅ 确认变更", confirm))
    assert answer.text == "已变更"
    await planner.wait_edit("✅ 已变更工单 WO-000001（数量变更），已通知 3 人。", message=confirm)
    # A second tap on Confirm (the phone had not refreshed) changes nothing more.
    again = await planner.wait_answer(await press_stale(planner, confirm.message_id,
                                                        confirm_data))
    assert again.text == "已变更"

    told_a = await a.wait_message("📢 计划变更")
    assert told_a.content == "📢 计划变更（数量变更）· 工人M01\nWO-000001 #10 贴片：计划数量 100 → 120"
    told_b = await b.wait_message("📢 计划变更")
    assert told_b.content == "📢 计划变更（数量变更）· 工人M01\nWO-000001 #20 插件：计划数量 100 → 120"
    assert told_b.button_texts == ["✅ 确认收到"]
    told_boss = await boss.wait_message("📢 计划变更")
    assert "工人W01（W01）#10 贴片" in told_boss.content
    assert "工人W02（W02）#20 插件" in told_boss.content

    # A's scanned card now says it is outdated, with a button to the current one.
    outdated = await a.wait_edit("此卡片已过期", message=card)
    assert [t for row in outdated.buttons for t, _ in row] == ["查看最新卡片"]
    await floor.settle()
    assert (len(changes_in(a)), len(changes_in(b)), len(changes_in(c))) == (1, 1, 0)
    assert len(changes_in(boss)) == 1

    # The old "all 100" button, tapped from a screen that had not refreshed: nothing recorded.
    assert all_left in old_buttons
    refusal = await a.wait_answer(await press_stale(a, card.message_id, all_left))
    assert refusal.text.startswith("这张任务卡已失效") and "计划已变更" in refusal.text
    async with floor.bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WorkReport)) == 0
        assert await session.scalar(select(func.count()).select_from(PlanChange)) == 1
        tasks = (await session.scalars(select(OperationTask).order_by(OperationTask.seq))).all()
        assert [(t.planned_qty, t.good_qty) for t in tasks] == [(120, 0)] * 3

    # A forged Acknowledge of B's message is refused; B acknowledges once.
    async with floor.bot.sessions() as session:
        b_notice = await session.scalar(select(ChangeNotice.id).join(
            Person, Person.id == ChangeNotice.person_id)
            .where(Person.code == "W02"))
    forged = await a.wait_answer(await press_stale(a, told_a.message_id, f"ck:{b_notice}"))
    assert forged.text == "这条变更通知是发给别人的，只有收件人能确认。"
    answer = await b.wait_answer(await b.press("✅ 确认收到", told_b))
    assert re.fullmatch(r"已确认 \d\d:\d\d", answer.text)
    done = await b.wait_edit("已于", message=told_b)
    assert re.search(r"计划数量 100 → 120\n✅ 已于 \d\d:\d\d 确认$", done.content)
    assert b.message(told_b.message_id).buttons == []
    async with floor.bot.sessions() as session:
        acknowledged = (await session.scalars(select(ChangeNotice.acknowledged_at)
                                              .order_by(ChangeNotice.id))).all()
    assert [at is not None for at in acknowledged].count(True) == 1
