"""Materials on a real database: consumption by reports, issue and return, the requirement
table, and the shortage 缺料 raised at the planned start and climbing the exception ladder.

Figures are hand-computed: WO-000001 makes 100 PCB-A; the BOM takes 0.25 kg of STEEL per
unit at the first operation (SMT, by default) and 4 SCREW per unit at THT."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from domain import andon, material_shortage, materials, reminders, reporting
from domain.errors import DomainError
from domain.models import (
    AuditEvent,
    BomLine,
    EscalationStep,
    FloorException,
    GroupLink,
    LadderStep,
    Material,
    MaterialMovement,
    OperationTask,
    OutboxMessage,
    Person,
    Product,
    Reminder,
    Responsibility,
    WorkOrder,
)
from domain.payload import LabelCode
from domain.quantities import ConcurrentChange
from domain.reporting import OpenedCard
from domain.rules import FactoryRules
from tests import builders

RULES = FactoryRules()
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
GROUP = -100900
D = Decimal


@pytest.fixture
async def floor(sessions):
    """PCB-A with its BOM and stock (STEEL 30 kg, SCREW 1000, PAINT 5 l not on the BOM),
    WO-000001 of 100, workers, a supervisor, a storekeeper responsible for shortages."""
    async with sessions() as session, session.begin():
        product = await builders.product(session)
        session.add_all([
            Material(code="STEEL", name="钢板", unit="kg", on_hand=D(30)),
            Material(code="SCREW", name="螺丝", unit="pcs", on_hand=D(1000)),
            Material(code="PAINT", name="油漆", unit="l", on_hand=D(5)),
            BomLine(product_id=product.id, material_code="STEEL", material_name="钢板",
                    qty_per_unit=D("0.25"), unit="kg"),
            BomLine(product_id=product.id, material_code="SCREW", material_name="螺丝",
                    qty_per_unit=D(4), unit="pcs", operation_code="THT")])
        await session.flush()
        await builders.work_order(session, product, quantity=100)
        await builders.person(session, "W01", skills="SMT", telegram_user_id=1001)
        await builders.person(session, "W02", skills="THT", telegram_user_id=1002)
        await builders.person(session, "S01", role="supervisor", telegram_user_id=2001)
        await builders.person(session, "M01", role="manager", telegram_user_id=3001)
        keeper = await builders.person(session, "K01", telegram_user_id=4001)
        session.add(Responsibility(kind="material", person_id=keeper.id))
    return sessions


async def person(session, code: str) -> Person:
    return await session.scalar(select(Person).where(Person.code == code))


async def report(sessions, code: str, good: int, scrap: int = 0, *, now=T0) -> int:
    async with sessions() as session, session.begin():
        worker = await person(session, code)
        opened = await reporting.open_card(session, worker, LabelCode("WO-000001", None),
                                           chat_id=1, source="typed", rules=RULES)
        assert isinstance(opened, OpenedCard)
        recorded = await reporting.submit_quantity(
            session, worker, opened.draft_id, good=good, scrap=scrap,
            reason="burr" if scrap else None, key=f"r:{code}:{good}:{scrap}", now=now,
            rules=RULES)
        return recorded.report_id


async def move(sessions, kind: str, code: str, material: str, qty, *, key: str,
               work_order: str = "WO-000001") -> materials.Moved:
    use = materials.issue if kind == "issue" else materials.return_material
    async with sessions() as session, session.begin():
        return await use(session, await person(session, code), work_order, material, qty,
                         key=key, now=T0)


async def refused(sessions, kind: str, code: str, material: str, qty, **kw) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await move(sessions, kind, code, material, qty, key="refused", **kw)
    return caught.value


async def table(sessions) -> dict[str, tuple]:
    async with sessions() as session:
        wo = await session.scalar(select(WorkOrder).where(WorkOrder.code == "WO-000001"))
        return {r.code: (r.need, r.issued, r.consumed, r.on_line, r.to_issue, r.on_hand)
                for r in await materials.requirement(session, wo)}


async def consumed(sessions) -> dict[str, Decimal]:
    async with sessions() as session:
        rows = await session.execute(
            select(Material.code, func.sum(MaterialMovement.qty))
            .join(Material, Material.id == MaterialMovement.material_id)
            .where(MaterialMovement.kind == "consume").group_by(Material.code))
        return {code: D(str(total)).quantize(D("0.0001")) for code, total in rows.all()}


# --- typed quantities ----------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "expected"), [
    ("50", D(50)), ("12.5", D("12.5")), ("５０", D(50)), ("１２．５", D("12.5")),
    ("1,200", D(1200)), (" 0.0001 ", D("0.0001"))])
def test_a_typed_quantity_is_a_decimal(typed, expected):
    assert materials.parse_quantity(typed) == expected


@pytest.mark.parametrize(("typed", "key"), [
    ("1e9", "material.bad_quantity"), ("abc", "material.bad_quantity"),
    ("", "material.bad_quantity"), ("5kg", "material.bad_quantity"),
    ("-5", "material.not_positive"), ("－５", "material.not_positive"),
    ("0", "material.not_positive"), ("0.00001", "material.too_precise"),
    ("100000001", "material.too_large"), ("NaN", "material.bad_quantity")])
def test_a_bad_quantity_is_refused_clearly(typed, key):
    with pytest.raises(DomainError) as caught:
        materials.parse_quantity(typed)
    assert caught.value.key == key


# --- consumption ---------------------------------------------------------------------------


async def test_reports_consume_the_bom_of_their_operation_and_an_undo_gives_it_back(floor):
    await report(floor, "W01", 30, 2)  # SMT: 32 pieces × 0.25 kg of STEEL
    assert await consumed(floor) == {"STEEL": D(8)}
    tht = await report(floor, "W02", 20)  # THT: 20 × 4 SCREW
    assert await consumed(floor) == {"STEEL": D(8), "SCREW": D(80)}

    async with floor() as session, session.begin():
        await reporting.undo_report(session, await person(session, "W02"), tht,
                                    now=T0 + timedelta(minutes=1), rules=RULES)
    assert await consumed(floor) == {"STEEL": D(8), "SCREW": D(0)}
    async with floor() as session:  # the reversal is a movement of its own, never an edit
        rows = (await session.execute(
            select(MaterialMovement.qty).join(Material).where(Material.code == "SCREW")
            .order_by(MaterialMovement.id))).scalars().all()
    assert rows == [D(80), D(-80)]
    assert (await table(floor))["STEEL"] == (D(25), D(0), D(8), D(-8), D(25), D(30))


async def test_a_bom_line_naming_an_operation_the_routing_lacks_is_used_at_the_first(floor):
    async with floor() as session, session.begin():
        await session.execute(update(BomLine).where(BomLine.material_code == "SCREW")
                              .values(operation_code="WELD"))
    await report(floor, "W01", 10)
    assert await consumed(floor) == {"STEEL": D("2.5"), "SCREW": D(40)}


# --- issue and return ----------------------------------------------------------------------


async def test_issue_and_return_move_stock_within_their_limits(floor):
    issued = await move(floor, "issue", "S01", "steel", "20", key="u1")  # any letter case
    assert (issued.work_order, issued.qty, issued.line.on_hand, issued.line.issued,
            issued.line.to_issue) == ("WO-000001", D(20), D(10), D(20), D(5))
    too_much = await refused(floor, "issue", "S01", "STEEL", "11")
    assert (too_much.key, too_much.params["on_hand"], too_much.params["qty"]) == (
        "material.not_enough_stock", "10", "11")

    await report(floor, "W01", 32)  # 8 kg used: 12 kg left on the line
    over = await refused(floor, "return", "S01", "STEEL", "12.5")
    assert (over.key, over.params["on_line"]) == ("material.return_too_much", "12")
    back = await move(floor, "return", "S01", "STEEL", D(12), key="u2")
    assert (back.line.on_hand, back.line.issued, back.line.on_line) == (D(22), D(8), D(0))

    assert (await refused(floor, "issue", "S01", "PAINT", "1")).key == "material.not_on_bom"
    assert (await refused(floor, "issue", "S01", "GLUE", "1")).key == "material.unknown"
    assert (await refused(floor, "issue", "S01", "STEEL", "1",
                          work_order="WO-000099")).key == "material.unknown_work_order"
    assert (await refused(floor, "issue", "S01", "STEEL", "-5")).key == "material.not_positive"
    assert (await refused(floor, "issue", "W01", "STEEL", "1")).key == "material.not_allowed"
    async with floor() as session:
        assert (await session.scalar(select(Material).where(Material.code == "STEEL"))
                ).on_hand == D(22)
        details = [(a, json.loads(d)) for a, d in (await session.execute(
            select(AuditEvent.action, AuditEvent.detail)
            .where(AuditEvent.action.like("material.%")).order_by(AuditEvent.id))).all()]
    assert [(a, d["material"], d["qty"], d["on_hand"]) for a, d in details] == [
        ("material.issued", "STEEL", "20", "10"), ("material.returned", "STEEL", "12", "22")]


async def test_the_storekeeper_responsible_for_shortages_may_issue_and_a_repeat_is_once(floor):
    first = await move(floor, "issue", "K01", "SCREW", "400", key="update-7")
    again = await move(floor, "issue", "K01", "SCREW", "400", key="update-7")
    assert (first.repeated, again.repeated) == (False, True)
    assert again.line.on_hand == first.line.on_hand == D(600)
    async with floor() as session:
        assert await session.scalar(select(func.count()).select_from(MaterialMovement).where(
            MaterialMovement.kind == "issue")) == 1


async def test_stock_changed_since_it_was_read_makes_the_update_retry(floor):
    async with floor() as session, session.begin():
        boss = await person(session, "S01")
        steel = await session.scalar(select(Material).where(Material.code == "STEEL"))
        assert steel.on_hand == D(30)
        await session.execute(update(Material).where(Material.id == steel.id)  # another issue
                              .values(on_hand=D(5)).execution_options(synchronize_session=False))
        with pytest.raises(ConcurrentChange):  # the inbox runs the update again, afresh
            await materials.issue(session, boss, "WO-000001", "STEEL", "20", key="u", now=T0)


async def test_no_issue_to_a_closed_work_order_but_its_leftovers_go_back(floor):
    await move(floor, "issue", "S01", "STEEL", "5", key="u1")
    async with floor() as session, session.begin():
        await session.execute(update(WorkOrder).values(status="closed"))
    assert (await refused(floor, "issue", "S01", "STEEL", "1")).key == \
        "material.work_order_closed"
    back = await move(floor, "return", "S01", "STEEL", "5", key="u2")
    assert back.line.on_hand == D(30)


async def test_the_requirement_table(floor):
    await move(floor, "issue", "S01", "STEEL", "20", key="u1")
    await move(floor, "issue", "S01", "SCREW", "400", key="u2")
    await report(floor, "W01", 30, 2)
    await report(floor, "W02", 20)
    # need, issued, consumed, on the line, still to issue, in store
    assert await table(floor) == {
        "STEEL": (D(25), D(20), D(8), D(12), D(5), D(10)),
        "SCREW": (D(400), D(400), D(80), D(320), D(0), D(600))}
    async with floor() as session:
        (steel,) = await materials.stock(session, "STEEL")
    assert (steel.on_hand, steel.to_issue, [c for c, _ in steel.work_orders]) == (
        D(10), D(5), ["WO-000001"])


# --- shortage ------------------------------------------------------------------------------


async def plan_start(sessions, at: datetime, now: datetime = T0) -> None:
    """Planning sets the tasks' start times and schedules the material check."""
    async with sessions() as session, session.begin():
        await session.execute(update(OperationTask).values(planned_start=at))
        wo = await session.scalar(select(WorkOrder).where(WorkOrder.code == "WO-000001"))
        await material_shortage.schedule_material_check(session, wo, now)


