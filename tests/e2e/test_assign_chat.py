"""Assignment and claiming through the real bot over real HTTP: a supervisor picks people on
the task card (their load shown), the assignees get the card with its label code; two workers
tap Claim at the same moment and exactly one gets the task."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from domain.models import OperationTask, Person, TaskAssignee
from tests import builders
from tests.e2e.conftest import Floor, seed_second_work_order


async def add_worker(floor: Floor, code: str, skills: str) -> None:
    async with floor.bot.sessions() as session, session.begin():
        await builders.person(session, code, skills=skills)


async def assignees(floor: Floor, seq: int, number: int = 1) -> list[tuple[str, str]]:
    async with floor.bot.sessions() as session:
        task = await session.scalar(
            select(OperationTask).where(OperationTask.seq == seq,
                                        OperationTask.work_order_id == number))
        rows = await session.execute(
            select(Person.code, TaskAssignee.how).join(TaskAssignee,
                                                       TaskAssignee.person_id == Person.id)
            .where(TaskAssignee.task_id == task.id).order_by(Person.code))
        return [tuple(r) for r in rows.all()]


async def test_a_supervisor_picks_people_on_the_card_and_they_get_it(floor):
    await seed_second_work_order(floor)
    await add_worker(floor, "W03", "SMT")
    li = await floor.register(1001, "W01", "Li")
    zhao = await floor.register(1003, "W03", "Zhao")
    boss = await floor.register(2001, "S01", "Ma", role="supervisor")

    # W01 already holds WO-000002's SMT: 50 pieces × 0.5 min.
    await boss.command("/assign", "WO-000002 #10 W01")
    told = await boss.wait_message("派工已更新")
    assert "新派：工人W01（已发任务卡）" in told.text
    assert "GD1:WO-000002:10" in (await li.wait_message("新派工")).text

    await boss.command("/assign", "WO-000001 10")
    card = await boss.wait_message("当前负责")
    assert card.text.splitlines()[:5] == [
        "📋 工单 WO-000001 · PCB-A 主板", "工序 10 贴片", "计划 100｜已到 100｜交期 2030-12-01",
        "标签码：GD1:WO-000001:10", "当前负责：—"]
    assert card.button_texts == ["工人W01（1 个任务，约 25分钟）", "工人W03（空闲）",
                                 "✅ 完成", "🙋 开放认领", "关闭"]
    await boss.wait_answer(await boss.press("工人W03（空闲）", card))
    await boss.wait_edit(message=card)
    await boss.press("工人W01（1 个任务，约 25分钟）", card)
    ticked = await boss.wait_edit(message=card)
    assert ticked.button_texts[:2] == ["✓ 工人W01（1 个任务，约 25分钟）", "✓ 工人W03（空闲）"]
    answer = await boss.wait_answer(await boss.press("✅ 完成", card))
    assert answer.text == "派工已保存"
    done = await boss.wait_edit(message=card)
    assert done.text == ("✅ 派工已更新：工单 WO-000001 工序 10 贴片\n"
                         "新派：工人W01、工人W03（已发任务卡）")
    assert done.button_texts == []

    for worker in (li, zhao):
        assigned = await worker.wait_message("新派工：工单 WO-000001")
        assert "工序 10 贴片" in assigned.text and "标签码：GD1:WO-000001:10" in assigned.text
        assert "派工人：工人S01" in assigned.text
        assert assigned.button_texts == ["报工"]
    await zhao.press("报工", assigned)
    opened = await zhao.wait_message("请选择良品数量")
    assert "工序 10 贴片" in opened.text and "剩余 100" in opened.text
    assert await assignees(floor, 10) == [("W01", "assigned"), ("W03", "assigned")]

    # The picker again: both ticked; untick W01 and Done takes W01 off, who is told.
    await boss.command("/assign", "GD1:WO-000001:10")
    card = await boss.wait_message("当前负责：工人W01、工人W03")
    # They share WO-000001's 100 × 0.5 min: 25 each; W01 has WO-000002's 25 besides.
    assert card.button_texts[:2] == ["✓ 工人W01（2 个任务，约 50分钟）",
                                     "✓ 工人W03（1 个任务，约 25分钟）"]
    await boss.press("✓ 工人W01（2 个任务，约 50分钟）", card)
    await boss.wait_edit(message=card)
    await boss.press("✅ 完成", card)
    assert "已撤下：工人W01（已通知）" in (await boss.wait_edit(message=card)).text
    removed = await li.wait_message("已不再派给您")
    assert "工单 WO-000001 工序 10 贴片" in removed.text and "工人S01" in removed.text
    assert await assignees(floor, 10) == [("W03", "assigned")]


async def test_without_an_operation_the_supervisor_is_asked_which(floor):
    boss = await floor.register(2001, "S01", "Ma", role="supervisor")
    await floor.register(1002, "W02", "Wang")
    await boss.command("/assign", "WO-000001")
    asked = await boss.wait_message("给哪道工序派工")
    assert asked.button_texts == ["10 贴片（已派 0 人）", "20 插件（已派 0 人）",
                                  "30 测试（已派 0 人）"]
    await boss.press("20 插件（已派 0 人）", asked)
    picker = await boss.wait_edit(message=asked)
    assert "工序 20 插件" in picker.text
    assert picker.button_texts[0] == "工人W02（空闲）"
    # A person lacking the skill is refused, naming it.
    await boss.command("/assign", "WO-000001 20 W01")
    refused = await boss.wait_message("没有「插件」的技能")
    assert "（THT）" in refused.text
    assert await assignees(floor, 20) == []


async def test_two_workers_claim_at_the_same_moment(floor):
    await add_worker(floor, "W03", "SMT")
    li = await floor.register(1001, "W01", "Li")
    zhao = await floor.register(1003, "W03", "Zhao")
    boss = await floor.register(2001, "S01", "Ma", role="supervisor")
    await boss.command("/open", "WO-000001 10")
    opened = await boss.wait_message("已开放认领")
    assert "已通知 2 人：工人W01、工人W03" in opened.text
    offers = [await li.wait_message("可认领"), await zhao.wait_message("可认领")]
    assert offers[0].button_texts == ["🙋 认领"]

    taps = await asyncio.gather(li.press("🙋 认领", offers[0]), zhao.press("🙋 认领", offers[1]))
    answers = [await li.wait_answer(taps[0]), await zhao.wait_answer(taps[1])]
    winners = [i for i, a in enumerate(answers) if a.text == "认领成功"]
    assert len(winners) == 1, [a.text for a in answers]
    win, lose = winners[0], 1 - winners[0]
    people, codes = (li, zhao), ("W01", "W03")
    winner_name = f"工人{codes[win]}"
    assert answers[lose].text == f"慢了一步：工单 WO-000001 工序 10 贴片 已被 {winner_name} 认领。"
    assert "已被" in (await people[lose].wait_message("慢了一步")).text

    card = await people[win].wait_message("认领成功，这个任务归您了")
    assert "标签码：GD1:WO-000001:10" in card.text and card.button_texts == ["报工"]
    await people[win].wait_edit("✅ 您已认领：工单 WO-000001 工序 10 贴片。", message=offers[win])
    await people[lose].wait_edit(f"工单 WO-000001 工序 10 贴片 已被 {winner_name} 认领。",
                                 message=offers[lose])
    assert people[lose].message(offers[lose].message_id).buttons == []
    assert f"{winner_name} 认领了" in (await boss.wait_message("认领了")).text
    assert await assignees(floor, 10) == [(codes[win], "claimed")]

    # The loser cannot report the task now: it is the winner's.
    await people[lose].send_text("WO-000001:10")
    refused = await people[lose].wait_message("只有他们能报工")
    assert winner_name in refused.text
    await floor.settle()
    assert sum("认领成功，这个任务归您了" in m.content for m in people[win].messages) == 1
