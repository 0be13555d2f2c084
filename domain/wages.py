"""Wages 工资: computed from what was recorded, line by line, so a worker can check each number.

CONTRACT (implemented here; /me, the team view, the Excel export and the API read it).

The booking rule: every wage item is booked on the local day it happens. Pieces when they are
accepted (at once, or when QC passes them: work_report.accepted_at), a void as a negative line
on the day of the void, hours when the clock entry is closed (clock-out, a supervisor's fix, or
the shift's end), an adjustment when it is entered. So a day or a month that is over never
changes: what /me showed yesterday is still true tomorrow, and a later correction is a visible
line of its own. Money is Decimal, rounded half-up to the cent once per payslip line.

Lines: one per (booked day, kind, task, rate) for pieces, so a day's pieces of one work-order
operation at one rate are one line, `quantity × rate` rounded once; one per closed clock entry
(`paid minutes × hourly rate / 60`, the rate frozen when the entry closed); one per
adjustment. A total is the sum of rounded lines. Pieces a QC rejects were never paid, so a
rejection needs no line; pieces QC passes are booked on the day of the decision.

Wage mode (the person's, when the payslip is computed): `piece` people are paid piece, rework
and void lines; `hourly` people their clocked hours (their reports count for output, not pay);
`mixed` people both. Adjustments are paid whatever the mode.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import wage_lines
from domain.errors import DomainError
from domain.models import ClockEntry, Person, Role, WageAdjustment, WageMode
from domain.periods import Period, local_date
from domain.wage_lines import Days, PieceRow, TaskInfo

LINE_KINDS = ("piece", "rework", "void", "hourly", "adjustment")
PIECE_KINDS = ("piece", "rework", "void")
NO_TEAM = {"zh": "未分班组", "en": "no team"}  # how people without a team are named
CENT = Decimal("0.01")
PAID_KINDS: dict[str, tuple[str, ...]] = {
    WageMode.piece: (*PIECE_KINDS, "adjustment"),
    WageMode.hourly: ("hourly", "adjustment"),
    WageMode.mixed: LINE_KINDS,
}
_ORDER = {kind: n for n, kind in enumerate(LINE_KINDS)}


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
    operation_name: str | None = None

    @property
    def minutes(self) -> int:
        """An hourly line's paid minutes (its quantity is minutes / 60)."""
        return int((self.quantity * 60).to_integral_value(ROUND_HALF_UP))


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

    def on(self, day: date) -> tuple[PayLine, ...]:
        return tuple(line for line in self.lines if line.day == day)

    @property
    def pieces(self) -> int:
        """Pieces paid for (piece, rework and void lines together)."""
        return sum(int(line.quantity) for line in self.lines if line.kind in PIECE_KINDS)

    @property
    def hourly_minutes(self) -> int:
        return sum(line.minutes for line in self.lines if line.kind == "hourly")


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


@dataclass(frozen=True)
class Subtotal:
    """A period's lines of one kind, operation and rate taken together (what /me sums up)."""

    kind: str
    operation_code: str | None
    operation_name: str | None
    rate: Decimal
    quantity: Decimal
    amount: Decimal  # the sum of the rounded lines

    @property
    def minutes(self) -> int:
        return int((self.quantity * 60).to_integral_value(ROUND_HALF_UP))


def supervises(boss: Person, person: Person) -> bool:
    """Whose wages someone looks after: a manager everyone's, a supervisor their own team's
    (in a factory without teams, the supervisors without a team look after everyone without
    one)."""
    if boss.has_role(Role.manager):
        return True
    return boss.has_role(Role.supervisor) and (boss.team or "") == (person.team or "")


# The longest team name there can be: what person.team holds.
TEAM_LENGTH: int = Person.__table__.c.team.type.length  # type: ignore[attr-defined]


