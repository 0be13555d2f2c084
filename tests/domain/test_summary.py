"""The daily summary on a hand-built day (Friday 2026-11-20, factory time Asia/Shanghai), and
its schedule: once a day at the configured local time, Mondays the week too, catching up after
downtime but never sending a stale one.

The day (P1: CUT → WELD, WELD the last operation; P2: CUT → PACK):

  WO-1 P1 ×100, due 11-25. Planned: CUT 08:00–12:00 (100), WELD 16:00–20:00 (100).
  WO-2 P1 ×50, due 11-18, in progress: 2 days late.
  WO-3 P1 ×30, due 11-20, released: due today, not done.
  WO-4 P1, due 11-19, done 11-19 15:00: not late.   WO-5 P1, due 11-17, cancelled: not late.
  WO-6 P2 ×40, due 11-30. Planned: CUT 11-20 12:00 – 11-21 12:00 (half of it, 20, on 11-20).

  Reports (local time): 11-19 23:30 WO-2 CUT 50 good 5 scrap (burr) — the day before;
  00:30 WO-2 CUT 4 · 09:30 WO-1 CUT 60 + 2 scrap (burr) · 10:15 WO-1 CUT 38 ·
  11:00 WO-1 CUT 5 voided · 13:05 WO-1 WELD 20, inspected 15:00: 15 pass, 3 rework, 2 scrap
  (dimension) · 14:10 WO-1 WELD 40 waiting for QC · 16:20 WO-1 WELD 10 · 17:00 rework of the
  13:05 pieces, 3 good.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain import reminders, summary, summary_schedule
from domain.errors import DomainError
from domain.models import (
    AuditEvent,
    EscalationStep,
    FactorySetting,
    GroupLink,
    OutboxMessage,
    Person,
    Reminder,
    ReminderStatus,
    ReportStatus,
    WorkOrder,
)
from domain.periods import Period
from domain.rules import FactoryRules
from tests.domain import kpi_floor
from tests.domain.kpi_floor import ZONE, at

DAY = date(2026, 11, 20)
EVENING = at("2026-11-20 18:00")


async def hand_built_day(session) -> dict[str, str]:
    """Builds the day; the work orders' codes by their name above (WO-2 → its code)."""
    floor = await kpi_floor.build(session)
    a1, a2, b1 = floor["A1"], floor["A2"], floor["B1"]
    wo1 = await kpi_floor.work_order(session, floor, quantity=100, due=date(2026, 11, 25))
    wo2 = await kpi_floor.work_order(session, floor, quantity=50, due=date(2026, 11, 18),
                                     status="in_progress")
    wo3 = await kpi_floor.work_order(session, floor, quantity=30, due=date(2026, 11, 20))
    await kpi_floor.work_order(session, floor, due=date(2026, 11, 19), status="done",
                               done_at=at("2026-11-19 15:00"))
    await kpi_floor.work_order(session, floor, due=date(2026, 11, 17), status="cancelled")
    wo6 = await kpi_floor.work_order(session, floor, "P2", quantity=40, due=date(2026, 11, 30))
    for wo in (await session.scalars(select(WorkOrder))).all():
        wo.created_at = at("2026-11-01 08:00")  # released then (kpi_floor), not today

    cut, weld = await kpi_floor.tasks_of(session, wo1)
    cut.planned_start, cut.planned_end = at("2026-11-20 08:00"), at("2026-11-20 12:00")
    weld.planned_start, weld.planned_end = at("2026-11-20 16:00"), at("2026-11-20 20:00")
    cut6, _ = await kpi_floor.tasks_of(session, wo6)
    cut6.planned_start, cut6.planned_end = at("2026-11-20 12:00"), at("2026-11-21 12:00")
    cut2, _ = await kpi_floor.tasks_of(session, wo2)

    before = await kpi_floor.report(session, cut2, a1, 50, 5, reported="2026-11-19 23:30")
    before.scrap_reason = "burr"
    await kpi_floor.report(session, cut2, a1, 4, reported="2026-11-20 00:30")
    burr = await kpi_floor.report(session, cut, a1, 60, 2, reported="2026-11-20 09:30")
    burr.scrap_reason = "burr"
    await kpi_floor.report(session, cut, a2, 38, reported="2026-11-20 10:15")
    await kpi_floor.report(session, cut, a2, 5, reported="2026-11-20 11:00",
                           status=ReportStatus.voided)
    failed = await kpi_floor.report(session, weld, b1, 20, reported="2026-11-20 13:05",
                                    accepted="2026-11-20 15:00", accepted_qty=15)
    inspection = await kpi_floor.inspect(session, failed, passed=15, rework=3, scrap=2,
                                         decided="2026-11-20 15:00")
    inspection.defect_reason = "dimension"
    await kpi_floor.report(session, weld, b1, 40, reported="2026-11-20 14:10",
                           status=ReportStatus.pending_qc)
    await kpi_floor.report(session, weld, b1, 10, reported="2026-11-20 16:20")
    rework = await kpi_floor.rework_task(session, inspection, 3, b1)
    await kpi_floor.report(session, weld, b1, 3, reported="2026-11-20 17:00",
                           rework_task=rework)

    # Exceptions: a line stop escalated twice, one acknowledged this morning, one from the
    # day before resolved this morning, one resolved within the day.
    stop = await kpi_floor.exception(session, a1, reported="2026-11-20 10:00", line_stopped=True)
    await kpi_floor.exception(session, a2, reported="2026-11-19 09:00",
                              acknowledged="2026-11-19 10:00", resolved="2026-11-20 09:00")
    await kpi_floor.exception(session, a2, reported="2026-11-20 11:00",
                              acknowledged="2026-11-20 11:30")
    await kpi_floor.exception(session, b1, reported="2026-11-20 12:00",
                              acknowledged="2026-11-20 12:10", resolved="2026-11-20 12:40")
    ladder = Reminder(kind="exception_ack", fact_key=f"exception_ack:{stop.id}",
                      entity="floor_exception", entity_id=stop.id, started_at=stop.reported_at,
                      due_at=stop.reported_at, status=ReminderStatus.active)
    session.add(ladder)
    await session.flush()
    for step, fired in ((0, "2026-11-20 10:00"), (1, "2026-11-20 10:10")):
        session.add(EscalationStep(reminder_id=ladder.id, entity="floor_exception",
                                   entity_id=stop.id, step_no=step, target="role:supervisor",
                                   due_at=at(fired), fired_at=at(fired)))
    await session.flush()
    return {"WO-1": wo1.code, "WO-2": wo2.code, "WO-3": wo3.code}


