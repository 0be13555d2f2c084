"""Every kind of update the bot handles, delivered twice, has its effect once.

Telegram redelivers: after a restart (polling), when it missed the webhook's answer, or just
because. Each row of FLOWS walks a small piece of the floor — a registration, a report by text,
photo or file, every family of buttons, a group linked, a command in a group, an edited
message, a contact — and every update its `twice` steps cause reaches the bot twice. In polling
mode the Bot API hands the update out again once it was confirmed (`redeliver`); in webhook
mode the update is POSTed again right after the bot accepted it
(`duplicate_webhook_deliveries`), and once more later. Each step checks that the duplicate
changed nothing at all — no row in the database, no call to Telegram — and each flow checks its
effect happened once (rows, quantities, states, messages).

A new button family needs a row here: `test_every_button_family_has_a_row` compares the table
with the CallbackQueryHandler patterns the bot registers.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select, update
from telegram.ext import CallbackQueryHandler

from bot.app import GongdanBot, build_application
from bot.botapi_server import LocalBotApi, SimGroup, SimMessage, SimUser
from bot.botapi_server.methods_common import member_json
from bot.botapi_server.models import CallbackRec
from bot.config import Settings
from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import cards_for
from domain import clock, clocking
from domain.models import (
    AuditEvent,
    Base,
    BomLine,
    ChangeNotice,
    ClockEntry,
    DispatchPlan,
    FloorException,
    GroupLink,
    Invite,
    Material,
    MaterialMovement,
    Operation,
    OperationTask,
    Person,
    PlanChange,
    Product,
    QCInspection,
    Responsibility,
    ReworkTask,
    TaskAssignee,
    WageAdjustment,
    WorkOrder,
    WorkReport,
)
from tests import builders
from tests.e2e.conftest import TOKEN, Floor, seed, settings_for
from tests.e2e.test_webhook_mode import webhook_settings

# People of the floor, registered already (their Telegram ids), and one who is not.
W01, W02, W03, W05, S01, M01, T01 = 1001, 1002, 1003, 1005, 2001, 3001, 5001
PEOPLE = ({"code": "W01", "skills": "SMT", "telegram_user_id": W01},
          {"code": "W02", "skills": "THT", "telegram_user_id": W02},
          {"code": "W03", "skills": "SMT", "telegram_user_id": W03},
          {"code": "W05", "skills": "THT", "telegram_user_id": W05},
          {"code": "W04", "skills": "SMT"},
          {"code": "S01", "role": "supervisor", "telegram_user_id": S01},
          {"code": "M01", "role": "manager", "telegram_user_id": M01},
          {"code": "T01", "telegram_user_id": T01})
NAMES = {W01: "Li", W02: "Wang", W03: "Zhao", W05: "Qian", S01: "Ma", M01: "Chen", T01: "Sun"}
GROUP = -100321
MONDAY = "2026-11-23T07:30:00+08:00"  # a working day ahead of the work orders' due dates

# Tables whose rows change with time or per delivery, not with what an update did.
BOOKKEEPING = {"inbox_update", "processed_update", "bot_process", "outbox_chat_lease",
               "send_budget"}
# Calls that are not the bot acting on an update.
POLLING = {"getUpdates", "getMe", "setWebhook", "deleteWebhook", "getWebhookInfo"}


# --- the harness ------------------------------------------------------------------------------


@dataclass
class Twice:
    """Does one user action at a time and delivers the updates it causes twice."""

    floor: Floor
    mode: str
    pressed: list[str] = field(default_factory=list)  # callback data delivered twice
    kinds: Counter[str] = field(default_factory=Counter)  # update kinds delivered twice

    @property
    def api(self) -> LocalBotApi:
        return self.floor.api

    def user(self, user_id: int) -> SimUser:
        return self.api.user(user_id, NAMES.get(user_id, f"U{user_id}"), started=True)

    async def __call__(self, action: Awaitable[Any], quiet: bool = False) -> Any:
        """Do `action`; each update it causes reaches the bot twice; the second changes
        nothing. Returns what the action returned. `quiet`: the first does nothing either
        (an update the bot ignores)."""
        api = self.api
        await self.floor.settle(timeout=15)
        before = await self.snapshot()
        first = api.updates.next_id
        if self.mode == "webhook":  # POSTed again as soon as the bot answered 200
            api.duplicate_webhook_deliveries(every=1)
        result = await action
        ids = list(range(first, api.updates.next_id))
        assert ids, "the action caused no update"
        await self._delivered(ids, 2 if self.mode == "webhook" else 1)
        api.duplicate_webhook_deliveries(0)
        await self.floor.settle(timeout=15)
        once = await self.snapshot()
        assert quiet or once != before, "the update changed nothing and said nothing"
        for update_id in ids:  # and once more, later: after a restart, say
            assert api.redeliver(update_id)
        await self._delivered(ids, 3 if self.mode == "webhook" else 2)
        await self.floor.settle(timeout=15)
        assert_unchanged(once, await self.snapshot())
        for update_id in ids:
            raw = api.updates.history[update_id]
            self.kinds[next(k for k in raw if k != "update_id")] += 1
            if "callback_query" in raw:
                self.pressed.append(raw["callback_query"]["data"])
        return result

    async def _delivered(self, ids: list[int], times: int) -> None:
        deadline = time.monotonic() + 15
        while any(self.api.updates.deliveries.get(i, 0) < times for i in ids):
            assert time.monotonic() < deadline, f"updates {ids} not delivered {times} times"
            await asyncio.sleep(0.02)

    async def snapshot(self) -> dict[str, Any]:
        """Every row of every table the floor's state lives in, and the bot's calls."""
        state: dict[str, Any] = {"calls": Counter({
            method: n for method, n in self.api.stats["calls"].items() if method not in POLLING})}
        async with self.floor.bot.sessions() as session:
            for name, table in Base.metadata.tables.items():
                if name not in BOOKKEEPING:
                    rows = (await session.execute(select(table))).all()
                    state[name] = sorted((tuple(row) for row in rows), key=repr)
        return state

    # --- one action, twice
    async def send(self, user: SimUser, text: str) -> SimMessage:
        return await self(user.send_text(text))

    async def command(self, view: SimUser | SimGroup, command: str, arg: str | None = None,
                      by: SimUser | None = None) -> SimMessage:
        if isinstance(view, SimGroup):
            assert by is not None
            return await self(view.command(by, command, arg))
        return await self(view.command(command, arg))

    async def tap(self, view: SimUser | SimGroup, pattern: str, by: SimUser | None = None,
                  message: SimMessage | None = None) -> SimMessage:
        """Press the button whose data matches `pattern` on `message`, or on the latest bot
        message that has one; the pressed message is returned."""
        message, data = find_button(view, pattern, message)
        if isinstance(view, SimGroup):
            assert by is not None
            await self(view.press(by, data, message))
        else:
            await self(view.press(data, message))
        return message

    async def tap_data(self, user: SimUser, data: str) -> None:
        """A button that only a reminder on the clock shows: its data, as Telegram would
        deliver a press of it, on the user's latest message from the bot."""
        if not user.messages:  # something from the bot to press it on
            await user.command("/help")
            await user.wait_message()
        await self(_press_data(user, user.messages[-1], data))


