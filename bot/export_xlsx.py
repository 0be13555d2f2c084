"""The Excel export: reports, inspections, rework, exceptions, wages and KPIs of a period, one
sheet each, in Chinese or English (`gongdan export`, `/export`; attachment kind "export").

Written with XlsxWriter in constant-memory mode: each row goes to disk as it is written, so a
month of a 300-worker factory streams from the database to the file without being held in
memory; database batches are written in a worker thread so the bot keeps answering meanwhile.
Cells are typed: quantities are integers, money "#,##0.00", percentages fractions shown
"0.0%", times real Excel dates in factory local time. Every sheet has its header row frozen,
an autofilter and a totals row. Text is always written as text (never as a formula), and text
that looks like one (=, +, -, @) gets Excel's quote prefix, so editing the cell keeps it text.
"""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NamedTuple
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncSession
from xlsxwriter.utility import xl_col_to_name

from bot.attachments import Attachment, Making, register
from bot.i18n import label
from domain import kpis, records, wages
from domain.defects import reason_label
from domain.factory_settings import FactorySettings, load_settings
from domain.models.base import utcnow
from domain.periods import Period

MAX_ROWS = 1_048_576  # Excel's rows per sheet: a longer table continues on "报工 2"
MAX_WIDTH = 50
FILE_LIMIT = 50 * 1000 * 1000  # what a bot may send as a document (Telegram: 50 MB)
NUMBER_FORMATS = {
    "id": "0",
    "qty": "#,##0",
    "money": "#,##0.00",
    "rate": "0.00##",  # piece rates have up to 4 decimals (0.035)
    "hours": "#,##0.00",
    "pct": "0.0%",
    "general": "General",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
}
WIDTHS = {"datetime": 16, "date": 10}
SHEET_NAME_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str  # its header: LABELS["export_column"][key]
    fmt: str = "text"  # a NUMBER_FORMATS key, or "text"
    total: bool = False


