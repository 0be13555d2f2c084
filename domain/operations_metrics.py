"""What an operator watches, read from the database at scrape time (/metrics).

Every figure here is shared by all bot processes, so any process answers the same; the counters
a process keeps for itself (updates handled, 429s) live beside it in the composition root. Each
query walks an index (the outbox, inbox, reminder and delivery tables are indexed by status or
by their pending column) except the report count, which is one grouped count over the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import (
    BotProcess,
    DeliveryStatus,
    InboxUpdate,
    OutboxMessage,
    OutboxStatus,
    Reminder,
    ReminderStatus,
    ReportStatus,
    WebhookDelivery,
    WorkReport,
)

# The access token purpose that opens /metrics (domain/access_tokens.py issues and checks it).
TOKEN_PURPOSE = "metrics"


@dataclass(frozen=True)
class OperationsFigures:
    reports: dict[str, int]  # by status, every status present
    outbox_pending: int
    outbox_failed: int
    outbox_oldest_pending_seconds: float  # 0 when nothing waits
    inbox_pending: int
    inbox_oldest_pending_seconds: float
    sweep_lag_seconds: float  # how far the oldest due reminder step is behind; 0 when none is
    webhook_deliveries: dict[str, int]  # pending and failed
    processes_alive: int
    # Seconds since each known process's last heartbeat, by (name, mode).
    heartbeat_ages: dict[tuple[str, str], float]


async def read(session: AsyncSession, now: datetime, *, wall_now: datetime,
               live_window: timedelta) -> OperationsFigures:
    """`now` is the business clock (what stamps messages and due times); heartbeats are
    stamped by the wall clock (`wall_now`), and a process silent for `live_window` is gone."""
    reports = {status.value: 0 for status in ReportStatus}
    for status, n in (await session.execute(
            select(WorkReport.status, func.count()).group_by(WorkReport.status))).all():
        reports[status] = n

    outbox_pending, outbox_oldest = (await session.execute(
        select(func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status == OutboxStatus.pending))).one()
    outbox_failed = await session.scalar(
        select(func.count()).where(OutboxMessage.status == OutboxStatus.failed))
    inbox_pending, inbox_oldest = (await session.execute(
        select(func.count(), func.min(InboxUpdate.received_at))
        .where(InboxUpdate.processed_at.is_(None)))).one()
    oldest_due = await session.scalar(
        select(func.min(Reminder.due_at))
        .where(Reminder.status == ReminderStatus.active, Reminder.due_at <= now))
    deliveries = {DeliveryStatus.pending.value: 0, DeliveryStatus.failed.value: 0}
    for status, n in (await session.execute(
            select(WebhookDelivery.status, func.count())
            .where(WebhookDelivery.status.in_(list(deliveries)))
            .group_by(WebhookDelivery.status))).all():
        deliveries[status] = n
    heartbeats = {(name, mode): _age(wall_now, seen) for name, mode, seen in (
        await session.execute(select(BotProcess.name, BotProcess.mode, BotProcess.seen_at)))}
    return OperationsFigures(
        reports=reports,
        outbox_pending=outbox_pending,
        outbox_failed=outbox_failed or 0,
        outbox_oldest_pending_seconds=_age(now, outbox_oldest),
        inbox_pending=inbox_pending,
        inbox_oldest_pending_seconds=_age(now, inbox_oldest),
        sweep_lag_seconds=_age(now, oldest_due),
        webhook_deliveries=deliveries,
        processes_alive=sum(age <= live_window.total_seconds() for age in heartbeats.values()),
        heartbeat_ages=heartbeats,
    )


def _age(now: datetime, since: datetime | None) -> float:
    """Seconds since `since` (stored in UTC; an aggregate may come back naive)."""
    if since is None:
        return 0.0
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return max(0.0, (now - since).total_seconds())
