"""Audit trail: every state change, and every refusal worth knowing, with its actor and time."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import AuditEvent


def record(
    session: AsyncSession,
    action: str,
    *,
    actor_person_id: int | None = None,
    actor_telegram_id: int | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_person_id=actor_person_id,
        actor_telegram_id=actor_telegram_id,
        entity=entity,
        entity_id=entity_id,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
    )
    session.add(event)
    return event
