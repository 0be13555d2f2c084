"""The reporting rules, on a real SQLite database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain import reporting
from domain.errors import DomainError
from domain.models import (
    AuditEvent,
    OperationTask,
    ReportStatus,
    TaskAssignee,
    WorkOrder,
    WorkReport,
)
from domain.payload import LabelCode
from domain.reporting import NeedsReason, OpenedCard, OperationChoice, Recorded
from domain.rules import FactoryRules
from tests import builders

RULES = FactoryRules(tolerance_pct=Decimal("5"))
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
async def floor(session):
    """A 3-operation product, one work order of 100, and workers with different skills."""
    product = await builders.product(session)
    wo = await builders.work_order(session, product, quantity=100)
    smt = await builders.person(session, "W01", skills="SMT")
    tht = await builders.person(session, "W02", skills="THT")
    both = await builders.person(session, "W03", skills="SMT,THT")
    nobody = await builders.person(session, "W04", skills="")
    await session.commit()
    return {"wo": wo, "smt": smt, "tht": tht, "both": both, "nobody": nobody}


async def open_(session, person, code="WO-000001", seq=None):
    return await reporting.open_card(session, person, LabelCode(code, seq), chat_id=1,
                                     source="typed", rules=RULES)


async def report(session, person, good, scrap=0, reason=None, *, seq=None, key=None, now=NOW):
    opened = await open_(session, person, seq=seq)
    assert isinstance(opened, OpenedCard)
    return await reporting.submit_quantity(
        session, person, opened.draft_id, good=good, scrap=scrap, reason=reason,
        key=key or f"k{datetime.now().timestamp()}", now=now, rules=RULES)


async def tasks_of(session):
    return (await session.scalars(select(OperationTask).order_by(OperationTask.seq))).all()


async def test_card_shows_the_workers_own_operation(session, floor):
    opened = await open_(session, floor["smt"])
    assert isinstance(opened, OpenedCard)
    card = opened.card
    assert (card.seq, card.operation_code, card.planned, card.arrived, card.remaining) == (
        10, "SMT", 100, 100, 100)
    assert card.limit == 105  # planned plus 5 % tolerance


async def test_report_moves_pieces_on_and_freezes_the_piece_rate(session, floor):
    result = await report(session, floor["smt"], 60)
    assert isinstance(result, Recorded)
    smt, tht, test = await tasks_of(session)
    assert (smt.good_qty, smt.status) == (60, "in_progress")
    assert tht.status == "ready"  # pieces arrived at the next operation
    assert test.status == "waiting"
    saved = await session.get(WorkReport, result.report_id)
    assert saved.piece_rate == Decimal("0.3500")
    assert (await session.get(WorkOrder, floor["wo"].id)).status == "in_progress"


async def test_flow_rule_refuses_more_than_arrived(session, floor):
    await report(session, floor["smt"], 30)
    with pytest.raises(DomainError) as refused:
        await report(session, floor["tht"], 31)
    assert refused.value.key == "report.flow_exceeded"
    assert refused.value.params["arrived"] == 30
    assert refused.value.params["limit"] == 30
    _, tht, _ = await tasks_of(session)
    assert tht.good_qty == 0


async def test_scrap_counts_against_what_arrived(session, floor):
    await report(session, floor["smt"], 30)
    await report(session, floor["tht"], 25, 5, "burr")
    with pytest.raises(DomainError) as refused:
        await report(session, floor["tht"], 1)
    assert refused.value.key == "report.flow_exceeded"


async def test_planned_plus_tolerance_is_the_ceiling(session, floor):
    await report(session, floor["smt"], 105)
    with pytest.raises(DomainError) as refused:
        await report(session, floor["smt"], 1)
    assert refused.value.key in ("report.over_planned", "report.all_done")


async def test_over_planned_is_refused_with_the_numbers(session, floor):
    with pytest.raises(DomainError) as refused:
        await report(session, floor["smt"], 106)
    assert refused.value.key == "report.over_planned"
    assert refused.value.params["limit"] == 105


async def test_unskilled_unassigned_worker_is_refused(session, floor):
    with pytest.raises(DomainError) as refused:
        await open_(session, floor["nobody"])
    assert refused.value.key == "report.no_operation_for_you"
    with pytest.raises(DomainError) as refused:
        await open_(session, floor["smt"], seq=20)
    assert refused.value.key == "report.not_your_operation"


async def test_assignment_allows_without_the_skill(session, floor):
    tasks = await tasks_of(session)
    session.add(TaskAssignee(task_id=tasks[0].id, person_id=floor["nobody"].id))
    await session.flush()
    opened = await open_(session, floor["nobody"])
    assert isinstance(opened, OpenedCard) and opened.card.seq == 10


async def test_two_skills_ask_which_operation(session, floor):
    await report(session, floor["smt"], 50)
    choice = await open_(session, floor["both"])
    assert isinstance(choice, OperationChoice)
    assert [c.seq for c in choice.cards] == [10, 20]


async def test_closed_and_cancelled_work_orders_take_no_reports(session, floor):
    for status in ("cancelled", "closed", "on_hold"):
        floor["wo"].status = status
        await session.flush()
        with pytest.raises(DomainError) as refused:
            await open_(session, floor["smt"])
        assert refused.value.key == "report.work_order_closed"


async def test_a_card_records_once(session, floor):
    opened = await open_(session, floor["smt"])
    await reporting.submit_quantity(session, floor["smt"], opened.draft_id, good=10, key="a",
                                    now=NOW, rules=RULES)
    with pytest.raises(DomainError) as refused:
        await reporting.submit_quantity(session, floor["smt"], opened.draft_id, good=10,
                                        key="b", now=NOW, rules=RULES)
    assert refused.value.key == "report.card_used"
    smt = (await tasks_of(session))[0]
    assert smt.good_qty == 10
    assert await session.scalar(select(func.count(WorkReport.id))) == 1


async def test_another_workers_card_is_refused(session, floor):
    opened = await open_(session, floor["smt"])
    with pytest.raises(DomainError) as refused:
        await reporting.submit_quantity(session, floor["both"], opened.draft_id, good=1,
                                        key="x", now=NOW, rules=RULES)
    assert refused.value.key == "report.card_not_yours"


async def test_scrap_without_reason_asks_then_records(session, floor):
    opened = await open_(session, floor["smt"])
    asked = await reporting.submit_quantity(session, floor["smt"], opened.draft_id, good=8,
                                            scrap=2, key="k1", now=NOW, rules=RULES)
    assert isinstance(asked, NeedsReason)
    assert (await tasks_of(session))[0].good_qty == 0
    recorded = await reporting.submit_reason(session, floor["smt"], opened.draft_id, "毛刺",
                                             key="k2", now=NOW, rules=RULES)
    # A reason on the factory's list is stored by its code and shown by its names.
    assert (recorded.good, recorded.scrap, recorded.reason) == (8, 2, {"zh": "毛刺", "en": "burr"})
    assert (await session.get(WorkReport, recorded.report_id)).scrap_reason == "burr"


async def test_a_reason_off_the_list_is_kept_as_typed(session, floor):
    recorded = await report(session, floor["smt"], 8, 2, "掉漆")
    assert recorded.reason == "掉漆"
    assert (await session.get(WorkReport, recorded.report_id)).scrap_reason == "掉漆"


async def test_bad_quantities(session, floor):
    for good, scrap, key in ((0, 0, "report.zero"), (-1, 0, "report.negative"),
                             (5_000_000, 0, "report.too_large")):
        opened = await open_(session, floor["smt"])
        with pytest.raises(DomainError) as refused:
            await reporting.submit_quantity(session, floor["smt"], opened.draft_id, good=good,
                                            scrap=scrap, key="z", now=NOW, rules=RULES)
        assert refused.value.key == key


async def test_undo_voids_and_gives_the_pieces_back(session, floor):
    result = await report(session, floor["smt"], 40)
    undone = await reporting.undo_report(session, floor["smt"], result.report_id,
                                         now=NOW + timedelta(minutes=1), rules=RULES)
    assert undone.good == 40
    smt, tht, _ = await tasks_of(session)
    assert (smt.good_qty, smt.status, tht.status) == (0, "ready", "waiting")
    saved = await session.get(WorkReport, result.report_id)
    assert saved.status == ReportStatus.voided
    with pytest.raises(DomainError) as again:
        await reporting.undo_report(session, floor["smt"], result.report_id, now=NOW,
                                    rules=RULES)
    assert again.value.key == "undo.already"
    actions = (await session.scalars(select(AuditEvent.action))).all()
    assert "report.voided" in actions


async def test_undo_window_and_ownership(session, floor):
    result = await report(session, floor["smt"], 40)
    with pytest.raises(DomainError) as late:
        await reporting.undo_report(session, floor["smt"], result.report_id,
                                    now=NOW + timedelta(minutes=11), rules=RULES)
    assert late.value.key == "undo.expired"
    with pytest.raises(DomainError) as other:
        await reporting.undo_report(session, floor["both"], result.report_id, now=NOW,
                                    rules=RULES)
    assert other.value.key == "undo.not_yours"


async def test_undo_refused_once_the_next_operation_used_the_pieces(session, floor):
    result = await report(session, floor["smt"], 40)
    await report(session, floor["tht"], 10)
    with pytest.raises(DomainError) as refused:
        await reporting.undo_report(session, floor["smt"], result.report_id, now=NOW,
                                    rules=RULES)
    assert refused.value.key == "undo.consumed"


async def test_work_order_done_when_every_operation_is(session, floor):
    await report(session, floor["smt"], 100)
    await report(session, floor["tht"], 98, 2, "burr")
    test_worker = await builders.person(session, "W09", skills="TEST")
    result = await report(session, test_worker, 98)
    assert result.work_order_done
    assert [t.status for t in await tasks_of(session)] == ["done", "done", "done"]
    assert (await session.get(WorkOrder, floor["wo"].id)).status == "done"


async def test_my_tasks_lists_what_i_can_report(session, floor):
    assert [c.operation_code for c in await reporting.my_tasks(session, floor["tht"], RULES)] \
        == []
    await report(session, floor["smt"], 10)
    cards = await reporting.my_tasks(session, floor["tht"], RULES)
    assert [(c.work_order, c.operation_code, c.remaining) for c in cards] == [
        ("WO-000001", "THT", 10)]
