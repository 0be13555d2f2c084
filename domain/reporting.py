"""Reporting work: from a scanned or typed code to a task card, a quantity, and an undo.

A scan opens a *draft* (the task card). Its quantity buttons point at the draft, and the draft is
used once with a conditional update, so a double tap, a retry or a redelivered update records
the work once. Every rule refuses with a DomainError and changes nothing.

At a QC checkpoint the report is held for inspection when the sampling picks it (domain/qc.py);
a rework task's card (domain/rework.py) reports rework on the same task, always inspected again.
A task blocked by a line stop takes no reports.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, qc, rework, webhooks
from domain.db import rows_changed
from domain.defects import match_reason, reason_label
from domain.errors import DomainError
from domain.factory_settings import Reason, load_settings
from domain.flow import arrived, processed
from domain.models import (
    REPORTABLE_WORK_ORDER,
    DraftStage,
    DraftStatus,
    Operation,
    OperationTask,
    Person,
    QCInspection,
    ReportDraft,
    ReportStatus,
    ReworkStatus,
    ReworkTask,
    TaskAssignee,
    TaskStatus,
    WorkOrder,
    WorkReport,
)
from domain.payload import LabelCode
from domain.quantities import WHOLE, apply, neighbours, work_order_by_code, work_order_of_task
from domain.quantities import ConcurrentChange as ConcurrentChange  # the inbox retries on it
from domain.rules import FactoryRules

MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class TaskCard:
    """What a worker sees about one operation task."""

    task_id: int
    work_order: str
    product_code: str
    product_name: str
    seq: int
    operation_code: str
    operation_name: str
    planned: int
    arrived: int
    good: int
    scrap: int
    remaining: int
    limit: int  # the most this task can still take (flow rule and tolerance)
    due_date: str
    status: str


@dataclass(frozen=True)
class OpenedCard:
    card: TaskCard
    draft_id: int
    # For a rework task's card: what domain.rework.card_params shows (code, quantity, reason...).
    rework: dict[str, Any] | None = None


@dataclass(frozen=True)
class OperationChoice:
    """The code named a work order and more than one of its operations could be meant."""

    work_order: str
    cards: list[TaskCard]


@dataclass(frozen=True)
class NeedsReason:
    draft_id: int
    good: int
    scrap: int
    reasons: tuple[Reason, ...] = ()  # the factory's defect reasons, to pick from


@dataclass(frozen=True)
class Recorded:
    report_id: int
    good: int
    scrap: int
    reason: Any  # for a notice: a configured reason's names {"zh", "en"}, or the text typed
    card: TaskCard
    undo_until: datetime
    work_order_done: bool
    held: bool = False  # waiting for QC: the pieces move on once an inspector passes them
    rework: dict[str, Any] | None = None  # reported on a rework task: its card's params


def limit_for(task: OperationTask, previous: OperationTask | None, rules: FactoryRules) -> int:
    """Pieces this task may still report: what has arrived (the flow rule), and never beyond
    the planned quantity plus tolerance."""
    ceiling = rules.max_quantity(task.planned_qty)
    if previous is not None:
        ceiling = min(ceiling, arrived(task, previous))
    return max(0, ceiling - processed(task))


def _card(work_order: WorkOrder, seq: int, rules: FactoryRules) -> TaskCard:
    previous, task, _ = neighbours(work_order.tasks, seq)
    operation, product = task.operation, work_order.product
    incoming = arrived(task, previous)
    return TaskCard(
        task_id=task.id,
        work_order=work_order.code,
        product_code=product.code,
        product_name=product.name,
        seq=task.seq,
        operation_code=operation.code,
        operation_name=operation.name,
        planned=task.planned_qty,
        arrived=incoming,
        good=task.good_qty + task.pending_qc_qty,
        scrap=task.scrap_qty,
        remaining=max(0, incoming - processed(task)),
        limit=limit_for(task, previous, rules),
        due_date=work_order.due_date.isoformat(),
        status=task.status,
    )


# --- who may report ------------------------------------------------------------------------


async def _reportable_by(session: AsyncSession, person: Person,
                         tasks: list[OperationTask]) -> list[OperationTask]:
    """The tasks this person may report: a task with assignees is theirs alone; a task
    without any is open to the workers skilled in its operation."""
    holders: dict[int, set[int]] = {}
    for task_id, person_id in (await session.execute(
            select(TaskAssignee.task_id, TaskAssignee.person_id)
            .where(TaskAssignee.task_id.in_([t.id for t in tasks])))).all():
        holders.setdefault(task_id, set()).add(person_id)
    skills = person.skills
    return [t for t in tasks
            if (person.id in holders[t.id] if t.id in holders else t.operation.code in skills)]


async def _may_report(session: AsyncSession, person: Person, task: OperationTask) -> bool:
    """False when the person lacks the skill; a task assigned to others is refused here,
    naming whom it is assigned to."""
    if await _reportable_by(session, person, [task]):
        return True
    holders = (await session.scalars(
        select(Person.name).join(TaskAssignee, TaskAssignee.person_id == Person.id)
        .where(TaskAssignee.task_id == task.id).order_by(Person.code))).all()
    if holders:
        work_order = await session.get(WorkOrder, task.work_order_id)
        raise DomainError("report.assigned_to_others",
                          work_order=work_order.code if work_order else "",
                          operation=task.operation.name, names="、".join(holders))
    return False


def _check_reportable(work_order: WorkOrder, task: OperationTask | None = None) -> None:
    if work_order.status not in REPORTABLE_WORK_ORDER:
        raise DomainError("report.work_order_closed", work_order=work_order.code,
                          status=work_order.status)
    if task is not None and task.status == TaskStatus.blocked:  # a line stop is open on it
        raise DomainError("report.task_blocked", work_order=work_order.code,
                          operation=task.operation.name)


# --- opening a card ------------------------------------------------------------------------


async def open_card(
    session: AsyncSession,
    person: Person,
    code: LabelCode,
    *,
    chat_id: int,
    source: str,
    rules: FactoryRules,
    photo_file_id: str | None = None,
) -> OpenedCard | OperationChoice:
    """Resolve a code to the worker's task and open a card for it, or ask which operation."""
    work_order = await work_order_by_code(session, code.work_order)
    _check_reportable(work_order)

    if code.operation_seq is not None:
        task = next((t for t in work_order.tasks if t.seq == code.operation_seq), None)
        if task is None:
            raise DomainError("report.unknown_operation", work_order=work_order.code,
                              seq=code.operation_seq)
        if not await _may_report(session, person, task):
            raise DomainError("report.not_your_operation", work_order=work_order.code,
                              operation=task.operation.name)
        return await _open_draft(session, person, work_order, task.seq, chat_id=chat_id,
                                 source=source, photo_file_id=photo_file_id, rules=rules)

    mine = await _reportable_by(session, person, work_order.tasks)
    if not mine:
        raise DomainError("report.no_operation_for_you", work_order=work_order.code)
    open_ones = [t for t in mine if t.status != TaskStatus.done]
    if not open_ones:
        raise DomainError("report.all_done", work_order=work_order.code)
    # Prefer what can be worked on now: pieces have arrived and are not all dealt with.
    workable = [t for t in open_ones if limit_for(t, neighbours(work_order.tasks, t.seq)[0],
                                                  rules) > 0] or open_ones
    if len(workable) == 1:
        return await _open_draft(session, person, work_order, workable[0].seq, chat_id=chat_id,
                                 source=source, photo_file_id=photo_file_id, rules=rules)
    cards = [_card(work_order, t.seq, rules) for t in workable]
    return OperationChoice(work_order.code, cards)


