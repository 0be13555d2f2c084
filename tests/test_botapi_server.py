"""The local Bot API server, exercised with the real python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.botapi_server import DEFAULT_TOKEN, LocalBotApi, SimEvent, SimTimeout


def jpeg(width: int, height: int, color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    img = Image.new("RGB", (width, height), color)
    for x in range(0, width, 7):  # some structure so the sizes differ
        img.putpixel((x, (x * 3) % height), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("开工", callback_data="start:7"),
         InlineKeyboardButton("完工", callback_data="done:7")],
        [InlineKeyboardButton("说明", url="https://example.com/help")],
    ])


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    server = LocalBotApi(bot_username="gongdan_demo_bot", bot_first_name="工单助手")
    await server.start()
    yield server
    await server.stop()


def make_bot(server: LocalBotApi, token: str = DEFAULT_TOKEN, read_timeout: float = 5.0) -> Bot:
    return Bot(token, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot",
               request=HTTPXRequest(read_timeout=read_timeout),
               get_updates_request=HTTPXRequest(read_timeout=read_timeout))


@pytest.fixture
async def bot(api: LocalBotApi) -> AsyncIterator[Bot]:
    async with make_bot(api) as b:
        yield b


async def test_get_me_token_check_and_unknown_method(api: LocalBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456789, "gongdan_demo_bot", "工单助手", True)
    with pytest.raises(InvalidToken):
        async with make_bot(api, token="123456789:wrong-token") as wrong:
            await wrong.get_me()
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendNothingAtAll", api_kwargs={"chat_id": 1})
    assert api.stats["calls"]["getMe"] == 2  # Bot.initialize() + get_me(); not the bad token
    assert api.stats["calls"]["sendNothingAtAll"] == 1


async def test_send_message_with_inline_keyboard_is_seen_by_user(api: LocalBotApi,
                                                                 bot: Bot) -> None:
    seen: list[SimEvent] = []
    api.on_event(seen.append)
    li = api.user(1001, "李", "雷", username="lilei")
    with pytest.raises(Forbidden, match="(?i)can't initiate conversation"):
        await bot.send_message(li.id, "hello")
    await li.command("/start")
    sent = await bot.send_message(li.id, "<b>工单 #7</b> 请选择 &amp; 确认",
                                  parse_mode=ParseMode.HTML, reply_markup=keyboard())
    assert sent.text == "工单 #7 请选择 & 确认"
    assert sent.entities[0].type == "bold" and (sent.entities[0].offset,
                                               sent.entities[0].length) == (0, 5)
    assert sent.message_id == 2  # the user's /start was message 1 in this chat
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "done:7"

    msg = await li.wait_message()
    assert msg.message_id == 2 and msg.outgoing
    assert msg.text == "工单 #7 请选择 & 确认"
    assert msg.raw_text == "<b>工单 #7</b> 请选择 &amp; 确认" and msg.parse_mode == "HTML"
    assert msg.buttons == [[("开工", "start:7"), ("完工", "done:7")], [("说明", None)]]
    assert li.last_message is msg

    reply = await bot.send_message(li.id, "好的", reply_to_message_id=1, reply_markup=
                                   ReplyKeyboardMarkup([[KeyboardButton("报工")]]))
    assert reply.reply_to_message.text == "/start"
    assert (await li.wait_message("好的")).reply_to_message_id == 1
    assert li.keyboard == [["报工"]]
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(li.id, "x < y <b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)reserved"):
        await bot.send_message(li.id, "总计 3.5", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(424242, "nobody")
    lines = [str(e) for e in seen]
    assert lines[0] == "[李 雷] → /start"
    assert lines[1].startswith("[bot → 李 雷] 工单 #7 请选择 & 确认  [开工] [完工] / [说明]")


async def test_edit_message_text_and_markup(api: LocalBotApi, bot: Bot) -> None:
    user = api.user(1002, "王", started=True)
    sent = await bot.send_message(user.id, "待处理", reply_markup=keyboard())
    original = await user.wait_message()
    edited = await bot.edit_message_text("已开工", chat_id=user.id, message_id=sent.message_id,
                                         reply_markup=InlineKeyboardMarkup(
                                             [[InlineKeyboardButton("完工", callback_data="d")]]))
    assert edited.text == "已开工" and edited.edit_date is not None
    snap = await user.wait_edit()
    assert (snap.message_id, snap.text, snap.buttons) == (sent.message_id, "已开工",
                                                          [[("完工", "d")]])
    assert original.text == "已开工" and [h.text for h in original.history] == ["待处理"]
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("已开工", chat_id=user.id, message_id=sent.message_id,
                                    reply_markup=InlineKeyboardMarkup(
                                        [[InlineKeyboardButton("完工", callback_data="d")]]))
    # like Telegram, editing the text without reply_markup removes the inline keyboard
    await bot.edit_message_text("已完工", chat_id=user.id, message_id=sent.message_id)
    assert (await user.wait_edit("已完工")).buttons == []
    await bot.edit_message_reply_markup(user.id, sent.message_id, reply_markup=keyboard())
    assert (await user.wait_edit()).button_texts == ["开工", "完工", "说明"]
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=99)
    assert await bot.delete_message(user.id, sent.message_id) is True
    assert user.messages == [] and original.deleted
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)


async def test_user_updates_entities_and_redelivery(api: LocalBotApi, bot: Bot) -> None:
    user = api.user(1003, "张", "三", language_code="zh")
    await user.send_text("你好 /help 😀")
    await user.command("/start", "wo-17")
    photo = jpeg(640, 480)
    await user.send_photo(photo, caption="标签")

    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [1, 2, 3]
    text, cmd, pic = (u.message for u in updates)
    assert text.text == "你好 /help 😀" and text.from_user.language_code == "zh"
    assert [(e.type, e.offset, e.length) for e in text.entities] == [("bot_command", 3, 5)]
    assert cmd.text == "/start wo-17"
    assert [(e.type, e.offset, e.length) for e in cmd.entities] == [("bot_command", 0, 6)]
    assert pic.caption == "标签" and pic.chat.id == user.id and pic.chat.type == "private"
    assert [(p.width, p.height) for p in pic.photo] == [(90, 68), (320, 240), (640, 480)]
    assert pic.photo[-1].file_size == len(photo)

    # not confirmed: the same updates come again (a bot killed before confirming)
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [1, 2, 3]
    assert again[1].message.text == "/start wo-17"
    # offset confirms everything below it
    assert [u.update_id for u in await bot.get_updates(offset=3, timeout=0)] == [3]
    assert await bot.get_updates(offset=4, timeout=0) == ()
    assert api.pending_updates() == []
    assert api.stats["updates_redelivered"] == 4

    # long polling returns as soon as an update arrives
    poll = asyncio.create_task(bot.get_updates(offset=4, timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await user.send_text("迟到的消息")
    got = await asyncio.wait_for(poll, 2)
    assert [(u.update_id, u.message.text) for u in got] == [(4, "迟到的消息")]

    # a Telegram-side redelivery of a confirmed update keeps its update_id
    await bot.get_updates(offset=5, timeout=0)
    assert api.redeliver(2) is True
    dup = await bot.get_updates(offset=5, timeout=0)
    assert [(u.update_id, u.message.text) for u in dup] == [(2, "/start wo-17")]
    assert await bot.get_updates(offset=3, timeout=0) == ()
    await api.wait_confirmed(timeout=1)


async def test_photo_download_returns_largest_size(api: LocalBotApi, bot: Bot) -> None:
    user = api.user(1004, "赵")
    big = jpeg(2000, 1500)
    await user.send_photo(big)
    small = jpeg(800, 600, (10, 120, 10))
    await user.send_photo(small)
    first, second = (u.message for u in await bot.get_updates())
    assert [(p.width, p.height) for p in first.photo] == [
        (90, 68), (320, 240), (800, 600), (1280, 960)]
    assert [p.file_size for p in first.photo] == [
        len(api.file_bytes(p.file_id)) for p in first.photo]
    tg_file = await bot.get_file(first.photo[-1].file_id)
    assert tg_file.file_path.endswith(".jpg") and tg_file.file_size == first.photo[-1].file_size
    data = bytes(await tg_file.download_as_bytearray())
    assert data == api.file_bytes(first.photo[-1].file_id)
    assert Image.open(io.BytesIO(data)).size == (1280, 960)
    # a JPEG that needs no downscaling is kept byte for byte
    assert [p.width for p in second.photo] == [90, 320, 800]
    got = await (await bot.get_file(second.photo[-1].file_id)).download_as_bytearray()
    assert bytes(got) == small
    # documents: bot upload (multipart), re-send by file_id, size limit on getFile
    sent = await bot.send_document(user.id, b"a,b\n1,2\n", filename="report.csv",
                                   caption="日报")
    assert (sent.document.file_name, sent.document.mime_type) == ("report.csv", "text/csv")
    shown = await user.wait_message()
    assert (shown.document_bytes, shown.file_name, shown.caption) == (
        b"a,b\n1,2\n", "report.csv", "日报")
    again = await bot.send_document(user.id, sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    await user.send_document(b"\0" * (20 * 1024 * 1024 + 1), "huge.bin")
    huge = (await bot.get_updates(offset=3))[0].message.document
    with pytest.raises(BadRequest, match="(?i)file is too big"):
        await bot.get_file(huge.file_id)


async def test_callback_query_answer(api: LocalBotApi, bot: Bot) -> None:
    user = api.user(1005, "钱", started=True)
    sent = await bot.send_message(user.id, "工单 7", reply_markup=keyboard())
    cid = await user.press("完工")
    with pytest.raises(LookupError):
        await user.press("不存在")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert (query.id, query.data, query.from_user.id) == (cid, "done:7", user.id)
    assert query.message.message_id == sent.message_id and query.message.text == "工单 7"
    assert await bot.answer_callback_query(cid, text="已完工", show_alert=True) is True
    answer = await user.wait_answer(cid)
    assert (answer.text, answer.show_alert) == ("已完工", True)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(cid, text="again")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query("123", text="unknown")


async def test_rate_limit_429_with_retry_after() -> None:
    async with LocalBotApi(rate_limits=True) as server, make_bot(server) as b:
        user = server.user(1006, "孙", started=True)
        for i in range(3):  # the allowed burst in a private chat
            await b.send_message(user.id, f"m{i}")
        with pytest.raises(RetryAfter) as info:
            await b.send_message(user.id, "too fast")
        assert seconds(info.value.retry_after) >= 1
        assert server.stats["count_429"] == 1
        assert server.stats["count_429_by_scope"]["private"] == 1
        assert [m.text for m in user.messages] == ["m0", "m1", "m2"]


async def test_injected_failures(api: LocalBotApi) -> None:
    user = api.user(1007, "周", started=True)
    async with make_bot(api, read_timeout=0.5) as b:
        api.inject("sendMessage", status=500)
        with pytest.raises(NetworkError, match="(?i)Internal Server Error"):
            await b.send_message(user.id, "first")
        assert (await b.send_message(user.id, "second")).text == "second"
        api.inject(status=429, retry_after=3, times=2)
        for _ in range(2):
            with pytest.raises(RetryAfter) as info:
                await b.get_me()
            assert seconds(info.value.retry_after) == 3
        api.inject("sendMessage", status="timeout", process=True)
        with pytest.raises(TimedOut):
            await b.send_message(user.id, "delivered but unanswered")
    assert [m.text for m in user.messages] == ["second", "delivered but unanswered"]
    assert api.stats["injected"] == 4 and api.stats["count_429_injected"] == 2


async def test_blocked_user_and_migrated_group(api: LocalBotApi, bot: Bot) -> None:
    user = api.user(1008, "吴", started=True)
    api.block_chat(user.id)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(user.id, "hi")
    (update,) = await bot.get_updates()
    assert update.my_chat_member.new_chat_member.status == "kicked"
    await user.send_text("/start")  # writing to the bot again unblocks it
    assert (await bot.send_message(user.id, "welcome back")).text == "welcome back"

    group = api.group(-4001, "一车间", type="group", members=[user])
    assert (await bot.get_chat_member(group.id, user.id)).status == "member"
    new = api.migrate_group(group.id, -1001234567890)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(group.id, "hi group")
    assert info.value.new_chat_id == -1001234567890
    await bot.send_message(new.id, "hi supergroup")
    assert (await new.wait_message()).text == "hi supergroup"
    chat = await bot.get_chat(new.id)
    assert (chat.type, chat.title) == ("supergroup", "一车间")


async def test_set_my_commands_per_language_and_scope(api: LocalBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("report", "报工")],
                              language_code="zh")
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([BotCommand("admin", "管理")], scope=BotCommandScopeChat(42))
    assert api.get_commands(language_code="zh") == [("start", "开始"), ("report", "报工")]
    assert api.get_commands(language_code="en") == [("start", "Start")]
    assert api.get_commands() == []
    assert api.get_commands({"type": "chat", "chat_id": 42}) == [("admin", "管理")]
    got = await bot.get_my_commands(language_code="en")
    assert [(c.command, c.description) for c in got] == [("start", "Start")]
    await bot.delete_my_commands(language_code="en")
    assert api.get_commands(language_code="en") == []
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_real_application_polls_and_answers(api: LocalBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(
            f"欢迎 {context.args[0] if context.args else ''}".strip(), do_quote=True,
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("确认", callback_data="ok")]]))

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("收到")
        await update.callback_query.edit_message_text("已确认")

    app = (Application.builder().token(DEFAULT_TOKEN).base_url(api.base_url)
           .base_file_url(api.base_file_url).build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(press))
    user = api.user(1009, "郑")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await user.command("/start", "A1")
            greeting = await user.wait_message()
            assert (greeting.text, greeting.reply_to_message_id) == ("欢迎 A1", 1)
            cid = await user.press("确认")
            assert (await user.wait_answer(cid)).text == "收到"
            assert (await user.wait_edit()).text == "已确认"
            with pytest.raises(SimTimeout):
                await user.wait_message(timeout=0.2)
        finally:
            await app.updater.stop()
            await app.stop()
    assert api.pending_updates() == []


async def test_stalled_polling_keeps_updates_unconfirmed(api: LocalBotApi) -> None:
    user = api.user(1010, "冯")
    api.stall_polling(after_batches=1)
    await user.send_text("报工 10 件")
    async with make_bot(api, read_timeout=0.3) as first:
        (got,) = await first.get_updates(timeout=0)
        await api.wait_delivered(got.update_id)
        with pytest.raises(TimedOut):  # the confirming poll hangs: the bot "dies" here
            await first.get_updates(offset=got.update_id + 1, timeout=0)
    assert [u["update_id"] for u in api.pending_updates()] == [got.update_id]
    api.resume_polling()
    async with make_bot(api) as second:
        (again,) = await second.get_updates(timeout=0)
    assert (again.update_id, again.message.text) == (got.update_id, "报工 10 件")
    assert api.stats["polls_stalled"] == 1


async def test_group_privacy_mode_members_and_buttons(api: LocalBotApi, bot: Bot) -> None:
    boss = api.user(2001, "陈", "主管")
    worker = api.user(2002, "林")
    shop = api.group(-1002000000001, "二车间", members=[worker], bot_status="member")
    shop.add_member(boss, status="creator")
    assert (await bot.get_chat_member(shop.id, boss.id)).status == "creator"
    assert (await bot.get_chat_member(shop.id, api.bot_id)).status == "member"
    await shop.send_text(worker, "大家好")  # privacy mode: a plain message is not delivered
    await shop.command(worker, "/report", "5", mention=True)
    posted = await bot.send_message(shop.id, "请确认", reply_markup=keyboard())
    await shop.send_text(boss, "收到", reply_to=posted.message_id)
    cid = await shop.press(boss, "开工")
    updates = await bot.get_updates()
    assert [u.message.text if u.message else u.callback_query.data for u in updates] == [
        "/report@gongdan_demo_bot 5", "收到", "start:7"]
    assert updates[1].message.reply_to_message.text == "请确认"
    assert updates[2].callback_query.id == cid
    assert updates[2].callback_query.message.chat.title == "二车间"
    assert (await shop.wait_message()).text == "请确认"
    assert [m.content for m in shop.all_messages] == [
        "大家好", "/report@gongdan_demo_bot 5", "请确认", "收到"]
