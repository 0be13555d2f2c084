"""Work order life cycle: releasing a work order to the floor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.db import rows_changed
from domain.errors import DomainError
from domain.material_shortage import schedule_material_check
from domain.models import Operation, OperationTask, TaskStatus, WorkOrder, WorkOrderStatus, utcnow
from domain.rules import FactoryRules
from domain.task_reminders import schedule_task_reminders


async def release_work_order(
    session: AsyncSession, work_order: WorkOrder, *, actor_person_id: int | None = None,
    now: datetime | None = None, rules: FactoryRules | None = None,
) -> list[OperationTask]:
    """Draft → released: one task per operation of its routing, the first one ready to start.

    The state change is conditional, so two people releasing the same draft release it once.
    Each task's due time is followed from now on (task_reminders); pass the factory's `rules`
    so that "the end of the due date" is midnight in its time zone.
    """
    if work_order.status != WorkOrderStatus.draft:
        raise DomainError("work_order.bad_state", work_order=work_order.code,
                          status=work_order.status)
    operations = (await session.scalars(
        select(Operation).where(Operation.routing_id == work_order.routing_id)
        .order_by(Operation.seq))).all()
    if not operations:
        raise DomainError("work_order.no_operations", work_order=work_order.code)

    now = now or utcnow()
    changed = await rows_changed(session,
        update(WorkOrder)
        .where(WorkOrder.id == work_order.id, WorkOrder.status == WorkOrderStatus.draft)
        .values(status=WorkOrderStatus.released, released_at=now, version=work_order.version + 1))
    if changed != 1:
        raise DomainError("work_order.bad_state", work_order=work_order.code,
                          status=work_order.status)

    tasks = [
        OperationTask(
            work_order_id=work_order.id, operation_id=op.id, seq=op.seq,
            planned_qty=work_order.quantity,
            status=TaskStatus.ready if i == 0 else TaskStatus.waiting,
        )
        for i, op in enumerate(operations)
    ]
    session.add_all(tasks)
    await session.flush()
    await schedule_task_reminders(session, work_order, now, rules or FactoryRules())
    await schedule_material_check(session, work_order, now)  # without planned times: now
    audit.record(session, "work_order.released", actor_person_id=actor_person_id,
                 entity="work_order", entity_id=work_order.id, code=work_order.code,
                 quantity=work_order.quantity, operations=[op.code for op in operations])
    return tasks
