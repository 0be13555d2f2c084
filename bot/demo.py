"""`gongdan demo`: the real bot, a local Bot API server, a sample factory and a simulated shift.

Everything is real but the people: a fresh SQLite file, the master-data import, the PTB
Application with its inbox and outbox, HTTP to a Bot API server on loopback, travel cards
rendered and photographed the way a phone would (tilted, blurred, JPEG), the barcode decoder,
and the reminder sweep. It prints what each person saw and leaves the database behind.

The shift first shows reporting (photos, typed codes, refusals, undo, redelivery), then the
closed loop: groups linked for exceptions and QC, a report held at a QC checkpoint and split
into pass / rework / scrap, the rework reported by its code and passed, and a line stop that
nobody acknowledges climbing a ladder of a few seconds until the supervisor acts.
"""

from __future__ import annotations

import asyncio
import io
import time
from datetime import date
from pathlib import Path

import qrcode
from PIL import ImageFilter
from sqlalchemy import func, select

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from bot.botapi_server.methods_common import member_json
from bot.botapi_server.sim import SimGroup, SimUser
from bot.config import Settings
from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.sample_factory import SAMPLE, write_sample_workbook
from bot.status_text import status_table
from bot.travel_cards import cards_for
from bot.workbook import read_workbook
from domain.andon import posts as andon_posts
from domain.db import make_engine, make_sessionmaker
from domain.masterdata import import_master_data
from domain.migrate import upgrade
from domain.models import (
    EscalationStep,
    FloorException,
    InboxUpdate,
    LadderStep,
    OutboxMessage,
    OutboxStatus,
    QCInspection,
    ReworkTask,
    WorkReport,
)
from domain.models.base import utcnow
from domain.registration import issue_invite
from domain.rules import FactoryRules
from domain.status import load_open_work_orders

TOKEN = "700000:DEMO-TOKEN"
WORKSHOP_GROUP, QC_GROUP = -1002001, -1002002
# An equipment line stop nobody acknowledges climbs this ladder in seconds, not the sample
# workbook's minutes (a factory tries its own ladder out the same way).
DEMO_LADDER = ((0, "responsible"), (2, "role:manager"), (4, "group:exceptions"))


class Shift:
    """The simulated people and the helpers that let each step finish before the next."""

    def __init__(self, api: LocalBotApi, bot: GongdanBot, quiet: bool,
                 out_dir: Path = Path("var")) -> None:
        self.api = api
        self.bot = bot
        self.quiet = quiet
        self.out_dir = out_dir  # where the chart and the workbook the demo receives are saved
        self.users: dict[str, SimUser] = {}
        api.on_event(self._print)

    def _print(self, event: object) -> None:
        if not self.quiet:
            print("   ", event)

    def say(self, title: str) -> None:
        if not self.quiet:
            print(f"\n== {title}")

    async def settle(self, timeout: float = 15.0) -> None:
        await wait_until_settled(self.api, self.bot, timeout)

    async def invite(self, code: str) -> str:
        async with self.bot.sessions() as session, session.begin():
            person = SAMPLE.person(code)
            issued = await issue_invite(session, code, person.role, now=utcnow(),
                                        rules=self.bot.settings.rules)
        return issued.code

    async def join(self, code: str, user_id: int, lang: str = "zh") -> SimUser:
        person = SAMPLE.person(code)
        user = self.api.user(user_id, person.name, language_code=lang)
        self.users[code] = user
        await user.command("/start", await self.invite(code))
        await self.settle()
        return user


