"""Rework 返工: pieces an inspection sent back, assigned to a worker, reported and inspected again.

A rework task (RW-000001) belongs to the original operation task. Its pieces stay counted in
that task's `rework_qty` until they come back: passed (good, they flow on), scrapped, or sent
back again (a newer rework task takes them over). It is assigned to the worker whose pieces
failed; a supervisor can hand it to someone else. Its own code is reported like a work order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.db import rows_changed
from domain.defects import reason_label
from domain.errors import DomainError
from domain.factory_settings import FactorySettings, load_settings
from domain.models import (
    Operation,
    OperationTask,
    Person,
    QCInspection,
    ReportStatus,
    ReworkStatus,
    ReworkTask,
    Role,
    TaskAssignee,
    WorkOrder,
    WorkReport,
)
from domain.notifications import Button, Notice, notify_person
from domain.payload import rework_code
from domain.quantities import ConcurrentChange
from domain.rules import FactoryRules


def outstanding(rework: ReworkTask) -> int:
    """Pieces not yet reported back on this rework task."""
    return (rework.quantity - rework.good_qty - rework.scrap_qty - rework.pending_qc_qty
            - rework.returned_qty)


def piece_rate(settings: FactorySettings, rework: ReworkTask, person: Person,
               operation: Operation) -> Decimal:
    """The rate a rework report freezes: the factory decides whether rework is paid, and
    `unpaid_own` pays everyone except the worker who caused the defect."""
    if settings.rework_pay == "unpaid" or (settings.rework_pay == "unpaid_own"
                                           and rework.caused_by_id == person.id):
        return Decimal("0")
    return operation.piece_rate


async def by_code(session: AsyncSession, code: str) -> ReworkTask:
    rework = await session.scalar(select(ReworkTask).where(ReworkTask.code == code))
    if rework is None:
        raise DomainError("rework.unknown", code=code)
    return rework


async def by_id(session: AsyncSession, rework_id: int) -> ReworkTask:
    rework = await session.get(ReworkTask, rework_id)
    if rework is None:
        raise DomainError("rework.unknown", code=str(rework_id))
    return rework


# --- what people see -------------------------------------------------------------------------


async def card_params(session: AsyncSession, rework: ReworkTask,
                      settings: FactorySettings | None = None) -> dict[str, Any]:
    """Everything a rework notice or card shows."""
    settings = settings or await load_settings(session)
    work_order = await session.get(WorkOrder, rework.work_order_id)
    operation = await session.get(Operation, rework.operation_id)
    task = await session.get(OperationTask, rework.task_id)
    assert work_order is not None and operation is not None and task is not None
    assignee = await session.get(Person, rework.assignee_id) if rework.assignee_id else None
    return {"code": rework.code, "work_order": work_order.code, "seq": task.seq,
            "operation": operation.name, "quantity": rework.quantity, "left": outstanding(rework),
            "reason": reason_label(settings, rework.defect_reason),
            "assignee": assignee.name if assignee else "—"}


def report_button(rework: ReworkTask) -> Button:
    """Opens the rework task's card for reporting (on its card and in /tasks)."""
    return Button("btn.rework_report", f"rw:r:{rework.id}", {"code": rework.code})


def _assigned_notice(params: dict[str, Any], rework: ReworkTask) -> Notice:
    return Notice("rework.assigned", params, buttons=[[report_button(rework)]])


def reassign_button(rework: ReworkTask) -> Button:
    return Button("btn.rework_reassign", f"rw:a:{rework.id}", {"code": rework.code})


# --- created by an inspection ----------------------------------------------------------------


async def create(session: AsyncSession, *, inspection: QCInspection, report: WorkReport,
                 task: OperationTask, quantity: int, reason: str | None, decided_by: Person,
                 now: datetime) -> ReworkTask:
    """A rework task for pieces an inspection sent back, assigned to the worker whose pieces
    they were (tell them with `announce`)."""
    rework = ReworkTask(
        # The code comes from the id; until the insert gives one, a placeholder that is
        # unique too (one rework task per inspection).
        code=f"RW-new-{inspection.id}", task_id=task.id, work_order_id=task.work_order_id,
        operation_id=task.operation_id, inspection_id=inspection.id, quantity=quantity,
        assignee_id=report.person_id, caused_by_id=report.person_id, defect_reason=reason,
        created_at=now)
    session.add(rework)
    await session.flush()
    rework.code = rework_code(rework.id)
    await session.flush()
    audit.record(session, "rework.created", actor_person_id=decided_by.id, entity="rework_task",
                 entity_id=rework.id, code=rework.code, inspection=inspection.id,
                 quantity=quantity, reason=reason, caused_by=report.person_id)
    return rework


