"""The floor the hostile inputs are thrown at: the real bot over real HTTP, with people in every
role, two groups, and entities in every state a forged button could point at.

    V01  a worker (SMT, THT) whose things the others try to touch: an open report card, an
         accepted report, a QC inspection decided and one still pending, an exception resolved
    W01  a worker (SMT) writing Chinese       W02  a worker (THT) writing English
    W09  a worker with no skill at all: nothing he types can record work (the fuzzing subject)
    S01  a supervisor, Q01 a QC inspector, M01 a manager
    a stranger who never registered; a group linked for exceptions, QC and management; a group
    the bot was added to and never linked
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from bot.botapi_server.methods_common import member_json
from bot.botapi_server.sim import SimGroup, SimUser
from domain import assignment
from domain.models import (
    FloorException,
    GroupLink,
    Operation,
    OperationTask,
    Person,
    Product,
    QCInspection,
    ReportDraft,
    WorkReport,
    utcnow,
)
from tests import builders
from tests.e2e.conftest import Floor, seed, seed_second_work_order, settings_for

LINKED_GROUP = -100901
UNLINKED_GROUP = -100902
LINKED_PURPOSES = ("exceptions", "qc", "management")

PEOPLE = ({"code": "V01", "skills": "SMT,THT"}, {"code": "W01", "skills": "SMT"},
          {"code": "W02", "skills": "THT"}, {"code": "W09"},
          {"code": "S01", "role": "supervisor"}, {"code": "Q01", "role": "qc"},
          {"code": "M01", "role": "manager"})


@dataclass
class Shop:
    floor: Floor
    victim: SimUser  # V01
    zh: SimUser  # W01
    en: SimUser  # W02
    idle: SimUser  # W09
    supervisor: SimUser
    inspector: SimUser
    manager: SimUser
    stranger: SimUser
    linked: SimGroup
    unlinked: SimGroup
    ids: dict[str, int] = field(default_factory=dict)  # the victim's things, by name

    @property
    def api(self) -> LocalBotApi:
        return self.floor.api

    @property
    def bot(self) -> GongdanBot:
        return self.floor.bot

    def user(self, name: str) -> SimUser:
        return getattr(self, name)

    def chat(self, name: str) -> SimUser | SimGroup:
        return getattr(self, name)


async def open_shop(api: LocalBotApi, tmp: Path) -> Shop:
    db = tmp / "hostile.db"
    await seed(db, quantity=100, people=PEOPLE)
    # Telegram's 20 posts a minute per group is the sender's business (tests/e2e): not paced here.
    settings = dataclasses.replace(settings_for(api, db), group_per_minute=6000)
    floor = Floor(api, GongdanBot(settings, poll_timeout=1), settings)
    await floor.bot.start()
    await seed_second_work_order(floor)  # WO-000002: a normal report after all the abuse
    async with floor.bot.sessions() as session, session.begin():
        await session.execute(update(Operation).where(Operation.code == "THT")
                              .values(qc_checkpoint=True))
        for purpose in LINKED_PURPOSES:
            session.add(GroupLink(chat_id=LINKED_GROUP, purpose=purpose, title="三号线"))
    victim = await floor.register(1000, "V01", "Victim")
    zh = await floor.register(1001, "W01", "李伟")
    en = await floor.register(1002, "W02", "Wang", lang="en")
    idle = await floor.register(1009, "W09", "闲人")
    supervisor = await floor.register(2001, "S01", "马班长", role="supervisor")
    inspector = await floor.register(3001, "Q01", "郭质检", role="qc")
    manager = await floor.register(4001, "M01", "林厂长", role="manager")
    stranger = api.user(9001, "Stranger", language_code="en")
    await stranger.command("/start")  # told to ask for an invite: his chat has a bot message
    await stranger.wait_message()
    linked = api.group(LINKED_GROUP, "三号线",
                       members=[victim, zh, en, supervisor, inspector, manager, stranger])
    unlinked = api.group(UNLINKED_GROUP, "闲聊群", members=[zh, en, manager, stranger])
    api.push_update({"my_chat_member": {  # the bot was added: it asks once to be linked
        "chat": unlinked.chat.api_chat(), "from": zh.to_dict(), "date": api.now(),
        "old_chat_member": member_json(api.bot_user(), "left"),
        "new_chat_member": member_json(api.bot_user(), "member")}})
    await unlinked.wait_message()
    shop = Shop(floor, victim, zh, en, idle, supervisor, inspector, manager, stranger, linked,
                unlinked)
    await _victims_things(shop)
    await floor.settle()
    return shop


async def _victims_things(shop: Shop) -> None:
    victim, floor = shop.victim, shop.floor
    await victim.send_text("WO-000001:10 60")  # SMT 60, accepted
    await victim.wait_message("已记录")
    await victim.send_text("WO-000001:20 20")  # THT 20, held for QC
    await victim.wait_message("质检")
    first = await _newest(floor, QCInspection)
    await _press(shop, shop.inspector, shop.inspector, f"qc:p:{first}")  # decided: passed
    await victim.send_text("WO-000001:20 10")  # THT 10, held: stays pending
    await victim.wait_message("质检")
    await victim.send_text("WO-000001:30")  # TEST: a card left open
    await victim.wait_message("WO-000001")
    await _exception_resolved(shop)
    assigned = await _assigned_to_the_victim(shop)
    async with floor.bot.sessions() as session:
        tasks = {t.seq: t.id for t in (await session.scalars(select(OperationTask))).all()
                 if t.work_order_id == 1}
        shop.ids.update(
            smt_task=tasks[10], tht_task=tasks[20], test_task=tasks[30],
            report=await _newest(floor, WorkReport, session=session),
            first_report=min((await session.scalars(select(WorkReport.id))).all()),
            draft=await _newest(floor, ReportDraft, session=session),
            decided_qc=first,
            pending_qc=await _newest(floor, QCInspection, session=session),
            exception=await _newest(floor, FloorException, session=session),
            assigned_task=assigned)


async def _assigned_to_the_victim(shop: Shop) -> int:
    """WO-000003's SMT task, given to the victim alone: the SMT workers may not report it."""
    async with shop.bot.sessions() as session, session.begin():
        product = await session.scalar(select(Product))
        work_order = await builders.work_order(session, product, quantity=20, number=3)
        task = await session.scalar(select(OperationTask).where(
            OperationTask.work_order_id == work_order.id, OperationTask.seq == 10))
        victim = await session.scalar(select(Person).where(Person.code == "V01"))
        await assignment.assign(session, task.id, [victim], actor=None, now=utcnow())
    await shop.victim.wait_message("WO-000003")
    return task.id


