"""Reporting timeliness 报工及时率: is work reported soon after it was done?

Counted: the reports entered in the period (`reported_at`), voided ones left out, rework reports
included. A report is timely when it was entered at the latest `report_window_minutes` (factory
settings) after the end of the shift during which its work started (`work_started_at`, when the
worker opened the card), the shift being one the worker's team works (domain/shifts.py: the
team's own shifts, else the '*' ones; where two overlap, the one that started first). Work
started outside every shift, or by a team without any shift, has until the end of that local day
plus the window. A report without `work_started_at` counts as timely.

value = timely / reports, in percent; numerator = timely reports, denominator = reports.
Scopes: team and worker by the reporting worker, operation and product by the task.

The deadline is an SQL expression (one CASE per team over its shifts, on the local day and time
of day of the start), summed in the pass over the period's reports (facts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, case, literal, select

from domain.kpis.figures import Kpi, not_applicable, share
from domain.kpis.localtime import DAY, SECOND
from domain.models import Person
from domain.shifts import EVERYONE, ShiftSpec

if TYPE_CHECKING:
    from domain.kpis.facts import ReportFacts

NAME = "reporting_timeliness"


def _millis(clock: time) -> int:
    return (clock.hour * 3600 + clock.minute * 60) * SECOND


def _in(weekday: ColumnElement[Any], days: frozenset[int]) -> ColumnElement[bool]:
    return literal(True) if len(days) == 7 else weekday.in_(sorted(days))


def shift_deadline(shifts: Sequence[ShiftSpec], day: ColumnElement[Any],
                   moment: ColumnElement[Any], window: int) -> ColumnElement[Any]:
    """The local epoch millisecond by which work started at local (`day`, `moment` of the day,
    in ms) is reported in time, for a person working `shifts`; `window` in ms."""
    weekday = (day + 3) % 7 + 1  # 1970-01-01 was a Thursday; ISO: Monday is 1
    yesterday = (day + 2) % 7 + 1
    # (start, covers, deadline) for the shifts that began yesterday and today.
    began_yesterday: list[tuple[int, ColumnElement[bool], ColumnElement[Any]]] = []
    began_today: list[tuple[int, ColumnElement[bool], ColumnElement[Any]]] = []
    for shift in shifts:
        start, end = _millis(shift.start), _millis(shift.end)
        if end > start:
            began_today.append((start, and_(_in(weekday, shift.weekdays), moment >= start,
                                            moment < end), day * DAY + (end + window)))
            continue
        # Past midnight (or 24 hours): the part after midnight belongs to yesterday's shift.
        began_yesterday.append((start, and_(_in(yesterday, shift.weekdays), moment < end),
                                day * DAY + (end + window)))
        began_today.append((start, and_(_in(weekday, shift.weekdays), moment >= start),
                            (day + 1) * DAY + (end + window)))
    # The shift that started first wins: yesterday's, then today's, each by start time.
    branches = [(covers, deadline) for began in (began_yesterday, began_today)
                for _, covers, deadline in sorted(began, key=lambda b: b[0])]
    end_of_day = (day + 1) * DAY + window
    return case(*branches, else_=end_of_day) if branches else end_of_day


def deadline(person: ColumnElement[int], shifts: Sequence[ShiftSpec], day: ColumnElement[Any],
             moment: ColumnElement[Any], window: int) -> ColumnElement[Any]:
    """shift_deadline for the shifts of the person's team (its own, else the '*' ones)."""
    everyone = shift_deadline([s for s in shifts if s.team == EVERYONE], day, moment, window)
    teams = sorted({s.team for s in shifts} - {EVERYONE})
    if not teams:
        return everyone
    return case(*[(person.in_(select(Person.id).where(Person.team == team)),
                   shift_deadline([s for s in shifts if s.team == team], day, moment, window))
                  for team in teams], else_=everyone)


def timely(person: ColumnElement[int], started_day: ColumnElement[Any],
           started_moment: ColumnElement[Any], reported: ColumnElement[Any],
           shifts: Sequence[ShiftSpec], window_minutes: int) -> ColumnElement[Any]:
    """1 for a timely report, else 0 (local epoch milliseconds in, see facts.py)."""
    limit = deadline(person, shifts, started_day, started_moment, window_minutes * 60 * SECOND)
    return case((started_day.is_(None), 1), (reported <= limit, 1), else_=0)


def reporting_timeliness(facts: ReportFacts | None) -> Kpi:
    """The KPI from the pass over the period's reports (None: the scope does not apply)."""
    if facts is None:
        return not_applicable(NAME)
    return share(NAME, facts.timely, facts.reports)
