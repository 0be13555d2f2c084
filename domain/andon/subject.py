"""What an exception concerns: a work order (and maybe one of its tasks), a workstation, or
nothing in particular. Resolved from a scanned card (a work order's or a rework task's), a typed
code, or a button."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import rework
from domain.errors import DomainError
from domain.factory_settings import check_label_factory
from domain.models import (
    OPEN_WORK_ORDER,
    Operation,
    OperationTask,
    Person,
    TaskAssignee,
    TaskStatus,
    WorkOrder,
)
from domain.payload import LabelCode, ReworkCode

# Buttons offered when asking what an exception concerns: enough to pick from, few enough to read.
MAX_CHOICES = 6


@dataclass(frozen=True)
class Subject:
    work_order_id: int | None = None
    work_order: str | None = None  # its code, for messages
    task_id: int | None = None
    workstation: str | None = None

    def as_data(self) -> dict[str, object]:
        """For keeping in a multi-step input (JSON)."""
        return {"work_order_id": self.work_order_id, "work_order": self.work_order,
                "task_id": self.task_id, "workstation": self.workstation}

    @classmethod
    def from_data(cls, data: dict[str, object]) -> Subject:
        def number(name: str) -> int | None:
            value = data.get(name)
            return value if isinstance(value, int) else None

        def text(name: str) -> str | None:
            value = data.get(name)
            return value if isinstance(value, str) else None

        return cls(number("work_order_id"), text("work_order"), number("task_id"),
                   text("workstation"))


NOTHING = Subject()


async def describe(session: AsyncSession, subject: Subject) -> tuple[str, dict[str, object]]:
    """The message line that says what an exception concerns."""
    if subject.task_id is not None:
        row = (await session.execute(
            select(WorkOrder.code, OperationTask.seq, Operation.name)
            .join(OperationTask, OperationTask.work_order_id == WorkOrder.id)
            .join(Operation, Operation.id == OperationTask.operation_id)
            .where(OperationTask.id == subject.task_id))).one()
        return "exception.about_task", {"work_order": row[0], "seq": row[1], "operation": row[2]}
    if subject.work_order_id is not None:
        code = subject.work_order or await session.scalar(
            select(WorkOrder.code).where(WorkOrder.id == subject.work_order_id))
        return "exception.about_work_order", {"work_order": code}
    if subject.workstation:
        return "exception.about_workstation", {"workstation": subject.workstation}
    return "exception.about_nothing", {}


async def of_code(session: AsyncSession, code: LabelCode | ReworkCode) -> Subject:
    """A scanned or typed code. A work order's names the work order, with an operation (`:20`)
    that task; a rework card's (RW-000007) names the task its pieces came back to."""
    await check_label_factory(session, code)  # another factory's card names none of ours
    if isinstance(code, ReworkCode):
        return await of_task(session, (await rework.by_code(session, code.code)).task_id)
    work_order = await session.scalar(select(WorkOrder).where(WorkOrder.code == code.work_order))
    if work_order is None:
        raise DomainError("exception.unknown_work_order", work_order=code.work_order)
    task_id = None
    if code.operation_seq is not None:
        task_id = await session.scalar(select(OperationTask.id).where(
            OperationTask.work_order_id == work_order.id,
            OperationTask.seq == code.operation_seq))
    return Subject(work_order.id, work_order.code, task_id)


async def of_work_order_id(session: AsyncSession, work_order_id: int) -> Subject:
    code = await session.scalar(select(WorkOrder.code).where(WorkOrder.id == work_order_id))
    if code is None:
        raise DomainError("button.invalid")
    return Subject(work_order_id, code)


async def of_task(session: AsyncSession, task_id: int) -> Subject:
    row = (await session.execute(
        select(WorkOrder.id, WorkOrder.code).join(OperationTask,
                                                  OperationTask.work_order_id == WorkOrder.id)
        .where(OperationTask.id == task_id))).first()
    if row is None:
        raise DomainError("report.unknown_task")
    return Subject(row[0], row[1], task_id)


async def workstations(session: AsyncSession) -> list[str]:
    """Workstations named in the routings of open work orders (for buttons and typed names)."""
    # No None: the WHERE leaves out operations without a workstation.
    return cast("list[str]", list((await session.scalars(
        select(Operation.workstation).distinct()
        .join(OperationTask, OperationTask.operation_id == Operation.id)
        .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
        .where(Operation.workstation.is_not(None), WorkOrder.status.in_(OPEN_WORK_ORDER))
        .order_by(Operation.workstation))).all()))


async def of_typed_workstation(session: AsyncSession, text: str) -> Subject | None:
    """A typed workstation name (letter case ignored), or None if there is no such one."""
    wanted = text.strip().casefold()
    match = next((w for w in await workstations(session) if w.casefold() == wanted), None)
    return Subject(workstation=match) if match else None


async def my_work_orders(session: AsyncSession, person: Person) -> list[tuple[int, str]]:
    """(id, code) of open work orders where this person has an unfinished task, most urgent
    first: assigned to them or in their skills, as for reporting."""
    assigned = select(TaskAssignee.task_id).where(TaskAssignee.person_id == person.id)
    with_open_tasks = (
        select(OperationTask.work_order_id)
        .join(Operation, Operation.id == OperationTask.operation_id)
        .where(OperationTask.status != TaskStatus.done,
               OperationTask.id.in_(assigned) | Operation.code.in_(sorted(person.skills))))
    rows = await session.execute(
        select(WorkOrder.id, WorkOrder.code)
        .where(WorkOrder.id.in_(with_open_tasks), WorkOrder.status.in_(OPEN_WORK_ORDER))
        .order_by(WorkOrder.priority, WorkOrder.due_date, WorkOrder.code)
        .limit(MAX_CHOICES))
    return [(wo_id, code) for wo_id, code in rows.all()]