def find_button(view: SimUser | SimGroup, pattern: str,
                message: SimMessage | None = None) -> tuple[SimMessage, str]:
    candidates = [view.message(message.message_id)] if message else reversed(view.messages)
    for candidate in candidates:
        for row in candidate.buttons:
            for _, data in row:
                if data and re.match(pattern, data):
                    return candidate, data
    raise LookupError(f"no button {pattern!r} in {view!r}: {view.messages[-3:]}")


async def _press_data(user: SimUser, message: SimMessage, data: str) -> None:
    server = user.server
    cid = str(4_200_000_000_000_000_000 + server.next_seq())
    server.callbacks[cid] = CallbackRec(cid, user.id, message.message_id, user.id, data)
    server.push_update({"callback_query": {
        "id": cid, "from": user.to_dict(), "message": message.to_api(),
        "chat_instance": str(user.id), "data": data}})
    await asyncio.sleep(0)


def assert_unchanged(once: dict[str, Any], again: dict[str, Any]) -> None:
    changed = {name: {"before": [r for r in once[name] if r not in again[name]],
                      "after": [r for r in again[name] if r not in once[name]]}
               if name != "calls" else (once[name], again[name])
               for name in once if once[name] != again[name]}
    assert not changed, f"the duplicate changed {changed}"


# --- the floor ----------------------------------------------------------------------------------


@asynccontextmanager
async def duplicate_floor(api: LocalBotApi, tmp_path: Path, mode: str,
                          clock_at: str | None) -> AsyncIterator[Twice]:
    db = tmp_path / "dup.db"
    await seed(db, people=PEOPLE)
    settings: Settings = (webhook_settings(api, db) if mode == "webhook"
                          else settings_for(api, db))
    settings = replace(settings, group_per_minute=600)  # groups need not wait here
    if clock_at:
        settings = replace(settings, clock=f"{clock_at}@1")
    gongdan = GongdanBot(settings, poll_timeout=1, webhook=mode == "webhook")
    await gongdan.start()
    for user_id, name in NAMES.items():  # they have all talked to the bot before
        api.user(user_id, name, started=True)
    try:
        yield Twice(Floor(api, gongdan, settings), mode)
    finally:
        try:
            await gongdan.stop()
        finally:
            clock.set_clock(None)


