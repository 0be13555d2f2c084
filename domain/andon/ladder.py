"""The exception kinds of the reminders engine: who is called while an exception waits, and the
close of a fix nobody confirmed.

The first call goes to the people responsible for the kind (else the supervisors), never to
the reporter: when the exception_ack ladder starts with "responsible at once" (the default),
the engine's step 0 IS that call (the exception post with its buttons), so it is sent once.
Later steps remind with the exception's age and the level reached; the engine adds to group
steps the names of the people called before. Exceptions do not wait for shifts: whoever the
ladder names is called when the floor needs them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain import reminders
from domain.andon import following, lifecycle, posts
from domain.factory_settings import ladder_for
from domain.models import ExceptionStatus, FloorException, Person, Reminder
from domain.notifications import Notice

NoticeFor = Callable[[AsyncSession, Reminder, int, int], Awaitable[Notice]]


async def _exception(session: AsyncSession, reminder: Reminder) -> FloorException | None:
    return await session.get(FloorException, reminder.entity_id, populate_existing=True)


async def _not_acknowledged(session: AsyncSession, reminder: Reminder) -> bool:
    exception = await _exception(session, reminder)
    return exception is not None and exception.status == ExceptionStatus.open


async def _not_resolved(session: AsyncSession, reminder: Reminder) -> bool:
    exception = await _exception(session, reminder)
    return exception is not None and exception.status in lifecycle.STILL_OPEN


async def _fix_unconfirmed(session: AsyncSession, reminder: Reminder) -> bool:
    exception = await _exception(session, reminder)
    return (exception is not None and exception.status == ExceptionStatus.resolved
            and exception.version == following.autoclose_version(reminder))


async def _recipients(session: AsyncSession, reminder: Reminder,
                      target: str) -> list[Person] | None:
    exception = await _exception(session, reminder)
    if exception is None:
        return []
    if target == "responsible":
        return [p for p in await lifecycle.responsible_people(session, exception.kind)
                if p.id != exception.reported_by]
    if target == "reporter":
        if exception.reported_by is None:  # raised by the system: nobody to tell
            return []
        reporter = await session.get(Person, exception.reported_by)
        return [reporter] if reporter else []
    return None  # role:…, group:…, person:… are the engine's


def _reminder_notice(waiting_for: str) -> NoticeFor:
    async def notice(session: AsyncSession, reminder: Reminder, step: int,
                     caught_up: int) -> Notice:
        exception = await _exception(session, reminder)
        assert exception is not None  # still_holds said it is there
        rungs = await ladder_for(session, reminder.kind, reminder.match, reminder.severity)
        rung = rungs[min(step, len(rungs) - 1)]
        if waiting_for == "ack" and step == 0 and not rung.delay:
            return await posts.post(session, exception)  # the first call, as it was reported
        age = reminder.started_at + rung.delay - exception.reported_at
        return await posts.escalation(session, exception, waiting_for=waiting_for, age=age,
                                      level=step + 1, levels=len(rungs), caught_up=caught_up)
    return notice


async def _close_unconfirmed(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
    await lifecycle.close_by_time(session, reminder.entity_id,
                                  following.autoclose_version(reminder), now,
                                  reminders.rules_of(session))


reminders.register(following.ACK, reminders.Follow(
    still_holds=_not_acknowledged, notice=_reminder_notice("ack"), recipients=_recipients,
    respects_shifts=False))
reminders.register(following.RESOLVE, reminders.Follow(
    still_holds=_not_resolved, notice=_reminder_notice("resolve"), recipients=_recipients,
    respects_shifts=False))
reminders.register(following.AUTOCLOSE, reminders.Follow(
    still_holds=_fix_unconfirmed, notice=_reminder_notice("resolve"),
    on_due=_close_unconfirmed, respects_shifts=False))