async def open_task_card(
    session: AsyncSession, person: Person, task_id: int, *, chat_id: int, source: str,
    rules: FactoryRules,
) -> OpenedCard:
    """Open a card for a task picked from a list (/tasks, or a choice of operations)."""
    work_order, seq = await work_order_of_task(session, task_id)
    _check_reportable(work_order)
    task = neighbours(work_order.tasks, seq)[1]
    if not await _may_report(session, person, task):
        raise DomainError("report.not_your_operation", work_order=work_order.code,
                          operation=task.operation.name)
    return await _open_draft(session, person, work_order, seq, chat_id=chat_id, source=source,
                             photo_file_id=None, rules=rules)


async def open_rework_card(
    session: AsyncSession, person: Person, rework_task: str | int, *, chat_id: int, source: str,
    rules: FactoryRules, photo_file_id: str | None = None,
) -> OpenedCard:
    """Open a card for a rework task (by its code RW-000001, or its id from a button): only
    its assignee reports it, up to the pieces not yet reported back."""
    found = await (rework.by_code(session, rework_task) if isinstance(rework_task, str)
                   else rework.by_id(session, rework_task))
    work_order, seq = await work_order_of_task(session, found.task_id)
    _check_reportable(work_order, neighbours(work_order.tasks, seq)[1])
    await _check_rework_reporter(session, found, person)
    if rework.outstanding(found) == 0:
        raise DomainError("rework.nothing_left", code=found.code, pending=found.pending_qc_qty)
    return await _open_draft(session, person, work_order, seq, chat_id=chat_id, source=source,
                             photo_file_id=photo_file_id, rules=rules, rework_task=found)


