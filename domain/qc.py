"""QC checkpoints 质检: reports held for inspection, decided once by an inspector.

A report at a checkpoint that the operation's sampling selects (and every rework report) is
held: its good pieces wait in the task's `pending_qc_qty` (or the rework task's), so they neither
flow to the next operation nor count for wages. The inspectors are told at once, in private and
in the groups linked for QC, with Pass all / Reject… / Split… buttons. If nobody decides within
the factory's `qc_wait_minutes`, the `qc_waiting` ladder starts reminding (its step delays count
from then).

A decision is a conditional update on the inspection's status: two inspectors tapping at once,
or one tapping twice, give one decision, and the late one is told who decided and when. Passed
pieces become good and flow on; scrap is final; rework goes to a rework task (domain/rework.py)
and comes back through another inspection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, conversation, reminders, webhooks
from domain import rework as rework_tasks
from domain.db import rows_changed
from domain.defects import match_reason, reason_label
from domain.errors import DomainError
from domain.factory_settings import (
    FactorySettings,
    Reason,
    load_settings,
    parse_sampling,
    responsible_for,
)
from domain.groups import groups_for
from domain.models import (
    InputDraft,
    InputStatus,
    InspectionStatus,
    Operation,
    OperationTask,
    OutboxMessage,
    Person,
    Priority,
    QCInspection,
    Reminder,
    ReportStatus,
    ReworkTask,
    Role,
    WorkOrder,
    WorkReport,
)
from domain.notifications import Button, Notice, enqueue, notify_person
from domain.payload import normalize_text
from domain.quantities import apply, work_order_of_task
from domain.rules import FactoryRules

INPUT_KIND = "qc_decision"  # the InputDraft of a Reject… / Split… conversation
FOLLOW_KIND = "qc_waiting"


def fact_key(inspection_id: int) -> str:
    return f"qc:{inspection_id}"


# --- held for inspection ---------------------------------------------------------------------


async def selects(session: AsyncSession, operation: Operation, task: OperationTask,
                  key: str) -> bool:
    """Does sampling 抽检 inspect this report (identified by its idempotency key)?"""
    if not operation.qc_checkpoint:
        return False
    try:
        sampling = parse_sampling(operation.qc_sampling)
    except ValueError:
        return True  # a setting nobody can read inspects everything rather than nothing
    if sampling.every == 1 and sampling.percent is None:
        return True
    earlier = await session.scalar(
        select(func.count(WorkReport.id))
        .where(WorkReport.task_id == task.id, WorkReport.rework_task_id.is_(None),
               WorkReport.status != ReportStatus.voided, WorkReport.good_qty > 0))
    return sampling.inspects((earlier or 0) + 1, key)


async def inspectors(session: AsyncSession) -> list[Person]:
    """Who decides: the people responsible for 'qc', else the QC inspectors, else supervisors."""
    people = await responsible_for(session, "qc")
    for role in (Role.qc, Role.supervisor):
        people = people or list((await session.scalars(
            select(Person).where(Person.role == role, Person.active.is_(True))
            .order_by(Person.code))).all())
    return people


async def hold(session: AsyncSession, report: WorkReport, task: OperationTask, *,
               rework_task: ReworkTask | None, now: datetime,
               rules: FactoryRules) -> QCInspection:
    """Open the inspection of a held report, tell the inspectors, and follow it."""
    inspection = QCInspection(report_id=report.id, task_id=task.id, quantity=report.good_qty,
                              rework_task_id=rework_task.id if rework_task else None,
                              created_at=now)
    session.add(inspection)
    await session.flush()
    notice = await _pending_notice(session, inspection)
    sent = [notify_person(session, person, notice, default_lang=rules.default_language)
            for person in await inspectors(session)]
    sent += [enqueue(session, chat_id, notice, lang=rules.default_language,
                     priority=Priority.notify)
             for chat_id in await groups_for(session, "qc")]
    await session.flush()
    inspection.notice_outbox_ids = ",".join(str(m.id) for m in sent if m is not None)
    settings = await load_settings(session)
    await reminders.follow(
        session, kind=FOLLOW_KIND, fact_key=fact_key(inspection.id), entity="qc_inspection",
        entity_id=inspection.id, now=now, rules=rules,
        started_at=now + timedelta(minutes=settings.qc_wait_minutes))
    audit.record(session, "qc.held", actor_person_id=report.person_id, entity="qc_inspection",
                 entity_id=inspection.id, report=report.id, quantity=inspection.quantity,
                 rework_task=inspection.rework_task_id)
    return inspection


async def _facts(session: AsyncSession, inspection: QCInspection) -> dict[str, Any]:
    """What every notice about an inspection shows."""
    report = await session.get(WorkReport, inspection.report_id)
    task = await session.get(OperationTask, inspection.task_id)
    assert report is not None and task is not None
    work_order = await session.get(WorkOrder, task.work_order_id)
    operation = await session.get(Operation, task.operation_id)
    worker = await session.get(Person, report.person_id)
    assert work_order is not None and operation is not None and worker is not None
    code = None
    if inspection.rework_task_id is not None:
        rework_task = await session.get(ReworkTask, inspection.rework_task_id)
        code = rework_task.code if rework_task else None
    return {"work_order": work_order.code, "seq": task.seq, "operation": operation.name,
            "worker": worker.name, "quantity": inspection.quantity,
            "reported_at": report.reported_at, "rework": code or ""}


def decision_buttons(inspection: QCInspection) -> list[list[Button]]:
    return [[Button("btn.qc_pass", f"qc:p:{inspection.id}", {"n": inspection.quantity})],
            [Button("btn.qc_reject", f"qc:r:{inspection.id}"),
             Button("btn.qc_split", f"qc:s:{inspection.id}")]]


async def _pending_notice(session: AsyncSession, inspection: QCInspection,
                          key: str | None = None) -> Notice:
    facts = await _facts(session, inspection)
    report = await session.get(WorkReport, inspection.report_id)
    assert report is not None
    key = key or ("qc.pending_rework" if facts["rework"] else "qc.pending")
    return Notice(key, facts, buttons=decision_buttons(inspection), photo=report.photo_file_id)


# --- the qc_waiting reminder -------------------------------------------------------------------


async def _still_pending(session: AsyncSession, reminder: Reminder) -> bool:
    inspection = await session.get(QCInspection, reminder.entity_id)
    return inspection is not None and inspection.status == InspectionStatus.pending


async def _reminder_notice(session: AsyncSession, reminder: Reminder, step: int,
                           caught_up: int) -> Notice:
    inspection = await session.get(QCInspection, reminder.entity_id)
    assert inspection is not None
    return await _pending_notice(session, inspection, "qc.waiting")


async def _recipients(session: AsyncSession, reminder: Reminder,
                      target: str) -> list[Person] | None:
    return await inspectors(session) if target == "responsible" else None


reminders.register(FOLLOW_KIND, reminders.Follow(
    still_holds=_still_pending, notice=_reminder_notice, recipients=_recipients))


# --- deciding --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    inspection_id: int
    work_order: str
    seq: int
    operation: str
    worker: str
    quantity: int
    passed: int
    rework: int
    scrap: int
    reason: Any  # the reason's names {"zh", "en"}, the text typed, or ""
    rework_task_id: int | None = None
    rework_code: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        return {"work_order": self.work_order, "seq": self.seq, "operation": self.operation,
                "worker": self.worker, "quantity": self.quantity, "passed": self.passed,
                "rework": self.rework, "scrap": self.scrap, "reason": self.reason}

    @property
    def lines(self) -> list[tuple[str, dict[str, Any]]]:
        """Below the decision: the rework task it made, if any."""
        if self.rework_code is None:
            return []
        return [("qc.rework_line", {"rework_code": self.rework_code, "worker": self.worker})]


async def _pending(session: AsyncSession, inspection_id: int) -> QCInspection:
    """The inspection, if it still waits for a decision; otherwise say who decided."""
    inspection = await session.get(QCInspection, inspection_id)
    if inspection is None:
        raise DomainError("qc.unknown")
    if inspection.status != InspectionStatus.pending:
        raise await _settled(session, inspection)
    return inspection


async def _settled(session: AsyncSession, inspection: QCInspection) -> DomainError:
    if inspection.status == InspectionStatus.voided:
        return DomainError("qc.withdrawn")
    decider = await session.get(Person, inspection.decided_by) if inspection.decided_by else None
    return DomainError("qc.already_decided", by=decider.name if decider else "—",
                       decided_at=inspection.decided_at, passed=inspection.pass_qty,
                       rework=inspection.rework_qty, scrap=inspection.scrap_qty)


def _check_inspector(person: Person) -> None:
    if not person.has_role(Role.qc):
        raise DomainError("auth.forbidden", needed=Role.qc.value)


async def pass_all(session: AsyncSession, person: Person, inspection_id: int, *, now: datetime,
                   rules: FactoryRules) -> Decision:
    """One tap: every piece passes."""
    _check_inspector(person)
    inspection = await _pending(session, inspection_id)
    return await decide(session, person, inspection_id, passed=inspection.quantity, rework=0,
                        scrap=0, reason=None, photo_file_id=None, now=now, rules=rules)


async def decide(session: AsyncSession, person: Person, inspection_id: int, *, passed: int,
                 rework: int, scrap: int, reason: str | None, photo_file_id: str | None,
                 now: datetime, rules: FactoryRules) -> Decision:
    """Decide an inspection once: passed pieces flow on, scrap is final, rework goes to a new
    rework task. Audited; the inspectors' notices show the decision and the worker is told."""
    _check_inspector(person)
    inspection = await _pending(session, inspection_id)
    check_split(passed, rework, scrap, inspection.quantity)
    if (rework or scrap) and not reason:
        raise DomainError("qc.reason_missing")
    decided = await rows_changed(session,
        update(QCInspection)
        .where(QCInspection.id == inspection.id,
               QCInspection.status == InspectionStatus.pending)
        .values(status=InspectionStatus.passed if passed == inspection.quantity
                else InspectionStatus.failed,
                decided_at=now, decided_by=person.id, pass_qty=passed, rework_qty=rework,
                scrap_qty=scrap, defect_reason=reason if (rework or scrap) else None,
                photo_file_id=photo_file_id)
        .execution_options(synchronize_session=False))
    await session.refresh(inspection)
    if decided != 1:  # someone was faster
        raise await _settled(session, inspection)

    report = await session.get(WorkReport, inspection.report_id)
    assert report is not None
    await session.execute(
        update(WorkReport)
        .where(WorkReport.id == report.id, WorkReport.status == ReportStatus.pending_qc)
        .values(status=ReportStatus.accepted if passed else ReportStatus.rejected,
                accepted_qty=passed,  # what wages count, booked on the day QC passed them
                accepted_at=now if passed else None)
        .execution_options(synchronize_session=False))
    await session.refresh(report)
    task = await _move_pieces(session, inspection, now)
    created = None
    if rework:
        created = await rework_tasks.create(session, inspection=inspection, report=report,
                                            task=task, quantity=rework, reason=reason,
                                            decided_by=person, now=now)
    await reminders.stop(session, fact_key(inspection.id), now)
    audit.record(session, "qc.decided", actor_person_id=person.id, entity="qc_inspection",
                 entity_id=inspection.id, passed=passed, rework=rework, scrap=scrap,
                 reason=reason, rework_task=created.code if created else None,
                 photo=bool(photo_file_id))
    await webhooks.qc_decided(session, inspection)
    await webhooks.report_accepted(session, report)

    facts = await _facts(session, inspection)
    decision = Decision(
        inspection_id=inspection.id, work_order=facts["work_order"], seq=facts["seq"],
        operation=facts["operation"], worker=facts["worker"], quantity=inspection.quantity,
        passed=passed, rework=rework, scrap=scrap,
        reason=reason_label(await load_settings(session), reason),
        rework_task_id=created.id if created else None,
        rework_code=created.code if created else None)
    await _announce(session, inspection, decision, person, report, now=now, rules=rules)
    if created is not None:
        await rework_tasks.announce(session, created, person, rules)
    return decision


