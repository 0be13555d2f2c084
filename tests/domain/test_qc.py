"""QC checkpoints on a real database: held reports, sampling, decisions, idempotency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from domain import conversation, qc, reminders, reporting
from domain.errors import DomainError
from domain.models import (
    AuditEvent,
    GroupLink,
    InputDraft,
    Operation,
    OperationTask,
    Person,
    QCInspection,
    Reminder,
    Responsibility,
    ReworkTask,
    WorkReport,
)
from domain.payload import LabelCode
from domain.qc import Decision, Question
from tests.domain.qc_floor import NOW, RULES, build, button_data, chat, outbox, report, tasks

GROUP = -100500


@pytest.fixture
async def floor(session):
    return await build(session)


async def smt_then_tht(session, floor, good, scrap=0, reason=None, photo=None):
    """SMT passes 100 on; THT (the checkpoint) reports `good`."""
    await report(session, floor["W01"], 100)
    return await report(session, floor["W02"], good, scrap, reason, photo=photo)


async def inspection_of(session, report_id) -> QCInspection:
    return await session.scalar(select(QCInspection).where(QCInspection.report_id == report_id)
                                .execution_options(populate_existing=True))


# --- held for inspection -----------------------------------------------------------------------


async def test_a_checkpoint_report_waits_for_qc_and_does_not_flow_on(session, floor):
    recorded = await smt_then_tht(session, floor, 50, 2, "burr", photo="PHOTO-1")
    assert recorded.held
    saved = await session.get(WorkReport, recorded.report_id)
    assert (saved.status, saved.accepted_qty, saved.good_qty) == ("pending_qc", 0, 50)
    # Reported scrap counts at once; the good pieces wait and the next operation gets nothing.
    assert await tasks(session) == [(100, 0, 0, 0, "done"), (0, 2, 50, 0, "in_progress"),
                                    (0, 0, 0, 0, "waiting")]
    with pytest.raises(DomainError) as refused:
        await report(session, floor["W09"], 1)
    assert (refused.value.key, refused.value.params["arrived"]) == ("report.flow_exceeded", 0)
    inspection = await inspection_of(session, recorded.report_id)
    assert (inspection.status, inspection.quantity, inspection.rework_task_id) == (
        "pending", 50, None)


async def test_inspectors_are_told_with_photo_and_buttons_and_the_fact_is_followed(session,
                                                                                   floor):
    session.add(GroupLink(chat_id=GROUP, purpose="qc", title="品质群"))
    session.add(GroupLink(chat_id=-100600, purpose="exceptions", title="异常群"))
    await session.commit()
    recorded = await smt_then_tht(session, floor, 50, photo="PHOTO-1")
    inspection = await inspection_of(session, recorded.report_id)
    notices = [n for n in await outbox(session) if n["key"] == "qc.pending"]
    # The QC inspector (nobody is configured as responsible) and the QC group: nobody else.
    assert [n["chat"] for n in notices] == [chat(floor["Q01"]), GROUP]
    first = notices[0]
    assert first["photo"] == "PHOTO-1"
    assert first["params"] | {"reported_at": None} == {
        "work_order": "WO-000001", "seq": 20, "operation": "插件", "worker": "工人W02",
        "quantity": 50, "reported_at": None, "rework": ""}
    assert button_data(first) == [f"qc:p:{inspection.id}", f"qc:r:{inspection.id}",
                                  f"qc:s:{inspection.id}"]
    assert inspection.notice_outbox_ids == ",".join(str(n["row"]) for n in notices)
    # Followed by the reminders: the qc_waiting ladder starts after qc_wait_minutes.
    reminder = await session.scalar(select(Reminder).where(Reminder.fact_key == f"qc:{inspection.id}"))
    assert (reminder.kind, reminder.status, reminder.started_at) == (
        "qc_waiting", "active", NOW + timedelta(minutes=30))
    assert await reminders.KINDS["qc_waiting"].still_holds(session, reminder)


async def test_who_inspects_responsible_then_qc_then_supervisors(session, floor):
    assert [p.code for p in await qc.inspectors(session)] == ["Q01"]
    session.add(Responsibility(kind="qc", person_id=floor["S02"].id))
    await session.flush()
    assert [p.code for p in await qc.inspectors(session)] == ["S02"]
    await session.execute(update(Person).where(Person.code.in_(["Q01", "S02"]))
                          .values(active=False))
    assert [p.code for p in await qc.inspectors(session)] == ["S01"]


async def test_off_a_checkpoint_nothing_is_held(session, floor):
    recorded = await report(session, floor["W01"], 60)
    assert not recorded.held
    assert await session.scalar(select(func.count(QCInspection.id))) == 0


@pytest.mark.parametrize("sampling, held", [
    ("all", [True, True, True, True, True]),
    ("every:3", [True, False, False, True, False]),
    ("1/2", [True, False, True, False, True]),
])
async def test_sampling_picks_which_reports_are_inspected(session, floor, sampling, held):
    await session.execute(update(Operation).where(Operation.code == "THT")
                          .values(qc_sampling=sampling))
    await report(session, floor["W01"], 100)
    results = [(await report(session, floor["W02"], 10)).held for _ in range(5)]
    assert results == held
    pending = await session.scalar(select(func.count(QCInspection.id)))
    assert pending == sum(held)
    # Reports not picked count at once.
    assert (await tasks(session))[1][:3] == (10 * (5 - sum(held)), 0, 10 * sum(held))


async def test_percent_sampling_is_decided_by_the_report_key(session, floor):
    await session.execute(update(Operation).where(Operation.code == "THT")
                          .values(qc_sampling="50%"))
    await report(session, floor["W01"], 100)
    from domain.factory_settings import parse_sampling

    keys = [f"u:{n}" for n in range(8)]
    expected = [parse_sampling("50%").inspects(1, k) for k in keys]
    assert True in expected and False in expected  # the keys chosen show both outcomes
    results = [(await report(session, floor["W02"], 5, key=k)).held for k in keys]
    assert results == expected


# --- deciding ----------------------------------------------------------------------------------


async def test_pass_all_lets_the_pieces_flow_and_edits_every_notice(session, floor):
    session.add(GroupLink(chat_id=GROUP, purpose="qc", title="品质群"))
    await session.commit()
    recorded = await smt_then_tht(session, floor, 50, photo="PHOTO-1")
    inspection = await inspection_of(session, recorded.report_id)
    mark = (await outbox(session))[-1]["row"]

    decision = await qc.pass_all(session, floor["Q01"], inspection.id, now=NOW, rules=RULES)

    assert (decision.passed, decision.rework, decision.scrap) == (50, 0, 0)
    saved = await session.get(WorkReport, recorded.report_id)
    assert (saved.status, saved.accepted_qty) == ("accepted", 50)
    assert await tasks(session) == [(100, 0, 0, 0, "done"), (50, 0, 0, 0, "in_progress"),
                                    (0, 0, 0, 0, "ready")]
    inspection = await inspection_of(session, recorded.report_id)
    assert (inspection.status, inspection.decided_by, inspection.pass_qty) == (
        "passed", floor["Q01"].id, 50)
    sent = await outbox(session, after=mark)
    edits = [n for n in sent if n["method"] == "edit"]
    assert sorted(n["edit_outbox_id"] for n in edits) == [
        int(i) for i in inspection.notice_outbox_ids.split(",")]
    assert {n["chat"] for n in edits} == {chat(floor["Q01"]), GROUP}
    assert all(n["buttons"] == [] and n["lines"][0][0] == "qc.post_passed"
               and n["lines"][0][1]["inspector"] == "工人Q01" for n in edits)
    told = [n for n in sent if n["chat"] == chat(floor["W02"])]
    assert [(n["key"], n["params"]["quantity"]) for n in told] == [("qc.result_passed", 50)]
    assert (await session.scalar(select(Reminder.status).where(
        Reminder.fact_key == f"qc:{inspection.id}"))) == "stopped"
    # Now the next operation can take them.
    assert (await report(session, floor["W09"], 50)).good == 50


async def test_split_with_rework_creates_a_rework_task_for_the_worker(session, floor):
    recorded = await smt_then_tht(session, floor, 50)
    inspection = await inspection_of(session, recorded.report_id)
    mark = (await outbox(session))[-1]["row"]

    decision = await qc.decide(session, floor["S01"], inspection.id, passed=45, rework=3,
                               scrap=2, reason="burr", photo_file_id="DEFECT", now=NOW,
                               rules=RULES)

    assert (decision.rework_code, decision.reason) == ("RW-000001", {"zh": "毛刺", "en": "burr"})
    assert await tasks(session) == [(100, 0, 0, 0, "done"), (45, 2, 0, 3, "in_progress"),
                                    (0, 0, 0, 0, "ready")]
    saved = await session.get(WorkReport, recorded.report_id)
    assert (saved.status, saved.accepted_qty) == ("accepted", 45)
    inspection = await inspection_of(session, recorded.report_id)
    assert (inspection.status, inspection.pass_qty, inspection.rework_qty, inspection.scrap_qty,
            inspection.defect_reason, inspection.photo_file_id) == (
        "failed", 45, 3, 2, "burr", "DEFECT")
    rework = await session.scalar(select(ReworkTask))
    assert (rework.code, rework.quantity, rework.status, rework.inspection_id) == (
        "RW-000001", 3, "open", inspection.id)
    assert rework.assignee_id == rework.caused_by_id == floor["W02"].id
    assert rework.task_id == (await session.get(WorkReport, recorded.report_id)).task_id
    sent = await outbox(session, after=mark)
    to_worker = [(n["key"], button_data(n)) for n in sent if n["chat"] == chat(floor["W02"])]
    assert to_worker == [("qc.result_failed", []),
                         ("rework.assigned", [f"rw:r:{rework.id}"])]
    # The other supervisor may hand it to someone else; the deciding one gets it on the
    # confirmation (handlers), so not twice.
    assert [(n["key"], button_data(n)) for n in sent if n["chat"] == chat(floor["S02"])] == [
        ("rework.created", [f"rw:a:{rework.id}"])]
    assert not [n for n in sent if n["chat"] == chat(floor["S01"])]
    event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "qc.decided"))
    assert event.actor_person_id == floor["S01"].id and '"rework_task": "RW-000001"' in event.detail


async def test_reject_all_to_scrap_rejects_the_report(session, floor):
    recorded = await smt_then_tht(session, floor, 20)
    inspection = await inspection_of(session, recorded.report_id)
    await qc.decide(session, floor["Q01"], inspection.id, passed=0, rework=0, scrap=20,
                    reason="dimension", photo_file_id=None, now=NOW, rules=RULES)
    saved = await session.get(WorkReport, recorded.report_id)
    assert (saved.status, saved.accepted_qty) == ("rejected", 0)
    assert (await tasks(session))[1] == (0, 20, 0, 0, "in_progress")
    assert await session.scalar(select(func.count(ReworkTask.id))) == 0


async def test_bad_decisions_change_nothing(session, floor):
    recorded = await smt_then_tht(session, floor, 50)
    inspection = await inspection_of(session, recorded.report_id)
    for kwargs, key in (({"passed": 40, "rework": 3, "scrap": 2, "reason": "burr"},
                         "qc.split_sum"),
                        ({"passed": 45, "rework": 5, "scrap": 0, "reason": None},
                         "qc.reason_missing"),
                        ({"passed": 51, "rework": -1, "scrap": 0, "reason": "burr"},
                         "report.negative")):
        with pytest.raises(DomainError) as refused:
            await qc.decide(session, floor["Q01"], inspection.id, photo_file_id=None, now=NOW,
                            rules=RULES, **kwargs)
        assert refused.value.key == key
    with pytest.raises(DomainError) as refused:
        await qc.pass_all(session, floor["W09"], inspection.id, now=NOW, rules=RULES)
    assert refused.value.key == "auth.forbidden"
    assert (await inspection_of(session, recorded.report_id)).status == "pending"
    assert (await tasks(session))[1] == (0, 0, 50, 0, "in_progress")


async def test_deciding_twice_decides_once_and_names_who_decided(session, floor):
    recorded = await smt_then_tht(session, floor, 50)
    inspection = await inspection_of(session, recorded.report_id)
    await qc.pass_all(session, floor["Q01"], inspection.id, now=NOW, rules=RULES)
    later = NOW + timedelta(seconds=3)
    for person in (floor["Q01"], floor["S01"]):
        with pytest.raises(DomainError) as refused:
            await qc.decide(session, person, inspection.id, passed=0, rework=0, scrap=50,
                            reason="burr", photo_file_id=None, now=later, rules=RULES)
        assert refused.value.key == "qc.already_decided"
        assert refused.value.params == {"by": "工人Q01", "decided_at": NOW, "passed": 50,
                                        "rework": 0, "scrap": 0}
    assert (await tasks(session))[1] == (50, 0, 0, 0, "in_progress")


async def test_two_inspectors_at_once_on_two_sessions_give_one_decision(sessions):
    async with sessions() as session:
        floor = await build(session)
        recorded = await smt_then_tht(session, floor, 50)
        inspection_id = (await inspection_of(session, recorded.report_id)).id
        await session.commit()

    async def tap(code: str) -> Decision | DomainError:
        async with sessions() as s, s.begin():
            person = await s.scalar(select(Person).where(Person.code == code))
            try:
                return await qc.pass_all(s, person, inspection_id, now=NOW, rules=RULES)
            except DomainError as error:
                return error

    outcomes = await asyncio.gather(tap("Q01"), tap("S01"))
    decisions = [o for o in outcomes if isinstance(o, Decision)]
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(decisions) == 1 and len(refusals) == 1
    assert refusals[0].key == "qc.already_decided"
    winner = "工人Q01" if outcomes[0] is decisions[0] else "工人S01"
    assert refusals[0].params["by"] == winner
    async with sessions() as session:
        assert (await tasks(session))[1] == (50, 0, 0, 0, "in_progress")
        assert await session.scalar(select(func.count(AuditEvent.id))
                                    .where(AuditEvent.action == "qc.decided")) == 1


# --- the Reject… / Split… conversation ---------------------------------------------------------


async def test_split_conversation_quantities_reason_photo(session, floor):
    recorded = await smt_then_tht(session, floor, 50)
    inspection = await inspection_of(session, recorded.report_id)
    inspector = floor["Q01"]
    question = await qc.begin(session, inspector, inspection.id, "split", chat_id=1, now=NOW)
    assert (question.stage, question.params["quantity"]) == ("split", 50)
    draft = await session.get(InputDraft, question.draft_id)

    for text, key in (("45 3", "qc.usage_split"), ("45 3 x", "qc.usage_split"),
                      ("45 3 3", "qc.split_sum")):
        with pytest.raises(DomainError) as refused:
            await qc.give_typed(session, inspector, draft, text, now=NOW, rules=RULES)
        assert refused.value.key == key
    asked = await qc.give_typed(session, inspector, draft, "45，3，2", now=NOW, rules=RULES)
    assert isinstance(asked, Question) and asked.stage == "reason"
    assert [r.code for r in asked.reasons][:2] == ["burr", "dimension"]
    with pytest.raises(DomainError) as refused:
        await qc.give_reason(session, inspector, draft, "不知道", now=NOW)
    assert refused.value.key == "qc.unknown_reason"
    asked = await qc.give_reason(session, inspector, draft, "尺寸不良", now=NOW)
    assert asked.stage == "photo" and asked.params["reason"]["en"] == "dimension"
    decision = await qc.give_photo(session, inspector, draft, "DEFECT", now=NOW, rules=RULES)
    assert (decision.passed, decision.rework, decision.scrap) == (45, 3, 2)
    inspection = await inspection_of(session, recorded.report_id)
    assert (inspection.defect_reason, inspection.photo_file_id) == ("dimension", "DEFECT")
    await session.refresh(draft)
    assert draft.status == "done"


async def test_reject_with_one_tap_and_a_split_that_passes_everything(session, floor):
    await report(session, floor["W01"], 100)
    first = await report(session, floor["W02"], 10)
    second = await report(session, floor["W02"], 10)
    one = await inspection_of(session, first.report_id)
    two = await inspection_of(session, second.report_id)
    q = await qc.begin(session, floor["Q01"], one.id, "reject", chat_id=1, now=NOW)
    draft = await session.get(InputDraft, q.draft_id)
    asked = await qc.give_all(session, floor["Q01"], draft, "rework", now=NOW, rules=RULES)
    assert (asked.stage, asked.params) == ("reason", {"passed": 0, "rework": 10, "scrap": 0})
    await qc.give_reason(session, floor["Q01"], draft, "burr", now=NOW)
    await qc.give_photo(session, floor["Q01"], draft, None, now=NOW, rules=RULES)
    assert (await tasks(session))[1] == (0, 0, 10, 10, "in_progress")

    q = await qc.begin(session, floor["Q01"], two.id, "split", chat_id=1, now=NOW)
    draft = await session.get(InputDraft, q.draft_id)
    decision = await qc.give_typed(session, floor["Q01"], draft, "10 0 0", now=NOW, rules=RULES)
    assert isinstance(decision, Decision) and decision.passed == 10
    assert (await tasks(session))[1] == (10, 0, 0, 10, "in_progress")


async def test_a_conversation_ends_when_someone_else_decided(session, floor):
    recorded = await smt_then_tht(session, floor, 50)
    inspection = await inspection_of(session, recorded.report_id)
    q = await qc.begin(session, floor["Q01"], inspection.id, "split", chat_id=1, now=NOW)
    draft = await session.get(InputDraft, q.draft_id)
    await qc.pass_all(session, floor["S01"], inspection.id, now=NOW, rules=RULES)
    settled = await qc.close_if_decided(session, draft, NOW)
    assert settled is not None and settled.key == "qc.already_decided"
    assert settled.params["by"] == "工人S01"
    assert await conversation.open_input(session, floor["Q01"], NOW) is None


# --- undo while waiting, blocked tasks ---------------------------------------------------------


async def test_undo_withdraws_a_waiting_report_but_not_a_decided_one(session, floor):
    first = await smt_then_tht(session, floor, 30)
    second = await report(session, floor["W02"], 20)
    undone = await reporting.undo_report(session, floor["W02"], first.report_id, now=NOW,
                                         rules=RULES)
    assert undone.good == 30
    assert (await inspection_of(session, first.report_id)).status == "voided"
    assert (await tasks(session))[1] == (0, 0, 20, 0, "in_progress")
    edits = [n for n in await outbox(session) if n["method"] == "edit"]
    assert [n["lines"][0][0] for n in edits] == ["qc.post_withdrawn"]
    with pytest.raises(DomainError) as refused:
        await qc.pass_all(session, floor["Q01"], (await inspection_of(session, first.report_id)).id,
                          now=NOW, rules=RULES)
    assert refused.value.key == "qc.withdrawn"

    inspection = await inspection_of(session, second.report_id)
    await qc.pass_all(session, floor["Q01"], inspection.id, now=NOW, rules=RULES)
    with pytest.raises(DomainError) as refused:
        await reporting.undo_report(session, floor["W02"], second.report_id, now=NOW,
                                    rules=RULES)
    assert refused.value.key == "undo.inspected"
    assert (await tasks(session))[1] == (20, 0, 0, 0, "in_progress")


async def test_a_blocked_task_takes_no_reports(session, floor):
    await report(session, floor["W01"], 100)
    opened = await reporting.open_card(session, floor["W02"], LabelCode("WO-000001"), chat_id=1,
                                       source="typed", rules=RULES)
    await session.execute(update(OperationTask).where(OperationTask.seq == 20)
                          .values(status="blocked"))  # as a line-stop exception does
    for task in (await session.scalars(select(OperationTask))).all():
        session.expire(task)
    with pytest.raises(DomainError) as refused:
        await reporting.submit_quantity(session, floor["W02"], opened.draft_id, good=5, key="b",
                                        now=NOW, rules=RULES)
    assert (refused.value.key, refused.value.params) == (
        "report.task_blocked", {"work_order": "WO-000001", "operation": "插件"})
    with pytest.raises(DomainError) as refused:
        await report(session, floor["W02"], 5)
    assert refused.value.key == "report.task_blocked"
    assert (await tasks(session))[1] == (0, 0, 0, 0, "blocked")


async def test_a_decision_nobody_makes_is_reminded_until_someone_decides(sessions):
    async with sessions() as session:
        floor = await build(session)
        recorded = await smt_then_tht(session, floor, 50)
        inspection_id = (await inspection_of(session, recorded.report_id)).id
        await session.commit()

    async def reminded() -> list[tuple[int, list[str]]]:
        async with sessions() as session:
            return [(n["chat"], button_data(n)) for n in await outbox(session)
                    if n["key"] == "qc.waiting"]

    await reminders.sweep(sessions, NOW + timedelta(minutes=29), RULES)
    assert await reminded() == []
    # qc_wait_minutes (30) later the default ladder starts: the inspector, with the buttons.
    await reminders.sweep(sessions, NOW + timedelta(minutes=31), RULES)
    buttons = [f"qc:p:{inspection_id}", f"qc:r:{inspection_id}", f"qc:s:{inspection_id}"]
    assert await reminded() == [(chat(floor["Q01"]), buttons)]
    async with sessions() as session, session.begin():
        inspector = await session.get(Person, floor["Q01"].id)
        await qc.pass_all(session, inspector, inspection_id, now=NOW + timedelta(minutes=40),
                          rules=RULES)
    # Decided: the supervisors' and the manager's steps never come.
    await reminders.sweep(sessions, NOW + timedelta(hours=5), RULES)
    assert await reminded() == [(chat(floor["Q01"]), buttons)]