async def rows(t: Twice, model: Any, *where: Any) -> list[Any]:
    async with t.floor.bot.sessions() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def count(t: Twice, model: Any, *where: Any) -> int:
    async with t.floor.bot.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def task(t: Twice, seq: int) -> OperationTask:
    (found,) = await rows(t, OperationTask, OperationTask.seq == seq,
                          OperationTask.work_order_id == 1)
    return found


async def in_session(t: Twice, change: Callable[[Any], Awaitable[None]]) -> None:
    async with t.floor.bot.sessions() as session, session.begin():
        await change(session)


async def card_photo(t: Twice, code: str = "WO-000001", seed: int = 5) -> bytes:
    async with t.floor.bot.sessions() as session:
        (card,) = await cards_for(session, [code], None)
    return phone_photo(render_card(card), seed=seed, difficulty="easy")


def plain_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def texts(view: SimUser | SimGroup, part: str) -> list[str]:
    return [m.content for m in view.messages if part in m.content]


async def qc_checkpoint(session: Any) -> None:
    """THT is a QC checkpoint; nobody inspects, so the supervisor decides."""
    await session.execute(update(Operation).where(Operation.code == "THT")
                          .values(qc_checkpoint=True))


async def held_for_qc(t: Twice, quantity: int = 50) -> SimUser:
    """W01 finishes SMT, W02 reports THT and is held: the supervisor has the QC buttons."""
    await in_session(t, qc_checkpoint)
    smt, tht, boss = t.user(W01), t.user(W02), t.user(S01)
    await smt.send_text("WO-000001 100")
    await smt.wait_message("已记录")
    await tht.send_text(f"WO-000001 {quantity}")
    await tht.wait_message("质检点")
    await boss.wait_message("待质检")
    return boss


# --- the flows: one row each --------------------------------------------------------------------


async def registration(t: Twice) -> None:
    newcomer = t.api.user(1004, "Zhou", started=False)
    code = await t.floor.invite("W04")
    await t.command(newcomer, "/start", code)
    (person,) = await rows(t, Person, Person.code == "W04")
    assert person.telegram_user_id == 1004
    assert len(texts(newcomer, "注册成功")) == 1
    (invite,) = await rows(t, Invite)
    assert invite.used_at is not None


async def typed_report_and_quantity(t: Twice) -> None:
    worker = t.user(W01)
    await t.send(worker, "WO-000001")  # the card, with its buttons
    await t.send(worker, "12")  # the quantity typed
    await t.send(worker, "WO-000001 8")  # code and quantity in one message
    assert await count(t, WorkReport) == 2
    assert (await task(t, 10)).good_qty == 20
    assert len(texts(worker, "已记录")) == 2


async def quantity_scrap_reason_and_undo(t: Twice) -> None:
    worker = t.user(W01)
    await worker.send_text("WO-000001")
    card = await worker.wait_message("请选择良品数量")
    await t.tap(worker, r"^q:\d+:10$", message=card)
    await worker.send_text("WO-000001")
    card = await worker.wait_message("请选择良品数量")
    await t.tap(worker, r"^s:", message=card)  # scrap: asked to type it
    await t.send(worker, "5 2")
    await t.tap(worker, r"^r:")  # the reason for the scrap
    assert (await task(t, 10)).scrap_qty == 2
    await t.tap(worker, r"^u:")  # undo the last report
    reports = await rows(t, WorkReport)
    assert sorted(r.status for r in reports) == ["accepted", "voided"]
    assert ((await task(t, 10)).good_qty, (await task(t, 10)).scrap_qty) == (10, 0)
    await worker.send_text("WO-000001")
    card = await worker.wait_message("请选择良品数量")
    await t.tap(worker, r"^x:", message=card)  # and a card cancelled
    assert await count(t, WorkReport) == 2


async def photo_report(t: Twice) -> None:
    worker = t.user(W01)
    await t(worker.send_photo(await card_photo(t)))
    await t.tap(worker, r"^q:\d+:20$")
    await t(worker.send_photo(await card_photo(t, seed=6), caption="7"))
    (first, second) = await rows(t, WorkReport)
    assert (first.good_qty, first.source, second.good_qty) == (20, "photo-scan", 7)
    assert (await task(t, 10)).good_qty == 27


async def photo_as_a_file(t: Twice) -> None:
    worker = t.user(W01)
    await t(worker.send_document(await card_photo(t), "card.jpg", "image/jpeg", caption="9"))
    assert [r.good_qty for r in await rows(t, WorkReport)] == [9]


