"""Free-form reports through the real bot over real HTTP, in Chinese and English: typed after a
scan or with the code, confirmed on a card; an ambiguous one asked and answered with a button."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import cards_for
from domain.models import OperationTask, TaskCardMessage, WorkReport


async def recorded(floor) -> list[tuple[int, int, str | None]]:
    async with floor.bot.sessions() as session:
        rows = (await session.scalars(select(WorkReport).order_by(WorkReport.id))).all()
        return [(r.good_qty, r.scrap_qty, r.scrap_reason) for r in rows]


async def task_figures(floor) -> list[tuple[int, int]]:
    async with floor.bot.sessions() as session:
        tasks = (await session.scalars(select(OperationTask).order_by(OperationTask.seq))).all()
        return [(t.good_qty, t.scrap_qty) for t in tasks]


async def tracked(floor) -> list[str]:
    async with floor.bot.sessions() as session:
        return list((await session.scalars(
            select(TaskCardMessage.purpose).order_by(TaskCardMessage.id))).all())


async def test_chinese_report_after_a_scan_is_confirmed_and_recorded_once(floor):
    worker = await floor.register(1001, "W01", "Li")
    await worker.send_text("WO-000001")
    await worker.wait_message(lambda m: "剩余 100" in (m.text or ""))

    await worker.send_text("做了30 坏2 毛刺")
    card = await worker.wait_message(lambda m: "请确认报工" in (m.text or ""))
    assert "工单 WO-000001 · 工序 10 贴片" in card.text
    assert "良品 30 · 报废 2 · 原因：毛刺" in card.text
    assert await recorded(floor) == []  # nothing before Confirm

    first = await worker.press("✅ 确认", card)
    second = await worker.press("✅ 确认", card)  # a double tap
    done = await worker.wait_message(lambda m: "已记录" in (m.text or ""))
    assert "良品 30，报废 2（毛刺）" in done.text and "剩余 68" in done.text
    await worker.wait_answer(first)
    await worker.wait_answer(second)
    await floor.settle()
    assert await recorded(floor) == [(30, 2, "burr")]
    assert await task_figures(floor) == [(30, 2), (0, 0), (0, 0)]
    assert any("已经报过了" in (m.text or "") for m in worker.messages)
    assert await tracked(floor) == ["card", "confirm"]  # both task messages follow the plan


async def test_english_report_with_the_code_in_one_message(floor):
    worker = await floor.register(1001, "W01", "Li", lang="en")
    await worker.send_text("GD1:WO-000001:10 done 30 scrap 2 burr")
    card = await worker.wait_message(lambda m: "Please confirm" in (m.text or ""))
    assert "Work order WO-000001 · operation 10" in card.text
    assert "Good 30 · Scrap 2 · Reason: burr" in card.text
    await worker.press("✅ Confirm", card)
    done = await worker.wait_message(lambda m: "Recorded" in (m.text or ""))
    assert "30 good, 2 scrap (burr)" in done.text
    edited = await worker.wait_edit(message=card)
    assert "Confirmed: 30 good · 2 scrap" in edited.text and not edited.button_texts
    assert await recorded(floor) == [(30, 2, "burr")]


async def test_ambiguous_report_is_asked_and_a_button_records_it_once(floor):
    worker = await floor.register(1001, "W01", "Li")
    await worker.send_text("WO-000001")
    await worker.wait_message(lambda m: "剩余 100" in (m.text or ""))
    await worker.send_text("30 2 坏")
    question = await worker.wait_message(lambda m: "哪个是良品" in (m.text or ""))
    assert "（30、2）" in question.text and "良品30 报废2" in question.text
    assert question.button_texts[:2] == ["良品 30 · 报废 2", "良品 2 · 报废 30"]
    assert await recorded(floor) == []

    await worker.press("良品 30 · 报废 2", question)
    await worker.press("良品 30 · 报废 2", question)  # tapped twice
    ask_reason = await worker.wait_message(lambda m: "请选择报废原因" in (m.text or ""))
    assert "良品 30，报废 2" in ask_reason.text
    await worker.press("尺寸不良", ask_reason)
    await worker.wait_message(lambda m: "已记录" in (m.text or ""))
    await floor.settle()
    assert await recorded(floor) == [(30, 2, "dimension")]
    assert await task_figures(floor) == [(30, 2), (0, 0), (0, 0)]


async def test_scrap_alone_asks_for_the_good_pieces(floor):
    worker = await floor.register(1001, "W01", "Li", lang="en")
    await worker.send_text("WO-000001 scrap 2 burr")
    question = await worker.wait_message(lambda m: "how many good" in (m.text or ""))
    assert "Reason: burr" in question.text and "good 98 scrap 2 reason burr" in question.text
    await worker.press("98 good · 2 scrap", question)
    await worker.wait_message(lambda m: "Recorded" in (m.text or ""))
    assert await recorded(floor) == [(98, 2, "burr")]


async def test_change_cancel_and_no_report_at_all(floor):
    worker = await floor.register(1001, "W01", "Li")
    await worker.send_text("WO-000001 完成三十")
    card = await worker.wait_message(lambda m: "请确认报工" in (m.text or ""))
    assert "良品 30 · 报废 0" in card.text
    await worker.press("✏️ 修改", card)
    await worker.wait_edit(lambda m: "请重新输入" in (m.text or ""), message=card)
    await worker.send_text("合格28，不良2（划伤）")
    card = await worker.wait_message(lambda m: "请确认报工" in (m.text or ""))
    assert "良品 28 · 报废 2 · 原因：划伤" in card.text and "按您写的原文记录" in card.text
    await worker.press("取消", card)
    await worker.wait_edit(lambda m: "已取消" in (m.text or ""), message=card)

    await worker.send_text("WO-000001")
    await worker.wait_message(lambda m: "剩余 100" in (m.text or ""))
    await worker.send_text("你好")
    hint = await worker.wait_message()
    assert "没看懂" in hint.text
    await worker.send_text("做了3.5")
    refusal = await worker.wait_message()
    assert "「3.5」不是有效的件数" in refusal.text
    await worker.send_text("30 2 毛刺")  # the plain format: recorded at once, as always
    done = await worker.wait_message(lambda m: "已记录" in (m.text or ""))
    assert "良品 30，报废 2（毛刺）" in done.text
    assert await recorded(floor) == [(30, 2, "burr")]


async def test_photo_caption_in_free_form_is_confirmed(floor):
    worker = await floor.register(1001, "W01", "Li")
    async with floor.bot.sessions() as session:
        (card,) = await cards_for(session, ["WO-000001"], None)
    photo = await asyncio.to_thread(phone_photo, render_card(card), seed=5, difficulty="normal")
    await worker.send_photo(photo, caption="良品30 报废2 原因毛刺")
    confirm = await worker.wait_message(lambda m: "请确认报工" in (m.text or ""), timeout=10)
    assert "良品 30 · 报废 2 · 原因：毛刺" in confirm.text
    await worker.press("✅ 确认", confirm)
    await worker.wait_message(lambda m: "已记录" in (m.text or ""))
    async with floor.bot.sessions() as session:
        report = await session.scalar(select(WorkReport))
    assert (report.good_qty, report.scrap_qty, report.scrap_reason, report.source) == (
        30, 2, "burr", "photo-scan")
    assert report.photo_file_id
