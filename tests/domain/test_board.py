"""The shop-floor board's snapshot on a hand-built floor: progress, late flags, exception age
and level, today's output vs the prorated plan, and the change stamp."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from domain import andon, board, reminders
from domain.andon.subject import Subject
from domain.models import (
    OperationTask,
    Order,
    Person,
    ReworkTask,
    WorkOrder,
    WorkReport,
)
from domain.rules import FactoryRules
from tests import builders

ZONE = ZoneInfo("Asia/Shanghai")
RULES = FactoryRules()


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant on the factory's clock (March 2026), as stored: aware UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


NOW = local(2, 10)  # Monday 2 March 2026, 10:00 in Shanghai (02:00 UTC)


async def task(session, code: str, seq: int) -> OperationTask:
    wo = await session.scalar(select(WorkOrder).where(WorkOrder.code == code))
    return await session.scalar(select(OperationTask).where(
        OperationTask.work_order_id == wo.id, OperationTask.seq == seq))


async def set_task(session, code: str, seq: int, **values) -> None:
    item = await task(session, code, seq)
    await session.execute(update(OperationTask).where(OperationTask.id == item.id)
                          .values(**values))


async def person(session, code: str) -> Person:
    return await session.scalar(select(Person).where(Person.code == code))


def work_report(item: OperationTask, who: Person, good: int, at: datetime, key: str, *,
                scrap: int = 0, status: str = "accepted", rework: int | None = None,
                accepted: int | None = None):
    if accepted is None:
        accepted = good if status == "accepted" else 0
    return WorkReport(task_id=item.id, person_id=who.id, good_qty=good, scrap_qty=scrap,
                      source="typed", idempotency_key=key, status=status, accepted_qty=accepted,
                      piece_rate=Decimal("0.35"), reported_at=at, rework_task_id=rework)


async def build_floor(sessions) -> dict[str, int]:
    """WO-000001 (due 2030), WO-000002 (due yesterday: late), WO-000003 (due today) and a
    cancelled WO-000005; reports around midnight; three open exceptions and a
    resolved one. Returns the exceptions' ids."""
    async with sessions() as s, s.begin():
        product = await builders.product(s)
        for number, quantity in ((1, 100), (2, 50), (3, 20), (5, 999)):
            await builders.work_order(s, product, quantity=quantity, number=number)
        for code in ("W01", "W02"):
            await builders.person(s, code)
        await builders.person(s, "S01", role="supervisor")
        await s.execute(update(WorkOrder).where(WorkOrder.code == "WO-000002")
                        .values(due_date=date(2026, 3, 1)))
        await s.execute(update(WorkOrder).where(WorkOrder.code == "WO-000003")
                        .values(due_date=date(2026, 3, 2)))
        await s.execute(update(WorkOrder).where(WorkOrder.code == "WO-000005")
                        .values(status="cancelled"))

        # Progress (as reports and QC would have left it).
        await set_task(s, "WO-000001", 10, good_qty=70, scrap_qty=4, status="in_progress",
                       planned_start=local(2, 8), planned_end=local(2, 12))
        await set_task(s, "WO-000001", 20, good_qty=30, pending_qc_qty=15, rework_qty=5,
                       status="done",  # its planned end has passed, but it is done: not late
                       planned_start=local(1, 21), planned_end=local(2, 4))
        await set_task(s, "WO-000001", 30, planned_start=local(2, 22), planned_end=local(3, 2))
        await set_task(s, "WO-000002", 10, good_qty=10, status="in_progress",
                       planned_start=local(2, 6), planned_end=local(2, 9))  # passed: late
        await set_task(s, "WO-000002", 20, planned_start=local(1, 8),
                       planned_end=local(1, 17))  # all yesterday: not in today's plan
        await set_task(s, "WO-000003", 30, planned_start=local(2, 9, 59),
                       planned_end=local(2, 9, 59))  # no span, starts today: counts whole
        await set_task(s, "WO-000005", 10, planned_start=local(2, 8),
                       planned_end=local(2, 12))  # cancelled: not planned work

        w01, w02 = await person(s, "W01"), await person(s, "W02")
        smt = await task(s, "WO-000001", 10)
        tht = await task(s, "WO-000001", 20)
        rework = ReworkTask(code="RW-000001", task_id=tht.id, work_order_id=tht.work_order_id,
                            operation_id=tht.operation_id, inspection_id=1, quantity=5)
        s.add(rework)
        await s.flush()
        s.add_all([
            work_report(smt, w01, 40, local(2, 9), "r1", scrap=2),
            work_report(smt, w01, 10, local(2, 8), "r2", status="voided"),
            work_report(smt, w01, 7, local(1, 23, 30), "r3"),  # yesterday, local time
            work_report(tht, w02, 5, local(2, 0, 10), "r4", status="pending_qc"),
            work_report(tht, w02, 3, local(2, 9, 30), "r5", scrap=1, rework=rework.id),
            work_report(tht, w02, 8, local(2, 9, 40), "r6", status="rejected"),
            work_report(tht, w02, 10, local(2, 9, 45), "r7", accepted=6),  # QC passed 6
        ])

    async def report(kind, at, *, line_stopped=False, work_order=None, seq=None,
                     workstation=None, comment=None) -> int:
        async with sessions() as s, s.begin():
            subject = Subject(workstation=workstation)
            if work_order:
                item = await task(s, work_order, seq)
                subject = Subject(item.work_order_id, work_order, item.id)
            reported = await andon.report(s, await person(s, "W01"), kind=kind, subject=subject,
                                          line_stopped=line_stopped, comment=comment,
                                          photo_file_id=None, now=at, rules=RULES)
            return reported.exception.id

    ids = {
        "stop": await report("equipment", NOW - timedelta(minutes=45), line_stopped=True,
                             work_order="WO-000001", seq=10, comment="贴片机卡料"),
        "quality": await report("quality", NOW - timedelta(minutes=5), workstation="L2",
                                comment="  焊点   虚焊，" + "很多" * 40),
        "acked": await report("material", NOW - timedelta(hours=5), work_order="WO-000002",
                              seq=10),
        "resolved": await report("other", NOW - timedelta(hours=1)),
    }
    async with sessions() as s, s.begin():
        supervisor = await person(s, "S01")
        await andon.acknowledge(s, supervisor, ids["acked"], now=NOW - timedelta(minutes=295),
                                rules=RULES)
        await andon.resolve(s, supervisor, ids["resolved"], now=NOW - timedelta(minutes=30),
                            rules=RULES)
    await reminders.sweep(sessions, NOW, RULES)
    return ids


