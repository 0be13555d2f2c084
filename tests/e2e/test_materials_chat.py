"""Materials through the real bot over real HTTP: /issue, /return, /materials and /stock in
Chinese and English with the refusals people actually hit, an issue opened by photographing the
card, and a shortage raised at the planned start and escalated up the ladder in seconds.

WO-000001 makes 100 PCB-A; its BOM takes 0.25 kg STEEL per unit (at SMT, the first operation)
and 4 SCREW per unit at THT. The store holds 30 kg STEEL and 1000 SCREW."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import GongdanBot
from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import cards_for
from domain import material_shortage
from domain.models import (
    BomLine,
    EscalationStep,
    FloorException,
    GroupLink,
    LadderStep,
    Material,
    MaterialMovement,
    OperationTask,
    Product,
    Responsibility,
    WorkOrder,
)
from domain.models.base import utcnow
from tests import builders
from tests.e2e.conftest import Floor, seed, settings_for

GROUP = -100999


async def stock_and_bom(floor: Floor, steel: str = "30") -> None:
    async with floor.bot.sessions() as session, session.begin():
        product = await session.scalar(select(Product))
        session.add_all([
            Material(code="STEEL", name="钢板", unit="kg", on_hand=Decimal(steel)),
            Material(code="SCREW", name="螺丝", unit="pcs", on_hand=Decimal(1000)),
            BomLine(product_id=product.id, material_code="STEEL", material_name="钢板",
                    qty_per_unit=Decimal("0.25"), unit="kg"),
            BomLine(product_id=product.id, material_code="SCREW", material_name="螺丝",
                    qty_per_unit=Decimal(4), unit="pcs", operation_code="THT")])


async def on_hand(floor: Floor) -> dict[str, Decimal]:
    async with floor.bot.sessions() as session:
        return dict((await session.execute(select(Material.code, Material.on_hand))).all())


async def test_issue_return_and_the_requirement_table_in_chinese(floor):
    await stock_and_bom(floor)
    boss = await floor.register(2001, "S01", "Ma", role="supervisor")
    worker = await floor.register(1001, "W01", "Li")

    await boss.command("/issue")
    assert "用法：/issue 工单号 物料编码 数量" in (await boss.wait_message()).text
    await boss.command("/issue", "WO-000001 STEEL 20")
    done = await boss.wait_message("已领料")
    assert done.text == ("✅ 已领料：WO-000001 ← STEEL 钢板 20 kg\n"
                         "库存剩 10 kg；线上 20 kg；还需领 5 kg")
    for typed, answer in (("1e9", "“1e9”不是数量"), ("-5", "数量必须大于 0（填的是 -5）"),
                          ("11", "库存不够：STEEL 要领 11 kg，库存只有 10 kg"),
                          ("0.00001", "最多 4 位小数")):
        await boss.command("/issue", f"WO-000001 STEEL {typed}")
        assert answer in (await boss.wait_message()).text
    await boss.command("/issue", "WO-000009 STEEL 1")
    assert (await boss.wait_message()).text == "找不到工单 WO-000009。"
    await boss.command("/issue", "WO-000001 GLUE 1")
    assert "找不到物料 GLUE" in (await boss.wait_message()).text
    await boss.command("/issue", "ｗｏ-1 screw ４００")  # full width, any case
    assert "已领料：WO-000001 ← SCREW 螺丝 400 个" in (await boss.wait_message()).text

    # The worker reports 32 pieces at SMT: 8 kg of STEEL used.
    await worker.send_text("WO-000001 30")
    await worker.wait_message("已记录")
    await worker.send_text("WO-000001 2")
    await worker.wait_message("已记录")
    await worker.command("/issue", "WO-000001 STEEL 1")
    assert "只有班组长、厂长和缺料责任人" in (await worker.wait_message()).text

    await boss.command("/return", "WO-000001 STEEL 13")
    assert "线上只有 12 kg 的 STEEL，不能退 13 kg" in (await boss.wait_message()).text
    await boss.command("/return", "WO-000001 STEEL 2")
    back = await boss.wait_message("已退料")
    assert back.text == ("↩️ 已退料：WO-000001 → 仓库 STEEL 钢板 2 kg\n"
                         "库存 12 kg；线上剩 10 kg")

    await boss.command("/materials", "WO-000001")
    shown = (await boss.wait_message("物料需求")).text.splitlines()
    assert shown[0] == "📦 WO-000001 物料需求（PCB-A PCB-A 主板 × 100，生产中）"
    assert shown[1:3] == [
        "• SCREW 螺丝（个）：需 400 · 已领 400 · 已耗 0 · 线上 400 · 待领 0 · 库存 600",
        "• STEEL 钢板（kg）：需 25 · 已领 18 · 已耗 8 · 线上 10 · 待领 7 · 库存 12"]
    await boss.command("/stock")
    stock = (await boss.wait_message("库存")).text
    assert "• STEEL 钢板：库存 12 kg，待领 7 kg" in stock
    assert await on_hand(floor) == {"STEEL": Decimal(12), "SCREW": Decimal(600)}
    async with floor.bot.sessions() as session:
        kinds = (await session.scalars(select(MaterialMovement.kind)
                                       .order_by(MaterialMovement.id))).all()
    assert kinds == ["issue", "issue", "consume", "consume", "return"]


async def test_issue_and_materials_in_english_with_a_short_material(floor):
    await stock_and_bom(floor, steel="3")
    boss = await floor.register(2001, "S01", "Ma", lang="en", role="supervisor")
    await boss.command("/issue", "WO-000001 STEEL 3")
    done = await boss.wait_message("Issued")
    assert done.text == ("✅ Issued to WO-000001: STEEL 钢板 3 kg\n"
                         "In store 0 kg; on the line 3 kg; still to issue 22 kg")
    await boss.command("/issue", "WO-000001 STEEL abc")
    assert (await boss.wait_message()).text == (
        "“abc” is not a quantity. Write a plain number such as 50 or 12.5.")
    await boss.command("/materials", "WO-000001")
    shown = (await boss.wait_message("materials")).text.splitlines()
    assert shown[0] == "📦 WO-000001 materials (PCB-A PCB-A 主板 × 100, released)"
    assert shown[2:4] == [
        "• STEEL 钢板 (kg): need 25 · issued 3 · used 0 · on the line 3 · to issue 22 · "
        "in store 0", "  ⚠️ short by 22 kg"]
    await boss.command("/stock", "steel")
    one = (await boss.wait_message("STEEL")).text.splitlines()
    assert one == ["🏬 STEEL 钢板: 0 kg in store, 22 kg still to issue to open work orders",
                   "• WO-000001: need 25 · on the line 3 · to issue 22"]


async def test_a_card_photographed_with_the_caption_issue_opens_the_issue(floor):
    await stock_and_bom(floor)
    boss = await floor.register(2001, "S01", "Ma", role="supervisor")
    async with floor.bot.sessions() as session:
        (card,) = await cards_for(session, ["WO-000001"], None)
    photo = phone_photo(render_card(card), seed=3, difficulty="easy")

    await boss.send_photo(photo, caption="领料")
    pick = await boss.wait_message("选物料", timeout=10)
    assert pick.button_texts == ["SCREW 螺丝（待领 400）", "STEEL 钢板（待领 25）", "取消"]
    await boss.press("STEEL 钢板（待领 25）", pick)
    asked = await boss.wait_edit("请输入数量")
    assert asked.button_texts == ["领 25 kg", "取消"]
    await boss.send_text("１２.５")
    done = await boss.wait_message("已领料")
    assert "STEEL 钢板 12.5 kg" in done.text and "还需领 12.5 kg" in done.text
    await boss.send_text("3")  # the issue is over: a bare number is not an issue any more
    assert "已领料" not in (await boss.wait_message()).text

    await boss.send_photo(photo, caption="issue")
    pick = await boss.wait_message("选物料", timeout=10)
    await boss.press("STEEL 钢板（待领 12.5）", pick)
    await boss.wait_edit("请输入数量")
    await boss.press("领 12.5 kg")
    assert "库存剩 5 kg" in (await boss.wait_edit("已领料")).text
    assert (await on_hand(floor))["STEEL"] == Decimal(5)


# --- a shortage on a clock in seconds ------------------------------------------------------

LADDER = ((0, "responsible"), (1, "role:supervisor"), (2, "group:exceptions"))


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


async def test_a_shortage_at_the_planned_start_is_raised_and_escalated(fast_floor):
    floor = fast_floor
    # Planned before the BOM exists: the bot's periodic pass (which also runs on start) then
    # follows the same check at the planned start, never one at the release time.
    start = utcnow() + timedelta(seconds=4)
    async with floor.bot.sessions() as session, session.begin():
        await session.execute(update(OperationTask).values(planned_start=start))
    await stock_and_bom(floor, steel="10")  # 25 kg needed
    async with floor.bot.sessions() as session, session.begin():
        keeper = await builders.person(session, "K01")
        session.add(Responsibility(kind="material", person_id=keeper.id))
        session.add(GroupLink(chat_id=GROUP, purpose="exceptions", title="车间异常群"))
        session.add_all([LadderStep(ladder="exception_ack", step_no=i, delay_seconds=delay,
                                    target=target) for i, (delay, target) in enumerate(LADDER)])
    keeper = await floor.register(4001, "K01", "Zhao")
    boss = await floor.register(2001, "S01", "Ma", role="supervisor")
    group = floor.api.group(GROUP, "车间异常群", members=[keeper, boss])

    async with floor.bot.sessions() as session, session.begin():  # what planning does
        wo = await session.scalar(select(WorkOrder))
        await material_shortage.schedule_material_check(session, wo, utcnow())
    await keeper.assert_no_message(1.0)

    call = await keeper.wait_message("EX-000001", timeout=10)
    assert call.text.startswith("🚨 异常 EX-000001｜缺料｜一般\n上报：系统自动，")
    assert "STEEL 钢板：还需 25 kg，可用 10 kg（线上 0 + 库存 10），缺 15 kg" in call.text
    assert call.button_texts == ["👀 响应", "✅ 已解决"]
    post = await group.wait_message("EX-000001")
    assert "涉及：工单 WO-000001" in post.text
    second = await boss.wait_message("无人响应", timeout=10)
    assert "第 2/3 级" in second.text
    third = await group.wait_message("无人响应", timeout=10)
    assert "第 3/3 级" in third.text

    # The storekeeper resolves it after bringing steel; nothing is raised twice.
    await keeper.press("✅ 已解决", call)
    await keeper.wait_message("标记为解决")
    await floor.settle()
    async with floor.bot.sessions() as session:
        (exception,) = (await session.scalars(select(FloorException))).all()
        steps = (await session.scalars(select(EscalationStep.target).where(
            EscalationStep.entity == "floor_exception").order_by(EscalationStep.id))).all()
    assert (exception.kind, exception.reported_by, exception.status) == ("material", None,
                                                                        "resolved")
    assert steps == ["responsible", "role:supervisor", "group:exceptions"]