async def _check_rework_reporter(session: AsyncSession, rework_task: ReworkTask,
                                 person: Person) -> None:
    if rework_task.assignee_id != person.id:
        assignee = (await session.get(Person, rework_task.assignee_id)
                    if rework_task.assignee_id else None)
        raise DomainError("rework.not_yours", code=rework_task.code,
                          assignee=assignee.name if assignee else "—")


async def _open_draft(
    session: AsyncSession, person: Person, work_order: WorkOrder, seq: int, *, chat_id: int,
    source: str, photo_file_id: str | None, rules: FactoryRules,
    rework_task: ReworkTask | None = None,
) -> OpenedCard:
    task = neighbours(work_order.tasks, seq)[1]
    _check_reportable(work_order, task)
    # One card at a time per person: a newer scan supersedes the card before it.
    await session.execute(
        update(ReportDraft)
        .where(ReportDraft.person_id == person.id, ReportDraft.status == DraftStatus.open)
        .values(status=DraftStatus.superseded)
    )
    draft = ReportDraft(person_id=person.id, task_id=task.id, chat_id=chat_id, source=source,
                        photo_file_id=photo_file_id,
                        rework_task_id=rework_task.id if rework_task else None)
    session.add(draft)
    await session.flush()
    card = _card(work_order, seq, rules)
    if rework_task is None:
        return OpenedCard(card, draft.id)
    left = rework.outstanding(rework_task)
    return OpenedCard(dataclasses.replace(card, remaining=left, limit=left), draft.id,
                      await rework.card_params(session, rework_task))


async def open_draft_of(session: AsyncSession, person: Person) -> ReportDraft | None:
    """The card this person is answering now, if any (typed quantities go to it)."""
    return await session.scalar(
        select(ReportDraft)
        .where(ReportDraft.person_id == person.id, ReportDraft.status == DraftStatus.open)
        .order_by(ReportDraft.id.desc())
        .limit(1)
    )


# --- recording -----------------------------------------------------------------------------


def check_quantities(good: int, scrap: int) -> None:
    if good < 0 or scrap < 0:
        raise DomainError("report.negative")
    if good + scrap == 0:
        raise DomainError("report.zero")
    if good > MAX_QUANTITY or scrap > MAX_QUANTITY:
        raise DomainError("report.too_large", limit=MAX_QUANTITY)


async def _claim_draft(session: AsyncSession, person: Person, draft_id: int) -> ReportDraft:
    draft = await session.get(ReportDraft, draft_id)
    if draft is None or draft.person_id != person.id:
        raise DomainError("report.card_not_yours")
    if draft.status == DraftStatus.used:
        raise DomainError("report.card_used")
    if draft.status != DraftStatus.open:
        raise DomainError("report.card_stale")
    return draft