class Styled(NamedTuple):
    """A cell whose number format differs from its column's (a KPI in % or in hours)."""

    value: Any
    fmt: str


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters count double."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_title(name: str, taken: set[str]) -> str:
    """A legal, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = SHEET_NAME_ILLEGAL.sub(" ", name).strip().strip("'")[:31] or "Sheet"
    title, n = base, 1
    while title.casefold() in taken:
        n += 1
        suffix = f" {n}"
        title = base[:31 - len(suffix)] + suffix
    taken.add(title.casefold())
    return title


class Book:
    """One workbook being written, in one language, with times shown in one zone."""

    def __init__(self, target: str | Path | IO[bytes], lang: str, zone: ZoneInfo) -> None:
        options = {
            "constant_memory": True,
            # Only write_formula makes formulas; no text is ever read as a formula, URL or number.
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        }
        self.workbook = xlsxwriter.Workbook(
            str(target) if isinstance(target, Path) else target, options)
        self.lang, self.zone = lang, zone
        self.names: set[str] = set()
        self.formats: dict[tuple[str, bool], Any] = {}
        self.header = self.workbook.add_format({
            "bold": True, "bg_color": "#DDEBF7", "bottom": 1, "valign": "vcenter"})
        self.quoted = self.workbook.add_format({"quote_prefix": True})

    def word(self, key: str) -> str:
        return label("export_word", key, self.lang)

    def fmt(self, kind: str, bold: bool = False) -> Any:
        key = (kind, bold)
        if key not in self.formats:
            spec: dict[str, Any] = {"bold": True} if bold else {}
            if kind == "kpi_hours":  # a KPI in hours: the unit beside the number
                spec["num_format"] = '0.0" 小时"' if self.lang == "zh" else '0.0" h"'
            elif kind in NUMBER_FORMATS:
                spec["num_format"] = NUMBER_FORMATS[kind]
            self.formats[key] = self.workbook.add_format(spec) if spec else None
        return self.formats[key]

    def sheet(self, key: str, columns: Sequence[Column]) -> Sheet:
        return Sheet(self, label("export_sheet", key, self.lang), columns)

    def close(self) -> None:
        self.workbook.close()


class Sheet:
    """A table: a frozen header row, typed cells, an autofilter, and a totals row."""

    def __init__(self, book: Book, title: str, columns: Sequence[Column]) -> None:
        self.book, self.title, self.columns = book, title, list(columns)
        self.parts = 0
        self.rows = 0  # data rows written, over every part
        self._open()

    def _open(self) -> None:
        self.parts += 1
        name = self.title if self.parts == 1 else f"{self.title} {self.parts}"
        self.ws = self.book.workbook.add_worksheet(sheet_title(name, self.book.names))
        headers = [label("export_column", c.key, self.book.lang) for c in self.columns]
        for col, header in enumerate(headers):
            self.ws.write_string(0, col, header, self.book.header)
        self.ws.freeze_panes(1, 0)
        self.row = 1
        self.widths = [max(display_width(h), WIDTHS.get(c.fmt, 0))
                       for h, c in zip(headers, self.columns, strict=True)]
        self.sums: list[Decimal] = [Decimal(0) for _ in self.columns]
        # Widths of numbers are worked out once, from the biggest of each column.
        self.peaks: list[Decimal | int | float] = [0 for _ in self.columns]
        self.signed = [False for _ in self.columns]
        self.formats = [self.book.fmt(c.fmt) for c in self.columns]

    def add(self, values: Sequence[Any]) -> None:
        if self.row >= MAX_ROWS - 1:  # keep the last row for the totals
            self._close_part()
            self._open()
        for col, value in enumerate(values):
            if value is not None:
                self._cell(col, value)
        self.row += 1
        self.rows += 1

    def add_all(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            self.add(values)

    def _cell(self, col: int, value: Any) -> None:
        # The hot path of a big export: the commonest types first, no work that can wait.
        if isinstance(value, str):
            self._text(col, value)
        elif isinstance(value, bool):
            self._text(col, self.book.word("yes" if value else "no"))
        elif isinstance(value, int | Decimal | float):
            self._number(col, value, self.formats[col])
        elif isinstance(value, datetime):
            local = value.astimezone(self.book.zone).replace(tzinfo=None)
            self.ws.write_datetime(self.row, col, local, self.book.fmt("datetime"))
            self._widen(col, WIDTHS["datetime"])
        elif isinstance(value, date):
            self.ws.write_datetime(self.row, col, datetime.combine(value, time()),
                                   self.book.fmt("date"))
            self._widen(col, WIDTHS["date"])
        elif isinstance(value, Styled):
            self._number(col, value.value, self.book.fmt(value.fmt))
        else:
            raise TypeError(f"no cell for {type(value).__name__}")

    def _number(self, col: int, value: int | Decimal | float, fmt: Any) -> None:
        self.ws.write_number(self.row, col, float(value), fmt)
        if self.columns[col].total:
            self.sums[col] += value if not isinstance(value, float) else Decimal(str(value))
        if abs(value) > self.peaks[col]:
            self.peaks[col] = abs(value)
        if value < 0:
            self.signed[col] = True

    def _text(self, col: int, text: str) -> None:
        if not text.isprintable():
            text = CONTROL.sub(" ", text)  # control characters are not allowed in the XML
        # Names, comments and reasons come from people: "=1+1" stays the text it was.
        quoted = self.book.quoted if text.startswith(FORMULA_START) else None
        self.ws.write_string(self.row, col, text, quoted)
        if 2 * len(text) > self.widths[col]:  # only then can it be wider
            self._widen(col, display_width(text))

    def _widen(self, col: int, width: int) -> None:
        if width > self.widths[col]:
            self.widths[col] = width

    def _close_part(self) -> None:
        last = self.row - 1
        if last >= 1 and any(c.total for c in self.columns):
            self._totals(last)
        self.ws.autofilter(0, 0, max(last, 0), len(self.columns) - 1)
        for col, peak in enumerate(self.peaks):
            if peak:
                self._widen(col, len(f"{peak:,.2f}") + self.signed[col])
            self.ws.set_column(col, col, min(self.widths[col], MAX_WIDTH) + 2)

    def _totals(self, last: int) -> None:
        """SUBTOTAL formulas, so a filtered sheet adds up what it shows, each with its value
        cached: Excel and WPS recompute on opening, while viewers that never calculate (phone
        previews, openpyxl, pandas) would otherwise see an empty cell."""
        self.ws.write_string(self.row, 0, self.book.word("total"), self.book.fmt("text", True))
        for col, column in enumerate(self.columns):
            if not column.total:
                continue
            letter = xl_col_to_name(col)
            total = self.sums[col]
            self.ws.write_formula(self.row, col, f"=SUBTOTAL(9,{letter}2:{letter}{last + 1})",
                                  self.book.fmt(column.fmt, True),
                                  int(total) if total == total.to_integral() else float(total))

    def finish(self) -> None:
        self._close_part()


# --- the sheets ------------------------------------------------------------------------------

REPORTS = (
    Column("id", "id"), Column("reported_at", "datetime"), Column("work_order"),
    Column("product"), Column("seq", "id"), Column("operation_code"), Column("operation"),
    Column("rework_code"), Column("person_code"), Column("name"), Column("team"),
    Column("good", "qty", True), Column("scrap", "qty", True), Column("scrap_reason"),
    Column("accepted", "qty", True), Column("piece_rate", "rate"),
    Column("minutes", "qty", True), Column("source"), Column("status"),
    Column("accepted_at", "datetime"), Column("voided_at", "datetime"), Column("void_reason"),
    Column("corrects", "id"),
)
INSPECTIONS = (
    Column("id", "id"), Column("created_at", "datetime"), Column("decided_at", "datetime"),
    Column("work_order"), Column("seq", "id"), Column("operation"), Column("report_id", "id"),
    Column("person_code"), Column("name"), Column("team"), Column("quantity", "qty", True),
    Column("passed", "qty", True), Column("rework", "qty", True), Column("scrap", "qty", True),
    Column("defect_reason"), Column("status"), Column("inspector"),
    Column("reinspected_rework"), Column("created_rework"), Column("note"),
)
REWORK = (
    Column("rework_code"), Column("rework_created_at", "datetime"), Column("work_order"),
    Column("seq", "id"), Column("operation"), Column("inspection_id", "id"),
    Column("defect_reason"), Column("caused_by"), Column("assignee"),
    Column("quantity", "qty", True), Column("passed", "qty", True), Column("scrap", "qty", True),
    Column("pending_qc", "qty", True), Column("returned", "qty", True),
    Column("outstanding", "qty", True), Column("status"), Column("done_at", "datetime"),
)
EXCEPTIONS = (
    Column("id", "id"), Column("exception_reported_at", "datetime"), Column("kind"),
    Column("severity"), Column("line_stopped"), Column("status"), Column("work_order"),
    Column("seq", "id"), Column("operation"), Column("workstation"), Column("reporter"),
    Column("comment"), Column("acknowledged_at", "datetime"), Column("acknowledged_by"),
    Column("ack_hours", "hours"), Column("resolved_at", "datetime"), Column("resolved_by"),
    Column("resolve_hours", "hours"), Column("resolution"), Column("closed_at", "datetime"),
    Column("downtime_hours", "hours", True),
)
WAGE_LINES = (
    Column("person_code"), Column("name"), Column("team"), Column("wage_mode"),
    Column("day", "date"), Column("line_kind"), Column("subject"), Column("operation_code"),
    Column("quantity", "qty"), Column("rate", "rate"), Column("amount", "money", True),
    Column("refs"),
)
WAGE_SHEET = (
    Column("person_code"), Column("name"), Column("team"), Column("wage_mode"),
    Column("pieces", "qty", True), Column("hours", "hours", True),
    Column("piece_amount", "money", True), Column("hourly_amount", "money", True),
    Column("adjustments", "money", True), Column("total", "money", True),
    Column("pending_qc_pieces", "qty", True), Column("open_clock_since", "datetime"),
)
TEAM_WAGES = (
    Column("team"), Column("people", "qty", True), Column("pieces", "qty", True),
    Column("hours", "hours", True), Column("piece_amount", "money", True),
    Column("hourly_amount", "money", True), Column("adjustments", "money", True),
    Column("total", "money", True),
)
KPIS = (
    Column("scope"), Column("kpi"), Column("value", "general"), Column("target", "general"),
    Column("met"), Column("p90", "general"), Column("numerator", "general"),
    Column("denominator", "general"),
)
RANKING = (
    Column("rank", "id"), Column("person_code"), Column("name"), Column("team"),
    Column("good", "qty", True), Column("scrap", "qty", True),
    Column("standard_hours", "hours", True),
)
ABOUT = (Column("item"), Column("content"))


def hours(seconds: int | None) -> Decimal | None:
    return None if seconds is None else (Decimal(seconds) / 3600).quantize(Decimal("0.01"))


class Words:
    """The reader's names for stored codes."""

    def __init__(self, lang: str, settings: FactorySettings) -> None:
        self.lang, self.settings = lang, settings
        self._reasons: dict[str, str] = {}

    def __call__(self, group: str, value: str | None) -> str | None:
        return None if value is None else label(group, value, self.lang)

    def reason(self, stored: str | None) -> str | None:
        if not stored:
            return None
        if stored not in self._reasons:
            named = reason_label(self.settings, stored)  # the factory's own list first
            self._reasons[stored] = (named[self.lang] if isinstance(named, dict)
                                     else label("reason", stored, self.lang))
        return self._reasons[stored]


