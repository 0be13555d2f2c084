"""Partial flow 流转: the next operation hears of its first pieces at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import OperationTask, WorkOrder


async def first_pieces_arrived(session: AsyncSession, work_order: WorkOrder,
                               task: OperationTask, now: datetime) -> None:
    """Tell the task's people that pieces are ready for them (once per task)."""
