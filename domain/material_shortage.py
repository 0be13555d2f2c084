"""Shortage 缺料: checked once at a work order's planned start, raised as a material exception.

A work order is short of a material when what it still needs (need − consumed) is more than
is available to it (on its line + in the store). The check is a reminder kind with `on_due`
(domain/reminders.py), one per work order and planned start (the earliest planned start of its
tasks; without planned times: its release), so it fires once even with several processes, and
a replanned work order is checked again at its new start while the old check stops by itself.

When short, a `material` exception is raised by the system (no reporter) naming each material,
need, available and shortfall; from there the exception ladder does the rest (the people
responsible for material shortages, the groups, escalation). No second one is raised while one
for that work order's material is still open. An issue that covers the shortage does not
resolve it: the people handling it resolve it (they know whether the line can start).

Stock is not reserved between work orders: each check compares with what the store holds then.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import andon, audit, materials, reminders
from domain.andon.lifecycle import MAX_COMMENT, STILL_OPEN
from domain.andon.subject import Subject
from domain.models import (
    BomLine,
    ExceptionKind,
    FloorException,
    OperationTask,
    Reminder,
    WorkOrder,
    WorkOrderStatus,
)
from domain.notifications import Notice
from domain.reminders import Follow, rules_of
from domain.rules import FactoryRules

KIND = "material_check"
ENTITY = "work_order"
# Checked while the work order can still start; on hold, the check waits and looks again.
CHECKED = (WorkOrderStatus.released, WorkOrderStatus.in_progress, WorkOrderStatus.on_hold)
RECHECK = timedelta(minutes=10)

# The exception's comment is stored text: written once, in the factory's language.
_COMMENT = {
    "zh": "{code} {name}：还需 {need} {unit}，可用 {available} {unit}（线上 {on_line} + 库存 "
          "{on_hand}），缺 {short} {unit}",
    "en": "{code} {name}: needs {need} {unit}, {available} {unit} available ({on_line} on the "
          "line + {on_hand} in store), short by {short} {unit}",
}
_HEAD = {"zh": "计划开工时缺料（系统自动检查）：", "en": "Short of material at the planned start "
         "(checked automatically):"}


def check_time(work_order: WorkOrder, earliest_start: datetime | None) -> datetime | None:
    """When the work order's material is checked: its earliest planned start, else release."""
    return earliest_start or work_order.released_at


def fact_key(work_order_id: int, at: datetime) -> str:
    # The time is part of the fact: a replanned work order is checked afresh.
    return f"{KIND}:{work_order_id}:{at.astimezone(UTC):%Y%m%dT%H%M%SZ}"


async def _earliest_start(session: AsyncSession, work_order_id: int) -> datetime | None:
    return await session.scalar(select(func.min(OperationTask.planned_start))
                                .where(OperationTask.work_order_id == work_order_id))


async def schedule_material_check(session: AsyncSession, work_order: WorkOrder,
                                  now: datetime) -> Reminder | None:
    """Follow the work order's material check at its planned start (at once if that is past).

    Call it when a work order is released and whenever its planned times are set or changed;
    idempotent. A work order without a BOM is not followed.
    """
    # As stored (a conditional update may have changed them behind the object's back).
    status, released_at = (await session.execute(
        select(WorkOrder.status, WorkOrder.released_at)
        .where(WorkOrder.id == work_order.id))).one()
    if status not in CHECKED or not await materials.has_bom(session, work_order.product_id):
        return None
    at = await _earliest_start(session, work_order.id) or released_at
    if at is None:  # never released: checked when it is
        return None
    return await reminders.follow(session, kind=KIND, fact_key=fact_key(work_order.id, at),
                                  entity=ENTITY, entity_id=work_order.id, started_at=at,
                                  now=now, rules=rules_of(session))


