"""The sender delivers photos, mentions and edits of earlier outbox rows through a Bot API
server over HTTP: what each chat sees, and what the outbox records."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from bot.botapi_server import LocalBotApi
from bot.labels import qr_image
from bot.photo_sim import phone_photo
from bot.render import u16len
from domain.models import OutboxMessage, OutboxStatus, Priority
from domain.notifications import Button, Notice, enqueue
from tests.e2e.test_outbox import sender_for


@pytest.fixture(scope="module")
def card_photo() -> bytes:
    return phone_photo(qr_image("GD1:WO-000001", 8), seed=3)


async def a_photo(api: LocalBotApi, data: bytes) -> str:
    """A worker sends a photo; the bot knows it by its file id."""
    worker = api.user(500, "Worker", started=True)
    sent = await worker.send_photo(data)
    return sent.photo[-1].file_id


async def queue(sessions, chat_id: int, *notices: tuple[Notice, dict]) -> list[int]:
    async with sessions() as session, session.begin():
        rows = [enqueue(session, chat_id, notice, lang="en", **kw) for notice, kw in notices]
        await session.flush()
        return [row.id for row in rows]


async def run(api, sessions, timeout: float = 10) -> None:
    sender, bot = await sender_for(api, sessions)
    try:
        await sender.drain(timeout=timeout)
    finally:
        await bot.shutdown()


async def rows(sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


PASS = [[Button("btn.cancel", "x:1")]]


async def test_a_photo_notice_is_a_photo_with_its_text_as_caption_and_the_buttons(
        api, sessions, card_photo):
    group = api.group(-2001, "QC 质检群")
    file_id = await a_photo(api, card_photo)
    await queue(sessions, -2001, (Notice("tasks.header", {"count": 3}, PASS, photo=file_id), {}))
    await run(api, sessions)

    (message,) = group.messages
    assert message.photo_bytes == api.file_bytes(file_id)
    assert (message.text, message.caption) == (None, "My tasks (3):")
    assert message.buttons == [[("Cancel", "x:1")]]
    (row,) = await rows(sessions)
    assert (row.status, row.telegram_message_id) == (OutboxStatus.sent, message.message_id)


async def test_mentions_notify_people_by_id_with_utf16_offsets(api, sessions, card_photo):
    group = api.group(-2002, "异常群")
    notice = Notice("tasks.header", {"count": 1},
                    mentions=[("马建国", 9001), ("Li 🙂 Wei", 9002), ("林志强", 9003)])
    file_id = await a_photo(api, card_photo)
    photo = Notice("tasks.header", {"count": 2}, mentions=[("马建国", 9001)], photo=file_id)
    await queue(sessions, -2002, (notice, {}), (photo, {}))
    await run(api, sessions)

    text_message, photo_message = group.messages
    assert text_message.text == "My tasks (1):\n🔔 马建国 Li 🙂 Wei 林志强"
    mentioned = []
    for entity in text_message.entities:
        assert entity["type"] == "text_mention"
        start = entity["offset"]
        # Offsets and lengths count UTF-16 code units: the emoji before the names counts two.
        units = text_message.text.encode("utf-16-le")[2 * start: 2 * (start + entity["length"])]
        mentioned.append((units.decode("utf-16-le"), entity["user"]["id"]))
    assert mentioned == [("马建国", 9001), ("Li 🙂 Wei", 9002), ("林志强", 9003)]
    assert photo_message.caption == "My tasks (2):\n🔔 马建国"
    assert [(e["type"], e["offset"], e["length"], e["user"]["id"])
            for e in photo_message.caption_entities] == [
        ("text_mention", u16len("My tasks (2):\n🔔 "), 3, 9001)]


async def test_a_text_too_long_for_a_caption_follows_the_photo_with_the_buttons(
        api, sessions, card_photo):
    group = api.group(-2003, "QC")
    file_id = await a_photo(api, card_photo)
    lines = [("tasks.item", {"work_order": f"WO-{n:06d}", "product": "BT-200", "seq": 10,
                             "operation": "SMT", "arrived": 100, "good": n, "remaining": 9,
                             "due": "2026-12-01"}) for n in range(20)]
    notice = Notice("tasks.header", {"count": 20}, PASS, lines=lines, photo=file_id)
    (row_id,) = await queue(sessions, -2003, (notice, {}))
    await run(api, sessions)

    photo, text = group.messages
    assert photo.caption == "My tasks (20):" and photo.buttons == []
    assert u16len(text.text) > 1024 and text.text.startswith("My tasks (20):\n• WO-000000")
    assert text.buttons == [[("Cancel", "x:1")]]
    (row,) = await rows(sessions)
    assert row.telegram_message_id == text.message_id  # edits change the part with buttons

    await queue(sessions, -2003, (Notice("tasks.header", {"count": 0}), {"edit_outbox_id": row_id}))
    await run(api, sessions)
    edit = await group.wait_edit(message=text)
    assert (edit.text, edit.buttons) == ("My tasks (0):", [])
    assert len(group.messages) == 2


async def test_an_edit_waits_for_the_message_it_edits_even_when_queued_first(api, sessions):
    user = api.user(601, "Supervisor", started=True)
    async with sessions() as session, session.begin():
        post = enqueue(session, 601, Notice("tasks.header", {"count": 1}, PASS), lang="en",
                       priority=Priority.broadcast)
        await session.flush()
        # The decision (a reply, so ahead in the queue) edits the post that is still pending.
        enqueue(session, 601, Notice("tasks.header", {"count": 2}), lang="en",
                priority=Priority.reply, edit_outbox_id=post.id)
    await run(api, sessions)

    (message,) = user.messages
    assert message.text == "My tasks (2):" and message.buttons == []
    assert [m.text for m in message.history] == ["My tasks (1):"]
    post_row, edit_row = await rows(sessions)
    assert (post_row.status, edit_row.status) == ("sent", "sent")
    assert post_row.telegram_message_id == edit_row.telegram_message_id == message.message_id


async def test_an_edit_of_a_photo_changes_its_caption_and_buttons(api, sessions, card_photo):
    group = api.group(-2004, "QC")
    file_id = await a_photo(api, card_photo)
    (post_id,) = await queue(sessions, -2004,
                             (Notice("tasks.header", {"count": 5}, PASS, photo=file_id), {}))
    await run(api, sessions)
    (post,) = group.messages

    decided = Notice("tasks.header", {"count": 6}, mentions=[("郭晓燕", 9004)])
    await queue(sessions, -2004, (decided, {"edit_outbox_id": post_id}))
    await run(api, sessions)
    edit = await group.wait_edit(message=post)
    assert (edit.caption, edit.buttons) == ("My tasks (6):\n🔔 郭晓燕", [])
    assert edit.photo_bytes == api.file_bytes(file_id)
    assert [e["user"]["id"] for e in edit.caption_entities] == [9004]
    assert len(group.messages) == 1
    methods = [r.method for r in api.requests if r.method.startswith("edit")]
    assert methods == ["editMessageCaption"]


async def test_a_button_press_edit_of_a_photo_edits_the_caption(api, sessions, card_photo):
    """ctx.edit knows only the message id; the sender finds out it is a photo."""
    group = api.group(-2005, "QC")
    file_id = await a_photo(api, card_photo)
    await queue(sessions, -2005, (Notice("tasks.header", {"count": 5}, PASS, photo=file_id), {}))
    await run(api, sessions)
    (post,) = group.messages
    await queue(sessions, -2005, (Notice("tasks.header", {"count": 7}),
                                  {"edit_message_id": post.message_id}))
    await run(api, sessions)
    edit = await group.wait_edit(message=post)
    assert edit.caption == "My tasks (7):"
    assert len(group.messages) == 1


async def test_an_edit_of_a_failed_or_deleted_message_is_sent_anew_and_later_edits_follow(
        api, sessions):
    user = api.user(602, "Inspector", started=True)
    post_id, gone_id = await queue(sessions, 602, (Notice("tasks.header", {"count": 1}), {}),
                                   (Notice("tasks.header", {"count": 2}), {}))
    await run(api, sessions)
    first, second = user.messages
    async with sessions() as session, session.begin():  # the first never got through
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == post_id)
                              .values(status=OutboxStatus.failed, telegram_message_id=None))
    await _delete(api, 602, second.message_id)

    await queue(sessions, 602, (Notice("tasks.header", {"count": 10}), {"edit_outbox_id": post_id}),
                (Notice("tasks.header", {"count": 20}), {"edit_outbox_id": gone_id}))
    await run(api, sessions)
    assert [m.text for m in user.messages] == ["My tasks (1):", "My tasks (10):",
                                               "My tasks (20):"]
    instead_of_post, instead_of_gone = user.messages[1:]

    # The rows now point at the messages that replaced theirs: the next edits change those.
    await queue(sessions, 602, (Notice("tasks.header", {"count": 11}), {"edit_outbox_id": post_id}),
                (Notice("tasks.header", {"count": 21}), {"edit_outbox_id": gone_id}))
    await run(api, sessions)
    assert [m.text for m in user.messages] == ["My tasks (1):", "My tasks (11):",
                                               "My tasks (21):"]
    assert instead_of_post.text == "My tasks (11):" and instead_of_gone.text == "My tasks (21):"
    statuses = [r.status for r in await rows(sessions)]
    assert statuses == ["failed", "sent", "sent", "sent", "sent", "sent"]


async def _delete(api: LocalBotApi, chat_id: int, message_id: int) -> None:
    """Somebody deleted the bot's message (Telegram then refuses to edit it)."""
    api.chat(chat_id).messages[message_id].deleted = True


