"""Flows that take several messages (a QC split, an exception report) remember what the
person's next text or photo answers. One open input per person: starting another replaces it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import rows_changed
from domain.models import InputDraft, InputStatus, Person

# An unanswered question goes stale, so a forgotten flow never swallows a later message.
INPUT_TTL = timedelta(minutes=30)


async def open_input(session: AsyncSession, person: Person, now: datetime) -> InputDraft | None:
    draft = await session.scalar(
        select(InputDraft)
        .where(InputDraft.person_id == person.id, InputDraft.status == InputStatus.open)
        .order_by(InputDraft.id.desc()).limit(1))
    if draft is None or now - draft.updated_at > INPUT_TTL:
        return None
    return draft


async def start_input(session: AsyncSession, person: Person, *, chat_id: int, kind: str,
                      stage: str, now: datetime, ref_id: int | None = None,
                      **data: Any) -> InputDraft:
    await session.execute(
        update(InputDraft)
        .where(InputDraft.person_id == person.id, InputDraft.status == InputStatus.open)
        .values(status=InputStatus.cancelled))
    draft = InputDraft(person_id=person.id, chat_id=chat_id, kind=kind, ref_id=ref_id,
                       stage=stage, data=json.dumps(data, ensure_ascii=False), created_at=now,
                       updated_at=now)
    session.add(draft)
    await session.flush()
    return draft


def answers(draft: InputDraft) -> dict[str, Any]:
    return dict(json.loads(draft.data or "{}"))


def advance(draft: InputDraft, stage: str, now: datetime, **data: Any) -> None:
    """Move to the next question, keeping what was answered so far."""
    merged = answers(draft) | data
    draft.data = json.dumps(merged, ensure_ascii=False)
    draft.stage = stage
    draft.updated_at = now


async def get_input(session: AsyncSession, person: Person, draft_id: int, kind: str,
                    now: datetime) -> InputDraft | None:
    """The person's open input with this id and kind (for its buttons), or None if gone."""
    draft = await session.get(InputDraft, draft_id)
    if (draft is None or draft.person_id != person.id or draft.kind != kind
            or draft.status != InputStatus.open or now - draft.updated_at > INPUT_TTL):
        return None
    return draft


async def finish(session: AsyncSession, draft: InputDraft, now: datetime,
                 status: InputStatus = InputStatus.done) -> bool:
    """Close the input once (conditional): False if a double tap already closed it."""
    closed = await rows_changed(session,
        update(InputDraft)
        .where(InputDraft.id == draft.id, InputDraft.status == InputStatus.open)
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False))
    return closed == 1