def report_row(r: records.ReportRecord, w: Words) -> tuple[Any, ...]:
    return (r.id, r.reported_at, r.work_order, r.product, r.seq, r.operation_code,
            r.operation_name, r.rework_code, r.person_code, r.person_name, r.team, r.good,
            r.scrap, w.reason(r.scrap_reason), r.accepted, r.piece_rate, r.minutes,
            w("export_source", r.source), w("export_report_status", r.status), r.accepted_at,
            r.voided_at, r.void_reason, r.corrects_id)


def inspection_row(r: records.InspectionRecord, w: Words) -> tuple[Any, ...]:
    return (r.id, r.created_at, r.decided_at, r.work_order, r.seq, r.operation_name,
            r.report_id, r.person_code, r.person_name, r.team, r.quantity, r.passed, r.rework,
            r.scrap, w.reason(r.defect_reason), w("export_inspection_status", r.status),
            r.inspector, r.reinspected_rework, r.created_rework, r.note)


def rework_row(r: records.ReworkRecord, w: Words) -> tuple[Any, ...]:
    caused = f"{r.caused_by} ({r.caused_by_code})" if r.caused_by else None
    return (r.code, r.created_at, r.work_order, r.seq, r.operation_name, r.inspection_id,
            w.reason(r.defect_reason), caused, r.assignee, r.quantity, r.passed, r.scrap,
            r.pending_qc, r.returned, r.outstanding, w("export_rework_status", r.status),
            r.done_at)