async def test_a_picture_sent_as_a_file_goes_out_as_a_document(api, sessions, card_photo):
    worker = api.user(603, "Worker", started=True)
    sent = await worker.send_document(card_photo, "card.jpg", "image/jpeg")
    user = api.user(604, "Inspector", started=True)
    await queue(sessions, 604, (Notice("tasks.header", {"count": 1}, PASS,
                                       photo=sent.document.file_id), {}))
    await run(api, sessions)
    (message,) = user.messages
    assert message.document_bytes == card_photo and message.caption == "My tasks (1):"
    assert message.buttons == [[("Cancel", "x:1")]]


async def test_an_unknown_file_id_still_delivers_the_words(api, sessions):
    user = api.user(605, "Inspector", started=True)
    await queue(sessions, 605, (Notice("tasks.header", {"count": 1}, PASS, photo="no-such-file"),
                                {}))
    await run(api, sessions)
    (message,) = user.messages
    assert (message.text, message.photo) == ("My tasks (1):", None)
    (row,) = await rows(sessions)
    assert row.status == "sent"


async def test_a_photo_to_a_migrated_group_follows_it(api, sessions, card_photo):
    api.group(-2006, "Line 2", type="group")
    file_id = await a_photo(api, card_photo)
    new = api.migrate_group(-2006, -1002006, notify=False)
    await queue(sessions, -2006, (Notice("tasks.header", {"count": 4}, photo=file_id), {}))
    await run(api, sessions)
    (message,) = new.messages
    assert message.caption == "My tasks (4):" and message.photo_bytes == api.file_bytes(file_id)
    payload = json.loads((await rows(sessions))[0].payload)
    assert payload["photo"] == file_id


async def test_mentions_telegram_refuses_never_cost_the_message(api, sessions):
    group = api.group(-2007, "异常群")
    api.inject("sendMessage", status=400, description="Bad Request: can't parse entities: "
               "user not found", times=1)
    (row_id,) = await queue(sessions, -2007, (Notice("tasks.header", {"count": 1},
                                                     mentions=[("马建国", 9001)]), {}))
    await run(api, sessions)
    (message,) = group.messages
    assert (message.text, message.entities) == ("My tasks (1):\n🔔 马建国", [])

    api.inject("editMessageText", status=400, description="Bad Request: can't parse entities",
               times=1)
    await queue(sessions, -2007, (Notice("tasks.header", {"count": 2},
                                         mentions=[("马建国", 9001)]), {"edit_outbox_id": row_id}))
    await run(api, sessions)
    edit = await group.wait_edit(message=message)
    assert edit.text == "My tasks (2):\n🔔 马建国" and len(group.messages) == 1