async def check_open_card(session: AsyncSession, person: Person, draft_id: int, *,
                          amount: int | None, now: datetime, rules: FactoryRules) -> TaskCard:
    """The open card's task card, refusing as recording would if it cannot take `amount`
    pieces now (a free-form report is checked before it is confirmed). Changes nothing."""
    draft = await _claim_draft(session, person, draft_id)
    if now - draft.created_at > rules.draft_ttl:
        raise DomainError("report.card_stale")
    work_order, seq = await work_order_of_task(session, draft.task_id)
    if amount is not None:
        await _check_amount(session, person, draft, work_order, seq, amount, rules)
    card = _card(work_order, seq, rules)
    if draft.rework_task_id is None:
        return card
    left = rework.outstanding(await rework.by_id(session, draft.rework_task_id))
    return dataclasses.replace(card, remaining=left, limit=left)


async def submit_quantity(
    session: AsyncSession,
    person: Person,
    draft_id: int,
    *,
    good: int,
    scrap: int = 0,
    reason: str | None = None,
    key: str,
    now: datetime,
    rules: FactoryRules,
) -> Recorded | NeedsReason:
    """Record the quantity on an open card; scrap without a reason asks for the reason first."""
    check_quantities(good, scrap)
    draft = await _claim_draft(session, person, draft_id)
    if now - draft.created_at > rules.draft_ttl:
        raise DomainError("report.card_stale")
    work_order, seq = await work_order_of_task(session, draft.task_id)
    if scrap > 0 and not reason:
        # Refuse an impossible quantity now, not after the worker picked a reason.
        await _check_amount(session, person, draft, work_order, seq, good + scrap, rules)
        draft.stage = DraftStage.scrap_reason
        draft.good_qty, draft.scrap_qty = good, scrap
        return NeedsReason(draft.id, good, scrap, (await load_settings(session)).defect_reasons)
    return await _record(session, person, draft, work_order, seq, good=good, scrap=scrap,
                         reason=reason, key=key, now=now, rules=rules)


async def submit_reason(
    session: AsyncSession, person: Person, draft_id: int, reason: str, *, key: str,
    now: datetime, rules: FactoryRules,
) -> Recorded:
    """The scrap reason for a card that asked for it: a code from the factory's list (a
    button), or typed (a reason's name is stored as its code, other text as typed)."""
    draft = await _claim_draft(session, person, draft_id)
    if draft.stage != DraftStage.scrap_reason or draft.good_qty is None or draft.scrap_qty is None:
        raise DomainError("report.card_stale")
    reason = reason.strip()[:100]
    if not reason:
        raise DomainError("report.reason_missing")
    work_order, seq = await work_order_of_task(session, draft.task_id)
    return await _record(session, person, draft, work_order, seq, good=draft.good_qty,
                         scrap=draft.scrap_qty, reason=reason, key=key, now=now, rules=rules)


def _check_limit(task: OperationTask, previous: OperationTask | None, amount: int,
                 rules: FactoryRules) -> None:
    limit = limit_for(task, previous, rules)
    if amount <= limit:
        return
    if previous is not None and processed(task) + amount > arrived(task, previous):
        raise DomainError("report.flow_exceeded", amount=amount, arrived=arrived(task, previous),
                          done=processed(task), limit=limit)
    raise DomainError("report.over_planned", amount=amount, planned=task.planned_qty,
                      done=processed(task), limit=limit, tolerance=str(rules.tolerance_pct))


async def _check_amount(session: AsyncSession, person: Person, draft: ReportDraft,
                        work_order: WorkOrder, seq: int, amount: int,
                        rules: FactoryRules) -> ReworkTask | None:
    """May this card take `amount` pieces now? Returns the rework task it reports, if any.

    A rework card takes what is still out at rework (those pieces were counted by the
    operation already, so the flow rule does not apply to them again)."""
    previous, task, _ = neighbours(work_order.tasks, seq)
    _check_reportable(work_order, task)
    if draft.rework_task_id is None:
        _check_limit(task, previous, amount, rules)
        return None
    rework_task = await rework.by_id(session, draft.rework_task_id)
    await _check_rework_reporter(session, rework_task, person)
    left = rework.outstanding(rework_task)
    if amount > left:
        raise DomainError("rework.over_limit", code=rework_task.code, amount=amount, left=left)
    return rework_task


