"""The Bot API misbehaving for a while — 429 storms, 5xx, answers that never come — while
workers keep reporting (typed, by photo, by button). Once it is over: every report applied
once, every reply in its chat and in the order of the reports, no call made inside a
retry_after window the server announced, no update lost, and the bot still running.

Each worker, in order: types 1 and 2, opens a card; then, during the fault, presses 10 on the
card (or cancels it: an edit), sends a photo of the card captioned 3, types 4 and 5, and sends
a photo captioned 6."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

import bot.sender
from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi, SimMessage, SimUser
from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import cards_for
from domain.models import InboxUpdate, OperationTask, OutboxMessage, WorkReport
from tests.e2e.conftest import TOKEN, seed, settings_for

WORKERS = 4
FIRST_USER = 7000
SENDING = ["sendMessage", "sendPhoto", "editMessageText", "editMessageCaption"]
CANCELLED = "已取消，没有记录任何数量。"


class Shift:
    """A bot, its Bot API server and four workers reporting on WO-000001, operation 10."""

    def __init__(self, api: LocalBotApi, bot: GongdanBot, photo: bytes) -> None:
        self.api, self.bot, self.photo = api, bot, photo
        self.users = [api.user(FIRST_USER + i, f"Worker{i}", started=True)
                      for i in range(WORKERS)]
        self.cards: dict[int, SimMessage] = {}

    def presses(self, user: SimUser) -> bool:
        """Half of the workers press 10 on their card, the others cancel it."""
        return user.id % 2 == 0

    def expected(self, user: SimUser) -> list[int]:
        return [1, 2, *([10] if self.presses(user) else []), 3, 4, 5, 6]

    async def before(self) -> None:
        for n in (1, 2):
            for user in self.users:
                await user.send_text(f"WO-000001 {n}")
        for user in self.users:
            await user.send_text("WO-000001")
        for user in self.users:
            self.cards[user.id] = await user.wait_message(
                lambda m: m.find_button("取消") is not None, timeout=10)

    async def during(self) -> None:
        """What the workers do while the Bot API misbehaves: nothing waits for an answer."""
        for user in self.users:
            await user.press("10" if self.presses(user) else "取消", self.cards[user.id])
        for n in (3, 4, 5, 6):
            for user in self.users:
                if n % 3 == 0:
                    await user.send_photo(self.photo, caption=str(n))
                else:
                    await user.send_text(f"WO-000001 {n}")
            await asyncio.sleep(0.05)


def recorded(user: SimUser) -> list[int]:
    """The quantities the bot confirmed to this worker, in the order its messages arrived (a
    reply sent twice, when the answer to the first send never came, counts once)."""
    seen: list[int] = []
    for message in user.messages:
        found = re.search(r"已记录：WO-000001 \S+ 良品 (\d+)", message.text or "")
        if found and int(found[1]) not in seen:
            seen.append(int(found[1]))
    return seen


async def wait_for(condition, timeout: float, describe) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(describe())
        await asyncio.sleep(0.1)


async def assert_survived(shift: Shift) -> None:
    """Every report applied once and confirmed in order, the cancels shown, retry_after
    honoured, nothing lost at the server's end, the bot's loops running and answering."""
    api, users = shift.api, shift.users
    await wait_for(lambda: all(recorded(u) == shift.expected(u) for u in users), timeout=40,
                   describe=lambda: {u.id: recorded(u) for u in users})
    await wait_for(lambda: all(shift.cards[u.id].text == CANCELLED for u in users
                               if not shift.presses(u)), timeout=10,
                   describe=lambda: [shift.cards[u.id].text for u in users])
    reports = sum(len(shift.expected(u)) for u in users)
    async with shift.bot.sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(WorkReport))
        keys = await session.scalar(select(func.count(func.distinct(WorkReport.idempotency_key))))
        good = await session.scalar(select(OperationTask.good_qty)
                                    .where(OperationTask.seq == 10))
        stored = await session.scalar(select(func.count()).select_from(InboxUpdate))
        failed = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.status == "failed"))
    assert (rows, keys, good) == (reports, reports, sum(sum(shift.expected(u)) for u in users))
    assert stored == api.stats["updates_pushed"]  # every update reached the inbox
    assert api.pending_updates() == []
    assert failed == 0
    # (a call begun within half a second of a 429 was on its way before the bot read it)
    assert api.retry_after_ignored(slack=0.5) == []
    assert [t.get_name() for t in shift.bot.tasks if t.done()] == []
    await users[0].command("/tasks")  # and it still answers
    await users[0].wait_message(lambda m: "WO-000001" in (m.text or ""), timeout=10)


async def open_shift(api: LocalBotApi, tmp_path: Path, **pacing) -> tuple[Shift, GongdanBot]:
    db = tmp_path / "faults.db"
    await seed(db, quantity=1000, people=tuple(
        {"code": f"W{i:02d}", "skills": "SMT", "telegram_user_id": FIRST_USER + i}
        for i in range(WORKERS)))
    gongdan = GongdanBot(replace(settings_for(api, db), **pacing), poll_timeout=1)
    await gongdan.start()
    async with gongdan.sessions() as session:
        (card,) = await cards_for(session, ["WO-000001"], None)
    return Shift(api, gongdan, phone_photo(render_card(card), seed=3, difficulty="easy")), gongdan


@pytest.fixture
async def shift(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Shift]:
    opened, gongdan = await open_shift(api, tmp_path)
    try:
        await opened.before()
        yield opened
    finally:
        await gongdan.stop()


async def test_a_flood_ban_on_every_method(shift):
    """The bot has just taken the workers' updates when every call, getUpdates and getFile
    included, starts answering 429 for three seconds, each saying to wait what is left."""
    api = shift.api
    await shift.during()
    await api.wait_delivered()
    api.storm(429, seconds=3)
    await assert_survived(shift)
    assert api.stats["errors"][("getUpdates", 429)] > 0
    assert api.stats["count_429_injected"] > api.stats["errors"][("getUpdates", 429)]


async def test_429_again_and_again(shift):
    """retry_after 1 for four seconds: windows one after another, each to be waited out."""
    shift.api.storm(429, seconds=4, retry_after=1)
    await shift.during()
    await assert_survived(shift)
    assert shift.api.stats["count_429_injected"] > 0


async def test_a_long_flood_uses_up_no_attempts(shift, monkeypatch):
    """Being told to wait is not a failed try: a message outlives more 429s than it has
    attempts (made few here, so that the test need not wait for 25)."""
    monkeypatch.setattr(bot.sender, "MAX_ATTEMPTS", 2)
    shift.api.storm(429, seconds=4, retry_after=1, methods=SENDING)
    await shift.during()
    await assert_survived(shift)


async def test_server_errors_on_sending_and_polling(shift):
    """502 on sends and edits, 503 on getUpdates, for three seconds."""
    api = shift.api
    api.storm(502, seconds=3, methods=SENDING)
    api.storm(503, seconds=3, methods=["getUpdates"])
    await shift.during()
    await assert_survived(shift)
    assert api.stats["errors"][("sendMessage", 502)] > 0
    assert api.stats["errors"][("getUpdates", 503)] > 0


async def test_server_errors_on_files_and_callback_answers(shift):
    """getFile fails four times, then file downloads and callback answers fail for the rest
    of three seconds: each photo report waits and goes through once."""
    api = shift.api
    api.inject("getFile", status=502, times=4)
    api.storm(500, seconds=3, methods=["file", "answerCallbackQuery"])
    await shift.during()
    await assert_survived(shift)
    assert api.stats["errors"][("getFile", 502)] == 4
    assert api.stats["errors"][("file", 500)] > 0
    assert api.stats["errors"][("answerCallbackQuery", 500)] > 0


async def test_answers_that_never_come(shift):
    """For three seconds calls take effect but their answers are held back past the bot's
    timeout: getUpdates hands out updates the bot never sees, and sends reach the chat
    while the bot believes they failed (so a reply may come twice; none may be missing)."""
    api = shift.api
    api.storm("timeout", seconds=3, methods=[*SENDING, "getUpdates", "getFile"], process=True)
    await shift.during()
    await assert_survived(shift)
    assert api.stats["injected"] > 0
    assert api.stats["updates_redelivered"] > 0  # handed out, never seen, handed out again


async def test_one_chat_flooded_under_telegrams_own_limits(api, tmp_path):
    """Telegram's limits enforced (1 message/s per private chat, 30/s in all) with the bot's
    own pacing, and one worker's chat answering 429 with retry_after 2 for four seconds."""
    limited = LocalBotApi(TOKEN, rate_limits=True)
    await limited.start()
    opened, gongdan = await open_shift(limited, tmp_path, chat_rate=1.0, chat_burst=3,
                                       send_rate=30.0)
    try:
        await opened.before()
        limited.storm(429, seconds=4, retry_after=2, chats=[FIRST_USER])
        await opened.during()
        await assert_survived(opened)
        assert limited.stats["errors"][("sendMessage", 429)] > 0
    finally:
        await gongdan.stop()
        await limited.stop()


