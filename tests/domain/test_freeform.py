"""Free-form reports on a real database: confirm, ask, pick, change, and every reporting rule."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain import freeform, reporting, task_cards
from domain.errors import DomainError
from domain.models import OperationTask, ReportDraft, WorkReport
from domain.payload import LabelCode
from domain.report_text import Question, Reading
from domain.reporting import NeedsReason, Recorded
from domain.rules import FactoryRules
from tests import builders

RULES = FactoryRules(tolerance_pct=Decimal("5"))


def now():
    return datetime.now(UTC)


@pytest.fixture
async def floor(session):
    product = await builders.product(session)
    wo = await builders.work_order(session, product, quantity=100)
    smt = await builders.person(session, "W01", skills="SMT")
    tht = await builders.person(session, "W02", skills="THT")
    await session.commit()
    return {"wo": wo, "smt": smt, "tht": tht}


async def card_of(session, person, seq=None):
    opened = await reporting.open_card(session, person, LabelCode("WO-000001", seq), chat_id=1,
                                       source="typed", rules=RULES)
    return opened.draft_id


async def read(session, text):
    return await freeform.read(session, text)


async def figures(session):
    tasks = (await session.scalars(select(OperationTask).order_by(OperationTask.seq))).all()
    return [(t.good_qty, t.scrap_qty) for t in tasks]


async def reports(session):
    return (await session.scalars(select(WorkReport).order_by(WorkReport.id))).all()


async def test_a_typed_report_is_confirmed_then_recorded_once(session, floor):
    smt = floor["smt"]
    draft_id = await card_of(session, smt)
    reading = await read(session, "做了30 坏2 毛刺")
    proposal = await freeform.propose(session, smt, draft_id, reading, now=now(), rules=RULES)
    assert (proposal.good, proposal.scrap, proposal.reason, proposal.listed) == (30, 2, "burr",
                                                                                 True)
    assert proposal.reason_name == {"zh": "毛刺", "en": "burr"}
    assert (proposal.card.work_order, proposal.card.seq) == ("WO-000001", 10)
    assert await figures(session) == [(0, 0), (0, 0), (0, 0)]  # nothing recorded before Confirm
    draft = await session.get(ReportDraft, draft_id)
    assert (draft.stage, draft.good_qty, draft.scrap_qty, draft.reason) == ("confirm", 30, 2,
                                                                             "burr")

    recorded = await freeform.confirm(session, smt, draft_id, 30, 2, key="u1", now=now(),
                                      rules=RULES)
    assert isinstance(recorded, Recorded) and (recorded.good, recorded.scrap) == (30, 2)
    with pytest.raises(DomainError) as twice:  # a double tap
        await freeform.confirm(session, smt, draft_id, 30, 2, key="u2", now=now(), rules=RULES)
    assert twice.value.key == "report.card_used"
    assert await figures(session) == [(30, 2), (0, 0), (0, 0)]
    (report,) = await reports(session)
    assert (report.good_qty, report.scrap_qty, report.scrap_reason) == (30, 2, "burr")


async def test_an_unlisted_reason_is_kept_as_typed(session, floor):
    smt = floor["smt"]
    draft_id = await card_of(session, smt)
    reading = await read(session, "done 30 scrap 2 reason bad solder")
    proposal = await freeform.propose(session, smt, draft_id, reading, now=now(), rules=RULES)
    assert (proposal.reason, proposal.listed, proposal.reason_name) == ("bad solder", False,
                                                                       "bad solder")
    await freeform.confirm(session, smt, draft_id, 30, 2, key="u1", now=now(), rules=RULES)
    (report,) = await reports(session)
    assert report.scrap_reason == "bad solder"


async def test_what_recording_would_refuse_is_refused_before_the_confirmation(session, floor):
    draft_id = await card_of(session, floor["tht"])  # nothing has arrived at operation 20
    with pytest.raises(DomainError) as refused:
        await freeform.propose(session, floor["tht"], draft_id, Reading(5, 0), now=now(),
                               rules=RULES)
    assert refused.value.key == "report.flow_exceeded"
    draft_id = await card_of(session, floor["smt"])
    with pytest.raises(DomainError) as refused:
        await freeform.propose(session, floor["smt"], draft_id, Reading(100, 6), now=now(),
                               rules=RULES)
    assert (refused.value.key, refused.value.params["limit"]) == ("report.over_planned", 105)
    with pytest.raises(DomainError) as refused:
        await freeform.propose(session, floor["smt"], draft_id, Reading(0, 0), now=now(),
                               rules=RULES)
    assert refused.value.key == "report.zero"
    assert (await session.get(ReportDraft, draft_id)).stage == "quantity"


async def test_an_older_confirmation_of_the_same_card_is_refused(session, floor):
    smt = floor["smt"]
    draft_id = await card_of(session, smt)
    await freeform.propose(session, smt, draft_id, Reading(30, 2, "burr", True), now=now(),
                           rules=RULES)
    await freeform.propose(session, smt, draft_id, Reading(20), now=now(), rules=RULES)
    with pytest.raises(DomainError) as refused:  # the first card's Confirm carries 30:2
        await freeform.confirm(session, smt, draft_id, 30, 2, key="u1", now=now(), rules=RULES)
    assert refused.value.key == "ff.changed"
    await freeform.confirm(session, smt, draft_id, 20, 0, key="u2", now=now(), rules=RULES)
    assert await figures(session) == [(20, 0), (0, 0), (0, 0)]


async def test_scrap_without_a_reason_asks_for_it_after_confirming(session, floor):
    smt = floor["smt"]
    draft_id = await card_of(session, smt)
    reading = await read(session, "30好 2废")
    await freeform.propose(session, smt, draft_id, reading, now=now(), rules=RULES)
    result = await freeform.confirm(session, smt, draft_id, 30, 2, key="u1", now=now(),
                                    rules=RULES)
    assert isinstance(result, NeedsReason) and (result.good, result.scrap) == (30, 2)
    await reporting.submit_reason(session, smt, draft_id, "dimension", key="u2", now=now(),
                                  rules=RULES)
    (report,) = await reports(session)
    assert (report.good_qty, report.scrap_qty, report.scrap_reason) == (30, 2, "dimension")


async def test_which_is_scrap_is_asked_and_a_pick_records_once(session, floor):
    smt = floor["smt"]
    draft_id = await card_of(session, smt)
    question = await read(session, "30 毛刺 2")
    asked = await freeform.ask(session, smt, draft_id, question, now=now(), rules=RULES)
    assert asked.options == ((30, 2), (2, 30))
    assert asked.reason_name == {"zh": "毛刺", "en": "burr"}
    assert asked.example == {"zh": "良品30 报废2 原因毛刺", "en": "good 30 scrap 2 reason burr"}
    with pytest.raises(DomainError) as refused:  # nothing to confirm: a pick answers it
        await freeform.confirm(session, smt, draft_id, 30, 2, key="u0", now=now(), rules=RULES)
    assert refused.value.key == "ff.changed"
    await freeform.pick(session, smt, draft_id, 30, 2, key="u1", now=now(), rules=RULES)
    with pytest.raises(DomainError) as refused:
        await freeform.pick(session, smt, draft_id, 2, 30, key="u2", now=now(), rules=RULES)
    assert refused.value.key == "report.card_used"
    (report,) = await reports(session)
    assert (report.good_qty, report.scrap_qty, report.scrap_reason) == (30, 2, "burr")


async def test_good_missing_offers_none_or_the_rest_of_the_card(session, floor):
    smt = floor["smt"]
    draft_id = await card_of(session, smt)
    asked = await freeform.ask(session, smt, draft_id, await read(session, "坏2 毛刺"),
                               now=now(), rules=RULES)
    assert asked.options == ((0, 2), (98, 2))  # 100 arrived, none reported yet
    assert asked.example["zh"] == "良品98 报废2 原因毛刺"
    await freeform.pick(session, smt, draft_id, 98, 2, key="u1", now=now(), rules=RULES)
    assert await figures(session) == [(98, 2), (0, 0), (0, 0)]


async def test_readings_the_card_cannot_take_are_not_offered(session, floor):
    smt = floor["smt"]
    draft_id = await card_of(session, smt)
    two_good = Question("two_good", ((30, 0), (200, 0)), (30, 200))
    asked = await freeform.ask(session, smt, draft_id, two_good, now=now(), rules=RULES)
    assert asked.options == ((30, 0),)
    with pytest.raises(DomainError) as refused:  # no reading fits: the refusal says why
        await freeform.ask(session, smt, draft_id, Question("which", ((300, 2), (2, 300))),
                           now=now(), rules=RULES)
    assert refused.value.key == "report.over_planned"


async def test_change_goes_back_to_the_card(session, floor):
    smt = floor["smt"]
    draft_id = await card_of(session, smt)
    await freeform.propose(session, smt, draft_id, Reading(30), now=now(), rules=RULES)
    card = await freeform.change(session, smt, draft_id, now=now(), rules=RULES)
    assert card.remaining == 100
    with pytest.raises(DomainError) as refused:
        await freeform.confirm(session, smt, draft_id, 30, 0, key="u1", now=now(), rules=RULES)
    assert refused.value.key == "ff.changed"
    await reporting.submit_quantity(session, smt, draft_id, good=25, key="u2", now=now(),
                                    rules=RULES)
    assert await figures(session) == [(25, 0), (0, 0), (0, 0)]


async def test_a_plan_change_outdates_the_confirmation(session, floor):
    smt = floor["smt"]
    draft_id = await card_of(session, smt)
    await freeform.propose(session, smt, draft_id, Reading(30), now=now(), rules=RULES)
    await task_cards.bump(session, floor["wo"])
    await task_cards.outdate(session, floor["wo"], now())
    with pytest.raises(DomainError) as refused:
        await freeform.confirm(session, smt, draft_id, 30, 0, key="u1", now=now(), rules=RULES)
    assert refused.value.key == "report.card_stale"
    assert await session.scalar(select(func.count()).select_from(WorkReport)) == 0


async def test_someone_elses_card_is_refused(session, floor):
    draft_id = await card_of(session, floor["smt"])
    await freeform.propose(session, floor["smt"], draft_id, Reading(30), now=now(), rules=RULES)
    with pytest.raises(DomainError) as refused:
        await freeform.confirm(session, floor["tht"], draft_id, 30, 0, key="u1", now=now(),
                               rules=RULES)
    assert refused.value.key == "report.card_not_yours"
