"""The pinned live status: which rows a change marks, what a message shows (figures computed
by hand), and the throttle, with time passed explicitly."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from domain import groups, live_status, live_status_view, quantities
from domain.errors import DomainError
from domain.live_status import Throttle
from domain.models import (
    AuditEvent,
    GroupLink,
    LiveStatus,
    OperationTask,
    OutboxMessage,
    OutboxStatus,
    Person,
    Product,
    TaskAssignee,
    WorkOrder,
    WorkReport,
)
from tests import builders

ZONE = ZoneInfo("Asia/Shanghai")
THROTTLE = Throttle(message_seconds=10, refresh_seconds=300)


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant on the factory's clock (March 2026), as stored: aware UTC."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=ZONE).astimezone(UTC)


NOW = local(2, 10)  # Monday 2 March 2026, 10:00 in Shanghai


async def task(session, code: str, seq: int) -> OperationTask:
    return await session.scalar(select(OperationTask).join(WorkOrder).where(
        WorkOrder.code == code, OperationTask.seq == seq))


async def set_task(session, code: str, seq: int, **values) -> None:
    item = await task(session, code, seq)
    await session.execute(update(OperationTask).where(OperationTask.id == item.id)
                          .values(**values))


async def set_work_order(session, code: str, **values) -> None:
    await session.execute(update(WorkOrder).where(WorkOrder.code == code).values(**values))


async def person(session, code: str) -> Person:
    return await session.scalar(select(Person).where(Person.code == code))


async def report(session, code: str, seq: int, who: str, good: int, at: datetime, *,
                 scrap: int = 0, pending: bool = False) -> None:
    item = await task(session, code, seq)
    session.add(WorkReport(
        task_id=item.id, person_id=(await person(session, who)).id, good_qty=good,
        scrap_qty=scrap, source="typed", idempotency_key=f"{code}-{seq}-{who}-{at}",
        status="pending_qc" if pending else "accepted", accepted_qty=0 if pending else good,
        piece_rate=Decimal("0.35"), reported_at=at))


@pytest.fixture
async def floor(sessions):
    """W01 (一组) on WO-1's SMT, W02 (二组) on WO-1's THT, WO-2's THT open for 二组 to claim,
    W03 (三组) and M01 (a manager) with no work. Figures as of Monday 10:00:
    - WO-1 in progress: SMT 60 good 2 scrap (planned 08:00–18:00 today), THT 30 good 10 waiting
      for QC (planned 13:00 today – 13:00 tomorrow), TEST planned and over yesterday (late);
    - WO-2 on hold, its THT stopped by a line stop; WO-3 finished today 09:00 (W01 reported its
      TEST today); WO-4 finished yesterday; WO-5 released but planned from tomorrow; WO-6
      released, unplanned, due yesterday (late).
    - Reports today: W01 60 good 2 scrap on WO-1 SMT, 20 on WO-3 TEST; W02 30 good on WO-1
      THT and 10 waiting for QC. Yesterday: W01 5 (not today's)."""
    async with sessions() as s, s.begin():
        product = await builders.product(s)
        for number, quantity in ((1, 100), (2, 50), (3, 20), (4, 40), (5, 30), (6, 10)):
            await builders.work_order(s, product, quantity=quantity, number=number)
        for code, team in (("W01", "一组"), ("W02", "二组"), ("W03", "三组")):
            (await builders.person(s, code)).team = team
        await builders.person(s, "M01", role="manager", telegram_user_id=1)
        await s.flush()
        s.add(TaskAssignee(task_id=(await task(s, "WO-000001", 10)).id,
                           person_id=(await person(s, "W01")).id))
        s.add(TaskAssignee(task_id=(await task(s, "WO-000001", 20)).id,
                           person_id=(await person(s, "W02")).id))
        await set_task(s, "WO-000002", 20, open_for_claim=True, claim_team="二组",
                       status="blocked")
        await set_work_order(s, "WO-000001", status="in_progress")
        await set_task(s, "WO-000001", 10, good_qty=60, scrap_qty=2, status="in_progress",
                       planned_start=local(2, 8), planned_end=local(2, 18))
        await set_task(s, "WO-000001", 20, good_qty=30, pending_qc_qty=10,
                       status="in_progress", planned_start=local(2, 13),
                       planned_end=local(3, 13))
        await set_task(s, "WO-000001", 30, status="ready", planned_start=local(1, 8),
                       planned_end=local(1, 18))
        await set_work_order(s, "WO-000002", status="on_hold")
        await set_work_order(s, "WO-000003", status="done", done_at=local(2, 9))
        for seq in (10, 20, 30):
            await set_task(s, "WO-000003", seq, good_qty=20, status="done")
        await set_work_order(s, "WO-000004", status="done", done_at=local(1, 17))
        await set_task(s, "WO-000005", 10, planned_start=local(3, 8), planned_end=local(3, 18))
        await set_work_order(s, "WO-000006", due_date=date(2026, 3, 1))
        await report(s, "WO-000001", 10, "W01", 60, local(2, 8, 30), scrap=2)
        await report(s, "WO-000003", 30, "W01", 20, local(2, 8, 50))
        await report(s, "WO-000001", 20, "W02", 30, local(2, 9))
        await report(s, "WO-000001", 20, "W02", 10, local(2, 9, 30), pending=True)
        await report(s, "WO-000001", 10, "W01", 5, local(1, 16))


def op(seq: int, name: str, good: int, planned: int, *, qc: int = 0, scrap: int = 0,
       mark: str = "") -> tuple[str, dict]:
    key = "live.op" + ("_qc" if qc else "") + ("_scrap" if scrap else "")
    return (key, {"seq": seq, "operation": name, "good": good, "planned": planned,
                  "pending_qc": qc, "scrap": scrap, "mark": mark})


def wo(mark: str, code: str, quantity: int, due: str = "12-01") -> tuple[str, dict]:
    return ("live.work_order", {"mark": mark, "work_order": code, "product": "PCB-A 主板",
                                "quantity": quantity, "due": due})


LEGEND = ("live.legend", {})


async def test_the_whole_floor_shows_todays_work_orders_late_first(session, floor):
    message, _ = await live_status.render(session, "", NOW)
    assert (message.key, message.params) == ("live.title_floor", {"updated_at": NOW})
    # Output 60 + 20 + 30 + 10 (waiting for QC counts) = 120, scrap 2; plan: SMT's 100 whole,
    # THT 11 of its 24 hours today = 45.83: 145.83 → 146; 120 / 146 = 82 %.
    assert message.lines == [
        ("live.output", {"good": 120, "planned": 146, "percent": 82, "scrap": 2}),
        wo("⚠️ ", "WO-000006", 10, "03-01"),
        op(10, "贴片", 0, 10), op(20, "插件", 0, 10), op(30, "测试", 0, 10),
        wo("", "WO-000001", 100),
        op(10, "贴片", 60, 100, scrap=2), op(20, "插件", 30, 100, qc=10),
        op(30, "测试", 0, 100, mark="⚠️ "),
        wo("⏸⛔ ", "WO-000002", 50),
        op(10, "贴片", 0, 50), op(20, "插件", 0, 50, mark="⛔ "), op(30, "测试", 0, 50),
        wo("✅ ", "WO-000003", 20),
        op(10, "贴片", 20, 20, mark="✅ "), op(20, "插件", 20, 20, mark="✅ "),
        op(30, "测试", 20, 20, mark="✅ "),
        LEGEND,
    ]


async def test_a_team_sees_its_own_operations_and_output(session, floor):
    message, _ = await live_status.render(session, "一组", NOW)
    assert (message.key, message.params) == ("live.title_team",
                                              {"team": "一组", "updated_at": NOW})
    # W01: 60 + 20 good, 2 scrap; plan: its SMT, 100 today. WO-3 shows because W01 reported
    # on it today, unassigned.
    assert message.lines == [
        ("live.output", {"good": 80, "planned": 100, "percent": 80, "scrap": 2}),
        wo("", "WO-000001", 100), op(10, "贴片", 60, 100, scrap=2),
        wo("✅ ", "WO-000003", 20), op(30, "测试", 20, 20, mark="✅ "),
        LEGEND,
    ]
    # 二组: W02's 30 + 10 of THT's 45.83 → 46 planned: 87 %; WO-2's THT is open to it.
    message, _ = await live_status.render(session, "二组", NOW)
    assert message.lines == [
        ("live.output", {"good": 40, "planned": 46, "percent": 87, "scrap": 0}),
        wo("", "WO-000001", 100), op(20, "插件", 30, 100, qc=10),
        wo("⏸⛔ ", "WO-000002", 50), op(20, "插件", 0, 50, mark="⛔ "),
        LEGEND,
    ]
    message, _ = await live_status.render(session, "三组", NOW)
    assert message.lines == [("live.output_unplanned", {"good": 0, "scrap": 0}),
                             ("live.none", {}), LEGEND]


async def test_at_most_twelve_work_orders_and_the_rest_counted(session, floor):
    product = await session.scalar(select(WorkOrder.product_id))
    for number in range(7, 20):
        await builders.work_order(session, await session.get(Product, product),
                                  quantity=5, number=number)
    live = await live_status_view.view(session, "", NOW)
    assert len(live.work_orders) == 12 and live.more == 5  # 4 of the fixture + 13 new
    assert live_status_view.notice(live, NOW).lines[-2] == ("live.more", {"count": 5})


async def rows(session) -> dict[tuple[int, str], datetime | None]:
    found = (await session.scalars(select(LiveStatus))).all()
    return {(r.chat_id, r.team): r.dirty_at for r in found}


async def test_touch_marks_the_floor_and_the_teams_that_work_the_order(session, floor):
    earlier = NOW - timedelta(minutes=5)
    for chat_id, team, active, dirty in ((-1, "", True, None), (-1, "一组", True, None),
                                         (-2, "二组", True, None), (-3, "三组", True, None),
                                         (-4, "一组", False, None), (-5, "", True, earlier)):
        session.add(LiveStatus(chat_id=chat_id, team=team, active=active, dirty_at=dirty))
    await session.flush()

    async def touched(code: str) -> set[tuple[int, str]]:
        await session.execute(update(LiveStatus).where(LiveStatus.chat_id != -5)
                              .values(dirty_at=None))
        work_order = await session.scalar(select(WorkOrder).where(WorkOrder.code == code))
        await live_status.touch(session, work_order, NOW)
        found = await rows(session)
        assert found[(-5, "")] == earlier  # already dirty: kept, not rewritten
        return {key for key, dirty in found.items() if dirty == NOW}

    # Assignees of 一组 and 二组; the inactive row and 三组 are left alone.
    assert await touched("WO-000001") == {(-1, ""), (-1, "一组"), (-2, "二组")}
    assert await touched("WO-000002") == {(-1, ""), (-2, "二组")}  # open for 二组 to claim
    assert await touched("WO-000003") == {(-1, ""), (-1, "一组")}  # W01 reported on it
    assert await touched("WO-000006") == {(-1, "")}  # nobody's yet: the floor only


async def sent(session) -> None:
    """What the sender does: every queued row goes out."""
    await session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending")
                          .values(status=OutboxStatus.sent, telegram_message_id=77))


