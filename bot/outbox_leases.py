"""Which process sends a chat's messages, when several drain one outbox (PostgreSQL).

A process sends to a chat only while it holds that chat's lease: one process at a time per
chat keeps the chat's order and its 1 message/s pace exact (the per-chat buckets live in the
process) and sends each row once. The holder renews the lease on every pump while it has work
for the chat; a lease that ran out (its process died, or stalled longer than the lease) is
taken over by another process, which sends what was left. A row sent by the dead process but
not yet written back is sent again: at least once, never zero times.

SQLite runs one process by design, and its sender holds no leases (see the README's figures).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import OutboxChatLease, OutboxMessage

# The holder renews at least every second while it has work: ten seconds let it stall a while,
# and keep short the wait of a dead process's chats (a restarted process has a new name).
LEASE = timedelta(seconds=10)
# Given up on a clean stop, a lease still keeps others off for as long as the chat's own
# bucket takes to refill, so the next holder's burst does not follow ours at once.
HANDOVER = timedelta(seconds=4)


async def acquire(session: AsyncSession, chat_ids: Collection[int], owner: str,
                  now: datetime, lease: timedelta = LEASE) -> set[int]:
    """Take or renew the leases of these chats for `owner`, in one statement: a chat leased
    by nobody, by `owner` itself, or by a process whose lease ran out. Returns the chats
    `owner` holds now."""
    if not chat_ids:
        return set()
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    until = now + lease
    # In chat order: two processes upserting overlapping chats lock their rows in one order.
    statement = insert(OutboxChatLease).values(
        [{"chat_id": chat_id, "owner": owner, "until": until} for chat_id in sorted(chat_ids)])
    statement = statement.on_conflict_do_update(
        index_elements=[OutboxChatLease.chat_id],
        set_={"owner": statement.excluded.owner, "until": statement.excluded.until},
        where=or_(OutboxChatLease.owner == owner, OutboxChatLease.until <= now),
    ).returning(OutboxChatLease.chat_id)
    return set((await session.scalars(statement)).all())


def not_leased_by_others(owner: str, now: datetime) -> ColumnElement[bool]:
    """Outbox rows whose chat no other process holds now (a filter on OutboxMessage)."""
    return ~exists().where(OutboxChatLease.chat_id == OutboxMessage.chat_id,
                           OutboxChatLease.owner != owner, OutboxChatLease.until > now)


async def release(session: AsyncSession, owner: str, now: datetime) -> None:
    """A clean stop: hand `owner`'s chats over soon instead of when their leases run out."""
    await session.execute(
        update(OutboxChatLease)
        .where(OutboxChatLease.owner == owner, OutboxChatLease.until > now + HANDOVER)
        .values(until=now + HANDOVER))
