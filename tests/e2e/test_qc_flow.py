"""QC and rework through the real bot over real HTTP: a report held at a checkpoint, a split
with rework decided in chat, the rework reported by its code and passed; two supervisors
tapping at once; a worker pressing a QC button in the QC group."""

from __future__ import annotations

import asyncio
import io

from PIL import Image
from sqlalchemy import func, select, update

from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import cards_for
from domain.models import (
    AuditEvent,
    GroupLink,
    Operation,
    OperationTask,
    QCInspection,
    ReworkTask,
    WorkReport,
)
from tests import builders
from tests.e2e.conftest import Floor

GROUP = -100888


async def make_checkpoint(floor: Floor, *people: tuple[str, str]) -> None:
    """THT becomes a QC checkpoint; more people (code, role); a group linked for QC."""
    async with floor.bot.sessions() as session, session.begin():
        await session.execute(update(Operation).where(Operation.code == "THT")
                              .values(qc_checkpoint=True))
        for code, role in people:
            await builders.person(session, code, role=role)
        session.add(GroupLink(chat_id=GROUP, purpose="qc", title="品质群"))


async def quantities(floor: Floor) -> list[tuple[int, int, int, int, str]]:
    """(good, scrap, pending QC, rework, status) of SMT, THT, TEST."""
    async with floor.bot.sessions() as session:
        rows = (await session.scalars(select(OperationTask).order_by(OperationTask.seq))).all()
        return [(t.good_qty, t.scrap_qty, t.pending_qc_qty, t.rework_qty, t.status)
                for t in rows]


async def card_photo(floor: Floor) -> bytes:
    async with floor.bot.sessions() as session:
        (card,) = await cards_for(session, ["WO-000001"], None)
    return phone_photo(render_card(card), seed=11, difficulty="easy")


def defect_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def contents(view) -> list[str]:
    return [m.content for m in view.messages]