async def edits(session) -> list[dict]:
    found = (await session.scalars(select(OutboxMessage).where(OutboxMessage.method == "edit",
                                                               OutboxMessage.chat_id < 0)
                                   .order_by(OutboxMessage.id))).all()
    return [json.loads(r.payload) for r in found]


async def job(session, now: datetime, throttle: Throttle = THROTTLE) -> int:
    """One round of the live-status job."""
    done = 0
    for item in await live_status.due(session, now, throttle):
        done += await live_status.refresh(session, item, now)
    return done


def smt_line(payload: dict) -> list:
    return next(params for key, params in payload["lines"]
                if key.startswith("live.op") and params["operation"] == "贴片"
                and params["planned"] == 100)


async def test_ten_reports_within_the_interval_make_one_edit(session, floor):
    assert await live_status.start(session, chat_id=-1, team=None, now=NOW) is True
    (first,) = (await session.scalars(select(OutboxMessage))).all()
    assert (first.method, json.loads(first.payload)["pin"]) == ("send", True)
    assert await job(session, NOW + timedelta(seconds=20)) == 0  # not sent yet: nothing to edit
    await sent(session)

    work_order = await quantities.work_order_by_code(session, "WO-000001")
    for second in range(10):  # a report a second; the job runs after each
        now = NOW + timedelta(seconds=second)
        await quantities.apply(session, work_order, work_order.tasks[0], now=now, good=1)
        assert await job(session, now + timedelta(milliseconds=500)) == 0
    assert await job(session, NOW + timedelta(seconds=10)) == 1
    (edit,) = await edits(session)
    assert (edit["edit_outbox_id"], edit["pin"], edit["params"]["updated_at"]) == (
        first.id, True, (NOW + timedelta(seconds=10)).isoformat())
    assert smt_line(edit)["good"] == 70  # 60 + the ten reports
    assert await job(session, NOW + timedelta(seconds=30)) == 0  # nothing changed since

    # An edit waits while the previous one is still in the outbox (a slow sender never piles
    # edits up), then shows everything at once.
    await quantities.apply(session, work_order, work_order.tasks[0], now=NOW, good=5)
    assert await job(session, NOW + timedelta(seconds=40)) == 0
    await sent(session)
    assert await job(session, NOW + timedelta(seconds=41)) == 1
    assert smt_line((await edits(session))[-1])["good"] == 75
    row = await session.scalar(select(LiveStatus))
    assert row.outbox_id == (await session.scalars(select(OutboxMessage.id)
                                                   .order_by(OutboxMessage.id.desc()))).first()


