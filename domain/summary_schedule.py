"""When the summaries go out: every day at the factory's `summary_time` (local time), to the
managers (role manager or admin, in private, in their language) and to every group linked for
"management"; on Mondays, at the same time, the previous ISO week's summary as well.

Each summary is a fact on the reminders engine (domain/reminders.py) with a single timed action:
`summary:day:2026-11-21`, `summary:week:2026-W47`. The fact key is unique, so a summary goes out
once however many processes sweep and however often the bot restarts. The planning pass
(`plan_ahead`, every few minutes, and after each summary sent) follows the next one ahead of
time, so a bot that is down at 18:00 sends it when it comes back — unless the next summary of
the same kind is already due by then (the next day's, the next Monday's): a late summary nobody
needs any more is skipped and audited, never sent on top of a newer one. A bot that was down
across a whole day catches up the most recent summary it missed; a new installation starts with
the next one (it does not send yesterday's).

A changed `summary_time` moves the summary not sent yet to the new time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, reminders, summary
from domain.factory_settings import load_settings
from domain.groups import groups_for
from domain.models import Person, Priority, Reminder, ReminderStatus, Role
from domain.notifications import Notice, enqueue, notify_person
from domain.periods import Period, local_date
from domain.rules import FactoryRules

log = logging.getLogger(__name__)

KIND = "summary"
ENTITY = "summary"  # entity_id: the ordinal of the local day the summary is due
RECIPIENT_ROLES = (Role.manager, Role.admin)
GROUP_PURPOSE = "management"


@dataclass(frozen=True)
class Occurrence:
    fact_key: str
    period: Period
    day: date  # the local day it is due
    due_at: datetime
    stale_at: datetime  # the next summary of its kind is due: too late for this one


def occurrences_on(day: date, at: str, zone: ZoneInfo) -> list[Occurrence]:
    """The summaries due on a local day: the day's own; on a Monday, last week's too."""
    found = [Occurrence(f"{KIND}:day:{day.isoformat()}", Period.day(day), day,
                        _instant(day, at, zone), _instant(day + timedelta(days=1), at, zone))]
    if day.weekday() == 0:
        week = Period.week(day - timedelta(days=1))
        found.append(Occurrence(f"{KIND}:week:{week.label}", week, day, _instant(day, at, zone),
                                _instant(day + timedelta(days=7), at, zone)))
    return found


def occurrence_of(fact_key: str, at: str, zone: ZoneInfo) -> Occurrence:
    """The occurrence a reminder's fact key names (summary:day:… or summary:week:…)."""
    _, kind, label = fact_key.split(":", 2)
    if kind == "day":
        day = date.fromisoformat(label)
    else:
        year, week = label.split("-W")
        day = date.fromisocalendar(int(year), int(week), 1) + timedelta(days=7)
    return next(o for o in occurrences_on(day, at, zone) if o.fact_key == fact_key)


def _instant(day: date, at: str, zone: ZoneInfo) -> datetime:
    hour, minute = (int(part) for part in at.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


async def plan_ahead(session: AsyncSession, now: datetime, rules: FactoryRules) -> list[str]:
    """Follow the next summaries, and the most recent ones when the schedule was already
    running before them (they fire at once if missed); the fact keys followed. Idempotent."""
    settings = await load_settings(session)
    zone = ZoneInfo(rules.timezone)
    today = local_date(now, zone)
    at = settings.summary_time
    ahead = next(day for day in (today, today + timedelta(days=1))
                 if _instant(day, at, zone) > now)
    latest = ahead - timedelta(days=1)
    wanted = occurrences_on(latest, at, zone) if await _ran_before(session, latest) else []
    wanted += occurrences_on(ahead, at, zone)
    for occurrence in wanted:
        await _follow(session, occurrence, now, rules)
    return [o.fact_key for o in wanted]


async def _ran_before(session: AsyncSession, day: date) -> bool:
    """Was the schedule running before `day` (a summary followed for an earlier day)?"""
    return await session.scalar(
        select(Reminder.id).where(Reminder.entity == ENTITY,
                                  Reminder.entity_id < day.toordinal()).limit(1)) is not None


async def _follow(session: AsyncSession, occurrence: Occurrence, now: datetime,
                  rules: FactoryRules) -> None:
    reminder = await reminders.follow(
        session, kind=KIND, fact_key=occurrence.fact_key, entity=ENTITY,
        entity_id=occurrence.day.toordinal(), started_at=occurrence.due_at, now=now,
        rules=rules, due_at=occurrence.due_at)
    if (reminder is not None and reminder.status == ReminderStatus.active
            and reminder.due_at != occurrence.due_at):  # summary_time changed meanwhile
        await session.execute(
            update(Reminder)
            .where(Reminder.id == reminder.id, Reminder.status == ReminderStatus.active)
            .values(due_at=occurrence.due_at, started_at=occurrence.due_at)
            .execution_options(synchronize_session=False))


async def _send(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
    """The timed action: build the summary and queue it for the managers and the groups."""
    rules = reminders.rules_of(session)
    zone = ZoneInfo(rules.timezone)
    occurrence = occurrence_of(reminder.fact_key, (await load_settings(session)).summary_time,
                               zone)
    if now >= occurrence.stale_at:
        log.info("%s skipped: the next one is already due", reminder.fact_key)
        audit.record(session, "summary.skipped", entity=ENTITY, entity_id=reminder.entity_id,
                     fact_key=reminder.fact_key, reason="stale")
    else:
        built = await summary.build(session, occurrence.period, zone, now)
        sent = await deliver(session, summary.notice(built), rules)
        audit.record(session, "summary.sent", entity=ENTITY, entity_id=reminder.entity_id,
                     fact_key=reminder.fact_key, chats=sent)
    # The next one, whatever happened; after a skipped one, the latest missed one too.
    await plan_ahead(session, now, rules)


async def deliver(session: AsyncSession, notice: Notice, rules: FactoryRules) -> list[int]:
    """Queue a summary for every manager (private, their language) and every management group
    (the factory's language); the chat ids it went to."""
    sent: list[int] = []
    people = (await session.scalars(
        select(Person).where(Person.role.in_(RECIPIENT_ROLES), Person.active.is_(True),
                             Person.telegram_user_id.is_not(None))
        .order_by(Person.code))).all()
    for person in people:
        if notify_person(session, person, notice, default_lang=rules.default_language,
                         priority=Priority.broadcast) is not None:
            sent.append(person.telegram_user_id)  # type: ignore[arg-type]
    for chat_id in await groups_for(session, GROUP_PURPOSE):
        enqueue(session, chat_id, notice, lang=rules.default_language,
                priority=Priority.broadcast)
        sent.append(chat_id)
    return sent


async def _always(session: AsyncSession, reminder: Reminder) -> bool:
    return True  # staleness needs the sweep's clock: _send decides


async def _notice(session: AsyncSession, reminder: Reminder, step: int,
                  caught_up: int) -> Notice:
    rules = reminders.rules_of(session)
    zone = ZoneInfo(rules.timezone)
    occurrence = occurrence_of(reminder.fact_key, (await load_settings(session)).summary_time,
                               zone)
    return summary.notice(await summary.build(session, occurrence.period, zone,
                                              reminder.due_at))


reminders.register(KIND, reminders.Follow(still_holds=_always, notice=_notice, on_due=_send,
                                          respects_shifts=False))
