"""Group links: who may link, what a removal and a supergroup migration do to them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from domain import groups
from domain.errors import DomainError
from domain.models import AuditEvent, ChatState, GroupLink
from tests import builders

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
async def people(session):
    manager = await builders.person(session, "M01", role="manager", telegram_user_id=1)
    admin = await builders.person(session, "A01", role="admin", telegram_user_id=2)
    supervisor = await builders.person(session, "S01", role="supervisor", telegram_user_id=3)
    return manager, admin, supervisor


async def state(session) -> list[tuple[int, str, bool]]:
    rows = (await session.scalars(select(GroupLink).order_by(GroupLink.chat_id,
                                                              GroupLink.purpose))).all()
    return [(r.chat_id, r.purpose, r.active) for r in rows]


async def link(session, person, purpose="exceptions", chat_id=-100):
    return await groups.link(session, chat_id=chat_id, purpose=purpose, title="一号线",
                             person=person, telegram_user_id=person.telegram_user_id if person
                             else 99, now=NOW)


async def test_a_manager_or_admin_links_once(session, people):
    manager, admin, _ = people
    assert await link(session, manager) is True
    assert await link(session, admin) is False  # already linked: nothing changes
    assert await link(session, admin, "QC ") is True
    assert await state(session) == [(-100, "exceptions", True), (-100, "qc", True)]
    assert await groups.links_of(session, -100) == ["exceptions", "qc"]
    assert await groups.groups_for(session, "qc") == [-100]
    actions = (await session.scalars(select(AuditEvent.action))).all()
    assert actions == ["group.linked", "group.linked"]


async def test_lower_roles_and_strangers_are_refused(session, people):
    _, _, supervisor = people
    with pytest.raises(DomainError) as caught:
        await link(session, supervisor)
    assert (caught.value.key, caught.value.params) == (
        "group.link_forbidden", {"name": "工人S01", "role": "supervisor"})
    with pytest.raises(DomainError) as caught:
        await link(session, None)
    assert caught.value.key == "group.link_stranger"
    assert await state(session) == []


async def test_an_unknown_purpose_is_refused(session, people):
    manager, _, _ = people
    with pytest.raises(DomainError) as caught:
        await link(session, manager, "canteen")
    assert caught.value.params == {"purpose": "canteen",
                                   "choices": "exceptions, qc, management, status"}


async def test_unlink_then_link_again(session, people):
    manager, _, _ = people
    await link(session, manager)
    assert await groups.unlink(session, chat_id=-100, purpose="exceptions", person=manager,
                               telegram_user_id=1) is True
    assert await groups.unlink(session, chat_id=-100, purpose="exceptions", person=manager,
                               telegram_user_id=1) is False
    assert await groups.groups_for(session, "exceptions") == []
    assert await link(session, manager) is True
    assert await state(session) == [(-100, "exceptions", True)]


async def test_removing_the_bot_ends_the_links_and_adding_it_back_lets_posts_through(
        session, people):
    manager, _, _ = people
    await link(session, manager)
    await link(session, manager, "management")
    session.add(ChatState(chat_id=-100, unreachable_at=NOW))  # the sender saw 403 meanwhile
    assert await groups.bot_removed(session, -100, status="kicked", telegram_user_id=5) == [
        "exceptions", "management"]
    assert await state(session) == [(-100, "exceptions", False), (-100, "management", False)]
    assert await groups.bot_removed(session, -100, status="kicked", telegram_user_id=5) == []

    await groups.bot_added(session, -100)
    assert (await session.get(ChatState, -100)).unreachable_at is None
    assert await groups.groups_for(session, "exceptions") == []  # linking is a manager's act


async def test_links_follow_a_group_to_its_supergroup(session, people):
    manager, _, _ = people
    await link(session, manager, "exceptions", chat_id=-100)
    await link(session, manager, "qc", chat_id=-100)
    await link(session, manager, "qc", chat_id=-1009)  # already linked under the new id
    assert await groups.migrated(session, -100, -1009) == ["exceptions", "qc"]
    assert await state(session) == [(-1009, "exceptions", True), (-1009, "qc", True)]
    assert (await session.get(ChatState, -100)).migrated_to == -1009
    # Telegram says it twice (in the old chat and the new one): the second changes nothing.
    assert await groups.migrated(session, -100, -1009) == []
    assert await state(session) == [(-1009, "exceptions", True), (-1009, "qc", True)]