async def shortage_exceptions(sessions) -> list[FloorException]:
    async with sessions() as session:
        return list((await session.scalars(select(FloorException).where(
            FloorException.kind == "material").order_by(FloorException.id))).all())


async def sweep(sessions, at: datetime) -> None:
    await reminders.sweep(sessions, at, RULES)


async def test_a_shortage_is_raised_once_at_the_planned_start(floor):
    async with floor() as session, session.begin():  # 30 kg of STEEL, 25 needed: enough
        await session.execute(update(Material).where(Material.code == "STEEL")
                              .values(on_hand=D(10)))
    start = T0 + timedelta(hours=2)
    await plan_start(floor, start)
    await sweep(floor, start - timedelta(seconds=1))
    assert await shortage_exceptions(floor) == []

    await sweep(floor, start)
    (raised,) = await shortage_exceptions(floor)
    assert (raised.reported_by, raised.work_order_id, raised.status, raised.reported_at) == (
        None, 1, "open", start)
    assert raised.comment.splitlines()[1] == (
        "STEEL 钢板：还需 25 kg，可用 10 kg（线上 0 + 库存 10），缺 15 kg")
    assert "SCREW" not in raised.comment
    await sweep(floor, start + timedelta(hours=1))
    await plan_start(floor, start, now=start + timedelta(hours=1))  # scheduled again: same fact
    assert len(await shortage_exceptions(floor)) == 1
    async with floor() as session:  # checked at release (enough then) and at the start
        checks = (await session.execute(select(Reminder.fact_key, Reminder.status).where(
            Reminder.kind == "material_check").order_by(Reminder.id))).all()
    assert [status for _, status in checks] == ["done", "done"]
    assert checks[1][0] == "material_check:1:20260302T030000Z"