@pytest.fixture
async def codes(session) -> dict[str, str]:
    return await hand_built_day(session)


@pytest.fixture
async def day(session, codes):
    return await summary.build(session, Period.day(DAY), ZONE, EVENING)


async def test_output_and_finished_goods_against_the_prorated_plan(day):
    out = day.output
    # Good: 4 + 60 + 38 + 15 (QC passed) + 40 (waiting for QC) + 10; the voided report, the
    # day before's and the rework report do not count.
    assert out.good == 167
    # WELD is the last operation: 15 passed by QC, 10 at once, 3 reworked and accepted.
    assert out.finished == 28
    # CUT 100 + WELD 100 + WO-6 CUT 40 × 12 h / 24 h.
    assert (out.plan, out.finished_plan) == (220, 100)
    # By 18:00: CUT 100, WELD 2 h of 4 → 50, WO-6 CUT 6 h of 24 → 10.
    assert out.plan_so_far == 160
    assert out.rate == 104  # 167 / 160
    assert day.partial and day.as_of == EVENING


async def test_hourly_buckets_in_factory_time(day):
    assert [b.label for b in day.buckets] == [f"{h:02d}" for h in range(24)]
    good = {b.label: b.good for b in day.buckets if b.good}
    assert good == {"00": 4, "09": 60, "10": 38, "13": 15, "14": 40, "16": 10}
    assert day.buckets[0].start == at("2026-11-20 00:00")
    plan = [b.plan_cumulative for b in day.buckets]
    assert plan[:8] == [0] * 8
    assert plan[8:12] == [25, 50, 75, 100]  # CUT over 08:00–12:00
    assert plan[12] == 102  # + 40 / 24 for one hour of WO-6's CUT (101.67)
    assert plan[16] == 133  # 100 + 40 × 5 / 24 + WELD 100 × 1 / 4 = 133.3
    assert plan[23] == 220
    assert day.elapsed_buckets == 18  # 00 to 17 have begun by 18:00


