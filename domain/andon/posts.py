"""How an exception is shown: the post (in groups, to the people called, after each change)
and the escalation reminders. Notices only; whoever changes state decides who gets them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.andon.subject import Subject, describe
from domain.groups import groups_for
from domain.models import (
    EscalationStep,
    ExceptionBlock,
    ExceptionStatus,
    FloorException,
    OutboxMessage,
    Person,
    Priority,
)
from domain.notifications import Button, Notice, enqueue
from domain.rules import FactoryRules

ENTITY = "floor_exception"
Line = tuple[str, dict[str, Any]]
# Who "reported" an exception the system raised (a material shortage found by the clock).
SYSTEM = {"zh": "系统自动", "en": "the system"}


def exception_code(exception_id: int) -> str:
    return f"EX-{exception_id:06d}"


def action_buttons(exception: FloorException) -> list[list[Button]]:
    """What can still be done from a post: acknowledge while open, resolve until resolved."""
    row = []
    if exception.status == ExceptionStatus.open:
        row.append(Button("exception.btn_acknowledge", f"e:a:{exception.id}"))
    if exception.status in (ExceptionStatus.open, ExceptionStatus.acknowledged):
        row.append(Button("exception.btn_resolve", f"e:r:{exception.id}"))
    return [row] if row else []


async def names(session: AsyncSession, *person_ids: int | None) -> dict[int, str]:
    wanted = {i for i in person_ids if i is not None}
    if not wanted:
        return {}
    return dict((await session.execute(
        select(Person.id, Person.name).where(Person.id.in_(wanted)))).all())


async def level(session: AsyncSession, exception_id: int) -> int:
    """How far up its ladders the exception has climbed: 1 is the first call, 0 none yet."""
    return (await levels(session, [exception_id])).get(exception_id, 0)


async def levels(session: AsyncSession, exception_ids: list[int],
                 as_of: datetime | None = None) -> dict[int, int]:
    """`level` of several exceptions in one query (as it stood at `as_of`, when given); an
    exception not climbed yet is left out."""
    if not exception_ids:
        return {}
    query = (select(EscalationStep.entity_id, func.max(EscalationStep.step_no))
             .where(EscalationStep.entity == ENTITY,
                    EscalationStep.entity_id.in_(exception_ids))
             .group_by(EscalationStep.entity_id))
    if as_of is not None:
        query = query.where(EscalationStep.fired_at <= as_of)
    return {exception_id: highest + 1
            for exception_id, highest in (await session.execute(query)).all()}


async def _line_stop_lines(session: AsyncSession, exception: FloorException) -> list[Line]:
    if not exception.line_stopped:
        return []
    lines: list[Line] = []
    if exception.stopped_since is not None:
        blocked = await session.scalar(select(func.count()).select_from(ExceptionBlock).where(
            ExceptionBlock.exception_id == exception.id, ExceptionBlock.released_at.is_(None)))
        lines.append(("exception.line_stopped", {"since_at": exception.stopped_since,
                                                 "tasks": int(blocked or 0)}))
    if exception.downtime_seconds or exception.stopped_since is None:
        lines.append(("exception.downtime", {"downtime_seconds": exception.downtime_seconds}))
    return lines


async def _progress_lines(session: AsyncSession, exception: FloorException) -> list[Line]:
    """The status, and who did what when."""
    who = await names(session, exception.acknowledged_by, exception.resolved_by,
                      exception.closed_by)
    lines: list[Line] = [("exception.status", {"exception_status": exception.status})]
    if exception.acknowledged_at is not None and exception.acknowledged_by is not None:
        lines.append(("exception.acknowledged_line", {
            "by": who.get(exception.acknowledged_by, "?"), "by_at": exception.acknowledged_at}))
    if exception.resolved_at is not None and exception.resolved_by is not None:
        lines.append(("exception.resolved_line", {
            "by": who.get(exception.resolved_by, "?"), "by_at": exception.resolved_at}))
        if exception.resolution:
            lines.append(("exception.resolution_line", {"note": exception.resolution}))
    if exception.closed_at is not None:
        if exception.closed_by is None:
            lines.append(("exception.closed_by_time_line", {"by_at": exception.closed_at}))
        else:
            lines.append(("exception.closed_line", {
                "by": who.get(exception.closed_by, "?"), "by_at": exception.closed_at}))
    return lines


async def body(session: AsyncSession, exception: FloorException) -> tuple[dict[str, Any],
                                                                         list[Line]]:
    """The params every exception message starts with, and the lines that describe it now."""
    reporter: str | dict[str, str] = SYSTEM
    if exception.reported_by is not None:
        reporter = (await names(session, exception.reported_by)).get(exception.reported_by, "?")
    params = {"code": exception_code(exception.id), "kind": exception.kind,
              "severity": exception.severity, "reporter": reporter,
              "reported_at": exception.reported_at}
    about = Subject(exception.work_order_id, None, exception.task_id, exception.workstation)
    lines: list[Line] = [await describe(session, about)]
    lines += await _line_stop_lines(session, exception)
    if exception.comment:
        lines.append(("exception.comment", {"comment": exception.comment}))
    lines += await _progress_lines(session, exception)
    reached = await level(session, exception.id)
    if reached > 1:  # escalated beyond the first call
        lines.append(("exception.level_line", {"level": reached}))
    return params, lines


async def post(session: AsyncSession, exception: FloorException,
               extra: list[Line] | None = None) -> Notice:
    """The exception as it stands, with the buttons that still apply."""
    params, lines = await body(session, exception)
    return Notice("exception.post", params, action_buttons(exception), lines + (extra or []),
                  photo=exception.photo_file_id)


async def post_to_groups(session: AsyncSession, exception: FloorException,
                         rules: FactoryRules) -> int:
    """Post to every group linked for exceptions; the posts are edited as it moves on."""
    notice = await post(session, exception)
    sent = [enqueue(session, chat_id, notice, lang=rules.default_language,
                    priority=Priority.notify)
            for chat_id in await groups_for(session, "exceptions")]
    await session.flush()
    exception.group_outbox_ids = ",".join(str(message.id) for message in sent)
    return len(sent)


async def edit_group_posts(session: AsyncSession, exception: FloorException,
                           rules: FactoryRules, extra: list[Line] | None = None) -> None:
    ids = [int(i) for i in exception.group_outbox_ids.split(",") if i]
    if not ids:
        return
    notice = await post(session, exception, extra)
    chats = (await session.execute(select(OutboxMessage.id, OutboxMessage.chat_id)
                                   .where(OutboxMessage.id.in_(ids)))).all()
    for outbox_id, chat_id in sorted(chats):
        enqueue(session, chat_id, notice, lang=rules.default_language, priority=Priority.notify,
                edit_outbox_id=outbox_id)


async def escalation(session: AsyncSession, exception: FloorException, *, waiting_for: str,
                     age: timedelta, level: int, levels: int, caught_up: int) -> Notice:
    """A reminder that the exception still waits (for acknowledgement or resolution)."""
    params, lines = await body(session, exception)
    # The heading names this step's level; the post's "escalated to" line would lag one behind.
    lines = [line for line in lines if line[0] != "exception.level_line"]
    key = "exception.escalated_ack" if waiting_for == "ack" else "exception.escalated_resolve"
    params |= {"age_seconds": int(age.total_seconds()), "level": level, "levels": levels}
    if caught_up:
        lines.append(("exception.caught_up", {"count": caught_up}))
    return Notice(key, params, action_buttons(exception), lines, photo=exception.photo_file_id)