async def test_split_with_rework_then_the_rework_reported_and_passed(floor):
    await make_checkpoint(floor, ("Q01", "qc"))
    smt = await floor.register(1001, "W01", "Li")
    tht = await floor.register(1002, "W02", "Wang")
    inspector = await floor.register(3001, "Q01", "Guo", role="qc")
    group = floor.api.group(GROUP, "品质群", members=[inspector])

    await smt.send_text("WO-000001 100")
    await smt.wait_message("已记录")

    # THT photographs the card with the quantity in the caption: held for QC.
    sent = await tht.send_photo(await card_photo(floor), caption="50")
    held = await tht.wait_message("质检点", timeout=10)
    assert "良品 50" in held.content and "质检合格后才流转" in held.content

    # The inspector gets the card photo, the facts and the three buttons; so does the group.
    post = await inspector.wait_message("待质检")
    assert post.photo_bytes == sent.photo_bytes
    assert "工单 WO-000001 · 工序 20 插件" in post.content and "工人W02 报良品 50 件" in post.content
    assert post.button_texts == ["✅ 全部合格 50", "❌ 不合格…", "✂️ 分批判定…"]
    group_post = await group.wait_message("待质检")
    assert group_post.button_texts == post.button_texts
    assert await quantities(floor) == [(100, 0, 0, 0, "done"), (0, 0, 50, 0, "in_progress"),
                                       (0, 0, 0, 0, "waiting")]

    # Split…: quantities, a reason, a photo of the defect.
    answer = await inspector.wait_answer(await inspector.press("✂️ 分批判定…", post))
    assert answer.text == "请按提示回答"
    await inspector.wait_message("请输入「合格数 返工数 报废数」，合计 50")
    await inspector.send_text("45 3 3")
    assert "合计 51 件，但这批是 50 件" in (await inspector.wait_message("合计")).content
    await inspector.send_text("45 3 2")
    ask_reason = await inspector.wait_message("请选择缺陷原因")
    assert "合格 45，返工 3，报废 2" in ask_reason.content
    assert ask_reason.button_texts[:3] == ["毛刺", "尺寸不良", "外观不良"]
    await inspector.press("毛刺")
    await inspector.wait_message("可以发一张缺陷照片")
    await inspector.send_photo(defect_photo())
    decided = await inspector.wait_message("已判定", timeout=10)
    assert "合格 45，返工 3，报废 2，原因：毛刺。\n🔧 返工单 RW-000001 交给 工人W02 返工" in decided.content

    # Every message that asked now shows the decision, without buttons.
    edited = await inspector.wait_edit("已判定：合格 45，返工 3，报废 2（毛刺）— 工人Q01",
                                       message=post)
    assert edited.content.endswith("🔧 返工单 RW-000001 交给 工人W02 返工")
    assert inspector.message(post.message_id).buttons == []
    await group.wait_edit("已判定：合格 45", message=group_post)
    assert group.message(group_post.message_id).buttons == []

    # The worker hears the outcome and gets the rework card.
    result = await tht.wait_message("质检结果")
    assert "合格 45，返工 3，报废 2。原因：毛刺" in result.content
    rework_card = await tht.wait_message("返工单 RW-000001 交给您")
    assert "3 件，原因：毛刺" in rework_card.content
    assert rework_card.button_texts == ["🔧 报返工 RW-000001"]
    assert await quantities(floor) == [(100, 0, 0, 0, "done"), (45, 2, 0, 3, "in_progress"),
                                       (0, 0, 0, 0, "ready")]

    # The rework is reported by typing its code, and inspected again.
    await tht.send_text("rw-1")
    card = await tht.wait_message("🔧 返工单 RW-000001 · 工单 WO-000001")
    assert "还有 3 件待报" in card.content
    await tht.press("全部剩余 3", card)
    recorded = await tht.wait_message("已记录返工 RW-000001")
    assert "好 3 件" in recorded.content
    again = await inspector.wait_message("返工复检")
    assert "返工单 RW-000001" in again.content and again.photo_bytes is None
    answer = await inspector.wait_answer(await inspector.press("✅ 全部合格 3", again))
    assert answer.text == "已判定合格 3 件"
    await inspector.wait_edit("全部合格 3 件", message=again)
    passed = await tht.wait_message("✅ 质检合格：")
    assert "3 件全部合格" in passed.content

    assert await quantities(floor) == [(100, 0, 0, 0, "done"), (48, 2, 0, 0, "in_progress"),
                                       (0, 0, 0, 0, "ready")]
    async with floor.bot.sessions() as session:
        rework = await session.scalar(select(ReworkTask))
        assert (rework.code, rework.good_qty, rework.status) == ("RW-000001", 3, "done")
        inspections = (await session.scalars(select(QCInspection)
                                             .order_by(QCInspection.id))).all()
        assert [(i.status, i.pass_qty, i.rework_qty, i.scrap_qty, i.defect_reason)
                for i in inspections] == [("failed", 45, 3, 2, "burr"),
                                          ("passed", 3, 0, 0, None)]
        assert inspections[0].photo_file_id  # the defect photo is kept with the decision
        reports = (await session.scalars(select(WorkReport).order_by(WorkReport.id))).all()
        assert [(r.status, r.accepted_qty, r.rework_task_id is not None) for r in reports] == [
            ("accepted", 100, False), ("accepted", 45, False), ("accepted", 3, True)]
    # Nothing was said twice.
    assert sum("质检结果" in c for c in contents(tht)) == 1
    assert sum("待质检" in c for c in contents(group)) == 1