async def test_late_work_orders_exceptions_and_defects(day, codes):
    assert [(o.code, o.days_late, o.quantity) for o in day.late] == [
        (codes["WO-2"], 2, 50), (codes["WO-3"], 0, 30)]
    assert [(e.line_stopped, e.status, e.age_seconds, e.level) for e in day.exceptions] == [
        (True, "open", 8 * 3600, 2), (False, "acknowledged", 7 * 3600, 0)]
    assert [(d.reason, d.scrap, d.rework) for d in day.defects] == [
        ("dimension", 2, 3), ("burr", 2, 0)]
    assert day.defects[0].label == {"zh": "尺寸不良", "en": "dimension"}
    assert (day.scrap, day.rework) == (4, 3)


async def test_kpis_with_targets_and_arrows_against_the_day_before(day):
    lines = {line.kpi.name: line for line in day.kpis}
    assert len(lines) == 9
    scrap = lines["scrap_rate"]
    # Today: scrap 2 reported + 2 by QC over 174 produced = 2.3 %; the day before: 5 / 55.
    assert (scrap.kpi.value, scrap.before.value) == (Decimal("2.3"), Decimal("9.1"))
    assert (scrap.trend, scrap.improved) == ("down", True)  # lower scrap is good news
    rework = lines["rework_rate"]
    assert rework.kpi.value == Decimal("15")  # 3 of 20 inspected
    assert rework.trend is None  # nothing inspected the day before: no arrow


async def test_a_finished_day_as_it_stood_at_its_end(session, codes):
    before = await summary.build(session, Period.day(DAY - timedelta(days=1)), ZONE, EVENING)
    assert not before.partial and before.as_of == at("2026-11-20 00:00")
    assert (before.output.good, before.output.plan, before.output.finished) == (50, None, 0)
    # WO-2 (due 11-18) was a day late then; WO-4 was done on its due day.
    assert [(o.code, o.days_late) for o in before.late] == [(codes["WO-2"], 1)]
    # The exception resolved this morning was still open (acknowledged) at midnight.
    assert [(e.status, e.age_seconds) for e in before.exceptions] == [("acknowledged", 15 * 3600)]
    assert [(d.reason, d.scrap) for d in before.defects] == [("burr", 5)]


async def test_the_notice_lists_everything_and_describes_its_chart(day, codes):
    notice = summary.notice(day)
    assert (notice.key, notice.params["period"]) == ("summary.title_day", "2026-11-20")
    keys = [key for key, _ in notice.lines]
    assert keys[:3] == ["summary.as_of", "summary.output_so_far", "summary.finished_planned"]
    params = dict(notice.lines)
    assert params["summary.output_so_far"] == {"good": 167, "plan": 220, "plan_so_far": 160,
                                               "rate": "104%"}
    scrap_line = next(p for k, p in notice.lines if p.get("kpi") == "scrap_rate")
    assert (scrap_line["value"], scrap_line["arrow"], scrap_line["delta"],
            scrap_line["summary_trend"], scrap_line["goal"]) == ("2.3", "↓", "-6.8", "better",
                                                                 "≤2")
    assert ("summary.late_order", {"work_order": codes["WO-2"], "product": "产品P1",
                                   "finished": 0, "quantity": 50, "due": "11-18",
                                   "days": 2}) in notice.lines
    assert "summary.due_today" in keys and "summary.exception_escalated" in keys
    spec = notice.attachment
    assert spec is not None and spec["kind"] == "chart" and spec["chart"] == "daily"
    assert spec["good"][9] == 60 and spec["plan"][11] == 100 and spec["elapsed"] == 18
    assert spec["defects"] == [[{"zh": "尺寸不良", "en": "dimension"}, 2, 3],
                               [{"zh": "毛刺", "en": "burr"}, 2, 0]]
    json.dumps(spec)  # plain JSON for the outbox