async def tasks_and_codes(t: Twice) -> None:
    worker = t.user(W01)
    await t(worker.send_photo(plain_photo()))  # no code in it: "my tasks" offered
    await t.tap(worker, r"^t:list$")
    await t.tap(worker, r"^t:\d")  # a task from the list opens its card
    card = await worker.wait_message("请选择良品数量")
    await worker.press("取消", card)
    sheet = Image.new("RGB", (2400, 1200), "white")  # two cards in one photo: which?
    async with t.floor.bot.sessions() as session:
        await builders.work_order(session, await session.scalar(select(Product)), 30, 2)
        await session.commit()
        cards = await cards_for(session, ["WO-000001", "WO-000002"], None)
    for n, card_data in enumerate(cards):
        sheet.paste(render_card(card_data).convert("RGB"), (n * 1200, 0))
    await worker.send_photo(phone_photo(sheet, seed=3, difficulty="easy"))
    await worker.wait_message(lambda m: bool(m.buttons) and "c:" in str(m.buttons), timeout=10)
    await t.tap(worker, r"^c:WO-000002")
    assert "WO-000002" in worker.messages[-1].content


async def free_form(t: Twice) -> None:
    worker = t.user(W01)
    await worker.send_text("WO-000001")
    await worker.wait_message("剩余 100")
    await t.send(worker, "做了30 坏2 毛刺")  # a confirmation card
    await t.tap(worker, r"^ff:e:")  # change it
    await t.send(worker, "合格28，不良2（划伤）")
    await t.tap(worker, r"^ff:y:")  # confirmed
    await worker.send_text("WO-000001")
    await worker.wait_message("剩余")
    await t.send(worker, "30 2 坏")  # two readings: asked which
    await t.tap(worker, r"^ff:p:")
    await t.tap(worker, r"^r:")
    await worker.send_text("WO-000001 做了5")
    await worker.wait_message("请确认报工")
    await t.tap(worker, r"^ff:n:")  # and one cancelled
    assert sorted(r.good_qty for r in await rows(t, WorkReport)) == [28, 30]


async def language(t: Twice) -> None:
    worker = t.user(W01)
    await t.command(worker, "/lang")
    await t.tap(worker, r"^l:en$")
    (person,) = await rows(t, Person, Person.code == "W01")
    assert person.language == "en"


async def qc_pass(t: Twice) -> None:
    boss = await held_for_qc(t)
    await t.tap(boss, r"^qc:p:")
    (inspection,) = await rows(t, QCInspection)
    assert (inspection.status, inspection.pass_qty) == ("passed", 50)
    assert (await task(t, 20)).good_qty == 50
    assert len(texts(t.user(W02), "✅ 质检合格")) == 1


async def qc_reject_and_rework(t: Twice) -> None:
    boss = await held_for_qc(t, 20)
    await t.tap(boss, r"^qc:r:")
    await t.tap(boss, r"^qc:ra:")  # all to rework
    await t.tap(boss, r"^qc:d:")  # the defect
    await t.tap(boss, r"^qc:n:")  # no photo: decided
    (rework,) = await rows(t, ReworkTask)
    assert (rework.quantity, rework.status) == (20, "open")
    await t.tap(boss, r"^rw:a:")  # hand it to someone else
    await t.tap(boss, r"^rw:to:")
    (rework,) = await rows(t, ReworkTask)
    (assignee,) = await rows(t, Person, Person.id == rework.assignee_id)
    worker = t.user(assignee.telegram_user_id)
    await worker.wait_message("返工单 RW-000001")
    await t.tap(worker, r"^rw:r:")  # report it from the rework card
    await t.send(worker, "20")
    (rework,) = await rows(t, ReworkTask)
    assert rework.pending_qc_qty == 20  # back to QC, once
    assert await count(t, WorkReport, WorkReport.rework_task_id.is_not(None)) == 1


async def qc_split_scrap_and_cancel(t: Twice) -> None:
    boss = await held_for_qc(t)
    await t.tap(boss, r"^qc:s:")
    await t.send(boss, "45 3 2")
    await t.tap(boss, r"^qc:d:")
    await t(boss.send_photo(plain_photo()))  # the defect's photo: decided
    (inspection,) = await rows(t, QCInspection)
    assert (inspection.pass_qty, inspection.rework_qty, inspection.scrap_qty) == (45, 3, 2)
    tht = t.user(W02)
    await tht.send_text("WO-000001 20")
    await tht.wait_message("质检点")
    await boss.wait_message("待质检")
    await t.tap(boss, r"^qc:r:")
    await t.tap(boss, r"^qc:sa:")  # all scrapped
    await t.tap(boss, r"^qc:x:")  # then thought better of it
    assert [i.status for i in await rows(t, QCInspection)] == ["failed", "pending"]


