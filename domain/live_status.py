"""The pinned live status of each linked group: one message per team (or one for the whole
floor), edited in place as work is reported, instead of a stream of messages.

- `start` (`/link status [TEAM]`, domain/groups.py) sends the message; the sender pins it
  silently. A group may show several teams, one message each.
- `touch` (every quantity change, in the report's own transaction) only marks the rows that
  show the work order dirty: one UPDATE. Which rows: the whole-floor ones, and those of the
  teams that work it (an assignee or a reporter of the team, or a task open for the team to
  claim).
- `due` + `refresh` (the live-status job, every few seconds) re-render dirty rows and edit their
  message in place, throttled for Telegram's group limit (20 messages a minute, edits
  included): a message at most once per `Throttle.message_seconds`, a group at most once per
  half of that (≤ 12 edits a minute at the default 10 s), an edit skipped when the text did not
  change (`digest`). A row is claimed by a conditional UPDATE on what was read, so with several
  processes it is rendered once. A new edit waits until the previous one left the outbox, so a
  slow or stopped sender never piles edits up. An edit leaves the row dirty for one more
  render an interval later (unchanged → no edit): a report still open while it rendered
  found the row dirty and left it so. Rows are also re-rendered at local midnight (a
  new day starts fresh: yesterday's finished work orders drop off) and every
  `Throttle.refresh_seconds` (operations turning late, a line stop): unchanged → no edit.
- `stop` (`/unlink status`) unpins the messages and leaves them as last shown.

What a message shows: domain/live_status_view.py.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import rows_changed
from domain.errors import DomainError
from domain.models import (
    ChatState,
    LiveStatus,
    OperationTask,
    OutboxMessage,
    OutboxStatus,
    Person,
    Priority,
    TaskAssignee,
    WorkOrder,
    WorkReport,
)
from domain.notifications import Notice, enqueue
from domain.periods import Period, local_date
from domain.rules import rules_of

FLOOR = ""  # the team of a whole-floor message


@dataclass(frozen=True)
class Throttle:
    """How often a pinned message may change (Telegram: 20 messages a minute per group)."""

    message_seconds: float = 10.0  # one message at most once per this
    refresh_seconds: float = 300.0  # re-rendered without reports (late flags); unchanged: no edit

    @property
    def group_seconds(self) -> float:
        """A group (all its messages) at most once per this: ≤ 12 edits a minute at 10 s."""
        return self.message_seconds / 2


# ---------------------------------------------------------------- which work is whose


def team_tasks(team: str) -> Any:
    """SQL: the tasks a team was given: assigned to one of its people, or open for it to claim."""
    assigned = (select(TaskAssignee.task_id).join(Person, Person.id == TaskAssignee.person_id)
                .where(Person.team == team))
    return select(OperationTask.id).where(or_(OperationTask.claim_team == team,
                                              OperationTask.id.in_(assigned)))


def team_people(team: str) -> Any:
    return select(Person.id).where(Person.team == team)


async def teams(session: AsyncSession) -> list[str]:
    """The teams people belong to, by name."""
    # No None: the WHERE leaves out people without a team.
    return cast("list[str]", list((await session.scalars(
        select(Person.team).where(Person.team.is_not(None), Person.team != "",
                                  Person.active.is_(True))
        .distinct().order_by(Person.team))).all()))


# ---------------------------------------------------------------- marking rows dirty


async def touch(session: AsyncSession, work_order: WorkOrder, now: datetime) -> None:
    """The floor changed (a report, a QC decision, a plan change): the pinned messages that
    show this work order are due for an edit (throttled by the live-status job)."""
    tasks = select(OperationTask.id).where(OperationTask.work_order_id == work_order.id)
    assignees = (select(Person.team).join(TaskAssignee, TaskAssignee.person_id == Person.id)
                 .where(TaskAssignee.task_id.in_(tasks)))
    reporters = (select(Person.team).join(WorkReport, WorkReport.person_id == Person.id)
                 .where(WorkReport.task_id.in_(tasks)))
    claimers = select(OperationTask.claim_team).where(
        OperationTask.work_order_id == work_order.id)
    # Only rows not dirty yet: the first change since the last edit is what the job waits on,
    # and a row already marked is neither written nor locked again by the next report.
    await session.execute(
        update(LiveStatus)
        .where(LiveStatus.active.is_(True), LiveStatus.dirty_at.is_(None),
               or_(LiveStatus.team == FLOOR, LiveStatus.team.in_(assignees),
                   LiveStatus.team.in_(reporters), LiveStatus.team.in_(claimers)))
        .values(dirty_at=now)
        .execution_options(synchronize_session=False))


# ---------------------------------------------------------------- what a message shows


async def render(session: AsyncSession, team: str, now: datetime) -> tuple[Notice, str]:
    """The message for a team (FLOOR: the whole floor) now, and its digest."""
    # Imported here: the view reads the board and the status, which reach back to the
    # quantities that call `touch`.
    from domain import live_status_view

    message = live_status_view.notice(await live_status_view.view(session, team, now), now)
    return message, live_status_view.digest(message)


# ---------------------------------------------------------------- starting and stopping


async def start(session: AsyncSession, *, chat_id: int, team: str | None,
                now: datetime) -> bool:
    """Show a team's (None or "": the whole floor's) live status in the group: the message is
    sent and pinned. False when the group already shows it (nothing changes)."""
    team = (team or FLOOR).strip()[:64]
    if team != FLOOR:
        known = await teams(session)
        if team not in known:
            raise DomainError("live.unknown_team", team=team, teams=", ".join(known) or "–")
    row = await session.scalar(select(LiveStatus).where(LiveStatus.chat_id == chat_id,
                                                        LiveStatus.team == team))
    if row is not None and row.active:
        return False
    message, text_digest = await render(session, team, now)
    # After the reply that confirms the link, before broadcasts.
    sent = _pinned(enqueue(session, chat_id, message, lang=rules_of(session).default_language,
                           priority=Priority.notify))
    await session.flush()
    if row is None:
        row = LiveStatus(chat_id=chat_id, team=team)
        session.add(row)
    row.active, row.outbox_id, row.digest = True, sent.id, text_digest
    row.edited_at, row.dirty_at = now, None
    return True


async def stop(session: AsyncSession, *, chat_id: int, team: str | None = None) -> int:
    """Stop the group's live status (one team's, or all): each message is unpinned and left as
    last shown. How many stopped."""
    query = select(LiveStatus).where(LiveStatus.chat_id == chat_id, LiveStatus.active.is_(True))
    if team:
        query = query.where(LiveStatus.team == team.strip())
    rows = (await session.scalars(query)).all()
    lang = rules_of(session).default_language
    for row in rows:
        row.active, row.dirty_at = False, None
        if row.outbox_id is not None:
            session.add(OutboxMessage(chat_id=chat_id, method="unpin", lang=lang,
                                      priority=Priority.notify,
                                      payload=json.dumps({"edit_outbox_id": row.outbox_id})))
    return len(rows)


async def showing(session: AsyncSession, chat_id: int) -> bool:
    """Whether the group still shows some live status."""
    return await session.scalar(select(LiveStatus.id).where(
        LiveStatus.chat_id == chat_id, LiveStatus.active.is_(True)).limit(1)) is not None


async def forget(session: AsyncSession, chat_id: int) -> None:
    """The bot left the group: nothing to unpin any more, nothing to edit."""
    await session.execute(update(LiveStatus).where(LiveStatus.chat_id == chat_id)
                          .values(active=False, dirty_at=None))


async def moved(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """The group became a supergroup: its live status follows, as a new pinned message there
    (message ids do not carry over), sent by the next round of the job."""
    taken = set((await session.scalars(select(LiveStatus.team).where(
        LiveStatus.chat_id == new_chat_id))).all())
    await session.execute(update(LiveStatus)
                          .where(LiveStatus.chat_id == old_chat_id,
                                 LiveStatus.team.not_in(taken))
                          .values(chat_id=new_chat_id, outbox_id=None, digest=None,
                                  edited_at=None))


def _pinned(message: OutboxMessage) -> OutboxMessage:
    """Ask the sender to pin what this row sends (an edit: only if it had to send anew)."""
    message.payload = json.dumps({**json.loads(message.payload), "pin": True},
                                 ensure_ascii=False)
    return message


# ---------------------------------------------------------------- the throttled job


@dataclass(frozen=True)
class Due:
    """A row to re-render, as read: the claim succeeds only if it is still so."""

    id: int
    dirty_at: datetime | None
    edited_at: datetime | None


async def due(session: AsyncSession, now: datetime, throttle: Throttle) -> list[Due]:
    """At most one row per group: dirty and not edited within the message interval, or stale
    (rendered before today's midnight, or longer ago than the refresh interval), in a group not
    edited within the group interval, whose previous edit has left the outbox."""
    zone = ZoneInfo(rules_of(session).timezone)
    midnight = Period.day(local_date(now, zone)).bounds(zone)[0]
    stale = max(midnight, now - timedelta(seconds=throttle.refresh_seconds))
    message_gap = timedelta(seconds=throttle.message_seconds)
    group_gap = timedelta(seconds=throttle.group_seconds)
    rows = (await session.execute(
        select(LiveStatus, OutboxMessage.status, ChatState.unreachable_at)
        .outerjoin(OutboxMessage, OutboxMessage.id == LiveStatus.outbox_id)
        .outerjoin(ChatState, ChatState.chat_id == LiveStatus.chat_id)
        .where(LiveStatus.active.is_(True))
        .execution_options(populate_existing=True))).all()
    groups: dict[int, list[tuple[LiveStatus, str | None, datetime | None]]] = defaultdict(list)
    for row, status, unreachable in rows:
        groups[row.chat_id].append((row, status, unreachable))
    picked = []
    for members in groups.values():
        last = max((r.edited_at for r, _, _ in members if r.edited_at), default=None)
        if last is not None and now - last < group_gap:
            continue
        ready = [r for r, status, unreachable in members
                 if unreachable is None and status != OutboxStatus.pending
                 and (r.edited_at is None or r.edited_at < stale
                      or (r.dirty_at is not None and now - r.edited_at >= message_gap))]
        if ready:
            first = min(ready, key=lambda r: (r.edited_at is not None, r.edited_at or now, r.id))
            picked.append(Due(first.id, first.dirty_at, first.edited_at))
    return picked


async def refresh(session: AsyncSession, item: Due, now: datetime) -> bool:
    """Claim the row and edit its message if its text changed; True when an edit was queued."""
    claimed = await rows_changed(session,
        update(LiveStatus)
        .where(LiveStatus.id == item.id, LiveStatus.active.is_(True),
               _same(LiveStatus.dirty_at, item.dirty_at),
               _same(LiveStatus.edited_at, item.edited_at))
        .values(dirty_at=None, edited_at=now)
        .execution_options(synchronize_session=False))
    if claimed != 1:
        return False  # another process took it, or a report came in: the next round
    row = await session.get(LiveStatus, item.id, populate_existing=True)
    assert row is not None
    message, text_digest = await render(session, row.team, now)
    if text_digest == row.digest:
        return False
    # No message yet (the group moved): a new one, pinned.
    edit = _pinned(enqueue(session, row.chat_id, message,
                           lang=rules_of(session).default_language, priority=Priority.broadcast,
                           edit_outbox_id=row.outbox_id))
    await session.flush()
    # Edits chain: the next one edits the message this one showed (a new one if it had to).
    row.outbox_id, row.digest = edit.id, text_digest
    # One more render an interval later, unchanged → no edit. A report still open while this
    # rendered found the row already dirty and left it so; without it, it would show only at
    # the next stale refresh (PostgreSQL: a statement sees what committed before it began).
    row.dirty_at = now
    return True


def _same(column: Any, value: datetime | None) -> Any:
    return column.is_(None) if value is None else column == value