async def _move_pieces(session: AsyncSession, inspection: QCInspection,
                       now: datetime) -> OperationTask:
    """The decided pieces leave the waiting count: passed to good (they flow on), scrap to
    scrap, rework to rework. Pieces of a rework task were counted as out at rework all along:
    they stay there if sent back again, now in a newer rework task."""
    passed, rework, scrap = inspection.pass_qty, inspection.rework_qty, inspection.scrap_qty
    work_order, seq = await work_order_of_task(session, inspection.task_id)
    task = next(t for t in work_order.tasks if t.seq == seq)
    if inspection.rework_task_id is None:
        await apply(session, work_order, task, now=now, good=passed, scrap=scrap,
                    rework=rework, pending_qc=-inspection.quantity)
        return task
    await apply(session, work_order, task, now=now, good=passed, scrap=scrap,
                rework=-(passed + scrap))
    sent_back = await session.get(ReworkTask, inspection.rework_task_id)
    assert sent_back is not None
    await rework_tasks.reinspected(session, sent_back, passed=passed, rework_qty=rework,
                                   scrap=scrap, now=now)
    return task


async def _announce(session: AsyncSession, inspection: QCInspection, decision: Decision,
                    inspector: Person, report: WorkReport, *, now: datetime,
                    rules: FactoryRules) -> None:
    """Every message that asked for the decision shows it; the worker hears the outcome."""
    outcome = {**decision.params, "inspector": inspector.name, "decided_at": now}
    all_passed = decision.passed == decision.quantity
    await _edit_notices(session, inspection,
                        [("qc.post_passed" if all_passed else "qc.post_failed", outcome),
                         *decision.lines])
    worker = await session.get(Person, report.person_id)
    if worker is not None:
        notify_person(session, worker, Notice(
            "qc.result_passed" if all_passed else "qc.result_failed", outcome),
            default_lang=rules.default_language)


