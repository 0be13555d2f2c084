"""The facts an exception puts on the reminders engine, and taking them off again.

- exception_ack:{id}        while nobody acknowledged it (ladder exception_ack)
- exception_resolve:{id}    while it is not resolved (ladder exception_resolve); a fix the
                            reporter rejects starts it over as exception_resolve:{id}:{version}
- exception_autoclose:{id}:{version}   closes a resolved exception nobody confirmed
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import reminders
from domain.andon.posts import ENTITY
from domain.models import FloorException, Reminder, ReminderStatus
from domain.rules import FactoryRules

ACK = "exception_ack"
RESOLVE = "exception_resolve"
AUTOCLOSE = "exception_autoclose"


async def follow_acknowledgement(session: AsyncSession, exception: FloorException,
                                 now: datetime, rules: FactoryRules) -> None:
    await reminders.follow(session, kind=ACK, fact_key=f"{ACK}:{exception.id}", entity=ENTITY,
                           entity_id=exception.id, started_at=exception.reported_at, now=now,
                           rules=rules, match=exception.kind, severity=exception.severity)


async def follow_resolution(session: AsyncSession, exception: FloorException, now: datetime,
                            rules: FactoryRules, *, again: bool = False) -> None:
    """From the report; or, when the reporter said "not fixed", from now under a new key."""
    key = f"{RESOLVE}:{exception.id}:{exception.version}" if again else f"{RESOLVE}:{exception.id}"
    await reminders.follow(session, kind=RESOLVE, fact_key=key, entity=ENTITY,
                           entity_id=exception.id,
                           started_at=now if again else exception.reported_at, now=now,
                           rules=rules, match=exception.kind, severity=exception.severity)


async def follow_autoclose(session: AsyncSession, exception: FloorException, now: datetime,
                           rules: FactoryRules, after: timedelta) -> None:
    # The version in the key: only this round's resolution may close it.
    await reminders.follow(session, kind=AUTOCLOSE,
                           fact_key=f"{AUTOCLOSE}:{exception.id}:{exception.version}",
                           entity=ENTITY, entity_id=exception.id, started_at=now, now=now,
                           rules=rules, due_at=now + after)


def autoclose_version(reminder: Reminder) -> int:
    return int(reminder.fact_key.rsplit(":", 1)[1])


async def stop_following(session: AsyncSession, exception_id: int, kind: str,
                         now: datetime) -> None:
    """Someone acted: whatever this exception still has running of that kind stops."""
    keys = (await session.scalars(select(Reminder.fact_key).where(
        Reminder.entity == ENTITY, Reminder.entity_id == exception_id, Reminder.kind == kind,
        Reminder.status == ReminderStatus.active))).all()
    for key in keys:
        await reminders.stop(session, key, now)
