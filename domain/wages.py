"""Wages 工资: computed from what was recorded, line by line, so a worker can check each number.

CONTRACT (implemented here; /me, the team view, the Excel export and the API read it).

The booking rule: every wage item is booked on the local day it happens. Pieces when they are
accepted (at once, or when QC passes them: work_report.accepted_at), a void as a negative line
on the day of the void, hours when the clock entry is closed (clock-out, a supervisor's fix, or
the shift's end), an adjustment when it is entered. So a day or a month that is over never
changes: what /me showed yesterday is still true tomorrow, and a later correction is a visible
line of its own. Money is Decimal, rounded half-up to the cent once per payslip line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Person
from domain.periods import Period

LINE_KINDS = ("piece", "rework", "void", "hourly", "adjustment")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PayLine:
    day: date  # the local day it is booked on
    kind: str  # one of LINE_KINDS
    subject: str  # "WO-000012 · 20 车削", "08:02–17:31", or the adjustment's reason
    quantity: Decimal  # pieces, hours, or 1 for an adjustment
    rate: Decimal  # per piece, per hour, or the adjustment's amount
    amount: Decimal  # quantity × rate, rounded once to the cent
    refs: tuple[int, ...] = ()  # the report, clock entry or adjustment ids behind the line
    operation_code: str | None = None


@dataclass(frozen=True)
class Payslip:
    person_id: int
    person_code: str
    name: str
    team: str | None
    wage_mode: str
    period: Period
    lines: tuple[PayLine, ...]
    pending_qc_pieces: int = 0  # reported and waiting for QC: shown, not paid yet
    open_clock_since: datetime | None = None  # clocked in and not out: not paid yet

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def subtotal(self, *kinds: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.kind in kinds), Decimal("0.00"))


@dataclass(frozen=True)
class TeamTotal:
    team: str  # "" for people without a team
    people: int
    pieces: int
    hours: Decimal
    piece_amount: Decimal  # piece + rework + void lines
    hourly_amount: Decimal
    adjustments: Decimal
    total: Decimal


async def payslip(session: AsyncSession, person: Person, period: Period,
                  zone: ZoneInfo) -> Payslip:
    raise NotImplementedError


async def wage_run(session: AsyncSession, period: Period, zone: ZoneInfo, *,
                   team: str | None = None) -> list[Payslip]:
    """Every active person's payslip (or one team's), by team then code."""
    raise NotImplementedError


def team_totals(payslips: list[Payslip]) -> list[TeamTotal]:
    raise NotImplementedError