def check_split(passed: int, rework: int, scrap: int, quantity: int) -> None:
    if min(passed, rework, scrap) < 0:
        raise DomainError("report.negative")
    if passed + rework + scrap != quantity:
        raise DomainError("qc.split_sum", total=passed + rework + scrap, quantity=quantity)


async def _edit_notices(session: AsyncSession, inspection: QCInspection,
                        lines: list[tuple[str, dict[str, Any]]]) -> None:
    """Show the outcome on every message that asked for this decision (buttons removed)."""
    ids = [int(i) for i in inspection.notice_outbox_ids.split(",") if i]
    if not ids:
        return
    shown = await _pending_notice(session, inspection)
    edited = Notice(shown.key, shown.params, lines=lines, photo=shown.photo)
    for row in (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.id))).all():
        enqueue(session, row.chat_id, edited, lang=row.lang, priority=Priority.notify,
                edit_outbox_id=row.id)


# --- withdrawn by the worker (undo while it waits) ---------------------------------------------


async def withdraw(session: AsyncSession, report: WorkReport, person: Person, *,
                   now: datetime) -> None:
    """The worker took the report back before anyone decided: the inspection is void."""
    inspection = await session.scalar(
        select(QCInspection).where(QCInspection.report_id == report.id))
    if inspection is None:
        return
    voided = await rows_changed(session,
        update(QCInspection)
        .where(QCInspection.id == inspection.id,
               QCInspection.status == InspectionStatus.pending)
        .values(status=InspectionStatus.voided, decided_at=now)
        .execution_options(synchronize_session=False))
    if voided != 1:
        await session.refresh(inspection)
        raise await _settled(session, inspection)
    await reminders.stop(session, fact_key(inspection.id), now)
    audit.record(session, "qc.withdrawn", actor_person_id=person.id, entity="qc_inspection",
                 entity_id=inspection.id)
    await _edit_notices(session, inspection, [("qc.post_withdrawn", {"worker": person.name,
                                                                      "decided_at": now})])