def team_in_view(boss: Person, asked: str | None) -> str:
    """The team a supervisor or manager asks about ("" for the people without one): a
    supervisor may ask only about their own."""
    own = boss.team or ""
    if asked is None or asked == own:
        return own
    if not boss.has_role(Role.manager):
        raise DomainError("wages.team_not_yours", team=own or NO_TEAM)
    if len(asked) > TEAM_LENGTH:  # longer than any team is named: no team, and no column holds it
        raise DomainError("team.unknown", team=asked[:20] + "…")
    return asked


def money(value: Decimal) -> Decimal:
    """Half-up to the cent: done once per line."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


async def payslip(session: AsyncSession, person: Person, period: Period,
                  zone: ZoneInfo) -> Payslip:
    """One person's payslip for a period."""
    return (await _payslips(session, [person], period, zone, [person.id]))[0]


async def wage_run(session: AsyncSession, period: Period, zone: ZoneInfo, *,
                   team: str | None = None) -> list[Payslip]:
    """Every active person's payslip (or one team's), by team then code.

    `team=""` means the people without a team. Someone who left (inactive) still gets the
    payslip of a period in which they have lines: what they earned is owed to them.
    """
    query = select(Person)
    if team is not None:
        query = query.where(or_(Person.team.is_(None), Person.team == "") if team == ""
                            else Person.team == team)
    people = list((await session.scalars(query)).all())
    ids = None if team is None else [p.id for p in people]
    slips = await _payslips(session, people, period, zone, ids)
    kept = [slip for slip, person in zip(slips, people, strict=True)
            if person.active or slip.lines or slip.pending_qc_pieces or slip.open_clock_since]
    return sorted(kept, key=lambda s: (s.team or "", s.person_code))


def team_totals(payslips: list[Payslip]) -> list[TeamTotal]:
    """Per team (by name; "" for people without one): the sums of its payslips' lines."""
    teams: dict[str, list[Payslip]] = defaultdict(list)
    for slip in payslips:
        teams[slip.team or ""].append(slip)
    totals = []
    for team, slips in sorted(teams.items()):
        lines = [line for slip in slips for line in slip.lines]
        totals.append(TeamTotal(
            team=team, people=len(slips),
            pieces=sum(slip.pieces for slip in slips),
            # Summed as whole minutes: a line's hours (minutes / 60) are not exact in Decimal.
            hours=(Decimal(sum(slip.hourly_minutes for slip in slips)) / 60).quantize(CENT),
            piece_amount=_sum(x for x in lines if x.kind in PIECE_KINDS),
            hourly_amount=_sum(x for x in lines if x.kind == "hourly"),
            adjustments=_sum(x for x in lines if x.kind == "adjustment"),
            total=_sum(lines)))
    return totals


def subtotals(lines: Iterable[PayLine]) -> list[Subtotal]:
    """Piece, rework, void and hourly lines summed by kind, operation and rate (adjustments
    are listed one by one instead)."""
    groups: dict[tuple[str, str | None, str | None, Decimal], list[PayLine]] = defaultdict(list)
    for line in lines:
        if line.kind != "adjustment":
            groups[line.kind, line.operation_code, line.operation_name, line.rate].append(line)
    out = [Subtotal(kind, code, name, rate, sum((x.quantity for x in group), Decimal(0)),
                    _sum(group))
           for (kind, code, name, rate), group in groups.items()]
    return sorted(out, key=lambda s: (_ORDER[s.kind], s.operation_code or "", s.rate))


def day_totals(slip: Payslip) -> list[tuple[date, Decimal]]:
    """Each day of the period that has lines, with its total."""
    days: dict[date, list[PayLine]] = defaultdict(list)
    for line in slip.lines:
        days[line.day].append(line)
    return [(day, _sum(lines)) for day, lines in sorted(days.items())]


def _sum(lines: Iterable[PayLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))


# --- building the lines ----------------------------------------------------------------------


