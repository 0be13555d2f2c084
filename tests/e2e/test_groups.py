"""Groups through the real bot: added → asks to be linked; /link by a manager; refusals that
stay out of the group; removal, migration, and silence while unlinked."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.botapi_server.methods_common import member_json
from domain.groups import groups_for
from domain.models import AuditEvent, GroupLink, Person, Priority
from domain.notifications import Button, Notice, enqueue
from tests import builders

GROUP = -100555


def bot_membership(api, group, by, old: str, new: str) -> int:
    """What Telegram sends when someone adds the bot to, or removes it from, a group."""
    return api.push_update({"my_chat_member": {
        "chat": group.chat.api_chat(), "from": by.to_dict(), "date": api.now(),
        "old_chat_member": member_json(api.bot_user(), old),
        "new_chat_member": member_json(api.bot_user(), new)}})


@pytest.fixture
async def people(floor):
    """M01 a manager, W01 a worker (both registered), and someone who never registered."""
    async with floor.bot.sessions() as session, session.begin():
        (await builders.person(session, "M01", role="manager")).name = "林志强"
        w01 = await session.scalar(select(Person).where(Person.code == "W01"))
        w01.name = "张伟"
    manager = await floor.register(7001, "M01", "林志强", role="manager")
    worker = await floor.register(7002, "W01", "张伟")
    stranger = floor.api.user(7003, "路人", started=False)
    group = floor.api.group(GROUP, "三号线", members=[manager, worker, stranger])
    return manager, worker, stranger, group


async def links(floor) -> list[tuple[int, str, bool]]:
    async with floor.bot.sessions() as session:
        rows = (await session.scalars(select(GroupLink).order_by(GroupLink.chat_id,
                                                                  GroupLink.purpose))).all()
        return [(r.chat_id, r.purpose, r.active) for r in rows]


async def audits(floor, action: str) -> list[dict]:
    async with floor.bot.sessions() as session:
        rows = (await session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                      .order_by(AuditEvent.id))).all()
        return [json.loads(r.detail or "{}") | {"actor": r.actor_telegram_id} for r in rows]


async def test_added_to_a_group_the_bot_asks_once_to_be_linked(floor, people):
    manager, _, _, group = people
    update_id = bot_membership(floor.api, group, manager, "left", "member")
    hello = await group.wait_message()
    assert hello.text.startswith("大家好，我是工单助手。请厂长或管理员在本群发送 /link")
    assert "/link exceptions" in hello.text
    floor.api.redeliver(update_id)  # Telegram sends it again: applied once
    await floor.settle()
    await group.assert_no_message()
    assert await links(floor) == []


async def test_a_manager_links_and_unlinks_the_group(floor, people):
    manager, _, _, group = people
    await group.command(manager, "/link", "exceptions")
    confirmed = await group.wait_message()
    assert confirmed.text == "✅ 本群已绑定「异常」（林志强）。相关消息会发到本群。"
    assert await links(floor) == [(GROUP, "exceptions", True)]
    (linked,) = await audits(floor, "group.linked")
    assert (linked["purpose"], linked["actor"]) == ("exceptions", 7001)

    await group.command(manager, "/link", "QC", mention=True)  # /link@gongdan_demo_bot QC
    await group.wait_message("「质检」")
    await group.command(manager, "/link", "exceptions")
    assert (await group.wait_message()).text == "本群已经绑定了「异常」。"
    async with floor.bot.sessions() as session:
        assert await groups_for(session, "exceptions") == [GROUP]
        assert await groups_for(session, "qc") == [GROUP]
        assert await groups_for(session, "management") == []

    await group.command(manager, "/unlink", "qc")
    assert (await group.wait_message()).text == "本群已解除「质检」绑定（林志强）。"
    async with floor.bot.sessions() as session:
        assert await groups_for(session, "qc") == []
    await group.command(manager, "/link", "canteen")
    assert (await group.wait_message()).text == \
        "不认识的用途「canteen」。可选：exceptions, qc, management, status。"
    await group.assert_no_message()


async def test_a_worker_or_a_stranger_cannot_link_and_is_told_why(floor, people):
    _, worker, stranger, group = people
    await group.command(worker, "/link", "exceptions")
    assert (await group.wait_message()).text == \
        "张伟（工人）不能绑定或解除本群：需要厂长或管理员。"
    await group.command(stranger, "/link", "qc")
    assert (await group.wait_message()).text == "只有已注册的厂长或管理员才能绑定或解除本群。"
    assert await links(floor) == []
    refusals = await audits(floor, "refused")
    assert [(r["actor"], r["reason"], r["group_chat_id"]) for r in refusals] == [
        (7002, "group.link_forbidden", GROUP), (7003, "group.link_stranger", GROUP)]
    await group.assert_no_message()


async def test_link_without_a_purpose_offers_buttons_only_a_manager_may_press(floor, people):
    manager, worker, stranger, group = people
    await group.command(manager, "/link")
    choices = await group.wait_message()
    assert choices.text == "请选择本群的用途（点按钮绑定或解除）：\n目前没有绑定任何用途。"
    assert choices.button_texts == ["绑定：异常", "绑定：质检", "绑定：管理", "绑定：实时进度"]

    # Pressing is refused in the alert only the presser sees; the group hears nothing.
    answer = await group.wait_answer(await group.press(worker, "绑定：异常"))
    assert (answer.text, answer.show_alert) == ("没有权限：这个操作需要「厂长」角色。", True)
    answer = await group.wait_answer(await group.press(stranger, "绑定：管理"))
    assert answer.show_alert and answer.text.startswith("只有已注册的人员才能操作这个按钮")
    await group.assert_no_message()
    assert await links(floor) == []
    assert [(r["actor"], r["reason"]) for r in await audits(floor, "refused")] == [
        (7002, "role"), (7003, "unregistered")]

    answer = await group.wait_answer(await group.press(manager, "绑定：管理"))
    assert (answer.text, answer.show_alert) == ("已绑定：管理", False)
    assert (await group.wait_message()).text == \
        "✅ 本群已绑定「管理」（林志强）。相关消息会发到本群。"
    edited = await group.wait_edit(message=choices)
    assert edited.text == "请选择本群的用途（点按钮绑定或解除）：\n• 已绑定：管理"
    assert edited.button_texts == ["绑定：异常", "绑定：质检", "解除：管理", "绑定：实时进度"]
    assert await links(floor) == [(GROUP, "management", True)]


async def test_a_refused_press_in_a_group_is_explained_in_private_not_in_the_group(floor,
                                                                                     people):
    _, worker, _, group = people
    async with floor.bot.sessions() as session, session.begin():
        enqueue(session, GROUP, Notice("tasks.header", {"count": 1},
                                       [[Button("btn.my_tasks", "t:999999")]]), lang="zh",
                priority=Priority.notify)
    floor.bot.sender.wake()
    await group.wait_message()
    answer = await group.wait_answer(await group.press(worker, "我的任务"))
    assert (answer.text, answer.show_alert) == ("找不到这个任务。", True)
    assert (await worker.wait_message()).text == "找不到这个任务。"
    await group.assert_no_message()


async def test_removed_from_the_group_its_links_end_and_back_it_asks_again(floor, people):
    manager, _, _, group = people
    await group.command(manager, "/link", "exceptions")
    await group.wait_message()
    floor.api.block_chat(GROUP)  # the bot is removed: my_chat_member "kicked"
    await floor.settle()
    assert await links(floor) == [(GROUP, "exceptions", False)]
    async with floor.bot.sessions() as session:
        assert await groups_for(session, "exceptions") == []
    (removed,) = await audits(floor, "group.bot_removed")
    assert removed["purposes"] == ["exceptions"]

    floor.api.unblock_chat(GROUP)  # added again
    assert (await group.wait_message()).text.startswith("大家好，我是工单助手。")
    assert await links(floor) == [(GROUP, "exceptions", False)]  # a manager links it anew


async def test_a_group_that_becomes_a_supergroup_keeps_its_links(floor, people):
    manager, _, _, _ = people
    small = floor.api.group(-4242, "小组", type="group", members=[manager])
    await small.command(manager, "/link", "qc")
    await small.wait_message()
    bigger = floor.api.migrate_group(-4242, -1004242)
    await floor.settle()
    assert await links(floor) == [(-1004242, "qc", True)]
    async with floor.bot.sessions() as session, session.begin():
        assert await groups_for(session, "qc") == [-1004242]
        # A post queued for the old id before anyone knew also arrives.
        enqueue(session, -4242, Notice("tasks.header", {"count": 2}), lang="zh")
    floor.bot.sender.wake()
    assert (await bigger.wait_message()).text == "我的任务（2）："
    (moved,) = await audits(floor, "group.migrated")
    assert moved["old_chat_id"] == -4242


async def test_an_unlinked_group_hears_nothing_but_answers_to_link(floor, people):
    manager, worker, stranger, group = people
    await group.send_text(worker, "今天几点下班？")
    await group.command(stranger, "/tasks")
    await group.command(worker, "/help", mention=True)
    await floor.settle()
    await group.assert_no_message()
    await worker.assert_no_message()


async def test_link_in_a_private_chat_says_where_to_send_it(floor, people):
    manager, _, _, _ = people
    await manager.command("/link", "exceptions")
    assert (await manager.wait_message()).text.startswith("请在要绑定的群里发送 /link")
    assert await links(floor) == []


async def test_a_linked_group_remembers_who_linked_it(floor, people):
    manager, _, _, group = people
    await group.command(manager, "/link", "exceptions")
    await group.wait_message()
    async with floor.bot.sessions() as session:
        link = await session.get(GroupLink, (GROUP, "exceptions"))
        person = await session.get(Person, link.linked_by)
        assert (person.code, link.title) == ("M01", "三号线")