async def test_a_report_still_open_while_the_message_rendered_shows_an_interval_later(
        session, floor):
    await live_status.start(session, chat_id=-1, team=None, now=NOW)
    await sent(session)
    work_order = await quantities.work_order_by_code(session, "WO-000001")
    await quantities.apply(session, work_order, work_order.tasks[0], now=NOW, good=1)
    assert await job(session, NOW + timedelta(seconds=10)) == 1
    await sent(session)
    # A second report touched the row while it was still dirty (so left it alone) and
    # committed only after the job had claimed the row and rendered 61: on PostgreSQL the
    # render does not see it, and nothing marks the row again.
    after_the_job = (await rows(session))[(-1, "")]
    await quantities.apply(session, work_order, work_order.tasks[0], now=NOW, good=1)
    await session.execute(update(LiveStatus).values(dirty_at=after_the_job))  # untouched
    assert await job(session, NOW + timedelta(seconds=20)) == 1
    assert [smt_line(e)["good"] for e in await edits(session)] == [61, 62]
    await sent(session)
    assert await job(session, NOW + timedelta(seconds=30)) == 0  # looked again: unchanged
    assert (await rows(session))[(-1, "")] is None
    assert await job(session, NOW + timedelta(seconds=40)) == 0  # and then left alone


async def test_an_unchanged_text_is_not_edited(session, floor):
    await live_status.start(session, chat_id=-1, team="一组", now=NOW)
    await sent(session)
    work_order = await quantities.work_order_by_code(session, "WO-000002")
    await live_status.touch(session, work_order, NOW)  # nothing 一组 shows has changed
    assert (await rows(session))[(-1, "一组")] is None  # not 一组's work order
    work_order = await quantities.work_order_by_code(session, "WO-000001")
    await live_status.touch(session, work_order, NOW + timedelta(seconds=1))
    assert (await rows(session))[(-1, "一组")] == NOW + timedelta(seconds=1)
    assert await job(session, NOW + timedelta(seconds=11)) == 0
    assert await edits(session) == []
    assert (await rows(session))[(-1, "一组")] is None  # looked at, and clean