async def _record(
    session: AsyncSession, person: Person, draft: ReportDraft, work_order: WorkOrder, seq: int, *,
    good: int, scrap: int, reason: str | None, key: str, now: datetime, rules: FactoryRules,
) -> Recorded:
    rework_task = await _check_amount(session, person, draft, work_order, seq, good + scrap,
                                      rules)
    task = neighbours(work_order.tasks, seq)[1]
    used = await rows_changed(session,
        update(ReportDraft)
        .where(ReportDraft.id == draft.id, ReportDraft.status == DraftStatus.open)
        .values(status=DraftStatus.used)
    )
    if used != 1:
        raise DomainError("report.card_used")
    operation = task.operation
    # Settings are read only when needed: most reports are good pieces off a checkpoint.
    settings = await load_settings(session) if scrap or rework_task else None
    stored_reason = match_reason(settings, reason) if settings and scrap and reason else None
    # Held for QC: every rework report, and checkpoint reports the sampling picks.
    held = good > 0 and (rework_task is not None or await qc.selects(session, operation, task,
                                                                     key))
    report = WorkReport(
        task_id=task.id, person_id=person.id, good_qty=good, scrap_qty=scrap,
        scrap_reason=stored_reason, photo_file_id=draft.photo_file_id, source=draft.source,
        idempotency_key=key, status=ReportStatus.pending_qc if held else ReportStatus.accepted,
        accepted_qty=0 if held else good, reported_at=now,
        accepted_at=now if good and not held else None, work_started_at=draft.created_at,
        rework_task_id=rework_task.id if rework_task else None,
        piece_rate=(rework.piece_rate(settings, rework_task, person, operation)
                    if settings and rework_task else operation.piece_rate),
    )
    session.add(report)
    if rework_task is not None:
        # Its pieces were out at rework: scrap is final now, good waits for the re-inspection.
        await apply(session, work_order, task, now=now, scrap=scrap, rework=-scrap)
        await rework.reported(session, rework_task, good=good, scrap=scrap, now=now)
    elif held:
        await apply(session, work_order, task, now=now, pending_qc=good, scrap=scrap)
    else:
        await apply(session, work_order, task, now=now, good=good, scrap=scrap)
    await session.flush()
    audit.record(session, "report.recorded", actor_person_id=person.id, entity="work_report",
                 entity_id=report.id, task=task.id, good=good, scrap=scrap, reason=stored_reason,
                 held=held, rework_task=rework_task.code if rework_task else None)
    await webhooks.report_accepted(session, report)
    if held:
        await qc.hold(session, report, task, rework_task=rework_task, now=now, rules=rules)
    return Recorded(
        report_id=report.id, good=good, scrap=scrap,
        reason=reason_label(settings, stored_reason) if settings else None,
        card=_card(work_order, seq, rules), undo_until=now + rules.undo_window,
        work_order_done=work_order.status == "done", held=held,
        rework=await rework.card_params(session, rework_task, settings) if rework_task else None,
    )


# --- undo ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Undone:
    report_id: int
    good: int
    scrap: int
    card: TaskCard


