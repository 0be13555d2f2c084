"""What a handler needs about the update being processed, set by the bot's inbox processor.

Each update is processed inside one database transaction; its effects, its outbox messages and
its idempotency key commit together. The scope carries that transaction to the handlers without
a global: it lives in a context variable, and updates run in their own tasks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.notifications import Notice
from domain.rules import FactoryRules


@dataclass
class Services:
    """Capabilities the composition root hands to handlers (kept in application.bot_data)."""

    rules: FactoryRules
    decode_image: Callable[[bytes], Awaitable[Any]]
    bot_username: str = "gongdan_bot"
    max_photo_bytes: int = 20 * 1024 * 1024
    # Where the bot's web server is reached (http://host:port, or the public URL): /board links.
    board_url: str | None = None


@dataclass
class UpdateScope:
    session: AsyncSession
    key: str
    now: datetime
    # Set by the handler: how to answer a callback query once the transaction committed.
    callback_answer: tuple[Notice, str] | None = None
    # Set when a handler failed unexpectedly: the processor rolls back and retries later.
    failure: BaseException | None = None
    extra: dict[str, Any] = field(default_factory=dict)


current_scope: ContextVar[UpdateScope] = ContextVar("current_scope")
