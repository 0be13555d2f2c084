"""`gongdan demo` end to end: the simulated shift shows the closed loop, each step in the right
chat, once, and ends with the status table and the summary."""

from __future__ import annotations

from sqlalchemy import select

from bot.demo import run_demo
from domain.db import make_engine, make_sessionmaker
from domain.models import (
    EscalationStep,
    FloorException,
    GroupLink,
    OperationTask,
    QCInspection,
    ReworkTask,
    WorkOrder,
)


def said(transcript: list[str], prefix: str) -> list[str]:
    """Transcript lines starting with `prefix` (a chat and the start of what was said there)."""
    return [line for line in transcript if line.startswith(prefix)]


async def test_the_demo_shows_the_closed_loop(tmp_path, capsys):
    db = tmp_path / "demo.db"
    assert await run_demo(db) == 0
    out = capsys.readouterr().out
    transcript = [line.strip() for line in out.splitlines()]

    # Groups: the bot asks to be linked, the manager links one for exceptions, one for QC.
    assert said(transcript, "[bot → 车间异常群] ✅ 本群已绑定") == [
        "[bot → 车间异常群] ✅ 本群已绑定「异常」（林志强）。相关消息会发到本群。"]
    assert said(transcript, "[bot → 质检群] ✅ 本群已绑定") == [
        "[bot → 质检群] ✅ 本群已绑定「质检」（林志强）。相关消息会发到本群。"]

    # QC: the held report reaches the inspector and the QC group, with the card photo.
    for chat in ("郭晓燕", "质检群"):
        assert said(transcript, f"[bot → {chat}] (photo) 🔍 待质检") == [
            f"[bot → {chat}] (photo) 🔍 待质检：工单 WO-000001 · 工序 40 功能测试"]
    assert said(transcript, "[bot → 郭晓燕] ✅ 已判定") == [
        "[bot → 郭晓燕] ✅ 已判定：工单 WO-000001 · 工序 40 功能测试（孙浩）：合格 88，返工 8，报废 4，"
        "原因：虚焊。"]
    # The rework goes to the worker (in English), is reported by its code and passed.
    assert said(transcript, "[bot → 孙浩] 🔧 Rework RW-000001 is yours") == [
        "[bot → 孙浩] 🔧 Rework RW-000001 is yours: work order WO-000001 · operation 40 功能测试, "
        "8 pieces, reason: cold solder joint."]
    assert "[孙浩] → RW-000001" in transcript
    assert said(transcript, "[bot → 孙浩] ✅ Rework RW-000001 recorded") == [
        "[bot → 孙浩] ✅ Rework RW-000001 recorded: 6 reworked, 0 scrap. The reworked pieces are "
        "inspected again and move on once passed. 2 still to report."]
    assert len(said(transcript, "[bot → 孙浩] ✅ QC passed: all 6 pieces")) == 1
    assert ("• 🔧 Rework RW-000001: WO-000001 · 40 功能测试, 2 of 8 pieces to report, reason: "
            "cold solder joint  [Report WO-000005 点亮测试 (500 left)] / "
            "[Report WO-000001 功能测试 (190 left)] / "
            "[Report WO-000001 包装 (94 left)] / [🔧 Report rework RW-000001]") in transcript
    assert "40 功能测试：良品 94/500，报废 4，待检 50，返工 2，已到 290（生产中）" in transcript

    # The line stop climbs the demo ladder: the supervisor at once, the manager, the group.
    assert len(said(transcript, "[bot → 马建国] 🚨 异常 EX-000001｜设备｜紧急")) == 1
    assert said(transcript, "[bot → 林志强] ⏫") == [
        "[bot → 林志强] ⏫ 异常 EX-000001（设备，紧急）已 2秒 无人响应 · 第 2/3 级"]
    assert said(transcript, "[bot → 车间异常群] ⏫") == [
        "[bot → 车间异常群] ⏫ 异常 EX-000001（设备，紧急）已 4秒 无人响应 · 第 3/3 级"]
    assert said(transcript, "[bot → 刘洋] 工单 WO-000001 的「插件」正在停线") != []
    assert "▶️ 5 个工序任务已恢复。" in transcript
    assert said(transcript, "[bot → 马建国] 👍") == [
        "[bot → 马建国] 👍 张伟 确认异常 EX-000001 已修复，已关闭。"]

    # The end: the table with pending QC and rework, and the one-line summary.
    table = out[out.index("== Work orders at the end of the shift"):]
    assert "  工序 名称          计划    已到    良品    报废    待检    返工    剩余    状态" in table
    assert "  40*  功能测试      500     290     94      4       50      2       140     生产中" \
        in table
    (summary,) = [line for line in transcript if line.startswith("work reports ")]
    assert summary.startswith("work reports 10 · QC inspections 3 · rework tasks 1 · "
                              "exceptions 1 (escalation steps 3) — ")

    engine = make_engine(f"sqlite+aiosqlite:///{db}")  # the demo always runs on its own SQLite file
    try:
        async with make_sessionmaker(engine)() as session:
            await check_database(session)
    finally:
        await engine.dispose()


async def check_database(session) -> None:
    links = (await session.scalars(select(GroupLink).order_by(GroupLink.purpose))).all()
    assert [(g.title, g.purpose, g.active) for g in links] == [
        ("车间异常群", "exceptions", True), ("质检群", "qc", True)]
    inspections = (await session.scalars(select(QCInspection).order_by(QCInspection.id))).all()
    assert [(i.status, i.pass_qty, i.rework_qty, i.scrap_qty, i.defect_reason)
            for i in inspections] == [("failed", 88, 8, 4, "cold_joint"),
                                      ("passed", 6, 0, 0, None), ("pending", 0, 0, 0, None)]
    rework = (await session.scalars(select(ReworkTask))).one()
    assert (rework.code, rework.quantity, rework.good_qty, rework.status) == (
        "RW-000001", 8, 6, "in_progress")
    exception = (await session.scalars(select(FloorException))).one()
    assert (exception.kind, exception.line_stopped, exception.status) == (
        "equipment", True, "closed")
    steps = (await session.scalars(select(EscalationStep)
                                   .where(EscalationStep.entity == "floor_exception")
                                   .order_by(EscalationStep.step_no))).all()
    assert [(s.step_no, s.target) for s in steps] == [
        (0, "responsible"), (1, "role:manager"), (2, "group:exceptions")]
    statuses = (await session.scalars(
        select(OperationTask.status).join(WorkOrder)
        .where(WorkOrder.code == "WO-000001").order_by(OperationTask.seq))).all()
    assert statuses == ["in_progress", "in_progress", "in_progress", "in_progress", "ready"]
