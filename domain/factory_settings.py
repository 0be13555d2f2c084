"""The factory's settings as the rules read them, with documented defaults for what is not set.

CONTRACT (implemented by the settings work; signatures are fixed, others code against them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Person


@dataclass(frozen=True)
class Rung:
    """One step of a ladder: after `delay` from the fact, tell `target`."""

    delay: timedelta
    target: str  # responsible | reporter | assignee | role:<role> | group:<purpose> | person:<code>


@dataclass(frozen=True)
class Reason:
    code: str
    name_zh: str
    name_en: str

    @property
    def names(self) -> dict[str, str]:
        """For notice params and button labels: rendered in the reader's language."""
        return {"zh": self.name_zh, "en": self.name_en}


@dataclass(frozen=True)
class FactorySettings:
    defect_reasons: tuple[Reason, ...]
    # Is rework paid? paid | unpaid_own (not to the worker who caused the defect) | unpaid
    rework_pay: str = "unpaid_own"
    # A QC decision waiting longer than this starts the qc_waiting ladder.
    qc_wait_minutes: int = 30
    # A resolved exception closes by itself if the reporter does not confirm within this.
    exception_autoclose_minutes: int = 240
    # How long before a shift ends a worker is reminded of scanned but unreported work.
    shift_report_lead_minutes: int = 15

    def reason(self, code: str) -> Reason | None:
        return next((r for r in self.defect_reasons if r.code == code), None)


async def load_settings(session: AsyncSession) -> FactorySettings:
    raise NotImplementedError


async def ladder_for(session: AsyncSession, ladder: str, match: str = "*",
                     severity: str = "*") -> list[Rung]:
    """The configured rungs for this ladder (most specific match wins), else the default."""
    raise NotImplementedError


async def responsible_for(session: AsyncSession, kind: str) -> list[Person]:
    """Active people who answer first for this kind ('equipment'..., or 'qc')."""
    raise NotImplementedError