async def exception_flow(t: Twice) -> None:
    await in_session(t, _andon)
    worker, mechanic = t.user(W01), t.user(T01)
    await t.command(worker, "/exception")
    await t.tap(worker, r"^e:k:")  # the first kind: equipment
    await t.tap(worker, r"^e:w:")  # about the work order
    await t.tap(worker, r"^e:l:\d+:0$")  # the line runs
    await t.send(worker, "贴片机有异响")
    await t.tap(worker, r"^e:y:")  # submitted
    (exception,) = await rows(t, FloorException)
    await mechanic.wait_message(exception_code(exception))
    await t.tap(mechanic, r"^e:a:")  # acknowledged
    await t.tap(mechanic, r"^e:r:")  # resolved
    await worker.wait_message("问题修好了吗")
    await t.tap(worker, r"^e:u:")  # not fixed: open again
    (exception,) = await rows(t, FloorException)
    assert exception.status not in ("resolved", "closed")
    await t.tap(mechanic, r"^e:r:")
    await worker.wait_message("问题修好了吗")
    await t.tap(worker, r"^e:c:")  # fixed: closed
    (exception,) = await rows(t, FloorException)
    assert exception.status == "closed"
    actions = [a.action for a in await rows(t, AuditEvent, AuditEvent.action.like("exception.%"))]
    assert actions.count("exception.reported") == 1 and actions.count("exception.closed") == 1


async def exception_other_ways(t: Twice) -> None:
    await in_session(t, _andon)
    worker = t.user(W01)
    await worker.send_text("WO-000001")
    await worker.wait_message("请选择良品数量")
    await t.tap(worker, r"^e:t:")  # from the task card
    await t.tap(worker, r"^e:x:")  # cancelled
    await t.command(worker, "/exception")
    await t.tap(worker, r"^e:k:")
    await t.tap(worker, r"^e:s:")  # a workstation
    await t.tap(worker, r"^e:x:")
    await t.command(worker, "/exception")
    await t.tap(worker, r"^e:k:")
    await t.tap(worker, r"^e:n:")  # about nothing in particular
    await t.tap(worker, r"^e:l:\d+:1$")  # the line stopped
    await t.tap(worker, r"^e:y:")
    (exception,) = await rows(t, FloorException)
    assert exception.line_stopped and exception.status == "open"


async def _andon(session: Any) -> None:
    mechanic = await session.scalar(select(Person).where(Person.code == "T01"))
    session.add(Responsibility(kind="equipment", person_id=mechanic.id))
    await session.execute(update(Operation).values(workstation="SMT-1"))


def exception_code(exception: FloorException) -> str:
    return f"EX-{exception.id:06d}"


async def groups_linked(t: Twice) -> None:
    manager, worker = t.user(M01), t.user(W01)
    group = t.api.group(GROUP, "三号线", members=[manager, worker])
    await t(_bot_added(t.api, group, manager))  # my_chat_member: asks to be linked
    assert len(group.messages) == 1
    await t.command(group, "/link", "exceptions", by=manager)  # a command in the group
    await t.command(group, "/link", by=manager)  # the choices as buttons
    await t.tap(group, r"^g:l:qc$", by=manager)
    await t.tap(group, r"^g:u:exceptions$", by=manager)
    links = await rows(t, GroupLink)
    assert sorted((link.purpose, link.active) for link in links) == [("exceptions", False),
                                                                      ("qc", True)]
    await t.command(group, "/summary", by=manager)  # a command in a linked group
    await t(group.send_text(worker, "大家好"), quiet=True)  # chatter: not the bot's business


async def _bot_added(api: LocalBotApi, group: SimGroup, by: SimUser) -> None:
    api.push_update({"my_chat_member": {
        "chat": group.chat.api_chat(), "from": by.to_dict(), "date": api.now(),
        "old_chat_member": member_json(api.bot_user(), "left"),
        "new_chat_member": member_json(api.bot_user(), "administrator")}})
    await asyncio.sleep(0)


async def group_migrated(t: Twice) -> None:
    manager = t.user(M01)
    group = t.api.group(GROUP, "三号线", type="group", members=[manager])
    await in_session(t, _linked_group)
    await t(_migrate(t.api, GROUP, GROUP * 10))  # two service messages, old id and new
    (link,) = await rows(t, GroupLink)
    assert link.chat_id == GROUP * 10
    assert group.migrated_to is not None


async def _linked_group(session: Any) -> None:
    session.add(GroupLink(chat_id=GROUP, purpose="exceptions", title="三号线"))


async def _migrate(api: LocalBotApi, old: int, new: int) -> None:
    api.migrate_group(old, new)
    await asyncio.sleep(0)