async def test_two_supervisors_tap_pass_at_once(floor):
    await make_checkpoint(floor, ("S02", "supervisor"))
    smt = await floor.register(1001, "W01", "Li")
    tht = await floor.register(1002, "W02", "Wang")
    first = await floor.register(2001, "S01", "Ma", role="supervisor")
    second = await floor.register(2002, "S02", "Zhou", role="supervisor")
    await smt.send_text("WO-000001 100")
    await smt.wait_message("已记录")
    await tht.send_text("WO-000001 50")
    await tht.wait_message("质检点")
    # Nobody answers for QC and there is no inspector: the supervisors decide.
    posts = [await first.wait_message("待质检"), await second.wait_message("待质检")]

    taps = await asyncio.gather(first.press("✅ 全部合格 50", posts[0]),
                                second.press("✅ 全部合格 50", posts[1]))
    answers = [await first.wait_answer(taps[0]), await second.wait_answer(taps[1])]
    winners = [i for i, a in enumerate(answers) if a.text == "已判定合格 50 件"]
    assert len(winners) == 1
    loser = 1 - winners[0]
    winner_name = ["工人S01", "工人S02"][winners[0]]
    assert answers[loser].text.startswith(f"这批已由 {winner_name} 在")
    told = await (first, second)[loser].wait_message("判定过了")
    assert f"已由 {winner_name}" in told.content and "合格 50，返工 0，报废 0" in told.content
    for person, post in ((first, posts[0]), (second, posts[1])):
        await person.wait_edit(f"全部合格 50 件 — {winner_name}", message=post)
    await tht.wait_message("✅ 质检合格：")
    await floor.settle()
    assert sum("判定过了" in c for c in contents((first, second)[winners[0]])) == 0
    assert sum("✅ 质检合格：" in c for c in contents(tht)) == 1
    assert await quantities(floor) == [(100, 0, 0, 0, "done"), (50, 0, 0, 0, "in_progress"),
                                       (0, 0, 0, 0, "ready")]
    async with floor.bot.sessions() as session:
        assert await session.scalar(select(func.count(AuditEvent.id))
                                    .where(AuditEvent.action == "qc.decided")) == 1


async def test_a_worker_cannot_decide_and_a_supervisor_decides_in_the_group(floor):
    await make_checkpoint(floor)
    smt = await floor.register(1001, "W01", "Li")
    tht = await floor.register(1002, "W02", "Wang")
    supervisor = await floor.register(2001, "S01", "Ma", role="supervisor")
    group = floor.api.group(GROUP, "品质群", members=[smt, supervisor])
    await smt.send_text("WO-000001 100")
    await smt.wait_message("已记录")
    await tht.send_text("WO-000001 50")
    await tht.wait_message("质检点")
    post = await group.wait_message("待质检")
    await supervisor.wait_message("待质检")

    # A worker in the group presses Pass all: refused, only they hear why, nothing changes.
    refused = await group.wait_answer(await group.press(smt, "✅ 全部合格 50", post))
    assert "没有权限" in refused.text
    await floor.settle()
    assert group.inbox() == [] and group.message(post.message_id).button_texts
    assert (await quantities(floor))[1] == (0, 0, 50, 0, "in_progress")

    # Reject… pressed in the group continues in the supervisor's private chat.
    answer = await group.wait_answer(await group.press(supervisor, "❌ 不合格…", post))
    assert answer.text == "请到与机器人的私聊里继续判定"
    ask = await supervisor.wait_message("全部返工还是全部报废")
    assert ask.button_texts == ["全部返工 50", "全部报废 50", "取消"]
    await supervisor.press("全部报废 50", ask)
    await supervisor.press("尺寸不良", await supervisor.wait_message("请选择缺陷原因"))
    await supervisor.press("不拍照，完成", await supervisor.wait_message("缺陷照片"))
    await supervisor.wait_message("已判定")
    await group.wait_edit("合格 0，返工 0，报废 50（尺寸不良）", message=post)
    assert group.inbox() == []  # the group saw its post change, nothing more
    assert (await quantities(floor))[1] == (0, 50, 0, 0, "in_progress")
    result = await tht.wait_message("质检结果")
    assert "报废 50。原因：尺寸不良" in result.content


