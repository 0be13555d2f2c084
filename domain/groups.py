"""Group chats linked for a purpose. CONTRACT (implemented by the groups work)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

PURPOSES = ("exceptions", "qc", "management")


async def groups_for(session: AsyncSession, purpose: str) -> list[int]:
    """Chat ids of the active groups linked for this purpose."""
    raise NotImplementedError