async def test_a_file_telegram_never_hands_over_stops_holding_the_chat(floor):
    """getFile failing for good (a server that keeps answering 500 for a file): the photo
    waits the processor's patience, then is set aside with a word to the worker, and the
    worker's later report, which waited behind it to keep the chat's order, goes through."""
    floor.bot.processor.telegram_patience = 2.0
    worker = await floor.register(1001, "W01", "李明")
    async with floor.bot.sessions() as session:
        (card,) = await cards_for(session, ["WO-000001"], None)
    floor.api.storm(500, None, methods=["getFile"])
    photo = await worker.send_photo(phone_photo(render_card(card), seed=3, difficulty="easy"),
                                    caption="5")
    await worker.send_text("WO-000001 7")
    await worker.wait_message("已记录", timeout=20)
    texts = [m.text or "" for m in worker.messages]
    gave_up = next(i for i, text in enumerate(texts) if "没能把这张照片交给我" in text)
    assert gave_up < next(i for i, text in enumerate(texts) if "已记录" in text)  # in order
    async with floor.bot.sessions() as session:
        reports = (await session.scalars(select(WorkReport.good_qty))).all()
        row = await session.scalar(select(InboxUpdate).where(
            InboxUpdate.payload.contains(f'"message_id": {photo.message_id},')))
    assert reports == [7]
    assert row.error.startswith("gave up waiting: NetworkError") and row.attempts == 0
