"""Group chats linked for a purpose: only these receive posts.

A group is linked by a manager or administrator with `/link <purpose>` in it (exceptions, qc,
management, status); one group may serve several purposes and a purpose several groups.
`/link status [TEAM]` pins a live status of a team's (or the whole floor's) work in the group,
one message per team (domain/live_status.py). A bot removed from a group loses its links
there; a group upgraded to a supergroup keeps them under its new chat id. Every change is
audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, live_status
from domain.db import rows_changed
from domain.errors import DomainError
from domain.models import ChatState, GroupLink, Person, Role

STATUS = "status"  # the pinned live status
PURPOSES = ("exceptions", "qc", "management", STATUS)
LINKER = Role.manager  # the least role that may link a group


async def groups_for(session: AsyncSession, purpose: str) -> list[int]:
    """Chat ids of the active groups linked for this purpose."""
    return list((await session.scalars(
        select(GroupLink.chat_id).where(GroupLink.purpose == purpose,
                                        GroupLink.active.is_(True))
        .order_by(GroupLink.chat_id))).all())


async def links_of(session: AsyncSession, chat_id: int) -> list[str]:
    """The purposes this group is linked for, in PURPOSES order."""
    linked = set((await session.scalars(
        select(GroupLink.purpose).where(GroupLink.chat_id == chat_id,
                                        GroupLink.active.is_(True)))).all())
    return [p for p in PURPOSES if p in linked]


def check_linker(person: Person | None) -> Person:
    """The person who may link or unlink groups, or a refusal saying who may."""
    if person is None:
        raise DomainError("group.link_stranger")
    if not person.has_role(LINKER):
        raise DomainError("group.link_forbidden", name=person.name, role=person.role)
    return person


def purpose_of(text: str) -> str:
    purpose = text.strip().lower()
    if purpose not in PURPOSES:
        raise DomainError("group.bad_purpose", purpose=text.strip()[:32],
                          choices=", ".join(PURPOSES))
    return purpose


async def link(session: AsyncSession, *, chat_id: int, purpose: str, title: str | None,
               person: Person | None, telegram_user_id: int, now: datetime,
               team: str | None = None) -> bool:
    """Link the group for a purpose; False when it already was (nothing changes). For the
    live status, `team` says whose (None: the whole floor); a group may show several."""
    linker = check_linker(person)
    purpose = purpose_of(purpose)
    row = await session.get(GroupLink, (chat_id, purpose))
    if purpose == STATUS:
        if not await live_status.start(session, chat_id=chat_id, team=team, now=now):
            return False
    elif row is not None and row.active:
        return False
    if row is None:
        session.add(GroupLink(chat_id=chat_id, purpose=purpose, title=title,
                              linked_by=linker.id, linked_at=now, active=True))
    else:
        row.active, row.title, row.linked_by, row.linked_at = True, title, linker.id, now
    audit.record(session, "group.linked", actor_person_id=linker.id,
                 actor_telegram_id=telegram_user_id, entity="group", entity_id=chat_id,
                 purpose=purpose, title=title, **_team(purpose, team))
    return True


async def unlink(session: AsyncSession, *, chat_id: int, purpose: str, person: Person | None,
                 telegram_user_id: int, team: str | None = None) -> bool:
    """Stop posting this purpose to the group; False when it was not linked for it. The live
    status stops for `team` only when one is given, else for all (messages unpinned)."""
    linker = check_linker(person)
    purpose = purpose_of(purpose)
    stopped = 0
    if purpose == STATUS:
        stopped = await live_status.stop(session, chat_id=chat_id, team=team)
        if team and not stopped:
            return False  # that team's status is not shown here
    if purpose == STATUS and await live_status.showing(session, chat_id):
        done = 0  # other teams still show: the group stays linked
    else:
        done = await rows_changed(session, update(GroupLink).where(
            GroupLink.chat_id == chat_id, GroupLink.purpose == purpose,
            GroupLink.active.is_(True)).values(active=False))
    if done != 1 and not stopped:
        return False
    audit.record(session, "group.unlinked", actor_person_id=linker.id,
                 actor_telegram_id=telegram_user_id, entity="group", entity_id=chat_id,
                 purpose=purpose, **_team(purpose, team))
    return True


def _team(purpose: str, team: str | None) -> dict[str, str]:
    return {"team": team} if purpose == STATUS and team else {}


async def bot_removed(session: AsyncSession, chat_id: int, *, status: str,
                      telegram_user_id: int | None) -> list[str]:
    """The bot was removed (or left): the group's links end. Returns the purposes it had."""
    purposes = await links_of(session, chat_id)
    await live_status.forget(session, chat_id)
    if purposes:
        await session.execute(update(GroupLink).where(GroupLink.chat_id == chat_id)
                              .values(active=False))
        audit.record(session, "group.bot_removed", actor_telegram_id=telegram_user_id,
                     entity="group", entity_id=chat_id, status=status, purposes=purposes)
    return purposes


async def bot_added(session: AsyncSession, chat_id: int) -> None:
    """The bot is (back) in a chat: messages to it may go out again."""
    await session.execute(update(ChatState).where(ChatState.chat_id == chat_id)
                          .values(unreachable_at=None))


async def migrated(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> list[str]:
    """The group became a supergroup with a new id: its links follow it, and so does the
    outbox (messages still queued for the old id go to the new one)."""
    state = await session.get(ChatState, old_chat_id)
    if state is None:
        session.add(ChatState(chat_id=old_chat_id, migrated_to=new_chat_id))
    else:
        state.migrated_to = new_chat_id
    moved = []
    for row in (await session.scalars(
            select(GroupLink).where(GroupLink.chat_id == old_chat_id))).all():
        existing = await session.get(GroupLink, (new_chat_id, row.purpose))
        if existing is None:
            session.add(GroupLink(chat_id=new_chat_id, purpose=row.purpose, title=row.title,
                                  linked_by=row.linked_by, linked_at=row.linked_at,
                                  active=row.active))
        else:
            existing.active = existing.active or row.active
        if row.active:
            moved.append(row.purpose)
    await session.flush()
    await session.execute(delete(GroupLink).where(GroupLink.chat_id == old_chat_id))
    await live_status.moved(session, old_chat_id, new_chat_id)
    if moved:
        audit.record(session, "group.migrated", entity="group", entity_id=new_chat_id,
                     old_chat_id=old_chat_id, purposes=moved)
    return moved
