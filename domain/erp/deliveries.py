"""Webhook deliveries: claimed by one sender at a time, sent, and every attempt recorded.

Claiming: a due delivery (pending, next_attempt_at ≤ now) is taken by moving its
next_attempt_at a lease ahead with a conditional UPDATE, so every other sender sees it as not
due: each attempt is made by one sender, whatever the engine. On PostgreSQL the candidates are
read FOR UPDATE SKIP LOCKED first, so senders in several processes take different rows instead
of queueing on the same ones. A sender that dies mid-attempt leaves the row to be tried again
when its lease ends (the receiver may then see a delivery twice: it has the same id).

After an attempt: a 2xx answer delivers it; anything else is tried again after a delay that
doubles from `base_delay` up to `max_delay`, until `max_attempts`, then it has failed. Every
attempt is written on the row (attempts, response_status, duration_ms, last_error) and into the
audit trail, so each one can be read back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

ENTITY = "webhook_delivery"


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 10
    base_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(hours=1)
    # Longer than any attempt takes (the sender's HTTP timeout is well below it).
    lease: timedelta = timedelta(seconds=60)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt."""
        # int ** int is typed Any (a negative power is a float).
        factor: float = 2 ** min(attempts - 1, 30)
        return min(self.base_delay * factor, self.max_delay)


@dataclass(frozen=True)
class Claimed:
    id: int
    url: str
    secret: str
    event: str
    body: bytes  # the same bytes on every attempt
    attempt: int  # this attempt's number, from 1


@dataclass(frozen=True)
class Attempt:
    response_status: int | None  # None: no answer (refused, timed out...)
    duration_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300


def body(delivery_id: int, event: str, created_at: datetime, payload: str) -> bytes:
    return json.dumps({"id": delivery_id, "event": event, "created_at": created_at.isoformat(),
                       "data": json.loads(payload)},
                      ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: str, content: bytes) -> str:
    """`X-Gongdan-Signature`: HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + content, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


async def claim(session: AsyncSession, now: datetime, *, limit: int,
                policy: Policy) -> list[Claimed]:
    """Take up to `limit` due deliveries of active endpoints, oldest due first."""
    due = (WebhookDelivery.status == DeliveryStatus.pending,
           WebhookDelivery.next_attempt_at <= now)
    candidates = (select(WebhookDelivery.id)
                  .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                  .where(*due, WebhookEndpoint.active.is_(True))
                  .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    assert session.bind is not None  # domain.db makes every session bound to its engine
    if session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True, of=WebhookDelivery)
    ids = list((await session.scalars(candidates)).all())
    if not ids:
        return []
    taken = list((await session.scalars(
        update(WebhookDelivery).where(WebhookDelivery.id.in_(ids), *due)
        .values(next_attempt_at=now + policy.lease).returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False))).all())
    rows = (await session.execute(
        select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id.in_(taken))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id))).all()
    return [Claimed(d.id, url, secret, d.event,
                    body(d.id, d.event, d.created_at, d.payload), d.attempts + 1)
            for d, url, secret in rows]


async def waiting(session: AsyncSession) -> bool:
    """Is any delivery still to be sent (now or at a later retry)?"""
    return await session.scalar(select(WebhookDelivery.id).where(
        WebhookDelivery.status == DeliveryStatus.pending).limit(1)) is not None


async def record(session: AsyncSession, claimed: Claimed, attempt: Attempt, now: datetime, *,
                 policy: Policy) -> str:
    """Write the attempt's outcome; the delivery's status after it."""
    values: dict[str, datetime | str | None]
    if attempt.ok:
        status, values = DeliveryStatus.delivered, {"delivered_at": now, "last_error": None}
    elif claimed.attempt >= policy.max_attempts:
        status, values = DeliveryStatus.failed, {"last_error": attempt.error}
    else:
        status, values = DeliveryStatus.pending, {
            "next_attempt_at": now + policy.delay(claimed.attempt),
            "last_error": attempt.error}
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == claimed.id,
               WebhookDelivery.status == DeliveryStatus.pending)
        .values(status=status, attempts=WebhookDelivery.attempts + 1,
                response_status=attempt.response_status, duration_ms=attempt.duration_ms,
                **values)
        .execution_options(synchronize_session=False))
    audit.record(session, "webhook.attempt", entity=ENTITY, entity_id=claimed.id,
                 event=claimed.event, attempt=claimed.attempt,
                 response_status=attempt.response_status, duration_ms=attempt.duration_ms,
                 error=attempt.error, outcome=status.value)
    return status.value