async def undo_report(
    session: AsyncSession, person: Person, report_id: int, *, now: datetime, rules: FactoryRules
) -> Undone:
    """Void the worker's own report within the undo window, unless its pieces moved on or an
    inspector already decided them (a report still waiting for QC is withdrawn from it)."""
    report = await session.get(WorkReport, report_id)
    if report is None or report.person_id != person.id:
        raise DomainError("undo.not_yours")
    if report.status == ReportStatus.voided:
        raise DomainError("undo.already")
    if now > report.reported_at + rules.undo_window:
        raise DomainError("undo.expired", minutes=int(rules.undo_window.total_seconds() // 60))
    work_order, seq = await work_order_of_task(session, report.task_id)
    previous, task, following = neighbours(work_order.tasks, seq)
    held = report.status == ReportStatus.pending_qc
    if held:
        await qc.withdraw(session, report, person, now=now)
    elif await session.scalar(select(QCInspection.id).where(QCInspection.report_id == report.id)):
        raise DomainError("undo.inspected")
    elif following is not None and processed(following) > task.good_qty - report.good_qty:
        raise DomainError("undo.consumed", next_operation=following.seq)
    voided = await rows_changed(session,
        update(WorkReport)
        .where(WorkReport.id == report.id, WorkReport.status == report.status)
        .values(status=ReportStatus.voided, accepted_qty=0, voided_at=now, voided_by=person.id,
                void_reason="undo")
    )
    if voided != 1:
        raise DomainError("undo.already")
    if report.rework_task_id is not None:
        rework_task = await rework.by_id(session, report.rework_task_id)
        await apply(session, work_order, task, now=now, scrap=-report.scrap_qty,
                    rework=report.scrap_qty)
        await rework.report_undone(session, rework_task, good=report.good_qty,
                                   scrap=report.scrap_qty, now=now)
    elif held:
        await apply(session, work_order, task, now=now, pending_qc=-report.good_qty,
                    scrap=-report.scrap_qty)
    else:
        await apply(session, work_order, task, now=now, good=-report.good_qty,
                    scrap=-report.scrap_qty)
    audit.record(session, "report.voided", actor_person_id=person.id, entity="work_report",
                 entity_id=report.id, reason="undo")
    return Undone(report.id, report.good_qty, report.scrap_qty,
                  _card(work_order, seq, rules))


async def cancel_draft(session: AsyncSession, person: Person, draft_id: int) -> None:
    draft = await _claim_draft(session, person, draft_id)
    draft.status = DraftStatus.cancelled


# --- my tasks ------------------------------------------------------------------------------


async def my_tasks(session: AsyncSession, person: Person, rules: FactoryRules,
                   limit: int = 20) -> list[TaskCard]:
    """Open tasks this person may report on: those assigned to them first (also while their
    pieces have not arrived yet), then the unassigned ones of their skills; most urgent first."""
    mine = exists().where(TaskAssignee.task_id == OperationTask.id,
                          TaskAssignee.person_id == person.id)
    anyone = exists().where(TaskAssignee.task_id == OperationTask.id)
    workable = OperationTask.status.in_((TaskStatus.ready, TaskStatus.in_progress))
    rows = await session.execute(
        select(OperationTask.work_order_id, OperationTask.seq)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .where(WorkOrder.status.in_(REPORTABLE_WORK_ORDER),
               or_(mine & (workable | (OperationTask.status == TaskStatus.waiting)),
                   ~anyone & workable & Operation.code.in_(sorted(person.skills))))
        .order_by(case((mine, 0), else_=1), WorkOrder.priority, WorkOrder.due_date,
                  WorkOrder.code, OperationTask.seq)
        .limit(limit)
    )
    found = rows.all()
    work_orders = {wo.id: wo for wo in (await session.scalars(
        select(WorkOrder).where(WorkOrder.id.in_({wo_id for wo_id, _ in found}))
        .options(*WHOLE))).all()}
    return [_card(work_orders[wo_id], seq, rules) for wo_id, seq in found]


@dataclass(frozen=True)
class MyRework:
    """A rework task waiting for this person: reported from its card (domain.rework)."""

    task: ReworkTask
    card: dict[str, Any]  # what its card shows: domain.rework.card_params


async def my_rework(session: AsyncSession, person: Person, limit: int = 20) -> list[MyRework]:
    """Rework tasks assigned to this person with pieces still to report, oldest first (pieces
    already back and waiting for re-inspection are QC's now)."""
    found = (await session.scalars(
        select(ReworkTask).where(ReworkTask.assignee_id == person.id,
                                 ReworkTask.status != ReworkStatus.done)
        .order_by(ReworkTask.id))).all()
    to_report = [r for r in found if rework.outstanding(r) > 0][:limit]
    settings = await load_settings(session) if to_report else None
    return [MyRework(r, await rework.card_params(session, r, settings)) for r in to_report]
