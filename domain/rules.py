"""Factory-wide settings the rules depend on, handed in by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

RULES_KEY = "gongdan.factory_rules"


@dataclass(frozen=True)
class FactoryRules:
    # How far a task may go beyond its planned quantity (over-production allowance), percent.
    tolerance_pct: Decimal = Decimal("5")
    # How long the Undo button on a report confirmation works.
    undo_window: timedelta = timedelta(minutes=10)
    # How long an invite code can be redeemed.
    invite_ttl: timedelta = timedelta(days=7)
    # A task card waiting for a quantity goes stale after this long.
    draft_ttl: timedelta = timedelta(hours=12)
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh"

    def max_quantity(self, planned: int) -> int:
        """Planned plus tolerance, rounded down to whole pieces."""
        return int(planned * (100 + self.tolerance_pct) // 100)


def rules_of(session: Any) -> FactoryRules:
    """The factory rules a session was made with (db.make_sessionmaker), else the defaults: a
    use case deep in a change (a notice in the reader's language, a local due time) reads them
    here instead of having them passed down every call."""
    return session.info.get(RULES_KEY) or FactoryRules()