# --- Reject… and Split…: a short conversation in the inspector's private chat -----------------


@dataclass(frozen=True)
class Question:
    """What to ask next in a Reject… / Split… conversation."""

    stage: str  # reject | split | reason | photo
    draft_id: int
    params: dict[str, Any]
    reasons: tuple[Reason, ...] = ()  # for the reason stage: the configured defect reasons


async def begin(session: AsyncSession, person: Person, inspection_id: int, mode: str, *,
                chat_id: int, now: datetime) -> Question:
    """Start deciding an inspection with quantities ('reject' or 'split')."""
    assert mode in ("reject", "split")
    _check_inspector(person)
    inspection = await _pending(session, inspection_id)
    draft = await conversation.start_input(session, person, chat_id=chat_id, kind=INPUT_KIND,
                                           stage=mode, now=now, ref_id=inspection.id)
    return Question(mode, draft.id, await _facts(session, inspection))


_SEPARATORS = re.compile(r"[\s,，、/+]+")


def parse_split(text: str, stage: str, quantity: int) -> tuple[int, int, int]:
    """'45 3 2' (pass rework scrap) for a split, '3 2' (rework scrap) for a reject."""
    count = 3 if stage == "split" else 2
    tokens = [t for t in _SEPARATORS.split(normalize_text(text)) if t]
    if len(tokens) != count or not all(t.isascii() and t.isdigit() and len(t) < 10
                                       for t in tokens):
        raise DomainError(f"qc.usage_{stage}", quantity=quantity)
    numbers = [int(t) for t in tokens]
    passed, rework, scrap = numbers if count == 3 else [0, *numbers]
    check_split(passed, rework, scrap, quantity)
    return passed, rework, scrap


