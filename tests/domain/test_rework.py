"""Rework on a real database: codes, reporting, re-inspection, wages, reassigning, tracing."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.barcode import decode_texts
from bot.labels import render_card
from bot.travel_cards import cards_for
from domain import qc, reporting
from domain import rework as rework_tasks
from domain.errors import DomainError
from domain.models import AuditEvent, FactorySetting, QCInspection, ReworkTask, WorkReport
from domain.notifications import Button
from domain.payload import (
    LabelCode,
    ReworkCode,
    format_payload,
    parse_label,
    parse_payload,
    parse_typed_code,
    parse_typed_label,
)
from domain.status import load_open_work_orders
from tests import databases
from tests.domain.qc_floor import NOW, RULES, build, button_data, chat, outbox, report, tasks

RW1 = ReworkCode("RW-000001")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def floor(session):
    return await build(session)


async def inspect(session, report_id, inspector, passed, rework=0, scrap=0, reason="burr"):
    inspection = await session.scalar(select(QCInspection)
                                      .where(QCInspection.report_id == report_id))
    return await qc.decide(session, inspector, inspection.id, passed=passed, rework=rework,
                           scrap=scrap, reason=reason if rework or scrap else None,
                           photo_file_id=None, now=NOW, rules=RULES)


async def with_rework(session, floor, good=50, rework=5):
    """SMT 100; THT reports `good`, QC sends `rework` of them back (RW-000001)."""
    await report(session, floor["W01"], 100)
    recorded = await report(session, floor["W02"], good)
    await inspect(session, recorded.report_id, floor["Q01"], good - rework, rework)
    return await session.scalar(select(ReworkTask).where(ReworkTask.code == "RW-000001"))


async def rework_row(session, code="RW-000001") -> ReworkTask:
    return await session.scalar(select(ReworkTask).where(ReworkTask.code == code)
                                .execution_options(populate_existing=True))


# --- codes -----------------------------------------------------------------------------------


def test_rework_codes_print_and_read_back():
    assert format_payload("RW-000007") == "GD1:RW-000007"
    assert parse_label("GD1:RW-000007") == ReworkCode("RW-000007")
    assert parse_label("GD1:WO-000123:20") == LabelCode("WO-000123", 20)
    for typed in ("rw-7", "RW-000007", "Ｒｗ７", "GD1:RW-000007", " rw 7 "):
        assert parse_typed_label(typed) == ReworkCode("RW-000007"), typed
    assert parse_typed_label("wo-123:20") == LabelCode("WO-000123", 20)
    assert parse_typed_label("rw-0") is None and parse_typed_label("rw-7:20") is None
    # The work-order readers stay as they were: a rework code is not a work order.
    assert parse_typed_code("rw-7") is None
    for bad in ("GD1:RW-000000", "GD1:RW-000007:20", "GD1:RW-7", "GD2:RW-000007"):
        with pytest.raises(DomainError):
            parse_label(bad)
    with pytest.raises(DomainError):
        parse_payload("GD1:RW-000007")
    with pytest.raises(ValueError):
        format_payload("RW-000007", 20)


# --- reporting rework and the re-inspection --------------------------------------------------


async def test_rework_is_reported_by_its_code_and_always_inspected_again(session, floor):
    await with_rework(session, floor, 50, 5)
    assert await tasks(session) == [(100, 0, 0, 0, "done"), (45, 0, 0, 5, "in_progress"),
                                    (0, 0, 0, 0, "ready")]
    opened = await reporting.open_rework_card(session, floor["W02"], "RW-000001", chat_id=1,
                                              source="typed", rules=RULES)
    assert (opened.card.remaining, opened.card.limit) == (5, 5)
    assert opened.rework | {"reason": None} == {
        "code": "RW-000001", "work_order": "WO-000001", "seq": 20, "operation": "插件",
        "quantity": 5, "left": 5, "reason": None, "assignee": "工人W02"}

    with pytest.raises(DomainError) as refused:
        await report(session, floor["W02"], 6, code=RW1)
    assert (refused.value.key, refused.value.params["left"]) == ("rework.over_limit", 5)
    recorded = await report(session, floor["W02"], 4, code=RW1)
    assert recorded.held and recorded.rework["left"] == 1
    saved = await session.get(WorkReport, recorded.report_id)
    rework = await rework_row(session)
    assert (saved.status, saved.task_id, saved.rework_task_id) == (
        "pending_qc", rework.task_id, rework.id)
    # The pieces stay counted as out at rework until the re-inspection decides them.
    assert (await tasks(session))[1] == (45, 0, 0, 5, "in_progress")
    assert (rework.pending_qc_qty, rework.status) == (4, "in_progress")
    inspection = await session.scalar(select(QCInspection)
                                      .where(QCInspection.report_id == recorded.report_id))
    assert inspection.rework_task_id == rework.id
    notices = [n for n in await outbox(session, chat(floor["Q01"]))
               if n["key"] == "qc.pending_rework"]
    assert [n["params"]["rework"] for n in notices] == ["RW-000001"]

    await inspect(session, recorded.report_id, floor["S01"], 4)
    assert await tasks(session) == [(100, 0, 0, 0, "done"), (49, 0, 0, 1, "in_progress"),
                                    (0, 0, 0, 0, "ready")]
    rework = await rework_row(session)
    assert (rework.good_qty, rework.pending_qc_qty, rework.status) == (4, 0, "in_progress")
    # The last piece is scrapped by the reworker: the rework is done, and so is THT's share.
    last = await report(session, floor["W02"], 0, 1, "burr", code=RW1)
    assert not last.held
    rework = await rework_row(session)
    assert (rework.scrap_qty, rework.status, rework.done_at) == (1, "done", NOW)
    assert (await tasks(session))[1] == (49, 1, 0, 0, "in_progress")
    with pytest.raises(DomainError) as refused:
        await reporting.open_rework_card(session, floor["W02"], "RW-000001", chat_id=1,
                                         source="typed", rules=RULES)
    assert refused.value.key == "rework.nothing_left"
    # The reworked pieces flow on.
    assert (await report(session, floor["W09"], 49)).good == 49


async def test_sent_back_again_becomes_a_new_rework_task(session, floor):
    await with_rework(session, floor, 50, 5)
    recorded = await report(session, floor["W02"], 5, code=RW1)
    await inspect(session, recorded.report_id, floor["Q01"], 2, rework=2, scrap=1)
    first, second = await rework_row(session), await rework_row(session, "RW-000002")
    assert (first.good_qty, first.scrap_qty, first.returned_qty, first.status) == (
        2, 1, 2, "done")
    assert (second.quantity, second.task_id, second.assignee_id) == (
        2, first.task_id, floor["W02"].id)
    assert (await tasks(session))[1] == (47, 1, 0, 2, "in_progress")


async def test_only_the_assignee_reports_rework(session, floor):
    await with_rework(session, floor)
    with pytest.raises(DomainError) as refused:
        await report(session, floor["W03"], 1, code=RW1)
    assert (refused.value.key, refused.value.params["assignee"]) == (
        "rework.not_yours", "工人W02")
    with pytest.raises(DomainError) as refused:
        await report(session, floor["W02"], 1, code=ReworkCode("RW-000009"))
    assert refused.value.key == "rework.unknown"


async def test_undo_of_a_rework_report_gives_the_pieces_back(session, floor):
    await with_rework(session, floor, 50, 5)
    recorded = await report(session, floor["W02"], 3, 1, "burr", code=RW1)
    await reporting.undo_report(session, floor["W02"], recorded.report_id, now=NOW, rules=RULES)
    rework = await rework_row(session)
    assert (rework.pending_qc_qty, rework.scrap_qty, rework_tasks.outstanding(rework)) == (0, 0, 5)
    assert (await tasks(session))[1] == (45, 0, 0, 5, "in_progress")


# --- wages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy, own_rate, other_rate", [
    ("unpaid_own", "0", "0.5000"),
    ("paid", "0.5000", "0.5000"),
    ("unpaid", "0", "0"),
])
async def test_the_factory_decides_whether_rework_is_paid(session, floor, policy, own_rate,
                                                          other_rate):
    session.add(FactorySetting(key="rework_pay", value=policy))
    await with_rework(session, floor, 50, 5)
    own = await report(session, floor["W02"], 2, code=RW1)
    await rework_tasks.reassign(session, floor["S01"], (await rework_row(session)).id,
                                floor["W03"].id, now=NOW, rules=RULES)
    other = await report(session, floor["W03"], 2, code=RW1)
    rates = [(await session.get(WorkReport, r.report_id)).piece_rate for r in (own, other)]
    assert rates == [Decimal(own_rate), Decimal(other_rate)]
    # Wages count accepted pieces only: nothing until the re-inspection passes them.
    assert [(await session.get(WorkReport, r.report_id)).accepted_qty for r in (own, other)] \
        == [0, 0]


# --- reassigning -------------------------------------------------------------------------------


async def test_a_supervisor_reassigns_and_both_are_told(session, floor):
    rework = await with_rework(session, floor)
    found, people = await rework_tasks.candidates(session, rework.id)
    assert [p.code for p in people] == ["W03"]  # skilled in THT, not the assignee already
    mark = (await outbox(session))[-1]["row"]
    done = await rework_tasks.reassign(session, floor["S01"], rework.id, floor["W03"].id,
                                       now=NOW, rules=RULES)
    assert (done.code, done.previous, done.assignee) == ("RW-000001", "工人W02", "工人W03")
    assert (await rework_row(session)).assignee_id == floor["W03"].id
    sent = await outbox(session, after=mark)
    assert [(n["chat"], n["key"]) for n in sent] == [
        (chat(floor["W03"]), "rework.assigned"), (chat(floor["W02"]), "rework.taken_over")]
    assert button_data(sent[0]) == [f"rw:r:{rework.id}"]
    event = await session.scalar(select(AuditEvent)
                                 .where(AuditEvent.action == "rework.reassigned"))
    assert event.actor_person_id == floor["S01"].id
    with pytest.raises(DomainError) as refused:
        await rework_tasks.reassign(session, floor["S01"], rework.id, floor["W09"].id, now=NOW,
                                    rules=RULES)
    assert refused.value.key == "rework.cannot_take"


# --- my rework (/tasks) ------------------------------------------------------------------------


async def test_my_rework_lists_what_is_left_to_report_with_the_card_button(session, floor):
    rework = await with_rework(session, floor, 50, 5)
    assert await reporting.my_rework(session, floor["W03"]) == []
    (mine,) = await reporting.my_rework(session, floor["W02"])
    assert mine.task.id == rework.id
    assert mine.card == {
        "code": "RW-000001", "work_order": "WO-000001", "seq": 20, "operation": "插件",
        "quantity": 5, "left": 5, "reason": {"zh": "毛刺", "en": "burr"}, "assignee": "工人W02"}
    # /tasks offers the same Report button as the rework card itself.
    assert rework_tasks.report_button(mine.task) == Button(
        "btn.rework_report", f"rw:r:{rework.id}", {"code": "RW-000001"})

    await report(session, floor["W02"], 3, code=RW1)
    (mine,) = await reporting.my_rework(session, floor["W02"])
    assert mine.card["left"] == 2
    # Everything reported back: it waits for QC, nothing is left for the worker to do.
    await report(session, floor["W02"], 2, code=RW1)
    assert (await rework_row(session)).status == "in_progress"
    assert await reporting.my_rework(session, floor["W02"]) == []


# --- traceability ------------------------------------------------------------------------------


async def test_scrap_and_rework_trace_to_worker_reason_and_inspector(session, floor):
    await report(session, floor["W01"], 95, 5, "material")
    recorded = await report(session, floor["W02"], 50)
    await inspect(session, recorded.report_id, floor["Q01"], 45, rework=3, scrap=2,
                  reason="dimension")
    (view,) = await load_open_work_orders(session)
    assert [(d.seq, d.worker, d.reason, d.rework, d.scrap, d.inspector, d.rework_code)
            for d in view.defects] == [
        (10, "工人W01", "material", 0, 5, None, None),
        (20, "工人W02", "dimension", 3, 2, "工人Q01", "RW-000001"),
    ]
    tht = view.operations[1]
    assert (tht.good, tht.scrap, tht.pending_qc, tht.rework, tht.remaining) == (45, 2, 0, 3, 45)
    assert view.to_dict()["defects"][1]["at"] == NOW.isoformat()


# --- the rework card ---------------------------------------------------------------------------


async def test_a_rework_card_carries_its_code(session, floor, tmp_path):
    await with_rework(session, floor, 50, 5)
    await session.commit()
    (card,) = await cards_for(session, ["RW-000001"], None)
    assert (card.work_order, card.rework_of, card.quantity, card.defect) == (
        "RW-000001", "WO-000001", 5, "毛刺 burr")
    assert [(op.seq, op.code) for op in card.operations] == [(20, "THT")]
    image = render_card(card, per_operation_codes=True)
    printed = f"GD1:{card.factory}/RW-000001"  # with this installation's factory tag
    assert {(c.kind, c.payload) for c in image.info["codes"]} == {
        ("qr", printed), ("code128", printed)}
    png = io.BytesIO()
    image.save(png, "PNG")
    assert [parse_label(t) for t in decode_texts(png.getvalue()).texts] == [RW1]
    await session.commit()  # SQLite: let the command's process write

    # The same from the command line, work orders and rework tasks together.
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(tmp_path / "gongdan.db"),
           "GONGDAN_LANGUAGE": "en"}
    done = subprocess.run([sys.executable, "-m", "bot", "labels", "WO-000001", "rw-1", "-o",
                           str(tmp_path / "cards.pdf")], env=env, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert len(re.findall(rb"/Type /Page\b(?!s)", (tmp_path / "cards.pdf").read_bytes())) == 2
    missing = subprocess.run([sys.executable, "-m", "bot", "labels", "RW-000009", "-o",
                              str(tmp_path / "x.pdf")], env=env, capture_output=True, text=True,
                             timeout=60, cwd=ROOT)
    assert missing.returncode == 1 and "no rework task RW-000009" in missing.stderr