async def wait_until_settled(api: LocalBotApi, bot: GongdanBot, timeout: float,
                             every: float = 0.05) -> None:
    """Wait until every update was processed and every reply was handed to the Bot API
    (looking every `every` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await asyncio.sleep(every)
        if api.pending_updates() or bot.sender.in_flight:
            continue
        async with bot.sessions() as session:
            unprocessed = await session.scalar(select(func.count()).select_from(InboxUpdate)
                                               .where(InboxUpdate.processed_at.is_(None)))
            unsent = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                          .where(OutboxMessage.status == OutboxStatus.pending))
        if not unprocessed and not unsent:
            return
    raise TimeoutError("the bot did not settle")


async def run_demo(db_path: Path, quiet: bool = False) -> int:
    started = time.monotonic()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{db_path}"

    workbook = write_sample_workbook(db_path.parent / "demo-factory.xlsx", date.today())
    engine = make_engine(url)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session, session.begin():
        result = await import_master_data(session, read_workbook([workbook]))
    print(f"Imported {workbook}: {result.people.created} people, {result.products.created} "
          f"products, work orders {', '.join(result.released)}")

    async with LocalBotApi(TOKEN, bot_username="gongdan_demo_bot") as api:
        # The local server does not throttle, so the shift need not wait out Telegram's pacing
        # (about 1 message/s per private chat, 20/min per group); the sweep runs twice a second
        # for the demo ladder's steps of a few seconds.
        settings = Settings(token=TOKEN, api_base_url=api.url or "", database_url=url,
                            bot_username="gongdan_demo_bot", send_rate=30, chat_rate=10,
                            chat_burst=5, group_per_minute=600, sweep_seconds=0.5,
                            rules=FactoryRules())
        bot = GongdanBot(settings, engine=engine, poll_timeout=1)
        await bot.start()
        print(f"Bot @gongdan_demo_bot is polling the local Bot API server at {api.url}")
        try:
            await simulate(Shift(api, bot, quiet, db_path.parent))
        finally:
            await bot.stop()

    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        views = await load_open_work_orders(session)
        counts = [await session.scalar(select(func.count()).select_from(model))
                  for model in (WorkReport, QCInspection, ReworkTask, FloorException)]
        # The exceptions' steps only: a task reminder may fire too when the demo runs just
        # before a shift ends.
        counts.append(await session.scalar(select(func.count()).select_from(EscalationStep)
                                           .where(EscalationStep.entity == andon_posts.ENTITY)))
    await engine.dispose()
    print("\n== Work orders at the end of the shift / 班末工单状态 (* = QC checkpoint 质检点)\n")
    print(status_table(views, "zh"))
    print("\nwork reports {} · QC inspections {} · rework tasks {} · exceptions {} "
          "(escalation steps {}) — {:.1f} s".format(*counts, time.monotonic() - started))
    print(f"The database stays at {db_path}; explore it with:\n"
          f"  DATABASE_URL=sqlite:///{db_path} .venv/bin/gongdan status")
    return 0


async def card_photo(shift: Shift, work_order: str, seed: int, difficulty: str = "normal",
                     blur: float = 0.0) -> bytes:
    async with shift.bot.sessions() as session:
        (card,) = await cards_for(session, [work_order], None)
    image = render_card(card)
    if blur:
        image = image.convert("L").filter(ImageFilter.GaussianBlur(blur))
    return phone_photo(image, seed=seed, difficulty=difficulty)


def foreign_qr() -> bytes:
    """A QR code that is not ours: a payment code someone photographed by mistake."""
    image = qrcode.make("https://pay.example.com/qr/8848").convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def simulate(shift: Shift) -> None:
    api = shift.api
    shift.say("Registration with invites / 邀请注册")
    zhang = await shift.join("W01", 10001)          # SMT
    liu = await shift.join("W04", 10004)            # THT
    zhao = await shift.join("W07", 10007)           # soldering
    sun = await shift.join("W12", 10012, lang="en")  # packing and test, English speaker
    ma = await shift.join("S01", 10101)             # supervisor, answers for equipment
    await shift.join("Q01", 10201)                  # QC inspector
    await shift.join("M01", 10301)                  # manager

    stranger = api.user(19999, "路人")
    await stranger.command("/tasks")
    await shift.settle()
    guesser = api.user(19998, "冒名者")
    await guesser.command("/start", "not-a-real-code")
    await shift.settle()

    shift.say("张伟 photographs the card of WO-000001 and taps 100 / 拍卡报工")
    await zhang.send_photo(await card_photo(shift, "WO-000001", seed=1))
    await shift.settle()
    await zhang.press("100")
    await shift.settle()
    shift.say("张伟 types the code with the quantity / 输入编码和数量")
    await zhang.send_text("WO-000001 200")
    await shift.settle()
    typed_update = api.updates.next_id - 1

    shift.say("Telegram delivers that update again: it is applied once / 重复投递")
    api.redeliver(typed_update)
    await shift.settle()
    async with shift.bot.sessions() as session:
        reports = await session.scalar(select(func.count()).select_from(WorkReport))
    shift.say(f"(update #{typed_update} came twice; the bot holds {reports} reports, not 3)")

    shift.say("刘洋 over-reports the next operation; the flow rule refuses / 超报被拒")
    await liu.send_photo(await card_photo(shift, "WO-000001", seed=2))
    await shift.settle()
    await liu.send_text("350")
    await shift.settle()
    await liu.send_text("280 3 毛刺")
    await shift.settle()
    shift.say("刘洋 undoes it and reports again, picking the scrap reason / 撤销后重报")
    await liu.press("撤销")
    await shift.settle()
    await liu.send_text("WO-000001")
    await shift.settle()
    await liu.send_text("290 2")
    await shift.settle()
    await liu.press("毛刺")
    await shift.settle()

    shift.say("赵敏's photo is too blurred; she types the code instead / 照片模糊，改为输入")
    await zhao.send_photo(await card_photo(shift, "WO-000001", seed=3, blur=9))
    await shift.settle()
    await zhao.send_text("wo-1")
    await shift.settle()
    shift.say("赵敏 double-taps the quantity button: recorded once / 连点两次")
    await zhao.press("全部剩余 290")
    await zhao.press("全部剩余 290")
    await shift.settle()

    shift.say("A worker tries a supervisor command; the supervisor checks the floor / 权限")
    await zhang.command("/status")
    await shift.settle()
    await ma.command("/status")
    await shift.settle()

    shift.say("孙浩 (English) sends a foreign QR code and a PDF / 非本厂码与非图片文件")
    await sun.send_photo(foreign_qr())
    await shift.settle()
    await sun.send_document(b"%PDF-1.4 not a photo", "invoice.pdf", "application/pdf")
    await shift.settle()
    await sun.command("/tasks")
    await shift.settle()

    shift.say("Rush order WO-000005 on the SMT line, reported from a tilted photo / 急单")
    await zhang.send_photo(await card_photo(shift, "WO-000005", seed=7, difficulty="normal"),
                           caption="500")
    await shift.settle()

    await closed_loop(shift)
    await figures(shift)


# --- the closed loop 闭环 ----------------------------------------------------------------------


async def add_bot(shift: Shift, group: SimGroup, by: SimUser) -> None:
    """What Telegram sends when someone adds the bot to a group."""
    api = shift.api
    api.push_update({"my_chat_member": {
        "chat": group.chat.api_chat(), "from": by.to_dict(), "date": api.now(),
        "old_chat_member": member_json(api.bot_user(), "left"),
        "new_chat_member": member_json(api.bot_user(), "member")}})
    await shift.settle()


async def demo_ladder(shift: Shift) -> None:
    """The most specific ladder wins: these rows apply to equipment line stops only."""
    async with shift.bot.sessions() as session, session.begin():
        session.add_all(LadderStep(ladder="exception_ack", match="equipment", severity="high",
                                   step_no=n, delay_seconds=delay, target=target)
                        for n, (delay, target) in enumerate(DEMO_LADDER))


async def closed_loop(shift: Shift) -> None:
    """Groups linked, a QC decision with rework followed to the end, a line stop escalated."""
    await link_groups(shift)
    await qc_and_rework(shift)
    await line_stop(shift)


async def link_groups(shift: Shift) -> None:
    api, people = shift.api, shift.users
    lin = people["M01"]
    shift.say("林志强 adds the bot to two groups and links them / 建群并绑定用途")
    workshop = api.group(WORKSHOP_GROUP, "车间异常群", members=[
        lin, people["S01"], people["Q01"], people["W01"], people["W04"], people["W07"],
        people["W12"]])
    qc_group = api.group(QC_GROUP, "质检群", members=[lin, people["S01"], people["Q01"]])
    for group in (workshop, qc_group):
        await add_bot(shift, group, lin)
    await workshop.command(lin, "/link", "exceptions")
    await shift.settle()
    await qc_group.command(lin, "/link", "qc")
    await shift.settle()


async def qc_and_rework(shift: Shift) -> None:
    sun, guo, ma = shift.users["W12"], shift.users["Q01"], shift.users["S01"]
    shift.say("孙浩 reports 100 at the functional test, a QC checkpoint, with a card photo "
              "/ 质检点报工，待检")
    await sun.send_photo(await card_photo(shift, "WO-000001", seed=11), caption="100")
    await shift.settle()

    shift.say("郭晓燕 splits the batch from the QC group: 88 pass, 8 rework, 4 scrap "
              "/ 分批判定：合格、返工、报废")
    await shift.api.groups[QC_GROUP].press(guo, "✂️ 分批判定…")
    await shift.settle()
    await guo.send_text("88 8 4")
    await shift.settle()
    for button in ("虚焊", "不拍照，完成"):
        await guo.press(button)
        await shift.settle()

    shift.say("孙浩 types the rework code and reports 6 reworked boards; QC passes them "
              "/ 输入返工单号报返工，复检合格")
    await sun.send_text("RW-000001")
    await shift.settle()
    await sun.send_text("6")
    await shift.settle()
    await guo.press("✅ 全部合格 6")
    await shift.settle()

    shift.say("孙浩's /tasks lists the rework still open; 50 more wait for QC; /status shows "
              "both / 我的任务含返工单，再报 50 件待检")
    await sun.command("/tasks")
    await shift.settle()
    await sun.send_text("WO-000001:40 50")
    await shift.settle()
    await ma.command("/status")
    await shift.settle()


async def line_stop(shift: Shift) -> None:
    people = shift.users
    zhang, liu, ma, lin = people["W01"], people["W04"], people["S01"], people["M01"]
    workshop = shift.api.groups[WORKSHOP_GROUP]
    shift.say("Demo ladder for equipment line stops: responsible at once, the manager after "
              f"{DEMO_LADDER[1][0]} s, the workshop group after {DEMO_LADDER[2][0]} s "
              "/ 演示用秒级升级规则")
    await demo_ladder(shift)
    shift.say("张伟's placement machine jams: a line stop from the task card's ⚠️ button "
              "/ 任务卡上报停线异常")
    await zhang.send_text("WO-000001")
    await shift.settle()
    for button in ("⚠️ 报告异常", "设备", "⛔ 是，停线了"):
        await zhang.press(button)
        await shift.settle()
    await zhang.send_text("贴片机吸嘴堵塞，抛料严重")
    await shift.settle()
    await zhang.press("提交")
    await shift.settle()
    shift.say("The line stands: 刘洋 cannot report on WO-000001 / 停线期间不能报工")
    await liu.send_text("WO-000001 5")
    await shift.settle()

    shift.say("Nobody acknowledges: the ladder climbs to the manager, then the group "
              "/ 无人响应，逐级升级")
    await lin.wait_message("无人响应", timeout=20)
    await workshop.wait_message("无人响应", timeout=20)
    await shift.settle()

    shift.say("马建国 acknowledges and resolves in the group; the tasks run again "
              "/ 群内响应、解决，工序恢复")
    for button in ("👀 响应", "✅ 已解决"):
        await workshop.press(ma, button)
        await shift.settle()
    await ma.send_text("更换吸嘴，试贴 20 片正常")
    await shift.settle()
    await liu.send_text("WO-000001 5")
    await shift.settle()

    shift.say("张伟 confirms the fix; the exception closes / 上报人确认修复，关闭")
    await zhang.press("👍 已修复，关闭")
    await shift.settle()


# --- what the shift adds up to -----------------------------------------------------------------


async def figures(shift: Shift) -> None:
    """Pay line by line, the KPIs, the daily summary with its chart and the Excel export; the
    chart and the workbook are saved beside the database."""
    people = shift.users
    zhang, ma, lin = people["W01"], people["S01"], people["M01"]
    shift.say("马建国 (paid by the hour) clocks in; 张伟 checks his pay line by line "
              "/ 打卡与逐行工资")
    await ma.command("/clockin")
    await shift.settle()
    await zhang.command("/me")
    await shift.settle()

    shift.say("林志强 asks for the KPIs and today's daily summary with its chart / 指标与日报")
    await lin.command("/kpi")
    await shift.settle()
    await lin.command("/summary")
    chart = await lin.wait_message("日报", timeout=30)
    await shift.settle()

    shift.say("林志强 exports the day to Excel / 导出 Excel")
    await lin.command("/export", "today")
    workbook = await lin.wait_message("Excel", timeout=60)
    await shift.settle()
    saved = shift.out_dir
    if chart.photo_bytes:
        (saved / "demo-summary.jpg").write_bytes(chart.photo_bytes)  # as Telegram recompresses it
    if workbook.document_bytes:
        (saved / "demo-report.xlsx").write_bytes(workbook.document_bytes)
    print(f"   (saved {saved / 'demo-summary.jpg'} and {saved / 'demo-report.xlsx'})")
