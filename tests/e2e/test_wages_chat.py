"""Wages through the real bot over real HTTP: clocking in and out, /me with figures checked by
hand, an adjustment that waits for its confirmation, a worker refused, forgotten clock-outs
answered by the worker and fixed by the supervisor from the reminders' buttons."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from domain import clocking
from domain.models import AuditEvent, ClockEntry, Person, WageAdjustment
from tests.e2e.conftest import Floor

ZONE = ZoneInfo("Asia/Shanghai")  # the floor's FactoryRules()


async def make_mixed(floor: Floor, code: str, rate: str) -> None:
    async with floor.bot.sessions() as session, session.begin():
        await session.execute(update(Person).where(Person.code == code)
                              .values(wage_mode="mixed", hourly_rate=Decimal(rate)))


async def add_closed_entry(floor: Floor, code: str, minutes: int, rate: str) -> None:
    """A clock entry that closed just now (as /clockout would have), `minutes` long."""
    now = datetime.now(UTC)
    async with floor.bot.sessions() as session, session.begin():
        person = await session.scalar(select(Person).where(Person.code == code))
        session.add(ClockEntry(person_id=person.id, clock_in_at=now - timedelta(minutes=minutes),
                               clock_out_at=now, closed_at=now, closed_by=person.id,
                               close_source="chat", hourly_rate=Decimal(rate),
                               paid_minutes=minutes, idempotency_key=f"seed-{code}"))


async def clocked_in_ago(floor: Floor, code: str, ago: timedelta) -> datetime:
    """The person clocked in `ago` and never clocked out (the forgotten-clock-out ladder runs)."""
    since = datetime.now(UTC) - ago
    async with floor.bot.sessions() as session, session.begin():
        person = await session.scalar(select(Person).where(Person.code == code))
        await clocking.clock_in(session, person, now=since, key=f"seed-in-{code}",
                                rules=floor.settings.rules)
    return since


def local_hhmm(at: datetime) -> str:
    return f"{at.astimezone(ZONE):%H:%M}"


async def test_clock_in_and_out_and_my_payslip_line_by_line(floor):
    worker = await floor.register(1001, "W01", "Li")

    await worker.command("/clockin")
    clocked = await worker.wait_message("上班打卡")
    assert clocked.content.startswith("✅ 上班打卡：") and "下班时发送 /clockout" in clocked.content
    await worker.command("/clockin")
    twice = await worker.wait_message("已经在")
    assert "上班打卡了，还没有下班打卡" in twice.content

    await worker.send_text("WO-000001 100")
    await worker.wait_message("已记录")

    await worker.command("/clockout")
    out = await worker.wait_message("下班打卡")
    assert out.content.startswith("✅ 下班打卡：")
    assert out.content.endswith("您是计件工资：打卡工时只作考勤记录，不计工资。")
    await worker.command("/clockout")
    assert "没有上班打卡记录" in (await worker.wait_message("打卡")).content

    # Paid by the hour as well from now on; an entry of 7 h 45 min closed today.
    await make_mixed(floor, "W01", "18.50")
    await add_closed_entry(floor, "W01", 465, "18.50")
    await worker.command("/me")
    slip = await worker.wait_message("💰")
    text = slip.content
    assert text.startswith("💰 工人W01（W01）· 计件 + 计时")
    # Today, line by line: 100 × 0.35 = 35.00; 7 h 45 min × 18.50 = 143.375 → 143.38.
    assert "• WO-000001 · 10 贴片：100 件 × 0.35 = 35.00" in text
    assert "7小时45分钟 × 18.50/小时 = 143.38" in text
    assert "当天合计 178.38 元" in text
    # This month, summed up.
    assert "• 计件 贴片（SMT）：100 件，单价 0.35，35.00 元" in text
    assert "• 计时：7小时45分钟，时薪 18.50，143.38 元" in text
    month = f"{datetime.now(ZONE):%Y-%m}"
    assert f"{month} 合计 178.38 元" in text

    await worker.command("/me", "昨天")
    yesterday = (await worker.wait_message("💰")).content
    assert f"📅 {datetime.now(ZONE).date() - timedelta(days=1)}：\n（还没有计入工资的记录）" \
        in yesterday
    await worker.command("/me", "上上月")
    assert "看不懂「上上月」" in (await worker.wait_message("看不懂")).content


async def test_pieces_waiting_for_qc_are_shown_not_paid(floor):
    async with floor.bot.sessions() as session, session.begin():
        from domain.models import Operation

        await session.execute(update(Operation).where(Operation.code == "THT")
                              .values(qc_checkpoint=True))
    smt = await floor.register(1001, "W01", "Li")
    tht = await floor.register(1002, "W02", "Wang")
    await smt.send_text("WO-000001 100")
    await smt.wait_message("已记录")
    await tht.send_text("WO-000001 40")
    await tht.wait_message("质检点")
    await tht.command("/me")
    text = (await tht.wait_message("💰")).content
    assert "（还没有计入工资的记录）" in text
    assert "⏳ 待质检 40 件：质检合格当天计入工资。" in text


async def test_an_adjustment_moves_no_money_before_it_is_confirmed(floor):
    worker = await floor.register(1001, "W01", "Li")
    boss = await floor.register(2001, "S01", "Zhao", role="supervisor")

    await boss.command("/adjust", "W01 +200000 全勤奖")
    assert "金额太大" in (await boss.wait_message("金额")).content
    await boss.command("/adjust", "W01 +200")
    assert "必须写明原因" in (await boss.wait_message("原因")).content

    await boss.command("/adjust", "W01 +200 全勤奖")
    card = await boss.wait_message("请确认工资调整")
    assert "工人W01（W01）+200.00 元\n原因：全勤奖" in card.content
    assert card.button_texts == ["✅ 确认", "取消"]
    assert await adjustment_count(floor) == 0
    await boss.wait_answer(await boss.press("✅ 确认", card))
    done = await boss.wait_edit("已记录调整", message=card)
    assert done.content.startswith("✅ 已记录调整 #1：工人W01（W01）+200.00 元，原因：全勤奖")
    told = await worker.wait_message("工资调整")
    assert told.content.startswith("💰 工资调整 #1：+200.00 元，原因：全勤奖（工人S01 录入）")
    assert boss.message(card.message_id).buttons == []  # no second tap possible
    assert await adjustment_count(floor) == 1

    await boss.command("/adjust", "W01 -50 迟到")
    second = await boss.wait_message("请确认工资调整")
    await boss.press("取消", second)
    await boss.wait_edit("已取消", message=second)
    assert await adjustment_count(floor) == 1

    await worker.command("/me")
    assert "• ✍️ 调整 #1 全勤奖：+200.00" in (await worker.wait_message("💰")).content

    await boss.command("/adjust", "undo 1 发错了")
    undo = await boss.wait_message("请确认撤销调整 #1")
    await boss.press("✅ 确认", undo)
    await boss.wait_edit("已撤销调整 #1", message=undo)
    await worker.wait_message("已撤销")
    async with floor.bot.sessions() as session:
        amounts = (await session.scalars(select(WageAdjustment.amount)
                                         .order_by(WageAdjustment.id))).all()
    assert amounts == [Decimal("200.00"), Decimal("-200.00")]

    await boss.command("/team")
    team = await boss.wait_message("👥")
    assert "• 工人W01（W01）：0 件，—，0.00 元" in team.content
    assert "调整 +0.00，总计 0.00 元" in team.content


async def test_a_worker_is_refused_supervisor_commands(floor):
    worker = await floor.register(1001, "W01", "Li")
    for command, arg in (("/adjust", "W02 +100 奖励"), ("/team", None),
                         ("/clockfix", "W02 17:30")):
        await worker.command(command, arg)
        refused = await worker.wait_message("没有权限")
        assert refused.content == "没有权限：这个操作需要「班组长」角色。"
    assert await adjustment_count(floor) == 0
    async with floor.bot.sessions() as session:
        refusals = (await session.scalars(select(AuditEvent.detail)
                                          .where(AuditEvent.action == "refused"))).all()
    assert len(refusals) == 3 and all('"reason": "role"' in r for r in refusals)


async def test_forgotten_clock_outs_answered_from_the_reminders(floor):
    worker = await floor.register(1001, "W01", "Li")
    other = await floor.register(1002, "W02", "Wang")
    boss = await floor.register(2001, "S01", "Zhao", role="supervisor")
    await make_mixed(floor, "W01", "20.00")

    # W01 clocked in 12.5 hours ago: the worker's step (12 h) is due, the supervisor's not yet.
    since = await clocked_in_ago(floor, "W01", timedelta(hours=12, minutes=30))
    reminder = await worker.wait_message("还没有下班打卡", timeout=10)
    assert reminder.button_texts == ["🕔 我几点下班…"]
    await worker.press("🕔 我几点下班…", reminder)
    await worker.wait_message("请输入下班时间")
    left = since + timedelta(hours=8)
    await worker.send_text(local_hhmm(left))
    out = await worker.wait_message("下班打卡")
    # The end shows its date when the shift crossed midnight (16:11–11-22 00:11).
    assert re.search(f"{local_hhmm(since)}–(\\d\\d-\\d\\d )?{local_hhmm(left)}", out.content)
    assert "共 8小时" in out.content and "8小时 × 20.00/小时 = 160.00 元" in out.content

    # W02 clocked in 13.5 hours ago: the ladder has reached the supervisor.
    since = await clocked_in_ago(floor, "W02", timedelta(hours=13, minutes=30))
    post = await boss.wait_message("一直没有下班打卡", timeout=10)
    assert "工人W02（W02）" in post.content
    await boss.press("✏️ 修正 工人W02 的下班时间", post)
    await boss.wait_message("请输入下班时间和原因")
    left = since + timedelta(hours=9)
    await boss.send_text(f"{local_hhmm(left)} 忘记打卡")
    fixed = await boss.wait_message("已修正")
    assert "工人W02（W02）" in fixed.content and "共 9小时" in fixed.content
    told = await other.wait_message("修正了您的下班打卡")
    assert "（原因：忘记打卡）" in told.content
    async with floor.bot.sessions() as session:
        entry = await session.scalar(select(ClockEntry).where(ClockEntry.close_source == "fix"))
    assert entry.paid_minutes == 540 and entry.fix_reason == "忘记打卡"


async def adjustment_count(floor: Floor) -> int:
    async with floor.bot.sessions() as session:
        return await session.scalar(select(func.count()).select_from(WageAdjustment))


async def test_team_views_for_a_manager_and_a_supervisor(floor):
    async with floor.bot.sessions() as session, session.begin():
        await session.execute(update(Person).where(Person.code == "W01").values(team="装配一组"))
        await session.execute(update(Person).where(Person.code == "W02").values(team="焊接组"))
        session.add(Person(code="M01", name="厂长M01", role="manager"))
    worker = await floor.register(1001, "W01", "Li")
    manager = await floor.register(3001, "M01", "Sun", role="manager")
    boss = await floor.register(2001, "S01", "Zhao", role="supervisor")
    await worker.send_text("WO-000001 100")
    await worker.wait_message("已记录")
    month = f"{datetime.now(ZONE):%Y-%m}"

    await manager.command("/team")
    overview = (await manager.wait_message("各班组")).content
    assert overview.startswith(f"👥 各班组 · {month}：")
    assert "• 未分班组：2 人，0 件，—，0.00 元" in overview
    assert "• 焊接组：1 人，0 件，—，0.00 元" in overview
    assert "• 装配一组：1 人，100 件，—，35.00 元" in overview
    await manager.command("/team", "装配一组 month")
    one = (await manager.wait_message("👥")).content
    assert one.startswith(f"👥 装配一组 · {month}：1 人\n• 工人W01（W01）：100 件，—，35.00 元")

    await boss.command("/team", "装配一组")
    assert "您只能查看自己班组（未分班组）" in (await boss.wait_message("只能")).content