async def odd_messages(t: Twice) -> None:
    worker = t.user(W01)
    sent = await worker.send_text("WO-000001 5")
    await worker.wait_message("已记录")
    await t(worker.edit_text(sent, "WO-000001 6"))  # an edited message
    await t(worker.send_contact("+8613800000000"))  # a contact: answered, it is no report
    await t(t.api.user(1099, "Stranger", started=False).send_text("你好"))  # a stranger
    await t.command(worker, "/nonsense")  # a command nobody knows
    assert (await task(t, 10)).good_qty in (5, 11)  # the edit counted once, or not at all


async def chat_member_updates(t: Twice) -> None:
    """Not asked for (allowed_updates leaves chat_member out): were one delivered anyway,
    twice, nothing would happen and nothing would break."""
    manager, worker = t.user(M01), t.user(W01)
    group = t.api.group(GROUP, "三号线", members=[manager])
    update = {"chat_member": {
        "chat": group.chat.api_chat(), "from": manager.to_dict(), "date": t.api.now(),
        "old_chat_member": member_json(worker.to_dict(), "left"),
        "new_chat_member": member_json(worker.to_dict(), "member")}}
    assert t.api.push_update(dict(update)) is None  # Telegram does not send it
    await t(_push_unasked(t.api, update), quiet=True)
    await t.command(worker, "/tasks")  # and the bot goes on as before
    assert len(texts(worker, "我的任务")) == 1


async def _push_unasked(api: LocalBotApi, update: dict[str, Any]) -> None:
    """Queue an update of a kind the bot did not ask for (the bot's next getUpdates sets
    allowed_updates again)."""
    api.updates.allowed = [*(api.updates.allowed or []), *update]
    assert api.push_update(update) is not None
    await asyncio.sleep(0)


async def assign_and_claim(t: Twice) -> None:
    boss = t.user(S01)
    await t.command(boss, "/assign", "WO-000001")
    await t.tap(boss, r"^as:o:")  # which operation: SMT
    await t.tap(boss, r"^as:t:")  # pick the first person
    await t.tap(boss, r"^as:d:")  # done: they are told
    (assigned,) = await rows(t, TaskAssignee)
    await t.command(boss, "/assign", "WO-000001 10")
    await t.tap(boss, r"^as:x:")  # closed without a change
    await t.command(boss, "/assign", "WO-000001 10")
    await t.tap(boss, r"^as:c:")  # open it for claiming
    (other,) = [p for p in await rows(t, Person, Person.skills_text == "SMT",
                                      Person.telegram_user_id.is_not(None))
                if p.id != assigned.person_id]
    offered = t.user(other.telegram_user_id)
    await offered.wait_message("可认领")
    await t.tap(offered, r"^cl:")
    assert sorted(a.person_id for a in await rows(t, TaskAssignee)) == sorted(
        [assigned.person_id, other.id])


async def dispatch_plan(t: Twice) -> None:
    boss = t.user(S01)
    await t.command(boss, "/dispatch")
    await t.tap(boss, r"^dp:e:")  # change a line
    await t.tap(boss, r"^dp:p:")  # back
    await t.tap(boss, r"^dp:e:")
    await t.tap(boss, r"^dp:l:")  # this line
    await t.tap(boss, r"^dp:w:")  # to this person
    await t.tap(boss, r"^dp:a:")  # accept
    (plan,) = await rows(t, DispatchPlan)
    assert plan.status == "accepted"
    await t.command(boss, "/dispatch")
    await t.tap(boss, r"^dp:d:")  # discarded
    assert sorted(p.status for p in await rows(t, DispatchPlan)) == ["accepted", "discarded"]


async def rush_order(t: Twice) -> None:
    await in_session(t, _more_work_orders)
    manager = t.user(M01)
    await t.command(manager, "/rush", "WO-000003")
    await t.tap(manager, r"^ru:n:")
    (waiting,) = await rows(t, WorkOrder, WorkOrder.code == "WO-000003")
    await t.command(manager, "/rush", "WO-000003")
    await t.tap(manager, r"^ru:y:")
    (rushed,) = await rows(t, WorkOrder, WorkOrder.code == "WO-000003")
    assert (waiting.priority, rushed.priority) == (3, 0)  # the most urgent, once
    assert await count(t, PlanChange) == 1


async def _more_work_orders(session: Any) -> None:
    product = await session.scalar(select(Product))
    for number, quantity, due in ((2, 300, 23), (3, 120, 25), (4, 60, 22)):
        made = await builders.work_order(session, product, quantity=quantity, number=number)
        made.due_date = date(2026, 11, due)