async def _exception_resolved(shop: Shop) -> None:
    """The victim reports a quality problem; the supervisor acknowledges and resolves it."""
    victim = shop.victim
    await shop.floor.settle()
    victim.drain()
    await victim.command("/exception")
    await victim.wait_message("是哪一类问题")
    for button in ("质量", "不涉及具体工单或工位", "没有停线"):
        await victim.press(button)
        await victim.wait_edit()
    await victim.press("提交")
    await victim.wait_edit("EX-000001")
    exception = await _newest(shop.floor, FloorException)
    for action in ("a", "r"):
        await _press(shop, shop.linked, shop.supervisor, f"e:{action}:{exception}")
    await shop.floor.settle()


async def _press(shop: Shop, view: SimUser | SimGroup, user: SimUser, data: str) -> None:
    """A real press of a button the bot showed in this chat (found by its callback data)."""
    await shop.floor.settle()
    pressed = await (view.press(data) if view is user else view.press(user, data))
    await view.wait_answer(pressed)


async def _newest(floor: Floor, model: type, session=None) -> int:
    if session is None:
        async with floor.bot.sessions() as own:
            return await _newest(floor, model, own)
    return max((await session.scalars(select(model.id))).all())


def button_data(views: list[SimUser | SimGroup]) -> list[str]:
    """Every callback data the bot has shown in these chats, oldest first, each once."""
    seen: list[str] = []
    for view in views:
        for message in view.all_messages:
            for snapshot in (*message.history, message):
                for row in (snapshot.reply_markup or {}).get("inline_keyboard") or []:
                    for button in row:
                        data = button.get("callback_data")
                        if data and data not in seen:
                            seen.append(data)
    return seen


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