async def plan_ahead(session: AsyncSession, now: datetime, rules: FactoryRules) -> int:
    """Follow every live work order with a BOM not yet followed for its current start (after
    an upgrade, or planned times set by a path that did not call schedule_material_check)."""
    starts = (select(OperationTask.work_order_id, func.min(OperationTask.planned_start)
                     .label("start")).group_by(OperationTask.work_order_id).subquery())
    with_bom = select(BomLine.product_id).distinct()
    rows = (await session.execute(
        select(WorkOrder, starts.c.start).outerjoin(starts, starts.c.work_order_id == WorkOrder.id)
        .where(WorkOrder.status.in_(CHECKED), WorkOrder.product_id.in_(with_bom))
        .order_by(WorkOrder.id))).all()
    followed = set((await session.scalars(
        select(Reminder.fact_key).where(Reminder.kind == KIND,
                                        Reminder.entity_id.in_([w.id for w, _ in rows])))).all())
    missing = 0
    for work_order, start in rows:
        at = check_time(work_order, start)
        if at is not None and fact_key(work_order.id, at) not in followed:
            await reminders.follow(session, kind=KIND, fact_key=fact_key(work_order.id, at),
                                   entity=ENTITY, entity_id=work_order.id, started_at=at,
                                   now=now, rules=rules)
            missing += 1
    return missing


# --- the reminder kind ---------------------------------------------------------------------


async def _current(session: AsyncSession, reminder: Reminder) -> WorkOrder | None:
    """The work order, if this check is still the one for its current planned start."""
    work_order = await session.get(WorkOrder, reminder.entity_id, populate_existing=True)
    if work_order is None or work_order.status not in CHECKED:
        return None
    at = check_time(work_order, await _earliest_start(session, work_order.id))
    if at is None or fact_key(work_order.id, at) != reminder.fact_key:
        return None  # replanned: the new start has its own check
    return work_order


async def _still_due(session: AsyncSession, reminder: Reminder) -> bool:
    return await _current(session, reminder) is not None


async def _until_not_on_hold(session: AsyncSession, reminder: Reminder,
                             now: datetime) -> datetime | None:
    work_order = await _current(session, reminder)
    on_hold = work_order is not None and work_order.status == WorkOrderStatus.on_hold
    return now + RECHECK if on_hold else None


async def shortages(session: AsyncSession,
                    work_order: WorkOrder) -> list[materials.Requirement]:
    """The work order's materials whose availability is below what it still needs."""
    return [r for r in await materials.requirement(session, work_order)
            if r.short_by > 0 and r.per_unit > 0]


async def _open_shortage(session: AsyncSession, work_order_id: int) -> int | None:
    return await session.scalar(select(FloorException.id).where(
        FloorException.work_order_id == work_order_id,
        FloorException.kind == ExceptionKind.material,
        FloorException.status.in_(STILL_OPEN)).limit(1))


async def _check(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
    work_order = await _current(session, reminder)
    if work_order is None:
        return
    short = await shortages(session, work_order)
    if not short:
        return
    already = await _open_shortage(session, work_order.id)
    if already is not None:  # people are on it: no second exception for the same material
        audit.record(session, "material.shortage_still_open", entity=ENTITY,
                     entity_id=work_order.id, exception_id=already,
                     materials=[r.code for r in short])
        return
    rules = rules_of(session)
    reported = await andon.report(
        session, None, kind=ExceptionKind.material,
        subject=Subject(work_order.id, work_order.code), line_stopped=False,
        comment=comment(short, rules.default_language), photo_file_id=None, now=now, rules=rules)
    audit.record(session, "material.shortage_raised", entity=ENTITY, entity_id=work_order.id,
                 exception_id=reported.exception.id,
                 short={r.code: materials.plain(r.short_by) for r in short})


def comment(short: list[materials.Requirement], lang: str) -> str:
    """The exception's text: each short material with its need, availability and shortfall."""
    lang = lang if lang in _COMMENT else "zh"
    lines = [_HEAD[lang]]
    for r in short:
        line = _COMMENT[lang].format(
            code=r.code, name=r.name, unit=r.unit, need=materials.plain(r.still_needed),
            available=materials.plain(r.available), on_line=materials.plain(r.on_line),
            on_hand=materials.plain(r.on_hand), short=materials.plain(r.short_by))
        if sum(len(x) + 1 for x in lines) + len(line) > MAX_COMMENT - 4:
            lines.append("…")
            break
        lines.append(line)
    return "\n".join(lines)


async def _no_notice(session: AsyncSession, reminder: Reminder, step: int,
                     caught_up: int) -> Notice:
    raise AssertionError("a material check is an action, never a message")  # pragma: no cover


reminders.register(KIND, Follow(still_holds=_still_due, notice=_no_notice, on_due=_check,
                                not_before=_until_not_on_hold, respects_shifts=False))