async def test_snapshot_of_a_hand_built_floor(sessions):
    ids = await build_floor(sessions)
    async with sessions() as s:
        snap = await board.snapshot(s, NOW, ZONE)

    # Late first (WO-000002, due yesterday), then most urgent first; the cancelled one is gone.
    assert [(w.code, w.late, w.due_today, w.stopped) for w in snap.work_orders] == [
        ("WO-000002", True, False, False),
        ("WO-000003", False, True, False),
        ("WO-000001", False, False, True),  # the line stop blocked its open operations
    ]
    wo2, wo3, wo1 = snap.work_orders
    assert [(o.code, o.planned, o.arrived, o.good, o.scrap, o.pending_qc, o.rework, o.status,
             o.late, o.percent) for o in wo1.operations] == [
        ("SMT", 100, 100, 70, 4, 0, 0, "blocked", False, 70),  # due 12:00: not yet late
        ("THT", 100, 70, 30, 0, 15, 5, "done", False, 30),
        ("TEST", 100, 30, 0, 0, 0, 0, "blocked", False, 0),
    ]
    assert wo1.finished == 0 and wo1.late_operations == 0
    assert [(o.code, o.late) for o in wo2.operations] == [
        ("SMT", True), ("THT", True), ("TEST", False)]  # due 09:00 today, 17:00 yesterday
    assert wo2.late_operations == 2
    assert [(o.code, o.late) for o in wo3.operations] == [
        ("SMT", False), ("THT", False), ("TEST", True)]  # TEST was due at 09:59
    assert wo1.operations[0].planned_end == local(2, 12)

    # Today's output: r1 40 good, r4 5 (waiting for QC, reported 00:10 today), r7 6 (of 10, QC
    # passed 6) = 51; not r2 (voided), r3 (23:30 yesterday local), r5 (rework re-does counted
    # pieces) nor r6 (QC failed it). Scrap reported today: r1 2 + r5 1 = 3.
    # Plan, pieces × share of the planned span inside today:
    #   WO1 SMT 08:00–12:00:   day 100,             so far (to 10:00) 100 × 2/4 = 50
    #   WO1 THT 21:00–04:00:   day 100 × 4/7 = 57.1, so far 57.1
    #   WO1 TEST 22:00–02:00:  day 100 × 2/4 = 50,   so far 0
    #   WO2 SMT 06:00–09:00:   day 50,              so far 50
    #   WO3 TEST at 09:59:     day 20,              so far 20
    #   = 277.1 → 277 and 177.1 → 177; 51 / 277 = 18.4 % → 18.
    out = snap.output
    assert (out.day, out.good, out.scrap, out.planned, out.planned_so_far, out.percent) == (
        date(2026, 3, 2), 51, 3, 277, 177, 18)

    # Exceptions: the line stop first, then by level (steps fired), the resolved one gone.
    assert [(e.id, e.code, e.kind, e.status, e.line_stopped, e.age_seconds, e.level)
            for e in snap.exceptions] == [
        # reported 45 min ago: the first call, then 10 and 30 min → level 3
        (ids["stop"], f"EX-{ids['stop']:06d}", "equipment", "open", True, 2700, 3),
        # acknowledged: the resolution ladder called at 2 h and 4 h → level 2
        (ids["acked"], f"EX-{ids['acked']:06d}", "material", "acknowledged", False, 18000, 2),
        # 5 minutes old: only the first call
        (ids["quality"], f"EX-{ids['quality']:06d}", "quality", "open", False, 300, 1),
    ]
    stop, acked, quality = snap.exceptions
    assert (stop.work_order, stop.operation, stop.workstation, stop.comment, stop.reporter) == (
        "WO-000001", "贴片", None, "贴片机卡料", "工人W01")
    assert (acked.work_order, acked.operation) == ("WO-000002", "贴片")
    assert quality.workstation == "L2" and quality.work_order is None
    assert quality.comment is not None and quality.comment.startswith("焊点 虚焊，很多")
    assert len(quality.comment) == board.COMMENT_CHARS and quality.comment.endswith("…")
    assert (snap.late_work_orders, snap.line_stops) == (1, 1)