async def plan_change(t: Twice) -> None:
    worker, manager = t.user(W01), t.user(M01)
    await worker.send_text("WO-000001")  # W01 has the card open: the change reaches them
    await worker.wait_message("请选择良品数量")
    await t.command(manager, "/change", "WO-000001 qty 110")
    await t.tap(manager, r"^wo:n:")  # discarded
    await t.command(manager, "/change", "WO-000001 qty 120")
    await t.tap(manager, r"^wo:y:")  # confirmed
    assert [x.planned_qty for x in await rows(t, OperationTask)] == [120] * 3
    told = await worker.wait_message("📢 计划变更")
    await t.tap(worker, r"^ck:\d+$", message=told)  # acknowledged
    notices = await rows(t, ChangeNotice, ChangeNotice.acknowledged_at.is_not(None))
    assert len(notices) == 1
    await t.command(manager, "/hold", "WO-000001 等料")  # commands that change state
    await t.command(manager, "/resume", "WO-000001")
    (order,) = await rows(t, WorkOrder)
    assert order.status in ("released", "in_progress")


async def wages_and_clock(t: Twice) -> None:
    """On the clock of MONDAY (07:30): W03 clocked in at 04:00 and forgot to clock out."""
    worker, boss, forgetful = t.user(W01), t.user(S01), t.user(W03)
    await t.command(worker, "/clockin")
    await t.command(worker, "/clockout")
    assert [e.clock_out_at is not None for e in await rows(t, ClockEntry)] == [True]
    early = clock.now() - timedelta(hours=3, minutes=30)
    async with t.floor.bot.sessions() as session, session.begin():
        person = await session.scalar(select(Person).where(Person.code == "W03"))
        opened = await clocking.clock_in(session, person, now=early, key="early",
                                         rules=t.floor.settings.rules)
    entry_id = opened.entry.id
    await t.tap_data(forgetful, f"ck:o:{entry_id}")  # "when did you leave?" (the reminder's)
    await t.send(forgetful, "05:00")
    (_, entry) = await rows(t, ClockEntry)
    assert entry.clock_out_at is not None
    async with t.floor.bot.sessions() as session, session.begin():
        person = await session.scalar(select(Person).where(Person.code == "W03"))
        opened = await clocking.clock_in(session, person, now=early + timedelta(hours=2),
                                         key="early again", rules=t.floor.settings.rules)
    entry_id = opened.entry.id
    await t.tap_data(boss, f"ck:f:{entry_id}")  # the supervisor's Fix (the ladder's button)
    await t.send(boss, "07:00 忘记打卡")
    assert all(e.clock_out_at is not None for e in await rows(t, ClockEntry))
    await t.command(boss, "/adjust", "W01 +200 全勤奖")
    await t.tap(boss, r"^adj:y:")
    await t.command(boss, "/adjust", "W01 -50 迟到")
    await t.tap(boss, r"^adj:n:")
    (adjustment,) = await rows(t, WageAdjustment)
    assert adjustment.amount == Decimal("200")
    assert len(texts(worker, "工资调整")) == 1


async def materials_issue(t: Twice) -> None:
    await in_session(t, _stock)
    boss = t.user(S01)
    photo = await card_photo(t)
    await t(boss.send_photo(photo, caption="领料"))  # the card photographed: pick a material
    await t.tap(boss, r"^mi:m:")
    await t.send(boss, "5")
    await boss.send_photo(photo, caption="领料")
    await boss.wait_message("选物料", timeout=10)
    await t.tap(boss, r"^mi:m:")
    await t.tap(boss, r"^mi:a:")  # all that is still to be issued
    await boss.send_photo(photo, caption="领料")
    await boss.wait_message("选物料", timeout=10)
    await t.tap(boss, r"^mi:x:")
    moves = await rows(t, MaterialMovement)
    assert len(moves) == 2
    (screw,) = await rows(t, Material, Material.code == "SCREW")
    await t.command(boss, "/issue", "WO-000001 SCREW 40")
    await t.command(boss, "/return", "WO-000001 SCREW 10")
    (after,) = await rows(t, Material, Material.code == "SCREW")
    assert screw.on_hand - after.on_hand == 30


async def _stock(session: Any) -> None:
    product = await session.scalar(select(Product))
    session.add_all([
        Material(code="STEEL", name="钢板", unit="kg", on_hand=Decimal(30)),
        Material(code="SCREW", name="螺丝", unit="pcs", on_hand=Decimal(1000)),
        BomLine(product_id=product.id, material_code="STEEL", material_name="钢板",
                qty_per_unit=Decimal("0.25"), unit="kg"),
        BomLine(product_id=product.id, material_code="SCREW", material_name="螺丝",
                qty_per_unit=Decimal(4), unit="pcs", operation_code="THT")])


async def people_in_and_out(t: Twice) -> None:
    boss, manager = t.user(S01), t.user(M01)
    await t.command(boss, "/invite", "W04")
    assert await count(t, Invite) == 1
    await t.command(manager, "/remove", "W05")
    await t.tap(manager, r"^pr:n:")
    await t.command(manager, "/remove", "W05")
    await t.tap(manager, r"^pr:y:")
    (gone,) = await rows(t, Person, Person.code == "W05")
    assert not gone.active