def exception_row(r: records.ExceptionRecord, w: Words, now: datetime) -> tuple[Any, ...]:
    return (r.id, r.reported_at, w("kind", r.kind), w("severity", r.severity), r.line_stopped,
            w("exception_status", r.status), r.work_order, r.seq, r.operation_name,
            r.workstation, r.reporter, r.comment, r.acknowledged_at, r.acknowledged_by,
            hours(r.ack_seconds), r.resolved_at, r.resolved_by, hours(r.resolve_seconds),
            r.resolution, r.closed_at, hours(r.downtime_until(now)))


def wage_rows(slips: list[wages.Payslip], w: Words) -> Iterable[tuple[Any, ...]]:
    for slip in slips:
        mode = w("export_wage_mode", slip.wage_mode)
        for line in slip.lines:
            quantity = Styled(line.quantity, "hours" if line.kind == "hourly" else "qty")
            yield (slip.person_code, slip.name, slip.team, mode, line.day,
                   w("export_line_kind", line.kind), line.subject, line.operation_code,
                   quantity, line.rate, line.amount, ", ".join(str(ref) for ref in line.refs))


def wage_sheet_rows(slips: list[wages.Payslip], w: Words) -> Iterable[tuple[Any, ...]]:
    for slip in slips:
        # One person's totals are the totals of a group of one: the same definitions as a team.
        mine = wages.team_totals([slip])[0]
        yield (slip.person_code, slip.name, slip.team, w("export_wage_mode", slip.wage_mode),
               mine.pieces, mine.hours, mine.piece_amount, mine.hourly_amount, mine.adjustments,
               mine.total, slip.pending_qc_pieces, slip.open_clock_since)