async def test_to_dict_is_plain_json(sessions):
    import json

    await build_floor(sessions)
    async with sessions() as s:
        data = (await board.snapshot(s, NOW, ZONE)).to_dict()
    json.dumps(data)  # nothing but JSON types
    assert data["now"] == "2026-03-02T02:00:00+00:00"
    assert (data["timezone"], data["date"]) == ("Asia/Shanghai", "2026-03-02")
    assert data["output"] == {"day": "2026-03-02", "good": 51, "scrap": 3, "planned": 277,
                              "planned_so_far": 177, "percent": 18}
    assert data["counts"] == {"work_orders": 3, "late": 1, "exceptions": 3, "line_stops": 1}
    first = data["work_orders"][0]
    assert (first["code"], first["due_date"], first["late"], first["late_operations"]) == (
        "WO-000002", "2026-03-01", True, 2)
    assert (first["operations"][0]["planned_end"], first["operations"][0]["percent"]) == (
        "2026-03-02T01:00:00+00:00", 20)
    assert data["exceptions"][0]["reported_at"] == "2026-03-02T01:15:00+00:00"


async def test_nothing_planned_is_no_plan_not_zero(sessions):
    async with sessions() as s, s.begin():
        product = await builders.product(s)
        await builders.work_order(s, product, quantity=10)
    async with sessions() as s:
        snap = await board.snapshot(s, NOW, ZONE)
    assert (snap.output.good, snap.output.planned, snap.output.planned_so_far,
            snap.output.percent) == (0, None, None, None)
    assert snap.to_dict()["output"]["percent"] is None
    assert [w.code for w in snap.work_orders] == ["WO-000001"]
    assert snap.exceptions == ()


async def test_an_empty_factory(sessions):
    async with sessions() as s:
        snap = await board.snapshot(s, NOW, ZONE)
    assert (snap.work_orders, snap.exceptions, snap.output.good) == ((), (), 0)


async def test_a_draft_shows_last_without_operations(sessions):
    async with sessions() as s, s.begin():
        product = await builders.product(s)
        wo = await builders.work_order(s, product, quantity=10)
        order = Order(order_no="SO-9", customer="客户乙", due_date=date(2026, 3, 1), priority=1)
        s.add(order)
        await s.flush()
        s.add(WorkOrder(code="WO-000009", order_id=order.id, product_id=product.id,
                        routing_id=wo.routing_id, quantity=5, due_date=date(2026, 3, 1),
                        priority=1))
    async with sessions() as s:
        snap = await board.snapshot(s, NOW, ZONE)
    # Most urgent and late, but not on the floor yet: after the released work.
    assert [(w.code, w.status, w.late, w.operations) for w in snap.work_orders] == [
        ("WO-000001", "released", False, snap.work_orders[0].operations),
        ("WO-000009", "draft", True, ()),
    ]
    assert len(snap.work_orders[0].operations) == 3


async def test_change_stamp_moves_with_what_the_board_shows(sessions):
    ids = await build_floor(sessions)
    async with sessions() as s:
        first = await board.change_stamp(s)
    async with sessions() as s:
        assert await board.change_stamp(s) == first  # nothing happened
    async with sessions() as s, s.begin():
        await andon.acknowledge(s, await person(s, "S01"), ids["quality"], now=NOW, rules=RULES)
    async with sessions() as s:
        second = await board.change_stamp(s)
    assert second != first
    async with sessions() as s, s.begin():
        smt = await task(s, "WO-000001", 10)
        s.add(work_report(smt, await person(s, "W01"), 1, NOW, "r9"))
    async with sessions() as s:
        assert await board.change_stamp(s) not in (first, second)


async def test_the_board_and_the_daily_summary_agree_on_output_and_plan(sessions):
    """One definition of today's output and plan: the TV and the 日报 show the same figures."""
    from domain import summary
    from domain.periods import Period

    await build_floor(sessions)
    async with sessions() as s:
        day = await summary.build(s, Period.day(date(2026, 3, 2)), ZONE, NOW)
        out = await board.today_output(s, NOW, ZONE)
    assert (out.good, out.planned, out.planned_so_far) == (
        day.output.good, day.output.plan, day.output.plan_so_far) == (51, 277, 177)
