"""Group chats linked for a purpose: only these receive posts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import GroupLink

PURPOSES = ("exceptions", "qc", "management")


async def groups_for(session: AsyncSession, purpose: str) -> list[int]:
    """Chat ids of the active groups linked for this purpose."""
    return list((await session.scalars(
        select(GroupLink.chat_id).where(GroupLink.purpose == purpose,
                                        GroupLink.active.is_(True))
        .order_by(GroupLink.chat_id))).all())
