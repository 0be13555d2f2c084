"""Partial flow 流转: the next operation's people hear of its first pieces at once, once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from domain import assignment, partial_flow, qc, reporting
from domain.models import OperationTask, QCInspection, TaskCardMessage
from domain.quantities import work_order_of_task
from tests.domain.qc_floor import NOW, RULES, build, outbox, report


async def ready_notices(session, after: int = 0) -> list[tuple[int, dict]]:
    return [(m["chat"], m["params"]) for m in await outbox(session, after=after)
            if m["key"] == "flow.ready"]


async def task(session, seq: int) -> OperationTask:
    return await session.scalar(select(OperationTask).where(OperationTask.seq == seq)
                                .execution_options(populate_existing=True))


async def test_first_pieces_tell_the_skilled_workers_once(session):
    floor = await build(session)  # THT is a QC checkpoint; SMT → THT is not inspected
    assert await ready_notices(session) == []  # nothing arrived yet: nobody hears
    first = await report(session, floor["W01"], 30)
    tht = await task(session, 20)
    expected = {"work_order": "WO-000001", "seq": 20, "operation": "插件", "pieces": 30,
                "planned": 100}
    # THT has no assignee: its skilled workers W02 and W03 are told, each with a Report button.
    assert await ready_notices(session) == [(1002, expected), (1003, expected)]
    notice = next(m for m in await outbox(session) if m["key"] == "flow.ready")
    assert notice["buttons"] == [[{"label": "flow.btn_report", "data": f"t:{tht.id}",
                                   "params": {}}]]
    assert tht.ready_notified_at == NOW
    tracked = (await session.scalars(select(TaskCardMessage)
                                     .where(TaskCardMessage.purpose == "ready"))).all()
    assert [(t.task_id, t.chat_id) for t in tracked] == [(tht.id, 1002), (tht.id, 1003)]

    # More pieces; every piece taken back (THT waits again) and pieces again: nobody is told
    # a second time.
    more = await report(session, floor["W01"], 20)
    for recorded in (more, first):
        await reporting.undo_report(session, floor["W01"], recorded.report_id, now=NOW,
                                    rules=RULES)
    assert (await task(session, 20)).status == "waiting"
    await report(session, floor["W01"], 25)
    assert (await task(session, 20)).status == "ready"
    assert len(await ready_notices(session)) == 2


async def test_only_the_assignees_hear_when_there_are_some(session):
    floor = await build(session)
    tht = await task(session, 20)
    await assignment.assign(session, tht.id, [floor["W03"]], actor=floor["S01"], now=NOW)
    await report(session, floor["W01"], 45)
    assert [(chat, p["pieces"]) for chat, p in await ready_notices(session)] == [(1003, 45)]


async def test_at_a_qc_checkpoint_the_pieces_are_ready_only_once_qc_passed_them(session):
    floor = await build(session)
    await report(session, floor["W01"], 100)
    mark = (await outbox(session))[-1]["row"]
    held = await report(session, floor["W02"], 40)  # THT is the checkpoint: held for QC
    assert held.held
    assert await ready_notices(session, after=mark) == []
    assert (await task(session, 30)).ready_notified_at is None

    inspection = await session.scalar(select(QCInspection)
                                      .where(QCInspection.report_id == held.report_id))
    await qc.pass_all(session, floor["Q01"], inspection.id, now=NOW, rules=RULES)
    assert await ready_notices(session, after=mark) == [
        (1004, {"work_order": "WO-000001", "seq": 30, "operation": "测试", "pieces": 40,
                "planned": 100})]


async def test_a_session_that_read_the_task_before_the_mark_tells_nobody_again(session):
    """Two reports at once both see THT waiting; the mark is conditional, so one tells."""
    floor = await build(session)
    await report(session, floor["W01"], 30)
    work_order, _ = await work_order_of_task(session, (await task(session, 20)).id)
    tht = next(t for t in work_order.tasks if t.seq == 20)
    set_committed_value(tht, "ready_notified_at", None)  # as the other session read it
    await partial_flow.first_pieces_arrived(session, work_order, tht, NOW)
    assert len(await ready_notices(session)) == 2  # W02 and W03, told once
