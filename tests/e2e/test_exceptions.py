"""Exceptions (andon) through the real bot over real HTTP: a line stop reported from the task
card with a photo, handled in the group, confirmed by the reporter; and a ladder nobody answers,
climbed step by step on a clock in seconds."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import GongdanBot
from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import cards_for
from domain.models import (
    AuditEvent,
    EscalationStep,
    FloorException,
    GroupLink,
    LadderStep,
    OperationTask,
    Responsibility,
    ReworkTask,
)
from tests import builders
from tests.e2e.conftest import Floor, seed, settings_for

GROUP = -100777


async def setup_andon(floor: Floor, *, ladder: tuple[tuple[int, str], ...] = ()) -> None:
    """The mechanic T01 answers for equipment, M01 manages, a group is linked for exceptions."""
    async with floor.bot.sessions() as session, session.begin():
        mechanic = await builders.person(session, "T01")
        await builders.person(session, "M01", role="manager")
        session.add(Responsibility(kind="equipment", person_id=mechanic.id))
        session.add(GroupLink(chat_id=GROUP, purpose="exceptions", title="车间异常群"))
        for step, (delay, target) in enumerate(ladder):
            session.add(LadderStep(ladder="exception_ack", step_no=step, delay_seconds=delay,
                                   target=target))


async def task_statuses(floor: Floor) -> list[str]:
    async with floor.bot.sessions() as session:
        return list((await session.scalars(
            select(OperationTask.status).order_by(OperationTask.seq))).all())


async def the_exception(floor: Floor) -> FloorException:
    async with floor.bot.sessions() as session:
        return (await session.scalars(select(FloorException))).one()


async def card_photo(floor: Floor) -> bytes:
    async with floor.bot.sessions() as session:
        (card,) = await cards_for(session, ["WO-000001"], None)
    return phone_photo(render_card(card), seed=7, difficulty="easy")


def contents(view) -> list[str]:
    return [m.content for m in view.messages]


async def report_without_line_stop(worker, kind: str, about: str) -> None:
    """/exception answered with buttons: kind, what it concerns, no line stop, submit."""
    await worker.command("/exception")
    await worker.wait_message()
    for button in (kind, about, "没有停线"):
        await worker.press(button)
        await worker.wait_edit()
    await worker.press("提交")
    await worker.wait_edit("EX-000001")


async def test_a_line_stop_from_the_task_card_handled_in_the_group(floor):
    await setup_andon(floor)
    worker = await floor.register(1001, "W01", "Li")
    mechanic = await floor.register(4001, "T01", "Zhao")
    supervisor = await floor.register(2001, "S01", "Ma", role="supervisor")
    group = floor.api.group(GROUP, "车间异常群", members=[worker, mechanic, supervisor])

    # The worker opens the task card and reports a problem from it.
    await worker.send_text("WO-000001")
    await worker.wait_message(lambda m: "WO-000001" in m.content)
    await worker.press("⚠️ 报告异常")
    await worker.wait_message("是哪一类问题")
    await worker.press("设备")
    question = await worker.wait_edit("生产线停了吗")
    assert "涉及：工单 WO-000001 · 工序 10 贴片" in question.text
    await worker.press("⛔ 是，停线了")
    await worker.wait_edit("照片")
    await worker.send_photo(await card_photo(floor))
    await worker.wait_message("照片已添加")
    await worker.send_text("贴片机吸嘴堵了，抛料严重")
    await worker.wait_message("说明已记录")
    await worker.press("提交")
    done = await worker.wait_edit("已上报异常 EX-000001")
    assert "（设备，紧急）" in done.text and "已暂停 3 个工序任务" in done.text
    assert "已通知：工人T01" in done.text and "已发到 1 个群" in done.text

    # The group gets the post with the photo and the buttons; the mechanic gets it in private.
    post = await group.wait_message("EX-000001")
    assert post.photo is not None
    assert "🚨 异常 EX-000001｜设备｜紧急" in post.caption and "贴片机吸嘴堵了，抛料严重" in post.caption
    assert "⛔ 停线中" in post.caption and "状态：待响应" in post.caption
    assert post.button_texts == ["👀 响应", "✅ 已解决"]
    call = await mechanic.wait_message("EX-000001")
    assert call.photo is not None and call.button_texts == ["👀 响应", "✅ 已解决"]
    assert await task_statuses(floor) == ["blocked", "blocked", "blocked"]

    # Nothing can be reported on the stopped line.
    await worker.send_text("WO-000001 10")
    refusal = await worker.wait_message("停线")
    assert "暂时不能报工" in refusal.text
    assert await task_statuses(floor) == ["blocked", "blocked", "blocked"]

    # The supervisor acknowledges in the group: the post shows it; a second tap is told who.
    pressed = await group.press(supervisor, "👀 响应", post)
    assert (await group.wait_answer(pressed)).text == "已响应 EX-000001"
    edited = await group.wait_edit("处理中", message=post)
    assert "响应：工人S01" in edited.caption and edited.button_texts == ["✅ 已解决"]
    told = await worker.wait_message("响应")
    assert "EX-000001 已由 工人S01 响应" in told.text
    late = await mechanic.press("👀 响应", call)
    assert "已由 工人S01 于" in (await mechanic.wait_answer(late)).text
    too_late = await mechanic.wait_message("已由")
    assert too_late.text.startswith("异常 EX-000001 已由 工人S01 于 ")

    # Resolved from the group: the tasks run again, the downtime is recorded.
    pressed = await group.press(supervisor, "✅ 已解决", post)
    assert (await group.wait_answer(pressed)).text == "已解决 EX-000001"
    edited = await group.wait_edit("已解决，待上报人确认", message=post)
    assert "停线时长" in edited.caption and edited.button_texts == []
    assert await task_statuses(floor) == ["ready", "waiting", "waiting"]
    resolved = await supervisor.wait_message("标记为解决")
    assert "3 个工序任务已恢复" in resolved.text and "直接回复文字即可" in resolved.text
    exception = await the_exception(floor)
    assert exception.downtime_seconds == int(
        (exception.resolved_at - exception.reported_at).total_seconds())

    # The resolver adds a note; the reporter confirms and it closes.
    await supervisor.send_text("清理了吸嘴")
    await supervisor.wait_message("处理说明已记录")
    assert "处理说明：清理了吸嘴" in (await group.wait_edit("清理了吸嘴", message=post)).caption
    question = await worker.wait_message("问题修好了吗")
    await worker.wait_message("清理了吸嘴")
    await worker.press("👍 已修复，关闭", question)
    assert "已关闭" in (await worker.wait_edit("已确认修复")).text
    closed = await group.wait_edit("已关闭", message=post)
    assert "关闭：工人W01 确认已修复" in closed.caption
    await supervisor.wait_message("确认异常 EX-000001 已修复")

    await floor.settle()
    exception = await the_exception(floor)
    assert exception.status == "closed" and exception.resolution == "清理了吸嘴"
    # Each message once: one post in the group, one call for the mechanic.
    assert len(group.messages) == 1
    assert mechanic.messages[2:] == [call, too_late]  # after registering
    async with floor.bot.sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("exception.%")).order_by(AuditEvent.id))).all()
    assert actions == ["exception.reported", "exception.acknowledged", "exception.resolved",
                       "exception.note", "exception.closed"]


async def test_exception_command_with_a_typed_code_and_bad_answers(floor):
    await setup_andon(floor)
    worker = await floor.register(1001, "W01", "Li", lang="en")
    await worker.command("/exception")
    await worker.wait_message("what kind")
    await worker.send_text("hello")
    assert "buttons above" in (await worker.wait_message()).text
    await worker.press("material shortage")
    question = await worker.wait_edit("Which work order")
    assert "Work order WO-000001" in question.button_texts
    await worker.send_text("WO-000099")
    assert "There is no work order WO-000099" in (await worker.wait_message()).text
    await worker.send_text("wo-1")
    line = await worker.wait_message("Has the line stopped")
    assert "About: work order WO-000001" in line.text
    await worker.send_text("maybe")
    assert "Please tap" in (await worker.wait_message()).text
    await worker.press("No, still running")
    await worker.wait_edit("Submit")
    await worker.send_text("x" * 1001)
    assert "too long (1001 characters" in (await worker.wait_message()).text
    await worker.press("Cancel")
    assert "Cancelled" in (await worker.wait_edit()).text
    await worker.press("Work order WO-000001")  # an earlier question of the cancelled report
    assert "finished or expired" in (await worker.wait_message()).text
    async with floor.bot.sessions() as session:
        assert (await session.scalars(select(FloorException))).all() == []


async def test_a_worker_cannot_acknowledge_and_a_stranger_in_the_group_neither(floor):
    await setup_andon(floor)
    worker = await floor.register(1001, "W01", "Li")
    other = await floor.register(1002, "W02", "Wang")
    stranger = floor.api.user(9999, "Who")
    group = floor.api.group(GROUP, "车间异常群", members=[worker, other, stranger])
    await report_without_line_stop(worker, "质量", "不涉及具体工单或工位")
    post = await group.wait_message("EX-000001")
    for person in (other, stranger):
        pressed = await group.press(person, "👀 响应", post)
        answer = await group.wait_answer(pressed)
        assert answer.show_alert and answer.text
    assert "不能处理异常 EX-000001" in (await other.wait_message()).text
    await floor.settle()
    assert len(group.messages) == 1 and not group.chat.edits
    assert (await the_exception(floor)).status == "open"


async def test_a_rework_card_typed_or_photographed_names_its_work_order(floor):
    await setup_andon(floor)
    async with floor.bot.sessions() as session, session.begin():
        tht = await session.scalar(select(OperationTask).where(OperationTask.seq == 20))
        session.add(ReworkTask(code="RW-000001", task_id=tht.id, work_order_id=tht.work_order_id,
                               operation_id=tht.operation_id, inspection_id=1, quantity=5))
    async with floor.bot.sessions() as session:
        (card,) = await cards_for(session, ["RW-000001"], None)
    worker = await floor.register(1002, "W02", "Wang")

    await worker.command("/exception")
    await worker.wait_message("是哪一类问题")
    await worker.press("质量")
    await worker.wait_edit("涉及哪个工单或工位")
    await worker.send_text("RW-000009")
    assert (await worker.wait_message()).text == "找不到返工单 RW-000009。"
    await worker.send_text("rw-1")
    line = await worker.wait_message("生产线停了吗")
    assert line.text == "生产线停了吗？\n涉及：工单 WO-000001 · 工序 20 插件"
    await worker.press("取消", line)
    await worker.wait_edit("已取消")

    await worker.command("/exception")
    await worker.wait_message("是哪一类问题")
    await worker.press("质量")
    await worker.wait_edit("涉及哪个工单或工位")
    await worker.send_photo(phone_photo(render_card(card), seed=5, difficulty="easy"))
    line = await worker.wait_message("生产线停了吗", timeout=10)
    assert line.text == "生产线停了吗？\n涉及：工单 WO-000001 · 工序 20 插件"
    await worker.press("没有停线", line)
    await worker.wait_edit("提交")
    await worker.press("提交")
    assert "涉及：工单 WO-000001 · 工序 20 插件" in (await worker.wait_edit("EX-000001")).text
    exception = await the_exception(floor)
    assert (exception.work_order_id, exception.task_id) == (tht.work_order_id, tht.id)


# --- the ladder on a clock in seconds ------------------------------------------------------

LADDER = ((0, "responsible"), (1, "role:supervisor"), (2, "role:manager"),
          (3, "group:exceptions"))


@pytest.fixture
async def fast_floor(api, tmp_path: Path):
    db = tmp_path / "floor.db"
    await seed(db)
    settings = dataclasses.replace(settings_for(api, db), sweep_seconds=0.2)
    bot = GongdanBot(settings, poll_timeout=1)
    await bot.start()
    try:
        yield Floor(api, bot, settings)
    finally:
        await bot.stop()


async def test_nobody_acknowledges_and_it_climbs_every_step_once(fast_floor):
    floor = fast_floor
    await setup_andon(floor, ladder=LADDER)
    worker = await floor.register(1001, "W01", "Li")
    mechanic = await floor.register(4001, "T01", "Zhao")
    supervisor = await floor.register(2001, "S01", "Ma", role="supervisor")
    manager = await floor.register(3001, "M01", "Qian", role="manager")
    group = floor.api.group(GROUP, "车间异常群", members=[worker, supervisor, manager])

    await report_without_line_stop(worker, "设备", "工单 WO-000001")

    post = await group.wait_message("EX-000001")
    call = await mechanic.wait_message("EX-000001")
    assert call.text.startswith("🚨 异常 EX-000001｜设备｜一般")
    second = await supervisor.wait_message("无人响应", timeout=10)
    assert "第 2/4 级" in second.text and second.button_texts == ["👀 响应", "✅ 已解决"]
    third = await manager.wait_message("无人响应", timeout=10)
    assert "第 3/4 级" in third.text
    fourth = await group.wait_message("无人响应", timeout=10)
    assert "第 4/4 级" in fourth.text and "已升级至" not in fourth.text
    mentioned = {e["user"]["id"] for e in fourth.entities if e["type"] == "text_mention"}
    assert mentioned == {4001, 2001, 3001}

    # The ladder ran out: nothing more, anywhere.
    for view in (worker, mechanic, supervisor, manager, group):
        await view.assert_no_message(1.0)
    assert len(group.messages) == 2
    assert [sum("EX-000001" in text for text in contents(view))
            for view in (mechanic, supervisor, manager)] == [1, 1, 1]

    # Then acknowledged from the escalation in the group, and resolved.
    await group.press(manager, "👀 响应", fourth)
    edited = await group.wait_edit("处理中", message=post)
    assert "已升级至第 4 级" in edited.text
    await group.press(manager, "✅ 已解决", post)
    await group.wait_edit("已解决", message=post)
    await floor.settle()
    async with floor.bot.sessions() as session:
        steps = (await session.scalars(select(EscalationStep).order_by(EscalationStep.id))).all()
    assert [(s.step_no, s.target, s.collapsed) for s in steps] == [
        (n, target, False) for n, (_, target) in enumerate(LADDER)]
    assert (await the_exception(floor)).status == "resolved"
