"""Claim offers 认领 on people's screens: edited once the task is taken or given out.

The offers are task cards of purpose "claim" (domain/task_cards.py); an edited offer is no
longer a live card, so a later plan change leaves it be.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain.models import OperationTask, OutboxMessage, Person, Priority, TaskCardMessage, WorkOrder
from domain.notifications import Notice, enqueue
from domain.rules import rules_of


async def live_offers(session: AsyncSession,
                       task: OperationTask) -> list[tuple[TaskCardMessage, str | None]]:
    rows = await session.execute(
        select(TaskCardMessage, OutboxMessage.lang)
        .join(OutboxMessage, OutboxMessage.id == TaskCardMessage.outbox_id)
        .where(TaskCardMessage.task_id == task.id, TaskCardMessage.purpose == "claim",
               TaskCardMessage.outdated_at.is_(None)))
    return [(card, lang) for card, lang in rows.all()]


async def taken(session: AsyncSession, work_order: WorkOrder, task: OperationTask,
                       now: datetime, *, winner: Person) -> None:
    """Every claim offer still on a screen now says who took the task (the winner's: you)."""
    params = {"work_order": work_order.code, "seq": task.seq, "operation": task.operation.name,
              "name": winner.name}
    for card, lang in await live_offers(session, task):
        card.outdated_at = now  # no longer a live card: a later plan change leaves it be
        key = "claim.offer_won" if card.person_id == winner.id else "claim.offer_taken"
        enqueue(session, card.chat_id, Notice(key, params),
                lang=lang or rules_of(session).default_language, priority=Priority.notify,
                edit_outbox_id=card.outbox_id)


async def close(session: AsyncSession, work_order: WorkOrder, task: OperationTask,
                       now: datetime, *, names: str) -> None:
    """A supervisor gave the task out while it was open: the offers end."""
    await session.execute(update(OperationTask).where(OperationTask.id == task.id)
                          .values(open_for_claim=False)
                          .execution_options(synchronize_session=False))
    set_committed_value(task, "open_for_claim", False)
    params = {"work_order": work_order.code, "seq": task.seq,
              "operation": task.operation.name, "names": names}
    for card, lang in await live_offers(session, task):
        card.outdated_at = now
        enqueue(session, card.chat_id, Notice("claim.offer_assigned", params),
                lang=lang or rules_of(session).default_language, priority=Priority.notify,
                edit_outbox_id=card.outbox_id)
