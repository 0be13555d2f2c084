"""Known answers: wages and KPIs recomputed from a generated history (bot/history.py), in plain
Python, from the generator's own records and the documented definitions only.

Nothing here calls the domain's wage or KPI code: the rules are read from their contracts (the
booking rule and the line grouping in domain/wages.py, the definition in each domain/kpis/*
docstring) and written again the straightforward way, over objects in memory. Where the two
disagree, one of them misreads the definition.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from bot.history import (
    REPORT_WINDOW_MINUTES,
    ExceptionRec,
    History,
    PersonRec,
    ReportRec,
    TaskRec,
)
from domain.periods import Period

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
PAID = {"piece": ("piece", "rework", "void", "adjustment"), "hourly": ("hourly", "adjustment"),
        "mixed": ("piece", "rework", "void", "hourly", "adjustment")}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    return tenth(Decimal(part) * 100 / Decimal(whole)) if whole else None


@dataclass(frozen=True, order=True)
class Line:
    day: date
    kind: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    numerator: Decimal
    denominator: Decimal
    p90: Decimal | None = None


@dataclass(frozen=True)
class Ranked:
    code: str
    good: int
    scrap: int
    standard_hours: Decimal


class Answers:
    def __init__(self, history: History) -> None:
        self.history = history
        self.zone = history.zone
        self.now = int(history.as_of.timestamp())
        self.reporters: dict[int, set[int]] = defaultdict(set)  # task id → people who reported
        for report in history.reports:
            if report.status != "voided":
                self.reporters[report.task.id].add(report.person.id)
        self.inspection_of = {i.report.id: i for i in history.inspections}

    # --- time ------------------------------------------------------------------------------

    def day(self, epoch: int) -> date:
        return datetime.fromtimestamp(epoch, UTC).astimezone(self.zone).date()

    def midnight(self, day: date) -> int:
        return int(datetime.combine(day, clock_time(0), tzinfo=self.zone).timestamp())

    def bounds(self, period: Period) -> tuple[int, int]:
        return self.midnight(period.start), self.midnight(period.end + timedelta(days=1))

    # --- wages -----------------------------------------------------------------------------

    def payslip(self, person: PersonRec, period: Period) -> list[Line]:
        """Lines: pieces per (day accepted, kind, task, rate), voids per (day voided, task,
        rate), one per clock entry closed, one per adjustment; each rounded once."""
        start, end = self.bounds(period)
        pieces: dict[tuple[date, str, int, Decimal], int] = defaultdict(int)
        for r in self.history.reports:
            if r.person is not person:
                continue
            if r.accepted_at is not None and start <= r.accepted_at < end:
                kind = "rework" if r.rework is not None else "piece"
                paid = r.good if r.status == "voided" else r.accepted
                pieces[self.day(r.accepted_at), kind, r.task.id, r.rate] += paid
            if (r.status == "voided" and r.accepted_at is not None and r.voided_at is not None
                    and start <= r.voided_at < end):
                pieces[self.day(r.voided_at), "void", r.task.id, r.rate] -= r.good
        lines = [Line(day, kind, Decimal(n), rate, cents(n * rate))
                 for (day, kind, _, rate), n in pieces.items() if n]
        for c in self.history.clock_entries:
            if c.person is person and c.closed_at is not None and start <= c.closed_at < end:
                rate = c.rate or Decimal(0)
                lines.append(Line(self.day(c.closed_at), "hourly", Decimal(c.paid_minutes) / 60,
                                  rate, cents(c.paid_minutes * rate / 60)))
        for a in self.history.adjustments:
            if a.person is person and start <= a.created_at < end:
                lines.append(Line(self.day(a.created_at), "adjustment", Decimal(1),
                                  cents(a.amount), cents(a.amount)))
        return sorted(line for line in lines if line.kind in PAID[person.wage_mode])

    def pending_qc(self, person: PersonRec, period: Period) -> int:
        """Good pieces reported before the period's end and still waiting for an inspector."""
        _, end = self.bounds(period)
        return sum(i.quantity for i in self.history.inspections
                   if i.status == "pending" and i.report.person is person
                   and i.report.status == "pending_qc" and i.report.reported_at < end)

    # --- scopes ----------------------------------------------------------------------------

    @staticmethod
    def _person_in(scope: tuple[str, str | None], person: PersonRec) -> bool:
        kind, key = scope
        return person.team == key if kind == "team" else person.code == key

    def _report_in(self, scope: tuple[str, str | None], report: ReportRec) -> bool:
        kind, key = scope
        if kind == "factory":
            return True
        if kind in ("team", "worker"):
            return self._person_in(scope, report.person)
        return self._task_in(scope, report.task)

    @staticmethod
    def _task_in(scope: tuple[str, str | None], task: TaskRec | None) -> bool:
        kind, key = scope
        if task is None:
            return False
        return task.op.code == key if kind == "operation" else task.wo.product.code == key

    def _exception_in(self, scope: tuple[str, str | None], e: ExceptionRec) -> bool:
        kind = scope[0]
        if kind == "factory":
            return True
        if kind in ("team", "worker"):
            return self._person_in(scope, e.reported_by)
        if kind == "product":
            return e.wo is not None and e.wo.product.code == scope[1]
        return self._task_in(scope, e.task)

    # --- KPIs ------------------------------------------------------------------------------

    def kpis(self, period: Period, scope: tuple[str, str | None] = ("factory", None)
             ) -> dict[str, Figure]:
        start, end = self.bounds(period)
        found = {"task_on_time": self._task_on_time(period, start, end, scope),
                 "reporting_timeliness": self._timeliness(start, end, scope),
                 **self._responses(start, end, scope),
                 "downtime": self._downtime(start, end, scope),
                 **self._quality(start, end, scope),
                 "delivery_on_time": self._delivery(period, scope)}
        return found

    def _task_on_time(self, period: Period, start: int, end: int,
                      scope: tuple[str, str | None]) -> Figure:
        on_time = late = 0
        people = {p.id for p in self.history.people if self._person_in(scope, p)}
        for task in self.history.tasks:
            due = task.planned_end
            if not start < due <= end:
                continue
            if scope[0] in ("team", "worker"):
                if not self.reporters[task.id] & people:
                    continue
            elif scope[0] != "factory" and not self._task_in(scope, task):
                continue
            if task.done_at is not None and task.done_at <= due:
                on_time += 1
            elif task.done_at is not None or due < self.now:
                late += 1
        return _share(on_time, on_time + late)

    def _deadline(self, person: PersonRec, started: int) -> int:
        """End of the shift the work started in, plus the window; outside every shift, the
        end of that local day plus the window."""
        window = REPORT_WINDOW_MINUTES * 60
        local = datetime.fromtimestamp(started, UTC).astimezone(self.zone)
        own = [s for s in self.history.shifts if s[1] == person.team]
        shifts = own or [s for s in self.history.shifts if s[1] == "*"]
        covering = []
        for _, _, weekdays, begin, finish in shifts:
            for day in (local.date() - timedelta(days=1), local.date()):
                if day.isoweekday() not in _weekdays(weekdays):
                    continue
                opens = datetime.combine(day, _clock(begin), tzinfo=self.zone)
                closes = datetime.combine(day, _clock(finish), tzinfo=self.zone)
                if closes <= opens:
                    closes += timedelta(days=1)
                if opens <= local < closes:
                    covering.append((opens, closes))
        if covering:
            return int(min(covering)[1].timestamp()) + window
        return self.midnight(local.date() + timedelta(days=1)) + window

    def _timeliness(self, start: int, end: int, scope: tuple[str, str | None]) -> Figure:
        timely = total = 0
        for r in self.history.reports:
            if r.status == "voided" or not start <= r.reported_at < end:
                continue
            if not self._report_in(scope, r):
                continue
            total += 1
            timely += r.reported_at <= self._deadline(r.person, r.started_at)
        return _share(timely, total)

    def _responses(self, start: int, end: int, scope: tuple[str, str | None]
                   ) -> dict[str, Figure]:
        found = [e for e in self.history.exceptions
                 if start <= e.reported_at < end and self._exception_in(scope, e)]
        out = {}
        for name, answered in (("response_ack", lambda e: e.ack_at),
                               ("response_resolve", lambda e: e.resolved_at)):
            seconds = sorted(answered(e) - e.reported_at for e in found
                             if answered(e) is not None)
            if not seconds:
                out[name] = Figure(None, Decimal(0), Decimal(len(found)))
                continue
            middle = len(seconds) // 2
            median = (Fraction(seconds[middle]) if len(seconds) % 2
                      else Fraction(seconds[middle - 1] + seconds[middle], 2))
            rank = seconds[math.ceil(Fraction(9, 10) * len(seconds)) - 1]
            out[name] = Figure(_hours(median), Decimal(len(seconds)), Decimal(len(found)),
                               _hours(Fraction(rank)))
        return out

    def _downtime(self, start: int, end: int, scope: tuple[str, str | None]) -> Figure:
        until = min(end, self.now)
        stops = []
        for e in self.history.exceptions:
            if not e.line_stopped or not self._exception_in(scope, e):
                continue
            stopped_until = min(e.resolved_at or until, until)
            seconds = stopped_until - max(e.reported_at, start)
            if e.reported_at < until and seconds > 0:
                stops.append(seconds)
        if not stops:
            worked = any(r.status != "voided" and start <= r.reported_at < end
                         and self._report_in(scope, r) for r in self.history.reports)
            if not worked:
                return Figure(None, Decimal(0), Decimal(0))
        hours = _hours(Fraction(sum(stops)))
        return Figure(hours, hours, Decimal(len(stops)))

    def _quality(self, start: int, end: int, scope: tuple[str, str | None]
                 ) -> dict[str, Figure]:
        inspected = reworked = qc_scrap = 0
        for i in self.history.inspections:
            if (i.status in ("passed", "failed") and start <= i.decided_at < end
                    and i.report.status != "voided" and self._report_in(scope, i.report)):
                inspected += i.quantity
                reworked += i.reworked
                qc_scrap += i.scrapped
        known = first_pass = produced = declared = 0
        for r in self.history.reports:
            if r.status == "voided" or not start <= r.reported_at < end:
                continue
            if not self._report_in(scope, r):
                continue
            declared += r.scrap
            if r.rework is not None:
                continue
            produced += r.good + r.scrap
            if r.status in ("accepted", "rejected"):
                known += r.good + r.scrap
                inspection = self.inspection_of.get(r.id)
                failed = (inspection.reworked + inspection.scrapped
                          if inspection and inspection.status in ("passed", "failed") else 0)
                first_pass += r.good - failed
        return {"rework_rate": _share(reworked, inspected),
                "first_pass_yield": _share(first_pass, known),
                "scrap_rate": _share(declared + qc_scrap, produced)}

    def _delivery(self, period: Period, scope: tuple[str, str | None]) -> Figure:
        if scope[0] not in ("factory", "product"):
            return Figure(None, Decimal(0), Decimal(0))
        on_time = late = 0
        for wo in self.history.work_orders:
            if not period.start <= wo.due_date <= period.end:
                continue
            if scope[0] == "product" and wo.product.code != scope[1]:
                continue
            if wo.done_at is not None and self.day(wo.done_at) <= wo.due_date:
                on_time += 1
            elif (wo.done_at is not None
                  or self.midnight(wo.due_date + timedelta(days=1)) <= self.now):
                late += 1
        return _share(on_time, on_time + late)

    # --- output per worker -----------------------------------------------------------------

    def output(self, period: Period, scope: tuple[str, str | None] = ("factory", None)
               ) -> list[Ranked]:
        start, end = self.bounds(period)
        good: dict[str, int] = defaultdict(int)
        minutes: dict[str, Decimal] = defaultdict(Decimal)
        scrap: dict[str, int] = defaultdict(int)
        for r in self.history.reports:
            if r.status == "voided" or not self._report_in(scope, r):
                continue
            if r.accepted_at is not None and start <= r.accepted_at < end:
                good[r.person.code] += r.accepted
                minutes[r.person.code] += r.accepted * r.task.op.std_minutes
            if start <= r.reported_at < end:
                scrap[r.person.code] += r.scrap
        for i in self.history.inspections:
            if (i.status in ("passed", "failed") and start <= i.decided_at < end
                    and i.report.status != "voided" and self._report_in(scope, i.report)):
                scrap[i.report.person.code] += i.scrapped
        codes = {c for c, n in good.items() if n} | {c for c, n in scrap.items() if n}
        ranked = sorted(codes, key=lambda c: (-minutes[c], c))
        return [Ranked(c, good[c], scrap[c], tenth(minutes[c] / 60)) for c in ranked]


def _weekdays(text: str) -> set[int]:
    """ISO weekdays in "1-6" or "1,3,5"."""
    days: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        days.update(range(int(first), int(last or first) + 1))
    return days


def _clock(text: str) -> clock_time:
    hours, minutes = text.split(":")
    return clock_time(int(hours), int(minutes))


def _hours(seconds: Fraction) -> Decimal:
    return tenth(Decimal(seconds.numerator) / Decimal(seconds.denominator) / 3600)


def _share(part: int, whole: int) -> Figure:
    return Figure(percent(part, whole), Decimal(part), Decimal(whole))

