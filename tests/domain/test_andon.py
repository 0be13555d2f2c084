"""Exceptions (andon) on a real database: reporting, line stops, the state machine, escalation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.render import render
from domain import andon, reminders
from domain.andon import subject
from domain.andon.subject import Subject
from domain.errors import DomainError
from domain.models import (
    AuditEvent,
    ExceptionBlock,
    FloorException,
    GroupLink,
    LadderStep,
    Operation,
    OperationTask,
    OutboxMessage,
    Person,
    Reminder,
    Responsibility,
    ReworkTask,
    WorkOrder,
)
from domain.payload import ReworkCode, parse_label, parse_typed_label
from domain.rules import FactoryRules
from tests import builders

RULES = FactoryRules()
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
GROUP = -100500
# Telegram ids: worker W01 1001, worker W02 1002, supervisor 2001, manager 3001, mechanic 4001.
PEOPLE = (("W01", "worker", "SMT", 1001), ("W02", "worker", "THT", 1002),
          ("S01", "supervisor", "", 2001), ("M01", "manager", "", 3001),
          ("T01", "worker", "", 4001))


@pytest.fixture
async def floor(sessions):
    """PCB-A (SMT at line L1, THT and TEST at L2), WO-000001 and WO-000002, people, a group
    linked for exceptions, and the mechanic T01 responsible for equipment."""
    async with sessions() as session, session.begin():
        product = await builders.product(session)
        for op in (await session.scalars(select(Operation))).all():
            op.workstation = "L1" if op.code == "SMT" else "L2"
        await builders.work_order(session, product, quantity=100, number=1)
        await builders.work_order(session, product, quantity=50, number=2)
        people = {}
        for code, role, skills, tg in PEOPLE:
            people[code] = await builders.person(session, code, role=role, skills=skills,
                                                 telegram_user_id=tg)
            people[code].language = "zh"
        session.add(GroupLink(chat_id=GROUP, purpose="exceptions", title="车间异常群"))
        session.add(Responsibility(kind="equipment", person_id=people["T01"].id))
    return sessions


async def person(session, code: str) -> Person:
    return await session.scalar(select(Person).where(Person.code == code))


async def report(sessions, code="W01", *, kind="equipment", work_order="WO-000001",
                 line_stopped=False, workstation=None, now=T0, comment="贴片机卡料",
                 photo=None) -> int:
    async with sessions() as session, session.begin():
        subject = Subject()
        if work_order:
            wo = await session.scalar(select(WorkOrder).where(WorkOrder.code == work_order))
            subject = Subject(wo.id, wo.code)
        elif workstation:
            subject = Subject(workstation=workstation)
        reported = await andon.report(session, await person(session, code), kind=kind,
                                      subject=subject, line_stopped=line_stopped,
                                      comment=comment, photo_file_id=photo, now=now,
                                      rules=RULES)
        return reported.exception.id


async def act(sessions, action, code: str, exception_id: int, now=T0, **kw):
    async with sessions() as session, session.begin():
        return await action(session, await person(session, code), exception_id, now=now,
                            rules=RULES, **kw)


async def refused(sessions, action, code: str, exception_id: int, now=T0) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await act(sessions, action, code, exception_id, now)
    return caught.value


async def exception(sessions, exception_id: int) -> FloorException:
    async with sessions() as session:
        return await session.get(FloorException, exception_id)


async def statuses(sessions, work_order="WO-000001") -> list[str]:
    async with sessions() as session:
        return list((await session.scalars(
            select(OperationTask.status).join(WorkOrder)
            .where(WorkOrder.code == work_order).order_by(OperationTask.seq))).all())


async def outbox(sessions, chat_id: int, after: int = 0) -> list[dict]:
    """Payloads queued for a chat (with the method), oldest first."""
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id, OutboxMessage.id > after)
            .order_by(OutboxMessage.id))).all()
    return [json.loads(r.payload) | {"method": r.method, "id": r.id} for r in rows]


async def last_outbox_id(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.max(OutboxMessage.id))) or 0


async def audit_actions(sessions) -> list[str]:
    async with sessions() as session:
        return list((await session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("exception.%"))
            .order_by(AuditEvent.id))).all())


# --- reporting -----------------------------------------------------------------------------


async def test_report_posts_to_the_group_and_calls_the_responsible_person_once(floor):
    ex_id = await report(floor, photo="photo-1")
    ex = await exception(floor, ex_id)
    assert (ex.status, ex.severity, ex.line_stopped, ex.kind) == ("open", "normal", False,
                                                                  "equipment")
    assert andon.exception_code(ex_id) == "EX-000001"

    (post,) = await outbox(floor, GROUP)
    assert post["key"] == "exception.post" and post["photo"] == "photo-1"
    assert post["params"]["code"] == "EX-000001"
    assert [b["label"] for b in post["buttons"][0]] == ["exception.btn_acknowledge",
                                                        "exception.btn_resolve"]
    assert [b["data"] for b in post["buttons"][0]] == [f"e:a:{ex_id}", f"e:r:{ex_id}"]
    assert ex.group_outbox_ids == str(post["id"])
    # The mechanic gets it once: the ladder's first step ("responsible at once") is that call.
    (call,) = await outbox(floor, 4001)
    assert call["key"] == "exception.post" and call["buttons"] == post["buttons"]
    for chat in (1001, 2001, 3001):  # nobody else yet, not even the supervisor
        assert await outbox(floor, chat) == []
    assert await audit_actions(floor) == ["exception.reported"]
    async with floor() as session:
        keys = set((await session.scalars(select(Reminder.fact_key).where(
            Reminder.entity == "floor_exception"))).all())
    assert keys == {f"exception_ack:{ex_id}", f"exception_resolve:{ex_id}"}


async def test_without_a_responsible_person_the_supervisors_are_called(floor):
    await report(floor, kind="material")
    (call,) = await outbox(floor, 2001)
    assert call["params"]["kind"] == "material"
    assert await outbox(floor, 4001) == [] and await outbox(floor, 3001) == []


async def test_a_ladder_that_does_not_start_with_the_responsible_person(floor):
    """Then the exception itself calls them, and the ladder's first step comes on top (an
    immediate first step shows the exception as reported, not as a reminder)."""
    async with floor() as session, session.begin():
        session.add_all([LadderStep(ladder="exception_ack", step_no=1, delay_seconds=0,
                                    target="role:manager"),
                         LadderStep(ladder="exception_ack", step_no=2, delay_seconds=60,
                                    target="role:supervisor")])
    await report(floor)
    assert [m["key"] for m in await outbox(floor, 4001)] == ["exception.post"]
    assert [m["key"] for m in await outbox(floor, 3001)] == ["exception.post"]
    assert await outbox(floor, 2001) == []


async def test_safety_is_urgent_and_a_stopped_line_too(floor):
    safety = await report(floor, kind="safety", work_order=None)
    stopped = await report(floor, kind="quality", line_stopped=True)
    assert (await exception(floor, safety)).severity == "high"
    assert (await exception(floor, stopped)).severity == "high"
    assert (await exception(floor, safety)).work_order_id is None


async def test_a_comment_too_long_is_refused_and_nothing_is_reported(floor):
    with pytest.raises(DomainError) as caught:
        await report(floor, comment="长" * 1001)
    assert caught.value.key == "exception.comment_too_long"
    async with floor() as session:
        assert await session.scalar(select(func.count()).select_from(FloorException)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# --- line stops ----------------------------------------------------------------------------


async def test_a_line_stop_blocks_the_work_order_and_resolving_releases_it(floor):
    ex_id = await report(floor, line_stopped=True)
    assert await statuses(floor) == ["blocked"] * 3
    assert await statuses(floor, "WO-000002") == ["ready", "waiting", "waiting"]
    ex = await exception(floor, ex_id)
    assert ex.stopped_since == T0 and ex.downtime_seconds == 0

    await act(floor, andon.acknowledge, "T01", ex_id, T0 + timedelta(minutes=2))
    resolved = await act(floor, andon.resolve, "T01", ex_id, T0 + timedelta(minutes=25))
    assert resolved.released_tasks == 3
    assert await statuses(floor) == ["ready", "waiting", "waiting"]
    ex = await exception(floor, ex_id)
    assert ex.downtime_seconds == 25 * 60 and ex.stopped_since is None
    async with floor() as session:
        blocks = (await session.scalars(select(ExceptionBlock))).all()
    assert len(blocks) == 3 and all(b.released_at == T0 + timedelta(minutes=25)
                                    for b in blocks)


async def test_a_workstation_stop_blocks_its_operations_in_every_open_work_order(floor):
    await report(floor, work_order=None, workstation="L2", line_stopped=True)
    assert await statuses(floor) == ["ready", "blocked", "blocked"]
    assert await statuses(floor, "WO-000002") == ["ready", "blocked", "blocked"]


async def test_a_task_blocked_twice_stays_blocked_until_both_are_resolved(floor):
    first = await report(floor, line_stopped=True)
    second = await report(floor, work_order=None, workstation="L1", line_stopped=True,
                          now=T0 + timedelta(minutes=1))
    await act(floor, andon.resolve, "S01", first, T0 + timedelta(minutes=10))
    assert await statuses(floor) == ["blocked", "waiting", "waiting"]  # L1 is still down
    await act(floor, andon.resolve, "S01", second, T0 + timedelta(minutes=20))
    assert await statuses(floor) == ["ready", "waiting", "waiting"]
    assert (await exception(floor, first)).downtime_seconds == 10 * 60
    assert (await exception(floor, second)).downtime_seconds == 19 * 60


async def test_unblocking_gives_back_the_status_the_quantities_say(floor):
    async with floor() as session, session.begin():
        smt = await session.scalar(select(OperationTask).where(OperationTask.seq == 10))
        smt.good_qty, smt.status = 40, "in_progress"
        tht = await session.scalar(select(OperationTask).where(OperationTask.seq == 20))
        tht.status = "ready"
    ex_id = await report(floor, line_stopped=True)
    await act(floor, andon.resolve, "S01", ex_id)
    assert await statuses(floor) == ["in_progress", "ready", "waiting"]


async def test_a_stop_without_a_subject_counts_downtime_only(floor):
    ex_id = await report(floor, work_order=None, line_stopped=True)
    assert await statuses(floor) == ["ready", "waiting", "waiting"]
    await act(floor, andon.resolve, "S01", ex_id, T0 + timedelta(seconds=90))
    assert (await exception(floor, ex_id)).downtime_seconds == 90


# --- what it concerns ----------------------------------------------------------------------


async def test_a_rework_card_names_the_work_order_and_task_it_came_back_to(floor):
    async with floor() as session, session.begin():
        wo = await session.scalar(select(WorkOrder).where(WorkOrder.code == "WO-000002"))
        tht = await session.scalar(select(OperationTask).where(
            OperationTask.work_order_id == wo.id, OperationTask.seq == 20))
        session.add(ReworkTask(code="RW-000001", task_id=tht.id, work_order_id=wo.id,
                               operation_id=tht.operation_id, inspection_id=1, quantity=3))
    async with floor() as session:
        typed = await subject.of_code(session, parse_typed_label("rw-1"))
        assert typed == Subject(wo.id, "WO-000002", tht.id)
        assert await subject.of_code(session, parse_label("GD1:RW-000001")) == typed
        assert await subject.describe(session, typed) == (
            "exception.about_task", {"work_order": "WO-000002", "seq": 20, "operation": "插件"})
        with pytest.raises(DomainError) as unknown:
            await subject.of_code(session, ReworkCode("RW-000009"))
        assert (unknown.value.key, unknown.value.params) == (
            "rework.unknown", {"code": "RW-000009"})


# --- the state machine ---------------------------------------------------------------------


async def test_acknowledge_resolve_confirm_each_once_and_everyone_told(floor):
    ex_id = await report(floor)
    mark = await last_outbox_id(floor)
    await act(floor, andon.acknowledge, "S01", ex_id, T0 + timedelta(minutes=3))
    again = await refused(floor, andon.acknowledge, "S01", ex_id)
    assert again.key == "exception.already_acknowledged"
    assert again.params["by"] == "工人S01"
    assert again.params["by_at"] == T0 + timedelta(minutes=3)

    (told,) = await outbox(floor, 1001, mark)
    assert told["key"] == "exception.acknowledged_for_reporter"
    (edit,) = await outbox(floor, GROUP, mark)
    assert edit["method"] == "edit" and edit["edit_outbox_id"] == int(
        (await exception(floor, ex_id)).group_outbox_ids)
    assert ("exception.status", {"exception_status": "acknowledged"}) in map(tuple, edit["lines"])
    assert [b["label"] for b in edit["buttons"][0]] == ["exception.btn_resolve"]

    mark = await last_outbox_id(floor)
    resolved = await act(floor, andon.resolve, "T01", ex_id, T0 + timedelta(minutes=30))
    assert resolved.autoclose_at == T0 + timedelta(minutes=30 + 240)
    (ask,) = await outbox(floor, 1001, mark)
    assert ask["key"] == "exception.confirm_fix"
    assert [b["data"] for b in ask["buttons"][0]] == [f"e:c:{ex_id}", f"e:u:{ex_id}"]
    (edit,) = await outbox(floor, GROUP, mark)
    assert edit["buttons"] == []
    assert (await refused(floor, andon.resolve, "S01", ex_id)).key == "exception.already_resolved"

    mark = await last_outbox_id(floor)
    await act(floor, andon.confirm_fixed, "W01", ex_id, T0 + timedelta(minutes=31))
    ex = await exception(floor, ex_id)
    assert (ex.status, ex.closed_by is not None) == ("closed", True)
    assert [m["key"] for m in await outbox(floor, 4001, mark)] == [
        "exception.confirmed_for_resolver"]
    again = await refused(floor, andon.confirm_fixed, "W01", ex_id)
    assert again.key == "exception.already_closed" and again.params["by"] == "工人W01"
    assert await audit_actions(floor) == ["exception.reported", "exception.acknowledged",
                                          "exception.resolved", "exception.closed"]


async def test_resolving_an_open_exception_acknowledges_it_too(floor):
    ex_id = await report(floor)
    await act(floor, andon.resolve, "T01", ex_id, T0 + timedelta(minutes=5))
    ex = await exception(floor, ex_id)
    assert ex.status == "resolved"
    assert ex.acknowledged_at == ex.resolved_at == T0 + timedelta(minutes=5)


async def test_who_may_handle_and_who_confirms(floor):
    ex_id = await report(floor)
    refusal = await refused(floor, andon.acknowledge, "W02", ex_id)
    assert refusal.key == "exception.not_allowed" and refusal.params == {"code": "EX-000001"}
    await act(floor, andon.acknowledge, "T01", ex_id)  # a worker, but responsible for equipment
    await act(floor, andon.resolve, "T01", ex_id)
    assert (await refused(floor, andon.confirm_fixed, "S01", ex_id)).key == \
        "exception.only_reporter"
    assert (await exception(floor, ex_id)).status == "resolved"


async def test_two_people_tapping_at_once_move_it_once(floor):
    ex_id = await report(floor)
    # Both saw it open; the supervisor's tap commits first.
    async with floor() as late:
        await late.get(FloorException, ex_id)
        await late.commit()  # keeps what it read (open), releases SQLite's one connection
        async with floor() as first, first.begin():
            await andon.acknowledge(first, await person(first, "S01"), ex_id, now=T0,
                                    rules=RULES)
        async with late.begin():
            with pytest.raises(DomainError) as caught:
                await andon.acknowledge(late, await person(late, "T01"), ex_id, now=T0,
                                        rules=RULES)
    assert caught.value.key == "exception.already_acknowledged"
    assert caught.value.params["by"] == "工人S01"
    assert await audit_actions(floor) == ["exception.reported", "exception.acknowledged"]


async def test_not_fixed_reopens_stops_the_line_again_and_restarts_the_resolve_ladder(floor):
    ex_id = await report(floor, line_stopped=True)
    await act(floor, andon.acknowledge, "T01", ex_id, T0 + timedelta(minutes=1))
    await act(floor, andon.resolve, "T01", ex_id, T0 + timedelta(minutes=10))
    mark = await last_outbox_id(floor)
    await act(floor, andon.reject_fix, "W01", ex_id, T0 + timedelta(minutes=12))
    ex = await exception(floor, ex_id)
    assert (ex.status, ex.resolved_by, ex.stopped_since) == ("acknowledged", None,
                                                             T0 + timedelta(minutes=12))
    assert await statuses(floor) == ["blocked"] * 3
    assert (await refused(floor, andon.reject_fix, "W01", ex_id)).key == \
        "exception.fix_not_pending"
    (told,) = await outbox(floor, 4001, mark)
    assert told["key"] == "exception.reopened_for_handlers"
    (edit,) = await outbox(floor, GROUP, mark)
    assert edit["lines"][-1][0] == "exception.reopened_line"
    async with floor() as session:
        followed = dict((await session.execute(
            select(Reminder.fact_key, Reminder.status).where(
                Reminder.kind.in_(("exception_resolve", "exception_autoclose"))))).all())
    assert followed == {f"exception_resolve:{ex_id}": "stopped",
                        f"exception_autoclose:{ex_id}:3": "stopped",
                        f"exception_resolve:{ex_id}:4": "active"}

    await act(floor, andon.resolve, "T01", ex_id, T0 + timedelta(minutes=20))
    ex = await exception(floor, ex_id)
    assert ex.downtime_seconds == (10 + 8) * 60  # 01:00-01:10 and 01:12-01:20
    assert await statuses(floor) == ["ready", "waiting", "waiting"]


async def test_the_resolver_may_add_a_note_shown_on_the_post(floor):
    ex_id = await report(floor)
    await act(floor, andon.resolve, "T01", ex_id)
    with pytest.raises(DomainError) as caught:
        await act(floor, andon.add_note, "S01", ex_id, note="不是我修的")
    assert caught.value.key == "exception.note_not_now"
    mark = await last_outbox_id(floor)
    async with floor() as session, session.begin():
        await andon.add_note(session, await person(session, "T01"), ex_id, "换了送料器",
                             now=T0, rules=RULES)
    assert (await exception(floor, ex_id)).resolution == "换了送料器"
    (edit,) = await outbox(floor, GROUP, mark)
    assert ["exception.resolution_line", {"note": "换了送料器"}] in edit["lines"]
    assert [m["key"] for m in await outbox(floor, 1001, mark)] == ["exception.note_for_reporter"]


# --- time: escalation and autoclose --------------------------------------------------------


async def test_an_unconfirmed_fix_closes_by_itself(floor):
    ex_id = await report(floor)
    await act(floor, andon.resolve, "T01", ex_id, T0)
    mark = await last_outbox_id(floor)
    await reminders.sweep(floor, T0 + timedelta(minutes=239), RULES)
    assert (await exception(floor, ex_id)).status == "resolved"
    await reminders.sweep(floor, T0 + timedelta(minutes=241), RULES)
    ex = await exception(floor, ex_id)
    assert (ex.status, ex.closed_by, ex.closed_at) == ("closed", None,
                                                       T0 + timedelta(minutes=241))
    assert [m["key"] for m in await outbox(floor, 1001, mark)] == [
        "exception.closed_by_time_for_reporter"]
    async with floor() as session:
        event = await session.scalar(select(AuditEvent).where(
            AuditEvent.action == "exception.closed"))
    assert json.loads(event.detail) == {"by": "time"} and event.actor_person_id is None
    await reminders.sweep(floor, T0 + timedelta(days=1), RULES)  # never twice
    assert len(await outbox(floor, 1001, mark)) == 1


async def test_a_fix_reopened_is_not_closed_by_the_old_timer(floor):
    ex_id = await report(floor)
    await act(floor, andon.resolve, "T01", ex_id, T0)
    await act(floor, andon.reject_fix, "W01", ex_id, T0 + timedelta(minutes=1))
    await reminders.sweep(floor, T0 + timedelta(minutes=300), RULES)
    assert (await exception(floor, ex_id)).status == "acknowledged"


async def ladder_in_seconds(sessions):
    async with sessions() as session, session.begin():
        for step, (delay, target) in enumerate(((0, "responsible"), (2, "role:supervisor"),
                                                (4, "role:manager"), (6, "group:exceptions"))):
            session.add(LadderStep(ladder="exception_ack", step_no=step, delay_seconds=delay,
                                   target=target))


async def test_nobody_acknowledges_and_it_climbs_every_step_once(floor):
    await ladder_in_seconds(floor)
    ex_id = await report(floor)
    for second in range(0, 9):
        await reminders.sweep(floor, T0 + timedelta(seconds=second), RULES)
    assert [m["key"] for m in await outbox(floor, 4001)] == ["exception.post"]
    (supervisor,) = await outbox(floor, 2001)
    assert supervisor["key"] == "exception.escalated_ack"
    assert (supervisor["params"]["level"], supervisor["params"]["levels"],
            supervisor["params"]["age_seconds"]) == (2, 4, 2)
    zone = ZoneInfo("Asia/Shanghai")
    assert "已 2秒 无人响应 · 第 2/4 级" in render(supervisor, "zh", zone).text
    assert "not acknowledged for 2 s · level 2/4" in render(supervisor, "en", zone).text
    (manager,) = await outbox(floor, 3001)
    assert (manager["params"]["level"], manager["params"]["age_seconds"]) == (3, 4)
    post, escalation = await outbox(floor, GROUP)
    assert escalation["key"] == "exception.escalated_ack" and escalation["params"]["level"] == 4
    assert sorted(escalation["mentions"]) == [["工人M01", 3001], ["工人S01", 2001],
                                              ["工人T01", 4001]]
    assert [b["label"] for b in escalation["buttons"][0]] == ["exception.btn_acknowledge",
                                                              "exception.btn_resolve"]
    assert await outbox(floor, 1001) == []  # the reporter is not called

    mark = await last_outbox_id(floor)
    await act(floor, andon.acknowledge, "M01", ex_id, T0 + timedelta(seconds=9))
    (edit,) = await outbox(floor, GROUP, mark)
    assert ["exception.level_line", {"level": 4}] in edit["lines"]


async def test_acknowledging_stops_the_ladder(floor):
    await ladder_in_seconds(floor)
    ex_id = await report(floor)
    await reminders.sweep(floor, T0 + timedelta(seconds=2), RULES)
    await act(floor, andon.acknowledge, "S01", ex_id, T0 + timedelta(seconds=3))
    mark = await last_outbox_id(floor)
    await reminders.sweep(floor, T0 + timedelta(hours=1), RULES)
    for chat in (3001, GROUP):
        assert await outbox(floor, chat, mark) == []


async def test_after_downtime_the_missed_steps_come_as_one(floor):
    await ladder_in_seconds(floor)
    await report(floor)
    await reminders.sweep(floor, T0 + timedelta(seconds=30), RULES)
    assert await outbox(floor, 2001) == [] and await outbox(floor, 3001) == []
    _, escalation = await outbox(floor, GROUP)
    assert escalation["params"]["level"] == 4
    assert ["exception.caught_up", {"count": 2}] in escalation["lines"]


async def test_the_resolve_ladder_reminds_until_resolved(floor):
    async with floor() as session, session.begin():
        session.add(LadderStep(ladder="exception_resolve", step_no=0, delay_seconds=60,
                               target="role:manager"))
    ex_id = await report(floor)
    await act(floor, andon.acknowledge, "T01", ex_id, T0 + timedelta(seconds=10))
    await reminders.sweep(floor, T0 + timedelta(seconds=61), RULES)
    (reminder,) = await outbox(floor, 3001)
    assert reminder["key"] == "exception.escalated_resolve"
    assert [b["label"] for b in reminder["buttons"][0]] == ["exception.btn_resolve"]


# --- every notice renders in both languages ------------------------------------------------


async def test_every_notice_renders_in_both_languages(floor):
    await ladder_in_seconds(floor)
    ex_id = await report(floor, line_stopped=True, photo="p")
    for second in range(0, 8, 2):
        await reminders.sweep(floor, T0 + timedelta(seconds=second), RULES)
    await act(floor, andon.acknowledge, "S01", ex_id)
    await act(floor, andon.resolve, "T01", ex_id, T0 + timedelta(minutes=61))
    async with floor() as session, session.begin():
        await andon.add_note(session, await person(session, "T01"), ex_id, "ok", now=T0,
                             rules=RULES)
    await act(floor, andon.reject_fix, "W01", ex_id)
    await act(floor, andon.resolve, "T01", ex_id, T0 + timedelta(minutes=62))
    await reminders.sweep(floor, T0 + timedelta(hours=9), RULES)
    async with floor() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    zone = ZoneInfo("Asia/Shanghai")
    assert len(rows) > 15
    for row in rows:
        for lang in ("zh", "en"):
            text = render(json.loads(row.payload), lang, zone).text
            assert "Something went wrong" not in text and "出了点问题" not in text, row.payload
            assert "{" not in text, text
    text = render(json.loads(rows[0].payload), "zh", zone).text
    assert "EX-000001｜设备｜紧急" in text and "停线中" in text
