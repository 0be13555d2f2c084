"""The factory's settings as the rules read them, with documented defaults for what is not set.

The signatures here are the contract the QC, exception and reminder rules code against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import DefectReason, FactorySetting, LadderStep, Person, Responsibility


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


# Until the factory configures its own: the defects workers and inspectors name most.
DEFAULT_REASONS = (
    Reason("burr", "毛刺", "burr"),
    Reason("dimension", "尺寸不良", "dimension"),
    Reason("appearance", "外观不良", "appearance"),
    Reason("function", "功能不良", "function"),
    Reason("material", "来料不良", "material"),
    Reason("other", "其他", "other"),
)


def _minutes(*steps: tuple[int, str]) -> list[Rung]:
    return [Rung(timedelta(minutes=m), target) for m, target in steps]


# The ladders a factory gets before it configures its own (see the README).
DEFAULT_LADDERS: dict[str, list[Rung]] = {
    "exception_ack": _minutes((0, "responsible"), (10, "role:supervisor"), (30, "role:manager"),
                              (60, "group:exceptions")),
    "exception_resolve": _minutes((120, "responsible"), (240, "role:supervisor"),
                                  (480, "role:manager"), (720, "group:exceptions")),
    "qc_waiting": _minutes((0, "responsible"), (30, "role:supervisor"), (120, "role:manager")),
    "task_not_started": _minutes((0, "assignee"), (30, "role:supervisor")),
    "task_overdue": _minutes((0, "assignee"), (60, "role:supervisor"), (240, "role:manager")),
    "shift_unreported": _minutes((0, "assignee"), (15, "role:supervisor")),
}


async def load_settings(session: AsyncSession) -> FactorySettings:
    reasons = (await session.scalars(
        select(DefectReason).where(DefectReason.active.is_(True))
        .order_by(DefectReason.sort, DefectReason.id))).all()
    values = dict((await session.execute(select(FactorySetting.key, FactorySetting.value))).all())
    defaults = FactorySettings(defect_reasons=DEFAULT_REASONS)
    return FactorySettings(
        defect_reasons=tuple(Reason(r.code, r.name_zh, r.name_en) for r in reasons)
        or DEFAULT_REASONS,
        rework_pay=values.get("rework_pay", defaults.rework_pay),
        qc_wait_minutes=int(values.get("qc_wait_minutes", defaults.qc_wait_minutes)),
        exception_autoclose_minutes=int(values.get("exception_autoclose_minutes",
                                                   defaults.exception_autoclose_minutes)),
        shift_report_lead_minutes=int(values.get("shift_report_lead_minutes",
                                                 defaults.shift_report_lead_minutes)),
    )


async def ladder_for(session: AsyncSession, ladder: str, match: str = "*",
                     severity: str = "*") -> list[Rung]:
    """The configured rungs for this ladder (most specific match wins), else the default."""
    rows = (await session.scalars(
        select(LadderStep).where(LadderStep.ladder == ladder,
                                 LadderStep.match.in_((match, "*")),
                                 LadderStep.severity.in_((severity, "*")))
        .order_by(LadderStep.step_no))).all()
    if rows:
        # Exact kind beats '*', exact severity beats '*'.
        best = max((r.match != "*", r.severity != "*") for r in rows)
        chosen = [r for r in rows if (r.match != "*", r.severity != "*") == best]
        return [Rung(timedelta(seconds=r.delay_seconds), r.target) for r in chosen]
    return list(DEFAULT_LADDERS.get(ladder, []))


async def responsible_for(session: AsyncSession, kind: str) -> list[Person]:
    """Active people who answer first for this kind ('equipment'..., or 'qc')."""
    return list((await session.scalars(
        select(Person).join(Responsibility, Responsibility.person_id == Person.id)
        .where(Responsibility.kind == kind, Person.active.is_(True))
        .order_by(Person.code))).all())