async def test_a_group_is_edited_at_most_once_per_half_interval(session, floor):
    await live_status.start(session, chat_id=-1, team=None, now=NOW)
    await live_status.start(session, chat_id=-1, team="一组", now=NOW)
    await live_status.start(session, chat_id=-2, team="一组", now=NOW)
    await sent(session)
    work_order = await quantities.work_order_by_code(session, "WO-000001")
    await quantities.apply(session, work_order, work_order.tasks[0], now=NOW, good=1)
    later = NOW + timedelta(seconds=10)
    assert await job(session, later) == 2  # one in each group
    assert await job(session, later + timedelta(seconds=4)) == 0  # -1 edited 4 s ago
    assert await job(session, later + timedelta(seconds=5)) == 1  # -1's other message
    assert [e["key"] for e in await edits(session)] == [
        "live.title_floor", "live.title_team", "live.title_team"]


async def test_two_processes_edit_a_row_once(sessions, floor):
    async with sessions() as s, s.begin():
        await live_status.start(s, chat_id=-1, team=None, now=NOW)
        await sent(s)
        work_order = await quantities.work_order_by_code(s, "WO-000001")
        await quantities.apply(s, work_order, work_order.tasks[0], now=NOW, good=1)
    later = NOW + timedelta(seconds=10)
    # Both read the row before either claims it (SQLite here: one connection at a time).
    async with sessions() as a:
        (seen_a,) = await live_status.due(a, later, THROTTLE)
    async with sessions() as b:
        (seen_b,) = await live_status.due(b, later, THROTTLE)
    assert seen_a == seen_b
    async with sessions() as a, a.begin():
        assert await live_status.refresh(a, seen_a, later) is True
    async with sessions() as b, b.begin():
        assert await live_status.refresh(b, seen_b, later) is False
    async with sessions() as s:
        assert len(await edits(s)) == 1


