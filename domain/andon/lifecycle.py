"""An exception's life: reported → acknowledged → resolved → closed (or reopened).

Every move is a conditional update on the status, so a double tap, or two people tapping at
once, moves it once; the other is told who did it and when. Each move is audited, edits the
group posts and tells the people concerned, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, webhooks
from domain.andon import following, line_stop, posts
from domain.andon.posts import ENTITY, exception_code
from domain.andon.subject import Subject
from domain.db import rows_changed
from domain.errors import DomainError
from domain.factory_settings import ladder_for, load_settings, responsible_for
from domain.models import (
    ExceptionKind,
    ExceptionStatus,
    FloorException,
    Person,
    Role,
    Severity,
)
from domain.notifications import Button, Notice, notify_person
from domain.rules import FactoryRules

KINDS = tuple(ExceptionKind)
MAX_COMMENT = 1000
STILL_OPEN = (ExceptionStatus.open, ExceptionStatus.acknowledged)


@dataclass(frozen=True)
class Reported:
    exception: FloorException
    code: str
    blocked_tasks: int
    groups: int
    responsible: list[str]  # names of the people called first


async def responsible_people(session: AsyncSession, kind: str) -> list[Person]:
    """Who answers first for this kind: as configured, else the supervisors."""
    configured = await responsible_for(session, kind)
    if configured:
        return configured
    return list((await session.scalars(
        select(Person).where(Person.role == Role.supervisor, Person.active.is_(True))
        .order_by(Person.code))).all())


def check_comment(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise DomainError("exception.comment_too_long", limit=MAX_COMMENT, length=len(text))
    return text or None


# --- reporting -----------------------------------------------------------------------------


async def report(session: AsyncSession, person: Person | None, *, kind: str, subject: Subject,
                 line_stopped: bool, comment: str | None, photo_file_id: str | None,
                 now: datetime, rules: FactoryRules) -> Reported:
    """Report an exception; `person` None: raised by the system (a material shortage)."""
    if kind not in KINDS:
        raise DomainError("button.invalid")
    severity = Severity.high if line_stopped or kind == ExceptionKind.safety else Severity.normal
    exception = FloorException(
        kind=kind, severity=severity, status=ExceptionStatus.open, line_stopped=line_stopped,
        work_order_id=subject.work_order_id, task_id=subject.task_id,
        workstation=subject.workstation, comment=check_comment(comment),
        photo_file_id=photo_file_id, reported_by=person.id if person else None,
        reported_at=now)
    session.add(exception)
    await session.flush()
    blocked = await line_stop.stop(session, exception, now) if line_stopped else []
    audit.record(session, "exception.reported", actor_person_id=exception.reported_by,
                 entity=ENTITY, entity_id=exception.id, kind=kind, severity=severity,
                 line_stopped=line_stopped, work_order=subject.work_order,
                 workstation=subject.workstation, blocked_tasks=blocked)
    await webhooks.exception_opened(session, exception)
    groups = await posts.post_to_groups(session, exception, rules)
    called = [p for p in await responsible_people(session, kind)
              if p.id != exception.reported_by]
    if not await _ladder_calls_responsible_at_once(session, exception):
        notice = await posts.post(session, exception)
        for someone in called:
            notify_person(session, someone, notice, default_lang=rules.default_language)
    await following.follow_acknowledgement(session, exception, now, rules)
    await following.follow_resolution(session, exception, now, rules)
    return Reported(exception, exception_code(exception.id), len(blocked), groups,
                    [p.name for p in called])


async def _ladder_calls_responsible_at_once(session: AsyncSession,
                                            exception: FloorException) -> bool:
    """Does the acknowledgement ladder's first step tell the responsible people right away?

    Then the reminders engine sends them the exception when it is followed, and it is not sent
    twice. A ladder that starts elsewhere (or with several immediate steps, which the engine
    folds into the last) leaves it to us.
    """
    rungs = await ladder_for(session, following.ACK, exception.kind, exception.severity)
    immediate = [r for r in rungs if r.delay <= timedelta(0)]
    return len(immediate) == 1 and immediate[0] is rungs[0] and rungs[0].target == "responsible"


# --- moving on -----------------------------------------------------------------------------


async def _load(session: AsyncSession, exception_id: int) -> FloorException:
    exception = await session.get(FloorException, exception_id, populate_existing=True)
    if exception is None:
        raise DomainError("exception.unknown")
    return exception


async def _move(session: AsyncSession, exception: FloorException, allowed: tuple[str, ...],
                **values: Any) -> None:
    """Change the status only from `allowed`; otherwise say who got there first."""
    moved = await rows_changed(session,
        update(FloorException)
        .where(FloorException.id == exception.id, FloorException.status.in_(allowed))
        .values(version=FloorException.version + 1, **values)
        .execution_options(synchronize_session=False))
    await session.refresh(exception)
    if moved != 1:
        await _already(session, exception)


async def _already(session: AsyncSession, exception: FloorException) -> None:
    code = exception_code(exception.id)
    who = await posts.names(session, exception.acknowledged_by, exception.resolved_by,
                            exception.closed_by)
    if exception.status == ExceptionStatus.closed:
        if exception.closed_by is None:
            raise DomainError("exception.already_closed_by_time", code=code,
                              by_at=exception.closed_at)
        raise DomainError("exception.already_closed", code=code, by=who[exception.closed_by],
                          by_at=exception.closed_at)
    if exception.status == ExceptionStatus.resolved and exception.resolved_by is not None:
        raise DomainError("exception.already_resolved", code=code,
                          by=who[exception.resolved_by], by_at=exception.resolved_at)
    if exception.status == ExceptionStatus.acknowledged and exception.acknowledged_by is not None:
        raise DomainError("exception.already_acknowledged", code=code,
                          by=who[exception.acknowledged_by], by_at=exception.acknowledged_at)
    raise DomainError("exception.not_resolved_yet", code=code)


async def _check_may_handle(session: AsyncSession, person: Person,
                            exception: FloorException) -> None:
    """QC inspectors and above, and the people responsible for the kind, handle exceptions."""
    if person.has_role(Role.qc):
        return
    if any(p.id == person.id for p in await responsible_for(session, exception.kind)):
        return
    raise DomainError("exception.not_allowed", code=exception_code(exception.id))


async def _check_reporter_decides(session: AsyncSession, person: Person,
                                  exception: FloorException) -> None:
    """Only the reporter confirms a fix (for one the system raised: whoever may handle it),
    and only while one waits for confirmation."""
    code = exception_code(exception.id)
    if exception.reported_by is None:
        await _check_may_handle(session, person, exception)
    elif person.id != exception.reported_by:
        raise DomainError("exception.only_reporter", code=code)
    if exception.status in STILL_OPEN:  # "not fixed" was already said
        raise DomainError("exception.fix_not_pending", code=code)


async def _confirmers(session: AsyncSession, exception: FloorException,
                      resolver: Person) -> list[Person]:
    """Who is asked to confirm a fix: the reporter; for an exception the system raised, the
    people responsible for its kind other than the resolver (nobody left: it closes by time)."""
    if exception.reported_by is not None:
        reporter = await session.get(Person, exception.reported_by)
        return [reporter] if reporter is not None else []
    return [p for p in await responsible_people(session, exception.kind) if p.id != resolver.id]


async def _tell(session: AsyncSession, person_id: int | None, notice: Notice,
                rules: FactoryRules, *, unless: int | None = None) -> None:
    if person_id is None or person_id == unless:
        return
    person = await session.get(Person, person_id)
    if person is not None:
        notify_person(session, person, notice, default_lang=rules.default_language)


async def acknowledge(session: AsyncSession, person: Person, exception_id: int, *,
                      now: datetime, rules: FactoryRules) -> FloorException:
    exception = await _load(session, exception_id)
    await _check_may_handle(session, person, exception)
    await _move(session, exception, (ExceptionStatus.open,), status=ExceptionStatus.acknowledged,
                acknowledged_by=person.id, acknowledged_at=now)
    await following.stop_following(session, exception.id, following.ACK, now)
    audit.record(session, "exception.acknowledged", actor_person_id=person.id, entity=ENTITY,
                 entity_id=exception.id)
    await posts.edit_group_posts(session, exception, rules)
    await _tell(session, exception.reported_by, Notice("exception.acknowledged_for_reporter", {
        "code": exception_code(exception.id), "by": person.name, "by_at": now}), rules,
        unless=person.id)
    return exception


@dataclass(frozen=True)
class Resolved:
    exception: FloorException
    released_tasks: int
    autoclose_at: datetime


async def resolve(session: AsyncSession, person: Person, exception_id: int, *, now: datetime,
                  rules: FactoryRules) -> Resolved:
    """Resolved (acknowledging it too if nobody had): the line runs again, and the reporter is
    asked to confirm the fix; without an answer it closes by itself."""
    exception = await _load(session, exception_id)
    await _check_may_handle(session, person, exception)
    await _move(session, exception, STILL_OPEN, status=ExceptionStatus.resolved,
                resolved_by=person.id, resolved_at=now)
    if exception.acknowledged_at is None:
        exception.acknowledged_by, exception.acknowledged_at = person.id, now
    released = await line_stop.restart(session, exception, now)
    for kind in (following.ACK, following.RESOLVE):
        await following.stop_following(session, exception.id, kind, now)
    wait = timedelta(minutes=(await load_settings(session)).exception_autoclose_minutes)
    await following.follow_autoclose(session, exception, now, rules, wait)
    audit.record(session, "exception.resolved", actor_person_id=person.id, entity=ENTITY,
                 entity_id=exception.id, released_tasks=released,
                 downtime_seconds=exception.downtime_seconds)
    await webhooks.exception_resolved(session, exception)
    await session.flush()
    await posts.edit_group_posts(session, exception, rules)
    code = exception_code(exception.id)
    question = Notice(
        "exception.confirm_fix", {"code": code, "by": person.name, "by_at": now,
                                  "autoclose_at": now + wait},
        [[Button("exception.btn_fixed", f"e:c:{exception.id}"),
          Button("exception.btn_not_fixed", f"e:u:{exception.id}")]])
    for someone in await _confirmers(session, exception, person):
        await _tell(session, someone.id, question, rules)
    return Resolved(exception, len(released), now + wait)


async def add_note(session: AsyncSession, person: Person, exception_id: int, note: str, *,
                   now: datetime, rules: FactoryRules) -> FloorException:
    """What the resolver did, said afterwards (optional)."""
    exception = await _load(session, exception_id)
    code = exception_code(exception.id)
    if exception.resolved_by != person.id or exception.status not in (ExceptionStatus.resolved,
                                                                        ExceptionStatus.closed):
        raise DomainError("exception.note_not_now", code=code)
    text = check_comment(note)
    if text is None:
        raise DomainError("exception.note_empty")
    exception.resolution = text
    audit.record(session, "exception.note", actor_person_id=person.id, entity=ENTITY,
                 entity_id=exception.id, note=text)
    await session.flush()
    await posts.edit_group_posts(session, exception, rules)
    await _tell(session, exception.reported_by, Notice(
        "exception.note_for_reporter", {"code": code, "by": person.name, "note": text}), rules,
        unless=person.id)
    return exception


async def confirm_fixed(session: AsyncSession, person: Person, exception_id: int, *,
                        now: datetime, rules: FactoryRules) -> FloorException:
    exception = await _load(session, exception_id)
    await _check_reporter_decides(session, person, exception)
    await _move(session, exception, (ExceptionStatus.resolved,), status=ExceptionStatus.closed,
                closed_by=person.id, closed_at=now)
    await following.stop_following(session, exception.id, following.AUTOCLOSE, now)
    audit.record(session, "exception.closed", actor_person_id=person.id, entity=ENTITY,
                 entity_id=exception.id,
                 by="reporter" if exception.reported_by is not None else "responsible")
    await posts.edit_group_posts(session, exception, rules)
    await _tell(session, exception.resolved_by, Notice("exception.confirmed_for_resolver", {
        "code": exception_code(exception.id), "by": person.name}), rules, unless=person.id)
    return exception


async def reject_fix(session: AsyncSession, person: Person, exception_id: int, *,
                     now: datetime, rules: FactoryRules) -> FloorException:
    """"Not fixed": back to acknowledged, the line stops again, the resolve ladder starts over."""
    exception = await _load(session, exception_id)
    await _check_reporter_decides(session, person, exception)
    resolver = exception.resolved_by
    await _move(session, exception, (ExceptionStatus.resolved,),
                status=ExceptionStatus.acknowledged, resolved_by=None, resolved_at=None,
                resolution=None)
    await following.stop_following(session, exception.id, following.AUTOCLOSE, now)
    blocked = await line_stop.stop(session, exception, now) if exception.line_stopped else []
    await following.follow_resolution(session, exception, now, rules, again=True)
    audit.record(session, "exception.reopened", actor_person_id=person.id, entity=ENTITY,
                 entity_id=exception.id, blocked_tasks=blocked)
    await posts.edit_group_posts(session, exception, rules,
                                 [("exception.reopened_line", {"by_at": now})])
    notice = Notice("exception.reopened_for_handlers", {
        "code": exception_code(exception.id), "reporter": person.name},
        posts.action_buttons(exception))
    for someone in {resolver, exception.acknowledged_by} - {None}:
        await _tell(session, someone, notice, rules, unless=person.id)
    return exception


async def close_by_time(session: AsyncSession, exception_id: int, version: int,
                        now: datetime, rules: FactoryRules) -> bool:
    """Nobody confirmed the fix in time: closed, if it is still that resolution waiting."""
    closed = await rows_changed(session,
        update(FloorException)
        .where(FloorException.id == exception_id, FloorException.version == version,
               FloorException.status == ExceptionStatus.resolved)
        .values(status=ExceptionStatus.closed, closed_at=now, closed_by=None,
                version=FloorException.version + 1)
        .execution_options(synchronize_session=False))
    if closed != 1:
        return False
    exception = await _load(session, exception_id)
    audit.record(session, "exception.closed", entity=ENTITY, entity_id=exception.id, by="time")
    await posts.edit_group_posts(session, exception, rules)
    await _tell(session, exception.reported_by, Notice("exception.closed_by_time_for_reporter", {
        "code": exception_code(exception.id)}), rules)
    return True
