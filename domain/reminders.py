"""Durable time: facts followed up an escalation ladder until they are gone.

CONTRACT: the signatures are fixed, others code against them. Until the engine lands, follow()
and stop() are no-ops and sweep() does nothing.

A *fact* (an unacknowledged exception, a pending QC decision, a late task...) is followed by one
`Reminder` row, unique by `fact_key`, so it never fires twice. Its ladder (factory_settings.
ladder_for(kind, match, severity)) says after which delay from `started_at` whom to tell. The
sweep fires due steps, each in its own transaction with the messages it queues; before firing
it asks the kind whether the fact still holds, and stops the reminder if not. Steps that fell
due together (the bot was down) are collapsed into one message with the latest step's targets.

Each kind registers a `Follow` that knows its fact; generic targets (role:…, group:…,
person:…) are resolved here, kind-specific ones (responsible, reporter, assignee) by the kind.
A kind with `on_due` is a single timed action instead of a ladder (e.g. closing a resolved
exception nobody confirmed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.models import Person, Reminder
from domain.notifications import Notice
from domain.rules import FactoryRules


@dataclass(frozen=True)
class Follow:
    # Does the fact still hold? (False: the reminder stops without a message.)
    still_holds: Callable[[AsyncSession, Reminder], Awaitable[bool]]
    # The message for a step; `caught_up` counts earlier steps folded into this one.
    notice: Callable[[AsyncSession, Reminder, int, int], Awaitable[Notice]]
    # Kind-specific targets ('responsible', 'reporter', 'assignee'); None if not one of ours.
    recipients: Callable[[AsyncSession, Reminder, str], Awaitable[list[Person] | None]] | None = None
    # Persons off shift are not pinged: their step waits for their next shift (groups never wait).
    respects_shifts: bool = True
    # A single timed action instead of a ladder (runs once when due, in the sweep's transaction).
    on_due: Callable[[AsyncSession, Reminder, datetime], Awaitable[None]] | None = None


KINDS: dict[str, Follow] = {}


def register(kind: str, follow: Follow) -> None:
    KINDS[kind] = follow


async def follow(session: AsyncSession, *, kind: str, fact_key: str, entity: str, entity_id: int,
                 started_at: datetime, now: datetime, rules: FactoryRules, match: str = "*",
                 severity: str = "*", due_at: datetime | None = None) -> Reminder | None:
    """Start following a fact (no-op if this fact_key is already followed).

    The first step is due at started_at + its delay (or at `due_at` for on_due kinds); a step
    already due (delay 0, e.g. "the responsible person at once") fires in this transaction.
    """
    return None


async def stop(session: AsyncSession, fact_key: str, now: datetime) -> None:
    """The fact is gone (someone acted): no further step fires."""


async def sweep(sessions: async_sessionmaker[AsyncSession], now: datetime, rules: FactoryRules,
                limit: int = 500) -> int:
    """Fire every step due by `now`, oldest first; returns how many reminders were handled."""
    return 0
