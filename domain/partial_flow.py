"""Partial flow 流转: the next operation hears of its first pieces at once.

Called by domain.quantities.apply when a task that was waiting gets its first pieces (the
previous operation passed some on: accepted, or QC-passed at a checkpoint). Its people (the
assignees, else the workers skilled in the operation) are told how many are ready, with a
Report button, at the first pieces rather than when the whole batch is done. Once per task:
the mark is a conditional UPDATE, so pieces that go back (an undo) and come again, or two
reports at once, never tell them twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain import task_cards
from domain.db import rows_changed
from domain.flow import arrived
from domain.models import Operation, OperationTask, WorkOrder
from domain.notifications import Button, Notice, notify_person
from domain.rules import rules_of


async def first_pieces_arrived(session: AsyncSession, work_order: WorkOrder,
                               task: OperationTask, now: datetime) -> None:
    """Tell the task's people that pieces are ready for them (once per task)."""
    # Imported here: every quantity change passes through this module, and the reminders
    # (domain.task_reminders → domain.reminders) import much of the domain themselves.
    from domain.task_reminders import task_people

    marked = await rows_changed(session,
        update(OperationTask)
        .where(OperationTask.id == task.id, OperationTask.ready_notified_at.is_(None))
        .values(ready_notified_at=now)
        .execution_options(synchronize_session=False))
    if marked != 1:
        return
    set_committed_value(task, "ready_notified_at", now)
    operation = await session.get(Operation, task.operation_id)
    assert operation is not None
    # domain.quantities calls this module, so the previous task is found here, not there.
    previous = max((t for t in work_order.tasks if t.seq < task.seq), key=lambda t: t.seq,
                   default=None)
    notice = Notice("flow.ready", {
        "work_order": work_order.code, "seq": task.seq, "operation": operation.name,
        "pieces": arrived(task, previous),
        "planned": task.planned_qty}, buttons=[[Button("flow.btn_report", f"t:{task.id}")]])
    for person in await task_people(session, task, operation):
        message = notify_person(session, person, notice,
                                default_lang=rules_of(session).default_language)
        if message is not None:
            await task_cards.track(session, message, task, person_id=person.id, purpose="ready")
