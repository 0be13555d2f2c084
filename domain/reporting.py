"""Reporting work: from a scanned or typed code to a task card, a quantity, and an undo.

A scan opens a *draft* (the task card). Its quantity buttons point at the draft, and the draft is
used once with a conditional update, so a double tap, a retry or a redelivered update records
the work once. Every rule refuses with a DomainError and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from domain import audit, progress
from domain.errors import DomainError
from domain.flow import arrived, processed
from domain.models import (
    REPORTABLE_WORK_ORDER,
    DraftStage,
    DraftStatus,
    Operation,
    OperationTask,
    Person,
    ReportDraft,
    ReportStatus,
    TaskAssignee,
    TaskStatus,
    WorkOrder,
    WorkReport,
)
from domain.payload import LabelCode
from domain.rules import FactoryRules

# Until the factory's own list is configured: the defects workers name most.
DEFAULT_SCRAP_REASONS = ("burr", "dimension", "appearance", "function", "material", "other")
MAX_QUANTITY = 1_000_000


class ConcurrentChange(Exception):
    """Someone changed the task between our read and our write; the caller retries."""


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


@dataclass(frozen=True)
class Recorded:
    report_id: int
    good: int
    scrap: int
    reason: str | None
    card: TaskCard
    undo_until: datetime
    work_order_done: bool


# --- loading -------------------------------------------------------------------------------


# A work order comes with its product and its tasks with their operations: everything a card
# shows, in two queries.
_WHOLE = (joinedload(WorkOrder.product),
          selectinload(WorkOrder.tasks).joinedload(OperationTask.operation))


async def _work_order(session: AsyncSession, code: str) -> WorkOrder:
    work_order = await session.scalar(select(WorkOrder).where(WorkOrder.code == code)
                                      .options(*_WHOLE))
    if work_order is None:
        raise DomainError("report.unknown_work_order", work_order=code)
    return work_order


async def _work_order_of_task(session: AsyncSession, task_id: int) -> tuple[WorkOrder, int]:
    task = await session.get(OperationTask, task_id)
    if task is None:
        raise DomainError("report.unknown_task")
    work_order = await session.scalar(select(WorkOrder).where(WorkOrder.id == task.work_order_id)
                                      .options(*_WHOLE))
    assert work_order is not None
    return work_order, task.seq


def _neighbours(tasks: list[OperationTask], seq: int) -> tuple[OperationTask | None, OperationTask,
                                                                  OperationTask | None]:
    index = next(i for i, t in enumerate(tasks) if t.seq == seq)
    previous = tasks[index - 1] if index > 0 else None
    following = tasks[index + 1] if index + 1 < len(tasks) else None
    return previous, tasks[index], following


def limit_for(task: OperationTask, previous: OperationTask | None, rules: FactoryRules) -> int:
    """Pieces this task may still report: what has arrived (the flow rule), and never beyond
    the planned quantity plus tolerance."""
    ceiling = rules.max_quantity(task.planned_qty)
    if previous is not None:
        ceiling = min(ceiling, arrived(task, previous))
    return max(0, ceiling - processed(task))


def _card(work_order: WorkOrder, seq: int, rules: FactoryRules) -> TaskCard:
    previous, task, _ = _neighbours(work_order.tasks, seq)
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
    """The tasks this person may report: assigned to them, or skilled in the operation."""
    assigned = set((await session.scalars(
        select(TaskAssignee.task_id).where(TaskAssignee.person_id == person.id,
                                           TaskAssignee.task_id.in_([t.id for t in tasks]))
    )).all())
    skills = person.skills
    return [t for t in tasks if t.id in assigned or t.operation.code in skills]


async def _may_report(session: AsyncSession, person: Person, task: OperationTask) -> bool:
    return bool(await _reportable_by(session, person, [task]))


def _check_reportable(work_order: WorkOrder) -> None:
    if work_order.status not in REPORTABLE_WORK_ORDER:
        raise DomainError("report.work_order_closed", work_order=work_order.code,
                          status=work_order.status)


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
    work_order = await _work_order(session, code.work_order)
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
    workable = [t for t in open_ones if limit_for(t, _neighbours(work_order.tasks, t.seq)[0],
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
    work_order, seq = await _work_order_of_task(session, task_id)
    _check_reportable(work_order)
    task = _neighbours(work_order.tasks, seq)[1]
    if not await _may_report(session, person, task):
        raise DomainError("report.not_your_operation", work_order=work_order.code,
                          operation=task.operation.name)
    return await _open_draft(session, person, work_order, seq, chat_id=chat_id, source=source,
                             photo_file_id=None, rules=rules)


async def _open_draft(
    session: AsyncSession, person: Person, work_order: WorkOrder, seq: int, *, chat_id: int,
    source: str, photo_file_id: str | None, rules: FactoryRules,
) -> OpenedCard:
    # One card at a time per person: a newer scan supersedes the card before it.
    await session.execute(
        update(ReportDraft)
        .where(ReportDraft.person_id == person.id, ReportDraft.status == DraftStatus.open)
        .values(status=DraftStatus.superseded)
    )
    task = _neighbours(work_order.tasks, seq)[1]
    draft = ReportDraft(person_id=person.id, task_id=task.id, chat_id=chat_id, source=source,
                        photo_file_id=photo_file_id)
    session.add(draft)
    await session.flush()
    return OpenedCard(_card(work_order, seq, rules), draft.id)


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
    work_order, seq = await _work_order_of_task(session, draft.task_id)
    _check_reportable(work_order)
    if scrap > 0 and not reason:
        # Refuse an impossible quantity now, not after the worker picked a reason.
        previous, task, _ = _neighbours(work_order.tasks, seq)
        _check_limit(task, previous, good + scrap, rules)
        draft.stage = DraftStage.scrap_reason
        draft.good_qty, draft.scrap_qty = good, scrap
        return NeedsReason(draft.id, good, scrap)
    return await _record(session, person, draft, work_order, seq, good=good, scrap=scrap,
                         reason=reason, key=key, now=now, rules=rules)


async def submit_reason(
    session: AsyncSession, person: Person, draft_id: int, reason: str, *, key: str,
    now: datetime, rules: FactoryRules,
) -> Recorded:
    draft = await _claim_draft(session, person, draft_id)
    if draft.stage != DraftStage.scrap_reason or draft.good_qty is None or draft.scrap_qty is None:
        raise DomainError("report.card_stale")
    reason = reason.strip()[:100]
    if not reason:
        raise DomainError("report.reason_missing")
    work_order, seq = await _work_order_of_task(session, draft.task_id)
    _check_reportable(work_order)
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


async def _record(
    session: AsyncSession, person: Person, draft: ReportDraft, work_order: WorkOrder, seq: int, *,
    good: int, scrap: int, reason: str | None, key: str, now: datetime, rules: FactoryRules,
) -> Recorded:
    previous, task, _ = _neighbours(work_order.tasks, seq)
    _check_limit(task, previous, good + scrap, rules)
    used = await session.execute(
        update(ReportDraft)
        .where(ReportDraft.id == draft.id, ReportDraft.status == DraftStatus.open)
        .values(status=DraftStatus.used)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("report.card_used")
    operation = task.operation
    # QC checkpoints will hold reports as pending_qc here (the QC issue); until then all count.
    report = WorkReport(
        task_id=task.id, person_id=person.id, good_qty=good, scrap_qty=scrap,
        scrap_reason=reason if scrap else None, photo_file_id=draft.photo_file_id,
        source=draft.source, idempotency_key=key, status=ReportStatus.accepted,
        accepted_qty=good, piece_rate=operation.piece_rate, reported_at=now,
    )
    session.add(report)
    await _apply_to_task(session, work_order, task, good=good, scrap=scrap, now=now)
    await session.flush()
    audit.record(session, "report.recorded", actor_person_id=person.id, entity="work_report",
                 entity_id=report.id, task=task.id, good=good, scrap=scrap, reason=reason)
    return Recorded(
        report_id=report.id, good=good, scrap=scrap, reason=report.scrap_reason,
        card=_card(work_order, seq, rules), undo_until=now + rules.undo_window,
        work_order_done=work_order.status == "done",
    )


async def _apply_to_task(session: AsyncSession, work_order: WorkOrder, task: OperationTask, *,
                         good: int, scrap: int, now: datetime) -> None:
    """Change the task's quantities only if nobody else did since we read it."""
    changed = await session.execute(
        update(OperationTask)
        .where(OperationTask.id == task.id, OperationTask.version == task.version)
        .values(good_qty=OperationTask.good_qty + good, scrap_qty=OperationTask.scrap_qty + scrap,
                version=OperationTask.version + 1)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentChange(task.id)
    # Mirror the committed change in memory without marking it dirty (no second UPDATE).
    set_committed_value(task, "good_qty", task.good_qty + good)
    set_committed_value(task, "scrap_qty", task.scrap_qty + scrap)
    set_committed_value(task, "version", task.version + 1)
    progress.refresh(work_order, work_order.tasks, now)


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
    """Void the worker's own report within the undo window, unless its pieces moved on."""
    report = await session.get(WorkReport, report_id)
    if report is None or report.person_id != person.id:
        raise DomainError("undo.not_yours")
    if report.status == ReportStatus.voided:
        raise DomainError("undo.already")
    if now > report.reported_at + rules.undo_window:
        raise DomainError("undo.expired", minutes=int(rules.undo_window.total_seconds() // 60))
    work_order, seq = await _work_order_of_task(session, report.task_id)
    previous, task, following = _neighbours(work_order.tasks, seq)
    if following is not None and processed(following) > task.good_qty - report.good_qty:
        raise DomainError("undo.consumed", next_operation=following.seq)
    voided = await session.execute(
        update(WorkReport)
        .where(WorkReport.id == report.id, WorkReport.status == ReportStatus.accepted)
        .values(status=ReportStatus.voided, accepted_qty=0, voided_at=now, voided_by=person.id,
                void_reason="undo")
    )
    if voided.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("undo.already")
    await _apply_to_task(session, work_order, task, good=-report.good_qty,
                         scrap=-report.scrap_qty, now=now)
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
    """Open tasks this person may report on, most urgent first."""
    rows = await session.execute(
        select(OperationTask.work_order_id, OperationTask.seq, Operation.code,
               TaskAssignee.person_id)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .outerjoin(TaskAssignee, (TaskAssignee.task_id == OperationTask.id)
                   & (TaskAssignee.person_id == person.id))
        .where(WorkOrder.status.in_(REPORTABLE_WORK_ORDER),
               OperationTask.status.in_((TaskStatus.ready, TaskStatus.in_progress)))
        .order_by(WorkOrder.priority, WorkOrder.due_date, WorkOrder.code, OperationTask.seq)
    )
    skills = person.skills
    mine = [(wo_id, seq) for wo_id, seq, op_code, assigned in rows.all()
            if op_code in skills or assigned is not None][:limit]
    work_orders = {wo.id: wo for wo in (await session.scalars(
        select(WorkOrder).where(WorkOrder.id.in_({wo_id for wo_id, _ in mine}))
        .options(*_WHOLE))).all()}
    return [_card(work_orders[wo_id], seq, rules) for wo_id, seq in mine]