async def announce(session: AsyncSession, rework: ReworkTask, decided_by: Person,
                   rules: FactoryRules) -> None:
    """The assignee gets the rework card; the other supervisors a Reassign button."""
    params = await card_params(session, rework)
    assignee = await session.get(Person, rework.assignee_id) if rework.assignee_id else None
    if assignee is not None:
        notify_person(session, assignee, _assigned_notice(params, rework),
                      default_lang=rules.default_language)
    for supervisor in await _supervisors(session):
        if supervisor.id not in (decided_by.id, rework.assignee_id):
            notify_person(session, supervisor, Notice("rework.created", params,
                                                      buttons=[[reassign_button(rework)]]),
                          default_lang=rules.default_language)


async def _supervisors(session: AsyncSession) -> list[Person]:
    return list((await session.scalars(
        select(Person).where(Person.role == Role.supervisor, Person.active.is_(True))
        .order_by(Person.code))).all())


# --- reported and inspected again ------------------------------------------------------------


async def _change(session: AsyncSession, rework: ReworkTask, now: datetime, **deltas: int) -> None:
    """Add to the rework task's counts (conditional on its version), then set its status."""
    values = {name: getattr(rework, name) + amount for name, amount in deltas.items()}
    after = {**{n: getattr(rework, n) for n in ("quantity", "good_qty", "scrap_qty",
                                                  "pending_qc_qty", "returned_qty")}, **values}
    back = after["good_qty"] + after["scrap_qty"] + after["returned_qty"]
    reported = back + after["pending_qc_qty"]
    status = (ReworkStatus.done if back >= after["quantity"]
              else ReworkStatus.in_progress if reported > 0 else ReworkStatus.open)
    changed = await rows_changed(session,
        update(ReworkTask)
        .where(ReworkTask.id == rework.id, ReworkTask.version == rework.version)
        .values(**values, status=status, version=rework.version + 1,
                done_at=now if status == ReworkStatus.done else None)
        .execution_options(synchronize_session=False))
    if changed != 1:
        raise ConcurrentChange(rework.task_id)
    await session.refresh(rework)


async def reported(session: AsyncSession, rework: ReworkTask, *, good: int, scrap: int,
                   now: datetime) -> None:
    """A rework report: its good pieces wait for the re-inspection, its scrap is final."""
    await _change(session, rework, now, pending_qc_qty=good, scrap_qty=scrap)


async def report_undone(session: AsyncSession, rework: ReworkTask, *, good: int, scrap: int,
                        now: datetime) -> None:
    await _change(session, rework, now, pending_qc_qty=-good, scrap_qty=-scrap)


async def reinspected(session: AsyncSession, rework: ReworkTask, *, passed: int, rework_qty: int,
                      scrap: int, now: datetime) -> None:
    """The re-inspection decided its pieces: good, scrap, or back to rework once more."""
    await _change(session, rework, now, pending_qc_qty=-(passed + rework_qty + scrap),
                  good_qty=passed, scrap_qty=scrap, returned_qty=rework_qty)


# --- reassigning -----------------------------------------------------------------------------


async def candidates(session: AsyncSession, rework_id: int) -> tuple[ReworkTask, list[Person]]:
    """Who may take the rework over: active people skilled in its operation or assigned to its
    task, the current assignee excepted."""
    rework = await by_id(session, rework_id)
    operation = await session.get(Operation, rework.operation_id)
    assert operation is not None
    assigned = set((await session.scalars(
        select(TaskAssignee.person_id).where(TaskAssignee.task_id == rework.task_id))).all())
    people = (await session.scalars(
        select(Person).where(Person.active.is_(True),
                             or_(Person.id.in_(assigned),
                                 Person.skills_text.contains(operation.code)))
        .order_by(Person.code))).all()
    # `contains` only narrows the comma-separated text down; the skill itself decides.
    able = [p for p in people if p.id != rework.assignee_id
            and (p.id in assigned or operation.code in p.skills)]
    return rework, able[:20]