async def _payslips(session: AsyncSession, people: list[Person], period: Period, zone: ZoneInfo,
                    person_ids: Sequence[int] | None) -> list[Payslip]:
    """The payslips of `people`; the lines are read for `person_ids` (None: for everyone)."""
    days = Days.of(period, zone)
    paid = {p.id: PAID_KINDS.get(p.wage_mode, PAID_KINDS[WageMode.piece]) for p in people}
    pieces = [row for row in await wage_lines.piece_rows(session, days, person_ids)
              if row.kind in paid.get(row.person_id, ())]
    tasks = await wage_lines.task_info(session, (row.task_id for row in pieces))
    subjects = {task_id: f"{t.work_order} · {t.seq} {t.operation_name}"
                for task_id, t in tasks.items()}
    lines: dict[int, list[PayLine]] = defaultdict(list)
    for row in pieces:
        lines[row.person_id].append(_piece_line(row, tasks[row.task_id], subjects[row.task_id]))
    for entry in await wage_lines.closed_entries(session, days, person_ids):
        lines[entry.person_id].append(hourly_line(entry, zone))
    for adjustment in await wage_lines.adjustments(session, days, person_ids):
        lines[adjustment.person_id].append(adjustment_line(adjustment, zone))
    pending = await wage_lines.pending_qc(session, days.end, person_ids)
    clocked = await wage_lines.open_since(session, person_ids)
    return [_payslip(person, period, lines.get(person.id, []), pending.get(person.id, 0),
                     clocked.get(person.id)) for person in people]


def _payslip(person: Person, period: Period, lines: list[PayLine], pending: int,
             open_since: datetime | None) -> Payslip:
    paid = PAID_KINDS.get(person.wage_mode, PAID_KINDS[WageMode.piece])
    kept = sorted((x for x in lines if x.kind in paid),
                  key=lambda x: (x.day, _ORDER[x.kind], x.subject, x.rate, x.refs))
    return Payslip(person_id=person.id, person_code=person.code, name=person.name,
                   team=person.team, wage_mode=person.wage_mode, period=period,
                   lines=tuple(kept), pending_qc_pieces=pending, open_clock_since=open_since)


def _piece_line(row: PieceRow, task: TaskInfo, subject: str) -> PayLine:
    quantity = Decimal(row.quantity)
    return PayLine(day=row.day, kind=row.kind, subject=subject, quantity=quantity, rate=row.rate, amount=money(quantity * row.rate),
                   refs=row.refs, operation_code=task.operation_code,
                   operation_name=task.operation_name)


def hourly_line(entry: ClockEntry, zone: ZoneInfo) -> PayLine:
    """A closed entry: its paid minutes at its frozen rate, booked on the day it closed."""
    assert entry.closed_at is not None and entry.clock_out_at is not None
    minutes = entry.paid_minutes or 0
    rate = entry.hourly_rate or Decimal("0")
    day = local_date(entry.closed_at, zone)
    return PayLine(day=day, kind="hourly", subject=clock_span(entry, zone, day),
                   quantity=Decimal(minutes) / 60, rate=rate, amount=money(minutes * rate / 60),
                   refs=(entry.id,))


def clock_span(entry: ClockEntry, zone: ZoneInfo, day: date | None = None) -> str:
    """"08:02–17:31"; a time on neither the line's `day` nor the clock-in's shows its date
    ("11-23 22:00–06:00" on the 24th)."""
    start = entry.clock_in_at.astimezone(zone)
    shown_day = day or start.date()
    begin = f"{start:%H:%M}" if start.date() == shown_day else f"{start:%m-%d %H:%M}"
    if entry.clock_out_at is None:
        return f"{begin}–"
    end = entry.clock_out_at.astimezone(zone)
    plain = end.date() in (start.date(), shown_day)
    return f"{begin}–{end:%H:%M}" if plain else f"{begin}–{end:%m-%d %H:%M}"


def adjustment_line(adjustment: WageAdjustment, zone: ZoneInfo) -> PayLine:
    amount = money(adjustment.amount)
    subject = (f"↩ #{adjustment.reverses_id} {adjustment.reason}" if adjustment.reverses_id
               else adjustment.reason)
    return PayLine(day=local_date(adjustment.created_at, zone), kind="adjustment",
                   subject=subject, quantity=Decimal(1), rate=amount, amount=amount,
                   refs=(adjustment.id,))