async def test_a_new_day_starts_fresh_and_late_flags_come_without_reports(session, floor):
    await live_status.start(session, chat_id=-1, team="一组", now=NOW)
    await sent(session)
    assert await job(session, NOW + timedelta(minutes=4)) == 0  # not stale yet, not dirty
    # Over five minutes on, the row is re-rendered: nothing changed, nothing edited.
    assert await job(session, NOW + timedelta(minutes=6)) == 0
    assert (await session.scalar(select(LiveStatus))).edited_at == NOW + timedelta(minutes=6)
    # Past local midnight: yesterday's finished WO-3 and yesterday's output drop off, and
    # WO-1's SMT, planned to end yesterday 18:00, is late now.
    assert await job(session, local(3, 0, 0, 1)) == 1
    (edit,) = await edits(session)
    assert edit["lines"] == [
        ["live.output_unplanned", {"good": 0, "scrap": 0}],
        ["live.work_order", {"mark": "", "work_order": "WO-000001", "product": "PCB-A 主板",
                             "quantity": 100, "due": "12-01"}],
        ["live.op_scrap", {"seq": 10, "operation": "贴片", "good": 60, "planned": 100,
                           "pending_qc": 0, "scrap": 2, "mark": "⚠️ "}],
        ["live.legend", {}]]


async def test_link_and_unlink_status_for_a_team(session, floor):
    manager = await person(session, "M01")

    async def link(team):
        return await groups.link(session, chat_id=-1, purpose="status", title="装配群",
                                 person=manager, telegram_user_id=1, now=NOW, team=team)

    assert await link("一组") is True
    assert await link("一组") is False  # already shown: nothing changes
    assert await link(None) is True  # the whole floor as well, its own message
    with pytest.raises(DomainError) as caught:
        await link("装配九组")
    assert (caught.value.key, caught.value.params) == (
        "live.unknown_team", {"team": "装配九组", "teams": "一组, 三组, 二组"})
    assert await groups.groups_for(session, "status") == [-1]
    assert await rows(session) == {(-1, "一组"): None, (-1, ""): None}
    sends = (await session.scalars(select(OutboxMessage))).all()
    assert [(m.method, m.chat_id) for m in sends] == [("send", -1), ("send", -1)]

    assert await groups.unlink(session, chat_id=-1, purpose="status", person=manager,
                               telegram_user_id=1, team="三组") is False  # not shown here
    # One team stops: its message is unpinned, the group stays linked for the other.
    assert await groups.unlink(session, chat_id=-1, purpose="status", person=manager,
                               telegram_user_id=1, team="一组") is True
    assert await groups.groups_for(session, "status") == [-1]
    unpin = await session.scalar(select(OutboxMessage).where(OutboxMessage.method == "unpin"))
    assert json.loads(unpin.payload) == {"edit_outbox_id": sends[0].id}
    assert await groups.unlink(session, chat_id=-1, purpose="status", person=manager,
                               telegram_user_id=1) is True
    assert await groups.groups_for(session, "status") == []
    assert not await live_status.showing(session, -1)
    details = [json.loads(e.detail) for e in (await session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("group.%"))
        .order_by(AuditEvent.id))).all()]
    assert [(d["purpose"], d.get("team")) for d in details] == [
        ("status", "一组"), ("status", None), ("status", "一组"), ("status", None)]


async def test_removing_the_bot_stops_the_live_status(session, floor):
    await live_status.start(session, chat_id=-1, team=None, now=NOW)
    session.add(GroupLink(chat_id=-1, purpose="status", title="群"))
    await session.flush()
    assert await groups.bot_removed(session, -1, status="kicked", telegram_user_id=5) == [
        "status"]
    row = await session.scalar(select(LiveStatus))
    assert row.active is False
    assert await live_status.due(session, NOW + timedelta(hours=1), THROTTLE) == []