async def test_early_in_the_day_nothing_is_due_yet(session, codes):
    early = await summary.build(session, Period.day(DAY), ZONE, at("2026-11-20 07:00"))
    assert (early.output.plan, early.output.plan_so_far) == (220, 0)
    assert early.output.rate is None  # not "0 %" of nothing
    assert dict(summary.notice(early).lines)["summary.output_so_far"]["rate"] == "–"
    assert early.elapsed_buckets == 7 and early.late[1].days_late == 0


async def test_no_plan_and_no_data_are_dashes_not_zero_percent(session):
    empty = await summary.build(session, Period.day(DAY), ZONE, EVENING)
    assert empty.output.plan is None and empty.output.rate is None
    assert all(line.kpi.value is None for line in empty.kpis)
    notice = summary.notice(empty)
    keys = [key for key, _ in notice.lines]
    assert "summary.output_unplanned" in keys and "summary.kpi_none" in keys
    assert {"summary.late_none", "summary.exceptions_none", "summary.defects_none"} <= set(keys)
    assert notice.attachment["plan"] is None


def test_periods_people_ask_for():
    today = date(2026, 11, 20)
    assert summary.period_for("", today) == Period.day(today)
    assert summary.period_for("昨天", today) == Period.day(date(2026, 11, 19))
    assert summary.period_for("2026-W47", today).start == date(2026, 11, 16)
    with pytest.raises(DomainError) as bad:
        summary.period_for("next tuesday", today)
    assert bad.value.key == "summary.bad_period"
    with pytest.raises(DomainError) as future:
        summary.period_for("11-21", today)
    assert (future.value.key, future.value.params) == ("summary.future",
                                                       {"period": "2026-11-21"})
    with pytest.raises(DomainError) as long:
        summary.period_for("2026-01-01..2026-11-20", today)
    assert long.value.key == "summary.too_long"


# --- the schedule ----------------------------------------------------------------------------

RULES = FactoryRules()
MANAGER, ADMIN, GROUP = 9001, 9002, -100900


async def recipients(sessions) -> None:
    async with sessions() as session, session.begin():
        session.add_all([
            Person(code="M1", name="厂长", role="manager", telegram_user_id=MANAGER,
                   language="en"),
            Person(code="M2", name="管理员", role="admin", telegram_user_id=ADMIN),
            Person(code="M3", name="没注册", role="manager"),  # no Telegram account: skipped
            Person(code="S1", name="班组长", role="supervisor", telegram_user_id=9003),
            GroupLink(chat_id=GROUP, purpose="management", title="管理群"),
            GroupLink(chat_id=-100901, purpose="exceptions", title="异常群"),
        ])


async def read(sessions, query) -> list:
    async with sessions() as session:
        return list((await session.scalars(query)).all())


async def sent(sessions) -> list[tuple[int, str, str, str]]:
    """(chat, language, title key, period) of every summary queued, in order."""
    rows = await read(sessions, select(OutboxMessage).order_by(OutboxMessage.id))
    out = []
    for row in rows:
        payload = json.loads(row.payload)
        out.append((row.chat_id, row.lang, payload["key"], payload["params"]["period"]))
    return out


async def plan(sessions, now: datetime) -> list[str]:
    async with sessions() as session, session.begin():
        return await summary_schedule.plan_ahead(session, now, RULES)


async def sweep(sessions, now: datetime) -> int:
    return await reminders.sweep(sessions, now, RULES)


