"""Files that go with a notice (a chart, an Excel export), made when the notice is sent.

The domain asks for a file by describing it (`Notice.attachment = {"kind": "chart", ...}`);
the outbox stores that description, not the bytes, and the sender makes the file from it in
the reader's language just before sending. A crash in between makes it again; nothing large
sits in the outbox. Each kind registers a builder here (bot/charts.py, bot/export_xlsx.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings


@dataclass(frozen=True)
class Attachment:
    data: bytes
    filename: str
    as_photo: bool  # a picture shown in the chat (PNG chart), else a file to download


@dataclass(frozen=True)
class Making:
    """What a builder may use: the database (for exports) and the settings (time zone)."""

    sessions: async_sessionmaker[AsyncSession]
    settings: Settings


Builder = Callable[[dict[str, Any], str, Making], Awaitable[Attachment]]
BUILDERS: dict[str, Builder] = {}


def register(kind: str, builder: Builder) -> None:
    BUILDERS[kind] = builder


async def build(spec: dict[str, Any], lang: str, making: Making) -> Attachment:
    """Make the file a notice describes. Raises KeyError for a kind nobody registered."""
    return await BUILDERS[spec["kind"]](spec, lang, making)