async def test_issued_and_used_material_counts_and_enough_raises_nothing(floor):
    await move(floor, "issue", "S01", "STEEL", "20", key="u1")  # 20 on the line, 10 in store
    await report(floor, "W01", 40)  # 10 kg used: 15 still needed, 10 on the line + 10 in store
    start = T0 + timedelta(hours=1)
    await plan_start(floor, start)
    await sweep(floor, start)
    assert await shortage_exceptions(floor) == []
    async with floor() as session:
        wo = await session.get(WorkOrder, 1)
        assert await material_shortage.shortages(session, wo) == []


async def test_a_work_order_without_planned_times_is_checked_at_release(floor):
    async with floor() as session, session.begin():
        product = await session.scalar(select(Product))
        await builders.work_order(session, product, quantity=200, number=2)  # 50 kg: 30 held
    (raised,) = await shortage_exceptions(floor)
    assert "缺 20 kg" in raised.comment and "SCREW" not in raised.comment


async def test_a_replanned_work_order_is_checked_at_its_new_start_only(floor):
    async with floor() as session, session.begin():
        await session.execute(update(Material).where(Material.code == "SCREW")
                              .values(on_hand=D(100)))
    await plan_start(floor, T0 + timedelta(hours=1))
    await plan_start(floor, T0 + timedelta(hours=3))
    await sweep(floor, T0 + timedelta(hours=2))
    assert await shortage_exceptions(floor) == []
    await sweep(floor, T0 + timedelta(hours=3))
    (raised,) = await shortage_exceptions(floor)
    assert "SCREW 螺丝：还需 400 pcs，可用 100 pcs（线上 0 + 库存 100），缺 300 pcs" in raised.comment