@dataclass(frozen=True)
class Reassigned:
    code: str
    previous: str
    assignee: str


async def reassign(session: AsyncSession, actor: Person, rework_id: int, person_id: int, *,
                   now: datetime, rules: FactoryRules) -> Reassigned:
    """Hand the rework to someone else; both are told, and it is audited."""
    rework, able = await candidates(session, rework_id)
    if rework.status == ReworkStatus.done:
        raise DomainError("rework.already_done", code=rework.code)
    person = next((p for p in able if p.id == person_id), None)
    if person is None:
        raise DomainError("rework.cannot_take", code=rework.code)
    previous = await session.get(Person, rework.assignee_id) if rework.assignee_id else None
    changed = await rows_changed(session,
        update(ReworkTask)
        .where(ReworkTask.id == rework.id, ReworkTask.version == rework.version,
               ReworkTask.status != ReworkStatus.done)
        .values(assignee_id=person.id, version=rework.version + 1)
        .execution_options(synchronize_session=False))
    if changed != 1:
        raise ConcurrentChange(rework.task_id)
    await session.refresh(rework)
    audit.record(session, "rework.reassigned", actor_person_id=actor.id, entity="rework_task",
                 entity_id=rework.id, code=rework.code, to=person.id,
                 previous=previous.id if previous else None)
    params = await card_params(session, rework)
    notify_person(session, person, _assigned_notice(params, rework),
                  default_lang=rules.default_language)
    if previous is not None and previous.id != actor.id:
        notify_person(session, previous, Notice("rework.taken_over", {
            **params, "by": actor.name}), default_lang=rules.default_language)
    return Reassigned(rework.code, previous.name if previous else "—", person.name)


# --- traceability ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Defect:
    """Pieces scrapped or sent to rework, with everything needed to trace them."""

    work_order: str
    seq: int
    operation: str
    worker: str  # whose pieces they were
    reason: str | None  # the reason code (or the text typed)
    rework: int
    scrap: int
    inspector: str | None  # None: scrapped by the worker when reporting
    at: datetime
    rework_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "at": self.at.isoformat()}


async def rework_trace(session: AsyncSession, work_order_ids: list[int]) -> list[Defect]:
    """Every defect of these work orders, oldest first: scrap reported by workers, and what
    inspectors scrapped or sent to rework (with the rework task's code)."""
    if not work_order_ids:
        return []
    worker = Person.__table__.alias("worker")
    inspector = Person.__table__.alias("inspector")
    base = (select(WorkOrder.code, OperationTask.seq, Operation.name, worker.c.name)
            .join(OperationTask, OperationTask.work_order_id == WorkOrder.id)
            .join(Operation, Operation.id == OperationTask.operation_id)
            .where(WorkOrder.id.in_(work_order_ids)))
    reported = (await session.execute(
        base.add_columns(WorkReport.scrap_reason, WorkReport.scrap_qty, WorkReport.reported_at)
        .join(WorkReport, WorkReport.task_id == OperationTask.id)
        .join(worker, worker.c.id == WorkReport.person_id)
        .where(WorkReport.scrap_qty > 0, WorkReport.status != ReportStatus.voided))).all()
    inspected = (await session.execute(
        base.add_columns(QCInspection.defect_reason, QCInspection.rework_qty,
                         QCInspection.scrap_qty, QCInspection.decided_at, inspector.c.name,
                         ReworkTask.code)
        .join(QCInspection, QCInspection.task_id == OperationTask.id)
        .join(WorkReport, WorkReport.id == QCInspection.report_id)
        .join(worker, worker.c.id == WorkReport.person_id)
        .join(inspector, inspector.c.id == QCInspection.decided_by)
        .outerjoin(ReworkTask, ReworkTask.inspection_id == QCInspection.id)
        .where((QCInspection.rework_qty > 0) | (QCInspection.scrap_qty > 0)))).all()
    defects = [Defect(wo, seq, op, name, reason, 0, scrap, None, at)
               for wo, seq, op, name, reason, scrap, at in reported]
    defects += [Defect(wo, seq, op, name, reason, rework, scrap, by, at, code)
                for wo, seq, op, name, reason, rework, scrap, at, by, code in inspected]
    return sorted(defects, key=lambda d: (d.at, d.work_order, d.seq))
