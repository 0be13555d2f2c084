"""Where the ERP wants events: a URL, the events it takes, and the secret its deliveries are
signed with (shown once, when the endpoint is added). Removing an endpoint keeps its row and
its deliveries for the record; what it still had waiting is given up."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.db import rows_changed
from domain.errors import DomainError
from domain.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from domain.webhooks import ALL, EVENTS

MAX_URL = 500


@dataclass(frozen=True)
class Endpoint:
    id: int
    url: str
    events: tuple[str, ...]  # ("*",) for every event
    active: bool
    created_at: datetime
    deliveries: dict[str, int]  # by status: pending, delivered, failed


@dataclass(frozen=True)
class Added:
    endpoint: Endpoint
    secret: str  # shown once


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError("webhook.bad_url", field="url", value=url[:100])
    return url


def check_events(events: list[str] | None) -> tuple[str, ...]:
    """Known event names (or '*'), each once; None: every event."""
    chosen = tuple(dict.fromkeys(e.strip() for e in ([ALL] if events is None else events)
                                 if e.strip()))
    unknown = [e for e in chosen if e not in (*EVENTS, ALL)]
    if unknown or not chosen:
        raise DomainError("webhook.bad_event", field="events",
                          value=", ".join(unknown)[:100], choices=", ".join(EVENTS))
    return (ALL,) if ALL in chosen else chosen


async def add(session: AsyncSession, url: str, events: list[str] | None, *, now: datetime,
              label: str | None = None) -> Added:
    row = WebhookEndpoint(url=check_url(url), events=",".join(check_events(events)),
                          secret=secrets.token_hex(32), active=True, created_at=now)
    session.add(row)
    await session.flush()
    audit.record(session, "webhook.added", entity="webhook_endpoint", entity_id=row.id,
                 url=row.url, events=row.events, by=label)
    return Added((await listing(session, [row.id]))[0], row.secret)


async def listing(session: AsyncSession, ids: list[int] | None = None, *,
                  active_only: bool = False) -> list[Endpoint]:
    """Endpoints (all, or these), oldest first, with their deliveries counted by status."""
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.id)
    if ids is not None:
        query = query.where(WebhookEndpoint.id.in_(ids))
    if active_only:
        query = query.where(WebhookEndpoint.active.is_(True))
    rows = (await session.scalars(query)).all()
    counts: dict[int, dict[str, int]] = {row.id: {s.value: 0 for s in DeliveryStatus}
                                         for row in rows}
    for endpoint_id, status, n in (await session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.endpoint_id.in_(list(counts)))
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status))):
        counts[endpoint_id][status] = n
    return [Endpoint(row.id, row.url, tuple(row.events.split(",")), row.active,
                     row.created_at, counts[row.id]) for row in rows]


async def remove(session: AsyncSession, endpoint_id: int, *, now: datetime,
                 label: str | None = None) -> Endpoint:
    """No more events for it; its waiting deliveries are given up (conditional: once)."""
    removed = await rows_changed(session,
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.active.is_(True))
        .values(active=False).execution_options(synchronize_session=False))
    if removed != 1:
        raise DomainError("webhook.unknown", id=endpoint_id)
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id,
               WebhookDelivery.status == DeliveryStatus.pending)
        .values(status=DeliveryStatus.failed, last_error="endpoint removed")
        .execution_options(synchronize_session=False))
    audit.record(session, "webhook.removed", entity="webhook_endpoint", entity_id=endpoint_id,
                 by=label, at=now.isoformat())
    return (await listing(session, [endpoint_id]))[0]
