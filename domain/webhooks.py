"""Outgoing webhooks: the events the ERP can subscribe to, emitted where they happen.

`emit` writes one WebhookDelivery per active endpoint subscribed to the event, in the caller's
transaction: the event and its deliveries commit together or not at all, and bot/
webhook_sender.py sends them afterwards. An event has a key (report.accepted:1234) unique per
endpoint, so a code path that runs twice records it once (INSERT … ON CONFLICT DO NOTHING, which
also keeps two transactions racing on PostgreSQL from failing each other).

Each event's data is the thing as the REST API shows it (domain/erp/resources.py): a report,
an inspection, an exception, a work order with its progress.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import rows_changed
from domain.models import (
    DeliveryStatus,
    FloorException,
    QCInspection,
    ReportStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WorkOrder,
    WorkOrderStatus,
    WorkReport,
)
from domain.models.base import utcnow

REPORT_ACCEPTED = "report.accepted"
QC_DECIDED = "qc.decided"
EXCEPTION_OPENED = "exception.opened"
EXCEPTION_RESOLVED = "exception.resolved"
WORK_ORDER_DONE = "work_order.done"
EVENTS = (REPORT_ACCEPTED, QC_DECIDED, EXCEPTION_OPENED, EXCEPTION_RESOLVED, WORK_ORDER_DONE)
ALL = "*"


def subscribed(events: str, event: str) -> bool:
    """Does an endpoint's event list (comma separated, or '*') take `event`?"""
    return events.strip() == ALL or event in {e.strip() for e in events.split(",")}


async def _subscribers(session: AsyncSession, event: str) -> list[int]:
    # Without a flush: asking must not change when the caller's pending writes go out (most
    # factories have no endpoint, and this runs on every report).
    with session.no_autoflush:
        endpoints = (await session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events)
            .where(WebhookEndpoint.active.is_(True)))).all()
    return [endpoint_id for endpoint_id, events in endpoints if subscribed(events, event)]


async def emit(session: AsyncSession, event: str, key: str, data: dict[str, Any], *,
               endpoints: list[int] | None = None) -> int:
    """Record `event` (identified by `key`) for every active endpoint that takes it, in the
    caller's transaction; how many deliveries were written (0 for a key already recorded)."""
    if endpoints is None:
        endpoints = await _subscribers(session, event)
    if not endpoints:
        return 0
    now = utcnow()
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    rows = [{"endpoint_id": endpoint_id, "event": event, "event_key": key, "payload": payload,
             "status": DeliveryStatus.pending.value, "attempts": 0, "next_attempt_at": now,
             "created_at": now} for endpoint_id in endpoints]
    assert session.bind is not None  # domain.db makes every session bound to its engine
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    done = await rows_changed(session, insert(WebhookDelivery).values(rows).on_conflict_do_nothing(
        index_elements=["endpoint_id", "event_key"]))
    return max(done or 0, 0)


# --- the events, each called at the one place it happens ------------------------------------
# domain.erp reads records and status views, which import the modules that call these: it is
# imported when an event is built, not when this module is.


async def report_accepted(session: AsyncSession, report: WorkReport) -> None:
    """A report's pieces count (accepted at once, or when QC passed some)."""
    if report.status != ReportStatus.accepted:
        return
    await _record_event(session, REPORT_ACCEPTED, f"{REPORT_ACCEPTED}:{report.id}",
                        "report", report.reported_at, report.id)


async def qc_decided(session: AsyncSession, inspection: QCInspection) -> None:
    assert inspection.decided_at is not None
    await _record_event(session, QC_DECIDED, f"{QC_DECIDED}:{inspection.id}", "inspection",
                        inspection.decided_at, inspection.id)


async def exception_opened(session: AsyncSession, exception: FloorException) -> None:
    await _record_event(session, EXCEPTION_OPENED, f"{EXCEPTION_OPENED}:{exception.id}",
                        "exception", exception.reported_at, exception.id)


async def exception_resolved(session: AsyncSession, exception: FloorException) -> None:
    """Resolved (again, after a "not fixed": each resolution is its own event)."""
    assert exception.resolved_at is not None
    await _record_event(session, EXCEPTION_RESOLVED,
                        f"{EXCEPTION_RESOLVED}:{exception.id}:{_stamp(exception.resolved_at)}",
                        "exception", exception.reported_at, exception.id)


async def work_order_done(session: AsyncSession, work_order: WorkOrder) -> None:
    """Called wherever a work order's state is recomputed: an event only when it is done (done
    again after a void reopened it: a new event)."""
    if work_order.status != WorkOrderStatus.done or work_order.done_at is None:
        return
    endpoints = await _subscribers(session, WORK_ORDER_DONE)
    if not endpoints:
        return
    from domain.erp.reads import work_order_resources

    await session.flush()  # the states just recomputed are what the resource shows
    data = (await work_order_resources(session, [work_order.id]))[0]
    await emit(session, WORK_ORDER_DONE,
               f"{WORK_ORDER_DONE}:{work_order.id}:{_stamp(work_order.done_at)}", data,
               endpoints=endpoints)


async def _record_event(session: AsyncSession, event: str, key: str, kind: str,
                        at: datetime, row_id: int) -> None:
    endpoints = await _subscribers(session, event)
    if not endpoints:
        return
    from domain.erp.reads import one_record

    await session.flush()
    data = await one_record(session, kind, at, row_id)
    assert data is not None, (kind, row_id)
    await emit(session, event, key, data, endpoints=endpoints)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S.%f")