@dataclass(frozen=True)
class Flow:
    name: str
    run: Callable[[Twice], Awaitable[None]]
    buttons: tuple[str, ...] = ()  # the callback patterns (as routes registers them) it covers
    clock: str | None = None


FLOWS = (
    Flow("registration", registration),
    Flow("typed report and quantity", typed_report_and_quantity),
    Flow("quantity, scrap, reason, undo, cancel", quantity_scrap_reason_and_undo,
         (r"^q:", r"^s:", r"^r:", r"^u:", r"^x:")),
    Flow("photo report", photo_report, (r"^q:",)),
    Flow("photo sent as a file", photo_as_a_file),
    Flow("task list and codes", tasks_and_codes, (r"^t:list$", r"^t:\d", r"^c:")),
    Flow("free-form report", free_form, (r"^ff:", r"^r:")),
    Flow("language", language, (r"^l:",)),
    Flow("QC pass", qc_pass, (r"^qc:p:",)),
    Flow("QC reject and rework", qc_reject_and_rework,
         (r"^qc:r:", r"^qc:(ra|sa):", r"^qc:d:", r"^qc:n:", r"^rw:a:", r"^rw:to:", r"^rw:r:")),
    Flow("QC split, scrap and cancel", qc_split_scrap_and_cancel,
         (r"^qc:s:", r"^qc:d:", r"^qc:r:", r"^qc:(ra|sa):", r"^qc:x:")),
    Flow("exception reported and handled", exception_flow,
         tuple(rf"^e:{a}:" for a in "kwlyarcu")),
    Flow("exception from the card, a workstation, a line stop", exception_other_ways,
         tuple(rf"^e:{a}:" for a in "txksnly")),
    Flow("group linked", groups_linked, (r"^g:[lu]:[a-z]+$",)),
    Flow("group migrated", group_migrated),
    Flow("edited message, contact, stranger, unknown command", odd_messages),
    Flow("chat_member", chat_member_updates),
    Flow("assign and claim", assign_and_claim,
         (r"^as:o:", r"^as:t:", r"^as:d:", r"^as:c:", r"^as:x:", r"^cl:\d")),
    Flow("dispatch", dispatch_plan,
         (r"^dp:e:", r"^dp:p:", r"^dp:l:", r"^dp:w:", r"^dp:a:", r"^dp:d:"), clock=MONDAY),
    Flow("rush order", rush_order, (r"^ru:y:", r"^ru:n:"), clock=MONDAY),
    Flow("plan change", plan_change, (r"^wo:y:\d+$", r"^wo:n:\d+$", r"^ck:\d+$")),
    Flow("clock and wages", wages_and_clock, (r"^ck:o:", r"^ck:f:", r"^adj:y:", r"^adj:n:"),
         clock=MONDAY),
    Flow("materials", materials_issue, (r"^mi:m:", r"^mi:a:", r"^mi:x:")),
    Flow("people in and out", people_in_and_out, (r"^pr:y:\d+$", r"^pr:n:\d+$")),
)


def registered_patterns() -> list[str]:
    """The CallbackQueryHandler patterns the bot registers, in the order PTB tries them."""
    application = build_application(Settings(token=TOKEN, api_base_url="http://127.0.0.1:9"))
    return [each.pattern.pattern for group in sorted(application.handlers)
            for each in application.handlers[group]
            if isinstance(each, CallbackQueryHandler) and isinstance(each.pattern, re.Pattern)]


def handled_by(data: str) -> str | None:
    """The pattern of the handler a press with this data reaches (the first that matches)."""
    return next((p for p in registered_patterns() if re.match(p, data)), None)


def test_every_button_family_has_a_row():
    covered = {pattern for flow in FLOWS for pattern in flow.buttons}
    missing = [p for p in registered_patterns() if p not in covered]
    assert not missing, f"no duplicate test presses these buttons: {missing}"
    assert covered <= set(registered_patterns()), covered - set(registered_patterns())


@pytest.mark.parametrize("mode", ["polling", "webhook"])
@pytest.mark.parametrize("flow", FLOWS, ids=[flow.name for flow in FLOWS])
async def test_delivered_twice_applied_once(flow: Flow, mode: str, api: LocalBotApi,
                                            tmp_path: Path) -> None:
    async with duplicate_floor(api, tmp_path, mode, flow.clock) as t:
        await flow.run(t)
        # Every button family the row names reached its handler, twice.
        reached = {handled_by(data) for data in t.pressed}
        assert set(flow.buttons) <= reached, set(flow.buttons) - reached
        assert t.kinds, "nothing was delivered twice"