async def test_the_rework_card_photographed_opens_the_rework(floor):
    await make_checkpoint(floor, ("Q01", "qc"))
    smt = await floor.register(1001, "W01", "Li")
    tht = await floor.register(1002, "W02", "Wang")
    inspector = await floor.register(3001, "Q01", "Guo", role="qc")
    await smt.send_text("WO-000001 100")
    await smt.wait_message("已记录")
    await tht.send_text("WO-000001 20")
    await inspector.press("❌ 不合格…", await inspector.wait_message("待质检"))
    await inspector.press("全部返工 20", await inspector.wait_message("全部返工还是全部报废"))
    await inspector.press("外观不良", await inspector.wait_message("请选择缺陷原因"))
    await inspector.press("不拍照，完成", await inspector.wait_message("缺陷照片"))
    await tht.wait_message("返工单 RW-000001 交给您")

    async with floor.bot.sessions() as session:
        (card,) = await cards_for(session, ["RW-000001"], None)
    await tht.send_photo(phone_photo(render_card(card), seed=3, difficulty="easy"),
                         caption="18 2 外观不良")
    recorded = await tht.wait_message("已记录返工 RW-000001", timeout=10)
    assert "好 18 件，报废 2 件" in recorded.content and "还有 0 件待报" in recorded.content
    await inspector.wait_message("返工复检")
    assert await quantities(floor) == [(100, 0, 0, 0, "done"), (0, 2, 0, 18, "in_progress"),
                                       (0, 0, 0, 0, "waiting")]


async def test_my_tasks_list_my_rework_and_status_shows_pending_qc_and_rework(floor):
    await make_checkpoint(floor, ("Q01", "qc"))
    smt = await floor.register(1001, "W01", "Li")
    tht = await floor.register(1002, "W02", "Wang")
    inspector = await floor.register(3001, "Q01", "Guo", role="qc")
    supervisor = await floor.register(2001, "S01", "Ma", role="supervisor")
    await smt.send_text("WO-000001 100")
    await smt.wait_message("已记录")
    await tht.send_text("WO-000001 50")
    await inspector.press("✂️ 分批判定…", await inspector.wait_message("待质检"))
    await inspector.wait_message("合计 50")
    await inspector.send_text("40 6 4")
    await inspector.press("毛刺", await inspector.wait_message("请选择缺陷原因"))
    await inspector.press("不拍照，完成", await inspector.wait_message("缺陷照片"))
    await tht.wait_message("返工单 RW-000001 交给您")
    await tht.send_text("WO-000001 30")  # held for QC, nobody decides yet
    await tht.wait_message("质检点")

    await tht.command("/tasks")
    listed = await tht.wait_message("我的任务")
    assert listed.text == (
        "我的任务（2）：\n"
        "• WO-000001 PCB-A 主板 · 20 插件：已到 100，已报 70，剩余 20，交期 2030-12-01\n"
        "• 🔧 返工单 RW-000001：WO-000001 · 20 插件，6 件中还有 6 件待报，原因：毛刺")
    assert listed.button_texts == ["报工 WO-000001 插件（剩 20）", "🔧 报返工 RW-000001"]
    # The same button as on the rework card: it opens the rework for reporting.
    await tht.press("🔧 报返工 RW-000001", listed)
    card = await tht.wait_message("🔧 返工单 RW-000001 · 工单 WO-000001")
    assert "还有 6 件待报" in card.content

    await supervisor.command("/status")
    status = await supervisor.wait_message("未完成工单")
    assert status.text.splitlines()[2:] == [
        "WO-000001 PCB-A 主板 ×100，交期 2030-12-01，生产中",
        "  10 贴片：良品 100/100，报废 0，待检 0，返工 0，已到 100（已完工）",
        "  20 插件：良品 40/100，报废 4，待检 30，返工 6，已到 100（生产中）",
        "  30 测试：良品 0/100，报废 0，待检 0，返工 0，已到 40（可开工）"]
    # Nothing of the rework is left to report once it all went back to QC.
    await tht.send_text("6")
    await tht.wait_message("已记录返工 RW-000001")
    await tht.command("/tasks")
    assert "RW-000001" not in (await tht.wait_message("我的任务")).text