async def test_the_daily_summary_goes_out_once_at_the_local_time(sessions):
    await recipients(sessions)
    assert await plan(sessions, at("2026-11-20 17:50")) == ["summary:day:2026-11-20"]
    (reminder,) = await read(sessions, select(Reminder).where(Reminder.kind == "summary"))
    assert reminder.due_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai

    assert await sweep(sessions, at("2026-11-20 17:59:59")) == 0
    assert await sweep(sessions, at("2026-11-20 18:00:02")) == 1
    day = ("summary.title_day", "2026-11-20")
    assert await sent(sessions) == [(MANAGER, "en", *day), (ADMIN, "zh", *day),
                                   (GROUP, "zh", *day)]
    # Again and again: nothing more. The next one is followed for tomorrow.
    assert await sweep(sessions, at("2026-11-20 18:05")) == 0
    assert await plan(sessions, at("2026-11-20 18:10")) == ["summary:day:2026-11-21"]
    assert len(await sent(sessions)) == 3
    keys = await read(sessions, select(Reminder.fact_key).where(Reminder.kind == "summary")
                      .order_by(Reminder.id))
    assert keys == ["summary:day:2026-11-20", "summary:day:2026-11-21"]
    payload = json.loads((await read(sessions, select(OutboxMessage.payload)))[0])
    assert payload["attachment"]["kind"] == "chart"
    assert payload["lines"][0] == ["summary.as_of", {"as_of_at": "2026-11-20T10:00:02+00:00"}]


async def test_weekly_summary_on_mondays(sessions):
    await recipients(sessions)
    monday = at("2026-11-23 17:00")
    assert await plan(sessions, monday) == ["summary:day:2026-11-23", "summary:week:2026-W47"]
    await sweep(sessions, at("2026-11-23 18:00"))
    titles = [(chat, key, period) for chat, _, key, period in await sent(sessions)]
    assert titles == [(MANAGER, "summary.title_day", "2026-11-23"),
                      (ADMIN, "summary.title_day", "2026-11-23"),
                      (GROUP, "summary.title_day", "2026-11-23"),
                      (MANAGER, "summary.title_week", "2026-W47"),
                      (ADMIN, "summary.title_week", "2026-W47"),
                      (GROUP, "summary.title_week", "2026-W47")]
    week = json.loads((await read(
        sessions, select(OutboxMessage.payload).order_by(OutboxMessage.id.desc())))[0])
    assert week["params"] == {"period": "2026-W47", "first": "11-16", "last": "11-22"}
    spec = week["attachment"]
    assert spec["chart"] == "period" and spec["buckets"] == [f"11-{d}" for d in range(16, 23)]


async def test_a_bot_down_at_summary_time_sends_it_when_back(sessions):
    await recipients(sessions)
    await plan(sessions, at("2026-11-20 17:50"))
    # Back at 21:30: late, still today's latest summary.
    assert await sweep(sessions, at("2026-11-20 21:30")) == 1
    assert [p for *_, p in await sent(sessions)] == ["2026-11-20"] * 3


async def test_a_summary_too_late_is_skipped_and_the_latest_one_sent(sessions):
    await recipients(sessions)
    await plan(sessions, at("2026-11-19 17:50"))  # 11-19's, then the bot was down two days
    await sweep(sessions, at("2026-11-21 09:00"))
    # 11-19's is stale (11-20's was due since 11-20 18:00): skipped; 11-20's goes out.
    assert [p for *_, p in await sent(sessions)] == ["2026-11-20"] * 3
    skipped = await read(sessions, select(AuditEvent.detail).where(
        AuditEvent.action == "summary.skipped"))
    assert len(skipped) == 1 and "summary:day:2026-11-19" in skipped[0]
    assert await sweep(sessions, at("2026-11-21 09:01")) == 0
    assert len(await sent(sessions)) == 3


async def test_a_new_installation_starts_with_the_next_summary(sessions):
    await recipients(sessions)
    assert await plan(sessions, at("2026-11-20 10:00")) == ["summary:day:2026-11-20"]
    assert await plan(sessions, at("2026-11-20 10:10")) == ["summary:day:2026-11-20"]
    await sweep(sessions, at("2026-11-20 10:10"))
    assert await sent(sessions) == []  # not yesterday's


async def test_a_changed_summary_time_moves_the_next_summary(sessions):
    await recipients(sessions)
    await plan(sessions, at("2026-11-20 16:00"))
    async with sessions() as session, session.begin():
        session.add(FactorySetting(key="summary_time", value="17:30"))
    await plan(sessions, at("2026-11-20 16:10"))
    due = await read(sessions, select(Reminder.due_at).where(Reminder.kind == "summary"))
    assert due == [at("2026-11-20 17:30")]
    assert await sweep(sessions, at("2026-11-20 17:30")) == 1