LADDER = ((0, "responsible"), (60, "role:supervisor"), (120, "group:exceptions"))


async def test_a_shortage_climbs_the_exception_ladder(floor):
    async with floor() as session, session.begin():
        await session.execute(update(Material).where(Material.code == "STEEL")
                              .values(on_hand=D(0)))
        session.add(GroupLink(chat_id=GROUP, purpose="exceptions", title="车间异常群"))
        session.add_all([LadderStep(ladder="exception_ack", step_no=i, delay_seconds=delay,
                                    target=target) for i, (delay, target) in enumerate(LADDER)])
    start = T0 + timedelta(hours=1)
    await plan_start(floor, start)
    await sweep(floor, start)
    (raised,) = await shortage_exceptions(floor)
    for later in (59, 60, 120, 600):
        await sweep(floor, start + timedelta(seconds=later))
    async with floor() as session:
        steps = (await session.execute(
            select(EscalationStep.step_no, EscalationStep.target, EscalationStep.recipients,
                   EscalationStep.fired_at)
            .where(EscalationStep.entity == "floor_exception",
                   EscalationStep.entity_id == raised.id).order_by(EscalationStep.id))).all()
        sent = [(m.chat_id, json.loads(m.payload)["key"]) for m in (await session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id))).all()]
    assert steps == [(0, "responsible", "4001", start),
                     (1, "role:supervisor", "2001", start + timedelta(seconds=60)),
                     (2, "group:exceptions", str(GROUP), start + timedelta(seconds=120))]
    assert sent == [(GROUP, "exception.post"), (4001, "exception.post"),
                    (2001, "exception.escalated_ack"), (GROUP, "exception.escalated_ack")]
    async with floor() as session:
        post = json.loads((await session.scalar(select(OutboxMessage))).payload)
    assert post["params"]["reporter"] == {"zh": "系统自动", "en": "the system"}