def team_wage_rows(slips: list[wages.Payslip], book: Book) -> Iterable[tuple[Any, ...]]:
    for team in wages.team_totals(slips):
        yield (team.team or book.word("no_team"), team.people, team.pieces, team.hours,
               team.piece_amount, team.hourly_amount, team.adjustments, team.total)


def kpi_cell(value: Decimal | None, unit: str) -> Any:
    if value is None:
        return "–"  # no data: neither 0 % nor 100 %
    if unit == "%":
        return Styled(value / 100, "pct")
    return Styled(value, "kpi_hours" if unit == "h" else "general")


def kpi_rows(scope_name: str, figures: dict[str, kpis.Kpi], w: Words,
             book: Book) -> Iterable[tuple[Any, ...]]:
    for name in kpis.KPI_NAMES:
        kpi = figures[name]
        met = "–" if kpi.met is None else book.word("yes" if kpi.met else "no")
        # KPI names as /kpi and the summary show them (LABELS["kpi"]).
        yield (scope_name, w("kpi", name), kpi_cell(kpi.value, kpi.unit),
               None if kpi.target is None else kpi_cell(kpi.target, kpi.unit),
               met, None if kpi.p90 is None else kpi_cell(kpi.p90, kpi.unit),
               kpi.numerator, kpi.denominator)


def ranking_rows(rows: list[kpis.OutputRow]) -> Iterable[tuple[Any, ...]]:
    for row in rows:
        yield (row.rank, row.person_code, row.name, row.team, row.good, row.scrap,
               row.standard_hours)


async def _stream(sheet: Sheet, batches: AsyncIterator[list[Any]],
                  row_of: Callable[[Any], Sequence[Any]]) -> None:
    """Database batches into the sheet; the writing (pure CPU) in a thread."""
    async for batch in batches:
        await asyncio.to_thread(sheet.add_all, map(row_of, batch))
    sheet.finish()


async def _table(book: Book, key: str, columns: Sequence[Column],
                 rows: Iterable[Sequence[Any]]) -> Sheet:
    sheet = book.sheet(key, columns)
    await asyncio.to_thread(sheet.add_all, rows)
    sheet.finish()
    return sheet


