"""Durable time: facts followed up an escalation ladder until they are gone.

A *fact* (an unacknowledged exception, a pending QC decision, a late task...) is followed by one
`Reminder` row, unique by `fact_key`, so it never fires twice. Its ladder (factory_settings.
ladder_for(kind, match, severity)) says after which delay from `started_at` whom to tell. The
sweep fires due steps, each reminder in its own transaction with the messages it queues; before
firing it asks the kind whether the fact still holds, and stops the reminder if not. Steps that
fell due together (the bot was down) are collapsed into one message with the latest step's
targets; the folded steps are recorded as collapsed.

Each kind registers a `Follow` that knows its fact; generic targets are resolved here:

- `role:<role>`: active people of exactly that role; when the kind names the subject's team
  (`Follow.team`), the people of that team if it has any, else all of them;
- `group:<purpose>`: the groups linked for that purpose; the post mentions the people named by
  the ladder's earlier person steps;
- `person:<code>`: that person.

Kind-specific targets (responsible, reporter, assignee) are resolved by `Follow.recipients`,
which is asked first and may also take over a generic target. People without a Telegram account
are skipped; a step nobody can receive is recorded without recipients and the ladder goes on.
A kind with `on_due` is a single timed action instead of a ladder (e.g. closing a resolved
exception nobody confirmed). Kinds read the factory rules with `rules_of(session)`, keep what
they loaded for the reminder at hand in `scratch(session)`, and ask `step_target` whom a step
is for (a button for the worker, a name list for the supervisor).

Shift calendar (domain/shifts.py): when a kind respects shifts and none of a step's people is on
shift, the step waits for the earliest next shift start among them; people off shift are left
out when others are on. Groups never wait. A step that waits (for a shift, or because the kind
says the fact is not ripe yet) moves the rest of the ladder with it: `started_at` moves on by
the wait, so the next rung still comes its full delay after this one.

Races: every change of a reminder is a conditional update on (id, step, status), so a step fires
once even when two sweeps (two processes) meet; on PostgreSQL rows are claimed with
`FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from domain import shifts
from domain.db import rows_changed, unavailable
from domain.factory_settings import Rung, ladder_for
from domain.groups import groups_for
from domain.models import EscalationStep, Person, Priority, Reminder, ReminderStatus
from domain.notifications import Notice, enqueue
from domain.rules import RULES_KEY, FactoryRules
from domain.rules import rules_of as rules_of  # kinds read the sweep's rules here

log = logging.getLogger(__name__)

# A reminder whose kind is unknown (its module not loaded) or whose kind failed: look again then.
RETRY_LATER = timedelta(minutes=5)
_SCRATCH_KEY = "gongdan.reminder_scratch"


@dataclass(frozen=True)
class Follow:
    # Does the fact still hold? (False: the reminder stops without a message.)
    still_holds: Callable[[AsyncSession, Reminder], Awaitable[bool]]
    # The message for a step; `caught_up` counts earlier steps folded into this one.
    notice: Callable[[AsyncSession, Reminder, int, int], Awaitable[Notice]]
    # Kind-specific targets ('responsible', 'reporter', 'assignee'); None if not one of ours.
    recipients: Callable[[AsyncSession, Reminder, str], Awaitable[list[Person] | None]] | None = None
    # Persons off shift are not pinged: their step waits for their next shift (groups never wait).
    respects_shifts: bool = True
    # A single timed action instead of a ladder (runs once when due, in the sweep's transaction).
    on_due: Callable[[AsyncSession, Reminder, datetime], Awaitable[None]] | None = None
    # The subject's team (a task's workers...): role targets prefer people of that team.
    team: Callable[[AsyncSession, Reminder], Awaitable[str | None]] | None = None
    # A person's own message for a step (their own cards...), instead of the step's notice.
    personal_notice: Callable[[AsyncSession, Reminder, int, int, Person],
                              Awaitable[Notice | None]] | None = None
    # The fact holds but is not ripe (a task whose pieces have not arrived): look again then.
    not_before: Callable[[AsyncSession, Reminder, datetime], Awaitable[datetime | None]] | None = None


KINDS: dict[str, Follow] = {}


def register(kind: str, follow: Follow) -> None:
    KINDS[kind] = follow


def scratch(session: AsyncSession) -> dict[Any, Any]:
    """Kept while one reminder is handled: a kind loads its fact once for still_holds, the
    recipients and the notice (a fresh dict for each reminder)."""
    found: dict[Any, Any] = session.info.setdefault(_SCRATCH_KEY, {})
    return found


async def step_target(session: AsyncSession, reminder: Reminder, step: int) -> str | None:
    """The target of a step of this reminder's ladder (a kind's notice may depend on it)."""
    rungs = await _ladder(session, reminder)
    return rungs[step].target if 0 <= step < len(rungs) else None


async def _ladder(session: AsyncSession, reminder: Reminder) -> list[Rung]:
    memo = scratch(session)
    if ("ladder", reminder.id) not in memo:
        memo["ladder", reminder.id] = await ladder_for(session, reminder.kind, reminder.match,
                                                       reminder.severity)
    return memo["ladder", reminder.id]  # type: ignore[no-any-return]


# --- following and stopping ----------------------------------------------------------------


async def follow(session: AsyncSession, *, kind: str, fact_key: str, entity: str, entity_id: int,
                 started_at: datetime, now: datetime, rules: FactoryRules, match: str = "*",
                 severity: str = "*", due_at: datetime | None = None) -> Reminder | None:
    """Start following a fact (no-op if this fact_key is already followed: returns that one).

    The first step is due at started_at + its delay (or at `due_at` when given, which on_due
    kinds need); a step already due (delay 0, e.g. "the responsible person at once") fires in
    this transaction. None when the kind's ladder has no steps.
    """
    existing = await _by_key(session, fact_key)
    if existing is not None:
        return existing
    if due_at is None:
        if KINDS[kind].on_due is not None:
            due_at = started_at
        else:
            rungs = await ladder_for(session, kind, match, severity)
            if not rungs:
                return None
            due_at = started_at + rungs[0].delay
    reminder = Reminder(kind=kind, fact_key=fact_key, entity=entity, entity_id=entity_id,
                        match=match, severity=severity, started_at=started_at, due_at=due_at,
                        step=0, status=ReminderStatus.active, created_at=now)
    try:
        async with session.begin_nested():
            session.add(reminder)
            await session.flush()
    except IntegrityError:  # followed meanwhile by a concurrent transaction
        return await _by_key(session, fact_key)
    if due_at <= now:
        try:
            async with session.begin_nested():
                await _handle(_Pass(session, now, rules), reminder)
        except Exception:  # the caller's action stands; the sweep tries the step again
            log.exception("reminder %s could not fire at once", fact_key)
    return reminder


async def stop(session: AsyncSession, fact_key: str, now: datetime) -> None:
    """The fact is gone (someone acted): no further step fires."""
    await session.execute(
        update(Reminder)
        .where(Reminder.fact_key == fact_key, Reminder.status == ReminderStatus.active)
        .values(status=ReminderStatus.stopped, finished_at=now))


async def _by_key(session: AsyncSession, fact_key: str) -> Reminder | None:
    return await session.scalar(select(Reminder).where(Reminder.fact_key == fact_key))


# --- the sweep -----------------------------------------------------------------------------


async def sweep(sessions: async_sessionmaker[AsyncSession], now: datetime, rules: FactoryRules,
                limit: int = 500) -> int:
    """Fire every step due by `now`, oldest first; returns how many reminders were handled.

    At most `limit` reminders per call (call again while it returns `limit`). Each is handled
    in its own short transaction together with the messages it queues.
    """
    async with sessions() as session:
        due = (await session.scalars(
            select(Reminder.id)
            .where(Reminder.status == ReminderStatus.active, Reminder.due_at <= now)
            .order_by(Reminder.due_at, Reminder.id).limit(limit))).all()
    handled = 0
    for reminder_id in due:
        try:
            if await _sweep_one(sessions, reminder_id, now, rules):
                handled += 1
        except _Raced:
            continue  # another sweep handled this step first; its messages stand, ours are gone
        except Exception as error:
            if unavailable(error):  # not this reminder's fault: it stays due, the pass stops
                raise
            log.exception("reminder %s failed; trying again later", reminder_id)
            with suppress(Exception):
                await _retry_later(sessions, reminder_id, now)
            handled += 1
    return handled


async def _sweep_one(sessions: async_sessionmaker[AsyncSession], reminder_id: int,
                     now: datetime, rules: FactoryRules) -> bool:
    async with sessions() as session, session.begin():
        query = select(Reminder).where(Reminder.id == reminder_id,
                                       Reminder.status == ReminderStatus.active,
                                       Reminder.due_at <= now)
        assert session.bind is not None  # the sessionmaker is bound to the engine
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        reminder = await session.scalar(query)
        if reminder is None:  # handled meanwhile, or claimed by another process right now
            return False
        await _handle(_Pass(session, now, rules), reminder)
    return True


async def _retry_later(sessions: async_sessionmaker[AsyncSession], reminder_id: int,
                       now: datetime) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.active)
            .values(due_at=now + RETRY_LATER))


@dataclass
class _Pass:
    """One reminder being handled: the session, the clock, and what the factory configured."""

    session: AsyncSession
    now: datetime
    rules: FactoryRules
    _calendar: list[shifts.ShiftSpec] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.session.info[RULES_KEY] = self.rules
        self.session.info[_SCRATCH_KEY] = {}

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.rules.timezone)

    async def calendar(self) -> list[shifts.ShiftSpec]:
        if self._calendar is None:
            self._calendar = await shifts.load_shifts(self.session)
        return self._calendar


class _Raced(Exception):
    """The reminder changed since we read it: someone else handled this step."""


async def _handle(p: _Pass, reminder: Reminder) -> None:
    """Whatever is due for this reminder: stop it, wait, run its action, or fire its steps."""
    kind = KINDS.get(reminder.kind)
    if kind is None:
        log.error("no reminder kind %r is registered; %s waits", reminder.kind, reminder.fact_key)
        await _move(p, reminder, due_at=p.now + RETRY_LATER)
        return
    if not await kind.still_holds(p.session, reminder):
        await _move(p, reminder, status=ReminderStatus.stopped, finished_at=p.now)
        return
    if kind.on_due is not None:
        later = await _not_before(p, kind, reminder)
        if later is not None:
            await _move(p, reminder, due_at=later)
            return
        await kind.on_due(p.session, reminder, p.now)
        await _move(p, reminder, step=reminder.step + 1, status=ReminderStatus.done,
                    finished_at=p.now)
        return
    await _climb(p, kind, reminder)


async def _climb(p: _Pass, kind: Follow, reminder: Reminder) -> None:
    """Fire the latest due step of the ladder, folding the earlier due ones into it."""
    rungs = await _ladder(p.session, reminder)
    due = [n for n in range(reminder.step, len(rungs)) if _time_of(reminder, rungs[n]) <= p.now]
    if not due:  # the ladder was changed under it: go by the new one
        await _after(p, reminder, rungs, reminder.step)
        return
    latest = due[-1]
    step_time = _time_of(reminder, rungs[latest])

    later = await _not_before(p, kind, reminder)
    if later is not None:
        await _postpone(p, reminder, later, step_time)
        return
    people, chats = await _recipients(p, kind, reminder, rungs[latest].target)
    if kind.respects_shifts and people:
        calendar = await p.calendar()
        at_work = [x for x in people if shifts.on_shift(x.team, p.now, calendar, p.zone)]
        if not at_work and not chats:
            starts = [shifts.next_shift_start(x.team, p.now, calendar, p.zone) for x in people]
            wake = min((s for s in starts if s is not None), default=p.now + RETRY_LATER)
            await _postpone(p, reminder, wake, step_time)
            return
        people = at_work

    caught_up = latest - reminder.step
    notice = await kind.notice(p.session, reminder, latest, caught_up)
    sent: list[int] = []
    for person in people:
        own = (await kind.personal_notice(p.session, reminder, latest, caught_up, person)
               if kind.personal_notice else None)
        enqueue(p.session, person.telegram_user_id, own or notice,  # type: ignore[arg-type]
                lang=person.language or p.rules.default_language, priority=Priority.notify)
        sent.append(person.telegram_user_id)  # type: ignore[arg-type]
    if chats:
        mentions = await _mentions(p, kind, reminder, rungs[:latest])
        group_notice = replace(notice, mentions=[*notice.mentions, *mentions])
        for chat_id in chats:
            enqueue(p.session, chat_id, group_notice, lang=p.rules.default_language,
                    priority=Priority.notify)
            sent.append(chat_id)

    for n in due:
        p.session.add(EscalationStep(
            reminder_id=reminder.id, entity=reminder.entity, entity_id=reminder.entity_id,
            step_no=n, target=rungs[n].target,
            recipients=",".join(map(str, sent)) if n == latest else "",
            due_at=_time_of(reminder, rungs[n]), fired_at=p.now, collapsed=n != latest))
    if not sent:
        log.info("%s step %s (%s): nobody to tell", reminder.fact_key, latest,
                 rungs[latest].target)
    await _after(p, reminder, rungs, latest + 1)


def _time_of(reminder: Reminder, rung: Rung) -> datetime:
    return reminder.started_at + rung.delay


async def _after(p: _Pass, reminder: Reminder, rungs: list[Rung], next_step: int) -> None:
    """Move on to `next_step`, or finish when the ladder ran out."""
    if next_step >= len(rungs):
        await _move(p, reminder, step=next_step, status=ReminderStatus.done, finished_at=p.now)
    else:
        await _move(p, reminder, step=next_step,
                    due_at=max(_time_of(reminder, rungs[next_step]), p.now))


async def _postpone(p: _Pass, reminder: Reminder, until: datetime, step_time: datetime) -> None:
    """The step waits until `until`; the rest of the ladder keeps its delays after it."""
    shift = max(until - step_time, timedelta(0))
    await _move(p, reminder, due_at=until, started_at=reminder.started_at + shift)


async def _not_before(p: _Pass, kind: Follow, reminder: Reminder) -> datetime | None:
    if kind.not_before is None:
        return None
    later = await kind.not_before(p.session, reminder, p.now)
    return later if later is not None and later > p.now else None


async def _move(p: _Pass, reminder: Reminder, **values: Any) -> None:
    """Change the reminder only if it is still at the step we read (else someone else won)."""
    changed = await rows_changed(p.session,
        update(Reminder)
        .where(Reminder.id == reminder.id, Reminder.step == reminder.step,
               Reminder.status == ReminderStatus.active)
        .values(**values)
        .execution_options(synchronize_session=False))
    if changed != 1:
        raise _Raced(reminder.id)
    for name, value in values.items():
        set_committed_value(reminder, name, value)


# --- who is told ---------------------------------------------------------------------------


async def _recipients(p: _Pass, kind: Follow, reminder: Reminder,
                      target: str) -> tuple[list[Person], list[int]]:
    """The people (reachable in private) and group chats a target names."""
    if kind.recipients is not None:
        people = await kind.recipients(p.session, reminder, target)
        if people is not None:
            return _reachable(people), []
    what, _, name = target.partition(":")
    if what == "group":
        return [], await groups_for(p.session, name)
    if what == "role":
        people = list((await p.session.scalars(
            select(Person).where(Person.role == name, Person.active.is_(True))
            .order_by(Person.code))).all())
        team = await kind.team(p.session, reminder) if kind.team else None
        people = [x for x in people if team and x.team == team] or people
        return _reachable(people), []
    if what == "person":
        person = await p.session.scalar(
            select(Person).where(Person.code == name, Person.active.is_(True)))
        return _reachable([person] if person else []), []
    log.warning("%s: unknown ladder target %r", reminder.fact_key, target)
    return [], []


def _reachable(people: list[Person]) -> list[Person]:
    """Active people with a Telegram account, each once."""
    seen: set[int] = set()
    out = []
    for person in people:
        if person.active and person.telegram_user_id is not None and person.id not in seen:
            seen.add(person.id)
            out.append(person)
    return out


async def _mentions(p: _Pass, kind: Follow, reminder: Reminder,
                    earlier: list[Rung]) -> list[tuple[str, int]]:
    """The people the earlier person steps named: a group post calls them by name."""
    mentions: dict[int, str] = {}
    for rung in earlier:
        if rung.target.startswith("group:"):
            continue
        people, _ = await _recipients(p, kind, reminder, rung.target)
        for person in people:
            mentions.setdefault(person.telegram_user_id, person.name)  # type: ignore[arg-type]
    return [(name, user_id) for user_id, name in mentions.items()]
