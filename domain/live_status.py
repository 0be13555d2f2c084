"""The pinned live status of each linked group: one message per line/team, edited in place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import WorkOrder


async def touch(session: AsyncSession, work_order: WorkOrder, now: datetime) -> None:
    """The floor changed: the pinned messages that show this work order are due for an edit."""
