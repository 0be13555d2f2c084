"""Another factory's travel card, through the real bot over real HTTP.

Two factories running Gongdan both have a WO-000001. A photo of the other one's card (a
subcontractor's, goods a customer sent back) is refused with its factory tag named, the refusal
is audited, and nothing is recorded; our own tagged card, and an old card without a tag, report
as always. A tag typed by hand is checked the same way."""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import func, select

from bot.labels import Card, render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import cards_for
from domain.factory_settings import stored_factory_tag
from domain.models import (
    AuditEvent,
    FloorException,
    InputDraft,
    OperationTask,
    ReportDraft,
    WorkReport,
)
from tests.e2e.conftest import Floor


async def our_card(floor: Floor) -> Card:
    async with floor.bot.sessions() as session:
        (card,) = await cards_for(session, ["WO-000001"], None)
    return card


async def our_tag(floor: Floor) -> str:
    async with floor.bot.sessions() as session:
        tag = await stored_factory_tag(session)
    assert tag is not None  # drawn when the bot started
    return tag


def other_tag(ours: str) -> str:
    return "X9YA" if ours != "X9YA" else "K7QF"


def photo_of(card: Card, seed: int = 3) -> bytes:
    return phone_photo(render_card(card), seed=seed, difficulty="easy")


async def floor_state(floor: Floor) -> tuple:
    """Everything a report would change: the tasks, the reports, open task cards."""
    async with floor.bot.sessions() as session:
        tasks = (await session.execute(
            select(OperationTask.good_qty, OperationTask.scrap_qty, OperationTask.status)
            .order_by(OperationTask.seq))).all()
        reports = await session.scalar(select(func.count()).select_from(WorkReport))
        drafts = await session.scalar(select(func.count()).select_from(ReportDraft))
    return tuple(tasks), reports, drafts


async def refusals(floor: Floor) -> list[dict]:
    async with floor.bot.sessions() as session:
        details = (await session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "refused").order_by(AuditEvent.id))).all()
    return [json.loads(d) for d in details if d]


async def test_a_photo_of_another_factorys_card_is_refused_and_changes_nothing(floor):
    worker = await floor.register(1001, "W01", "Li")
    ours = await our_tag(floor)
    card = await our_card(floor)
    assert card.factory == ours
    before = await floor_state(floor)
    foreign = dataclasses.replace(card, factory=other_tag(ours))  # their WO-000001

    await worker.send_photo(photo_of(foreign), caption="30")
    refusal = await worker.wait_message(timeout=10)
    assert refusal.text == (
        f"这张流转卡来自其他工厂（厂标 {foreign.factory}），不是本厂的工单，没有记录任何内容。"
        f"本厂的卡上印的是 GD1:{ours}/…；请扫本厂的卡，或输入卡上的工单号。")
    await floor.settle()
    assert await floor_state(floor) == before
    [refused] = await refusals(floor)
    assert refused["reason"] == "label.other_factory"
    assert refused["action_name"] == "photo"
    assert refused["params"] == {"factory": foreign.factory, "ours": ours}

    # Our own card, tagged, reports as before.
    await worker.send_photo(photo_of(card, seed=4), caption="30")
    done = await worker.wait_message("已记录", timeout=10)
    assert "良品 30" in done.text
    assert (await floor_state(floor))[0][0] == (30, 0, "in_progress")


async def test_an_old_card_without_a_tag_still_reports(floor):
    worker = await floor.register(1001, "W01", "Li", lang="en")
    old = dataclasses.replace(await our_card(floor), factory=None)
    await worker.send_photo(photo_of(old, seed=5))
    card = await worker.wait_message("WO-000001", timeout=10)
    assert "Operation 10" in card.text
    assert await refusals(floor) == []


async def test_a_tag_typed_by_hand_is_checked_too(floor):
    worker = await floor.register(1001, "W01", "Li", lang="en")
    ours = await our_tag(floor)
    before = await floor_state(floor)
    their = other_tag(ours)
    for typed in (f"GD1:{their}/WO-000001 20", f"{their.lower()}/wo-1"):
        await worker.send_text(typed)
        refusal = await worker.wait_message()
        assert refusal.text.startswith(f"That card comes from another factory (tag {their})")
        assert f"Our cards read GD1:{ours}/" in refusal.text
    await floor.settle()
    assert await floor_state(floor) == before
    assert [r["reason"] for r in await refusals(floor)] == ["label.other_factory"] * 2

    await worker.send_text(f"GD1:{ours}/WO-000001 20")  # what our card prints under the bars
    done = await worker.wait_message("Recorded")
    assert "20 good" in done.text


async def test_another_factorys_card_names_no_subject_of_an_exception(floor):
    worker = await floor.register(1001, "W01", "Li")
    foreign = dataclasses.replace(await our_card(floor), factory=other_tag(await our_tag(floor)))
    await worker.command("/exception")
    await worker.wait_message("是哪一类问题")
    await worker.press("质量")
    await worker.wait_edit("涉及哪个工单或工位")
    await worker.send_photo(photo_of(foreign, seed=6))
    refusal = await worker.wait_message(timeout=10)
    assert refusal.text.startswith(f"这张流转卡来自其他工厂（厂标 {foreign.factory}）")
    await floor.settle()
    async with floor.bot.sessions() as session:
        assert (await session.scalars(select(FloorException))).all() == []
    assert [r["reason"] for r in await refusals(floor)] == ["label.other_factory"]


async def test_another_factorys_card_opens_no_material_issue(floor):
    boss = await floor.register(2001, "S01", "Ma", role="supervisor", lang="en")
    ours = await our_tag(floor)
    foreign = dataclasses.replace(await our_card(floor), factory=other_tag(ours))
    await boss.send_photo(photo_of(foreign, seed=8), caption="领料")
    refusal = await boss.wait_message(timeout=10)
    assert refusal.text.startswith(f"That card comes from another factory (tag {foreign.factory})")
    await floor.settle()
    async with floor.bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InputDraft)) == 0
    assert [(r["reason"], r["action_name"]) for r in await refusals(floor)] == [
        ("label.other_factory", "issue_photo")]