async def write_export(session: AsyncSession, target: str | Path | IO[bytes], *,
                       period: Period, zone: ZoneInfo, lang: str, team: str | None = None,
                       now: datetime | None = None, details: bool = True) -> dict[str, int]:
    """Write the workbook; returns the data rows of each sheet (by sheet key). Without
    `details`, only the wage and KPI sheets (the About sheet says so)."""
    now = now or utcnow()
    w = Words(lang, await load_settings(session))
    book = Book(target, lang, zone)
    counts: dict[str, int] = {}

    async def stream(key: str, columns: Sequence[Column], batches: AsyncIterator[list[Any]],
                     row_of: Callable[[Any], Sequence[Any]]) -> None:
        sheet = book.sheet(key, columns)
        await _stream(sheet, batches, row_of)
        counts[key] = sheet.rows

    if details:
        await stream("reports", REPORTS, records.reports(session, period, zone, team=team),
                     lambda r: report_row(r, w))
        await stream("inspections", INSPECTIONS,
                     records.inspections(session, period, zone, team=team),
                     lambda r: inspection_row(r, w))
        await stream("rework", REWORK, records.rework_tasks(session, period, zone, team=team),
                     lambda r: rework_row(r, w))
        await stream("exceptions", EXCEPTIONS, records.exceptions(session, period, zone),
                     lambda r: exception_row(r, w, now))

    slips = await wages.wage_run(session, period, zone, team=team)
    for key, columns, rows in (("wages", WAGE_LINES, wage_rows(slips, w)),
                               ("wage_sheet", WAGE_SHEET, wage_sheet_rows(slips, w)),
                               ("team_wages", TEAM_WAGES, team_wage_rows(slips, book))):
        counts[key] = (await _table(book, key, columns, rows)).rows

    counts["kpis"] = (await _table(book, "kpis", KPIS,
                                   await _kpi_table(session, book, w, period, zone, team,
                                                    now))).rows
    ranking = await _ranking(session, period, zone, team)
    counts["ranking"] = (await _table(book, "ranking", RANKING, ranking_rows(ranking))).rows

    await _table(book, "about", ABOUT, _about(book, period, team, zone, now, details))
    await asyncio.to_thread(book.close)
    return counts


async def _kpi_table(session: AsyncSession, book: Book, w: Words, period: Period,
                     zone: ZoneInfo, team: str | None,
                     now: datetime) -> list[tuple[Any, ...]]:
    """The factory's KPIs, then each team's (or the one team's)."""
    names = await records.teams(session) if team is None else [team] if team else []
    table: list[tuple[Any, ...]] = []
    for scope_name, scope in [(book.word("factory"), kpis.FACTORY),
                              *((name, kpis.Scope("team", name)) for name in names)]:
        figures = await kpis.compute(session, period, zone, scope, now=now)
        table.extend(kpi_rows(scope_name, figures, w, book))
    return table


async def _ranking(session: AsyncSession, period: Period, zone: ZoneInfo,
                   team: str | None) -> list[kpis.OutputRow]:
    """Output per worker: the factory's, or within the team. The people without a team keep
    their places in the factory's ranking."""
    if team:
        return await kpis.output_ranking(session, period, zone, kpis.Scope("team", team))
    ranking = await kpis.output_ranking(session, period, zone)
    return ranking if team is None else [row for row in ranking if not row.team]


def _about(book: Book, period: Period, team: str | None, zone: ZoneInfo, now: datetime,
           details: bool) -> list[tuple[Any, ...]]:
    word = book.word
    left_out = [] if details else [(word("details_title"), word("details_note"))]
    return [*left_out, (word("period"), period.label), (word("from"), period.start),
            (word("to"), period.end),
            (label("export_column", "team", book.lang),
             word("all_teams") if team is None else team or word("no_team")),
            (word("timezone"), str(zone)), (word("made_at"), now),
            (word("times"), word("times_note")),
            (word("wages_note_title"), word("wages_note")),
            (word("totals_note_title"), word("totals_note"))]


def filename(period: Period, team: str | None = None) -> str:
    name = f"gongdan-{period.start.isoformat()}_{period.end.isoformat()}"
    if team is not None:
        name += "-" + (re.sub(r"[^\w-]+", "_", team) or "no-team")
    return name + ".xlsx"


async def build(spec: dict[str, Any], lang: str, making: Making) -> Attachment:
    """The attachment kind "export": {"kind": "export", "from": ISO day, "to": ISO day,
    "team": a team or None}. A workbook too big for Telegram is made again without the
    record sheets: the wages and KPIs still arrive, and the About sheet says why."""
    period = Period.between(date.fromisoformat(spec["from"]), date.fromisoformat(spec["to"]))
    team = spec.get("team")
    for details in (True, False):
        out = io.BytesIO()
        async with making.sessions() as session:
            await write_export(session, out, period=period, zone=making.settings.zone,
                               lang=lang, team=team, details=details)
        if out.tell() <= FILE_LIMIT:
            break
    return Attachment(out.getvalue(), filename(period, team), as_photo=False)


register("export", build)