async def test_no_second_shortage_while_one_for_the_work_order_is_open(floor):
    async with floor() as session, session.begin():
        await session.execute(update(Material).values(on_hand=D(0)))
    async with floor() as session, session.begin():  # a worker reported it already
        wo = await session.get(WorkOrder, 1)
        await andon.report(session, await person(session, "W01"), kind="material",
                           subject=andon.Subject(wo.id, wo.code), line_stopped=False,
                           comment="没有钢板了", photo_file_id=None, now=T0, rules=RULES)
    await plan_start(floor, T0 + timedelta(hours=1))
    await sweep(floor, T0 + timedelta(hours=1))
    assert [e.comment for e in await shortage_exceptions(floor)] == ["没有钢板了"]

    async with floor() as session, session.begin():  # handled; replanned, still short
        await andon.resolve(session, await person(session, "K01"), 1,
                            now=T0 + timedelta(hours=2), rules=RULES)
    await plan_start(floor, T0 + timedelta(hours=3), now=T0 + timedelta(hours=2))
    await sweep(floor, T0 + timedelta(hours=3))
    assert len(await shortage_exceptions(floor)) == 2


async def test_a_system_shortage_is_confirmed_by_the_responsible_people(floor):
    async with floor() as session, session.begin():
        await session.execute(update(Material).values(on_hand=D(0)))
        k02 = await builders.person(session, "K02", telegram_user_id=4002)
        session.add(Responsibility(kind="material", person_id=k02.id))
    await plan_start(floor, T0)
    (raised,) = await shortage_exceptions(floor)
    async with floor() as session, session.begin():
        await andon.resolve(session, await person(session, "K01"), raised.id,
                            now=T0 + timedelta(minutes=5), rules=RULES)
    async with floor() as session:
        asked = [m.chat_id for m in (await session.scalars(select(OutboxMessage))).all()
                 if json.loads(m.payload)["key"] == "exception.confirm_fix"]
    assert asked == [4002]  # the other responsible person; the resolver is not asked
    with pytest.raises(DomainError) as caught:
        async with floor() as session, session.begin():
            await andon.confirm_fixed(session, await person(session, "W01"), raised.id,
                                      now=T0 + timedelta(minutes=6), rules=RULES)
    assert caught.value.key == "exception.not_allowed"
    async with floor() as session, session.begin():
        await andon.confirm_fixed(session, await person(session, "K02"), raised.id,
                                  now=T0 + timedelta(minutes=6), rules=RULES)
    (closed,) = await shortage_exceptions(floor)
    assert (closed.status, closed.closed_by) == ("closed", 6)


async def test_planning_ahead_follows_work_orders_not_yet_checked(floor):
    async with floor() as session, session.begin():
        await session.execute(update(OperationTask).values(planned_start=T0 + timedelta(hours=5)))
        assert await material_shortage.plan_ahead(session, T0, RULES) == 1
        assert await material_shortage.plan_ahead(session, T0, RULES) == 0
        keys = (await session.scalars(select(Reminder.fact_key).where(
            Reminder.kind == "material_check").order_by(Reminder.id))).all()
    assert keys[-1] == "material_check:1:20260302T060000Z"
