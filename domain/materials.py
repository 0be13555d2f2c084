"""Materials 物料: BOM requirement, issue 领料 and return, consumption, shortages 缺料."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import OperationTask, WorkOrder


async def consumed(session: AsyncSession, work_order: WorkOrder, task: OperationTask,
                   pieces: int, now: datetime) -> None:
    """Pieces were processed on this task (negative: a report voided)."""