async def _inspection_of(session: AsyncSession, draft: InputDraft) -> QCInspection:
    assert draft.ref_id is not None
    return await _pending(session, draft.ref_id)


async def close_if_decided(session: AsyncSession, draft: InputDraft,
                           now: datetime) -> DomainError | None:
    """Someone else decided while this person was answering: close their conversation (so
    their next message is theirs again) and return what to tell them."""
    try:
        await _inspection_of(session, draft)
    except DomainError as settled:
        await conversation.finish(session, draft, now, InputStatus.cancelled)
        return settled
    return None


def _at_stage(draft: InputDraft, *stages: str) -> None:
    if draft.stage not in stages:
        raise DomainError("qc.flow_stale")


async def give_typed(session: AsyncSession, person: Person, draft: InputDraft, text: str, *,
                     now: datetime, rules: FactoryRules) -> Question | Decision:
    """Quantities typed for a Reject… ('3 2') or a Split… ('45 3 2')."""
    _at_stage(draft, "reject", "split")
    inspection = await _inspection_of(session, draft)
    passed, rework, scrap = parse_split(text, draft.stage, inspection.quantity)
    return await _give_quantities(session, person, draft, inspection, passed, rework, scrap,
                                  now=now, rules=rules)


async def give_all(session: AsyncSession, person: Person, draft: InputDraft, outcome: str, *,
                   now: datetime, rules: FactoryRules) -> Question | Decision:
    """Reject… with one tap: every piece to rework, or every piece to scrap."""
    _at_stage(draft, "reject")
    inspection = await _inspection_of(session, draft)
    every = inspection.quantity
    rework, scrap = (every, 0) if outcome == "rework" else (0, every)
    return await _give_quantities(session, person, draft, inspection, 0, rework, scrap, now=now,
                                  rules=rules)


async def _give_quantities(session: AsyncSession, person: Person, draft: InputDraft,
                           inspection: QCInspection, passed: int, rework: int, scrap: int, *,
                           now: datetime, rules: FactoryRules) -> Question | Decision:
    check_split(passed, rework, scrap, inspection.quantity)
    if passed == inspection.quantity:  # nothing failed: no reason to ask for
        await conversation.finish(session, draft, now)
        return await decide(session, person, inspection.id, passed=passed, rework=0, scrap=0,
                            reason=None, photo_file_id=None, now=now, rules=rules)
    conversation.advance(draft, "reason", now, passed=passed, rework=rework, scrap=scrap)
    settings = await load_settings(session)
    return Question("reason", draft.id, {"passed": passed, "rework": rework, "scrap": scrap},
                    settings.defect_reasons)


async def give_reason(session: AsyncSession, person: Person, draft: InputDraft, text: str, *,
                      now: datetime) -> Question:
    """The defect reason: a code from a button, or a reason's name typed."""
    _at_stage(draft, "reason")
    await _inspection_of(session, draft)
    settings: FactorySettings = await load_settings(session)
    reason = match_reason(settings, text)
    if settings.reason(reason) is None:
        raise DomainError("qc.unknown_reason", reason=text[:40], choices=" / ".join(
            f"{r.name_zh} {r.name_en}" for r in settings.defect_reasons))
    conversation.advance(draft, "photo", now, reason=reason)
    return Question("photo", draft.id, {"reason": reason_label(settings, reason)})


async def give_photo(session: AsyncSession, person: Person, draft: InputDraft,
                     photo_file_id: str | None, *, now: datetime,
                     rules: FactoryRules) -> Decision:
    """The last answer (a photo of the defect, or none): the decision is made."""
    _at_stage(draft, "photo")
    inspection = await _inspection_of(session, draft)
    given = conversation.answers(draft)
    if not await conversation.finish(session, draft, now):
        raise DomainError("qc.flow_stale")
    return await decide(session, person, inspection.id, passed=given["passed"],
                        rework=given["rework"], scrap=given["scrap"], reason=given["reason"],
                        photo_file_id=photo_file_id, now=now, rules=rules)


async def open_question(session: AsyncSession, person: Person, draft_id: int,
                        now: datetime) -> InputDraft:
    """The person's open Reject… / Split… conversation that a button points at."""
    draft = await conversation.get_input(session, person, draft_id, INPUT_KIND, now)
    if draft is None:
        raise DomainError("qc.flow_stale")
    return draft


async def cancel(session: AsyncSession, person: Person, draft_id: int, now: datetime) -> None:
    draft = await open_question(session, person, draft_id, now)
    await conversation.finish(session, draft, now, InputStatus.cancelled)
