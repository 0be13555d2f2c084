"""Task cards on people's screens, kept current: nobody works from a stale card.

Every message that shows a task (a scanned card with its quantity buttons, an assignment, a
claim offer, "first pieces ready") is recorded with the work order's version it showed. A plan
change bumps the version (`bump`); `outdate` then edits every older card still on a screen into
"this card is outdated" with a button that opens the current one, and supersedes the open report
drafts of that work order, so a quantity tapped on an old card is refused, not recorded.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import (
    DraftStatus,
    OperationTask,
    OutboxMessage,
    Priority,
    ReportDraft,
    TaskCardMessage,
    WorkOrder,
)
from domain.notifications import Button, Notice, enqueue
from domain.rules import rules_of


async def track(session: AsyncSession, message: OutboxMessage, task: OperationTask, *,
                person_id: int | None, purpose: str = "card",
                version: int | None = None) -> TaskCardMessage:
    """Remember that this queued message shows this task at the work order's current version."""
    await session.flush()  # the message's id
    if version is None:
        version = await session.scalar(select(WorkOrder.version)
                                       .where(WorkOrder.id == task.work_order_id))
    card = TaskCardMessage(work_order_id=task.work_order_id, task_id=task.id,
                           person_id=person_id, chat_id=message.chat_id, outbox_id=message.id,
                           purpose=purpose, version=version)
    session.add(card)
    return card


async def bump(session: AsyncSession, work_order: WorkOrder) -> int:
    """A new version of the work order's plan (quantity, due date, priority, state...)."""
    await session.execute(update(WorkOrder).where(WorkOrder.id == work_order.id)
                          .values(version=WorkOrder.version + 1)
                          .execution_options(synchronize_session=False))
    work_order.version += 1
    return work_order.version


async def outdate(session: AsyncSession, work_order: WorkOrder, now: datetime) -> int:
    """Mark every card of this work order older than its version as outdated; how many.

    The card's message is edited in place (a new message if it is gone), in the language it was
    written in; its buttons are replaced by one that opens the current card.
    """
    await session.execute(
        update(ReportDraft)
        .where(ReportDraft.status == DraftStatus.open,
               ReportDraft.task_id.in_(select(OperationTask.id)
                                       .where(OperationTask.work_order_id == work_order.id)))
        .values(status=DraftStatus.superseded))
    stale = (await session.execute(
        select(TaskCardMessage, OutboxMessage.lang)
        .join(OutboxMessage, OutboxMessage.id == TaskCardMessage.outbox_id)
        .where(TaskCardMessage.work_order_id == work_order.id,
               TaskCardMessage.outdated_at.is_(None),
               TaskCardMessage.version < work_order.version))).all()
    for card, lang in stale:
        card.outdated_at = now
        notice = Notice("card.outdated", {"work_order": work_order.code},
                        buttons=[[Button("btn.current_card", f"t:{card.task_id}")]])
        enqueue(session, card.chat_id, notice, lang=lang or rules_of(session).default_language,
                priority=Priority.notify, edit_outbox_id=card.outbox_id)
    return len(stale)
