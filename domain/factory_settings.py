"""The factory's settings as the rules read them, with documented defaults for what is not set.

The signatures here are the contract the QC, exception and reminder rules code against.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.errors import DomainError
from domain.models import DefectReason, FactorySetting, LadderStep, Person, Responsibility, Role
from domain.payload import (
    TAG_ALPHABET,
    TAG_LENGTH,
    LabelCode,
    ReworkCode,
    check_factory,
    is_factory_tag,
    new_factory_tag,
    normalize_text,
)

# The vocabulary of the settings, checked by the import (domain/masterdata/settings_sheets.py).
EXCEPTION_KINDS = ("equipment", "material", "quality", "safety", "other")
RESPONSIBILITY_KINDS = (*EXCEPTION_KINDS, "qc")  # 'qc': who decides QC inspections first
SEVERITIES = ("normal", "high")
GROUP_PURPOSES = ("exceptions", "qc", "management")
REWORK_PAY = ("paid", "unpaid_own", "unpaid")
# Whole-minute settings and the range each accepts.
MINUTE_SETTINGS = {"qc_wait_minutes": (1, 7 * 24 * 60),
                   "exception_autoclose_minutes": (1, 30 * 24 * 60),
                   "shift_report_lead_minutes": (0, 12 * 60),
                   "report_window_minutes": (0, 24 * 60),
                   "clock_forgot_minutes": (30, 48 * 60)}
HOURS_SOURCES = ("clock", "shift")
# KPI targets (what the factory aims for), by KPI name: the daily summary compares against them.
# Percentages for rates, hours for response times and downtime (downtime: per year, prorated).
DEFAULT_TARGETS: dict[str, Decimal] = {
    "task_on_time": Decimal("98"), "reporting_timeliness": Decimal("95"),
    "response_ack": Decimal("12"), "response_resolve": Decimal("12"),
    "rework_rate": Decimal("3"), "downtime": Decimal("60"), "first_pass_yield": Decimal("95"),
    "scrap_rate": Decimal("2"), "delivery_on_time": Decimal("98"),
}
TARGET_PREFIX = "target:"
SETTING_KEYS = ("rework_pay", "hours_source", "summary_time", *MINUTE_SETTINGS,
                *(TARGET_PREFIX + name for name in DEFAULT_TARGETS))


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
    # A report is timely when entered within this long after the end of the shift the work
    # started in (reporting timeliness 报工及时率).
    report_window_minutes: int = 30
    # An entry clocked in longer than this (past the shift's end when on the calendar) is a
    # forgotten clock-out: the worker, then the supervisor, are reminded until someone fixes it.
    clock_forgot_minutes: int = 12 * 60
    # Hourly pay from what people clock (clock), or from their shift calendar on the days they
    # clocked in (shift: clipped to the shift, closed at its end).
    hours_source: str = "clock"
    # When the daily summary goes out, factory time (HH:MM); the weekly one on Mondays then.
    summary_time: str = "18:00"
    targets: tuple[tuple[str, Decimal], ...] = tuple(DEFAULT_TARGETS.items())

    def target(self, kpi: str) -> Decimal | None:
        return dict(self.targets).get(kpi)

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
    # A forgotten clock-out ("assignee": the person clocked in), then their team's supervisors.
    "clock_open": _minutes((0, "assignee"), (60, "role:supervisor")),
    # A plan change not acknowledged ("assignee": the person it was sent to), then their team's
    # supervisors (domain/changes.py).
    "change_unacknowledged": _minutes((15, "assignee"), (60, "role:supervisor")),
}


# Which ladders follow what, and so which targets and kinds make sense on them.
EXCEPTION_LADDERS = ("exception_ack", "exception_resolve")
TASK_LADDERS = ("task_not_started", "task_overdue", "shift_unreported")
_LADDER_TARGETS = {"responsible": (*EXCEPTION_LADDERS, "qc_waiting"),
                   "reporter": EXCEPTION_LADDERS,
                   "assignee": (*TASK_LADDERS, "clock_open", "change_unacknowledged")}


def check_target(target: str, ladder: str) -> str | None:
    """Why `target` cannot be a step of `ladder` (a message key), or None when it can.

    `person:CODE` is checked for form only; whether the person exists is the caller's question.
    """
    if target in _LADDER_TARGETS:
        return None if ladder in _LADDER_TARGETS[target] else "import.target_not_for_ladder"
    prefix, _, rest = target.partition(":")
    if prefix == "role" and rest in tuple(Role):
        return None
    if prefix == "group" and rest in GROUP_PURPOSES:
        return None
    if prefix == "person" and rest:
        return None
    return "import.bad_target"


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(小时|钟头|分钟|秒钟|hours?|hrs?|minutes?|mins?|"
                            r"seconds?|secs?|[hms时分秒])")


def parse_duration(text: str) -> int:
    """Seconds in "0", "30s", "10m", "1h30m", "90", "1小时30分钟"; a bare number is minutes.

    Raises ValueError for anything else (negative, empty, unknown unit).
    """
    text = normalize_text(text).casefold().replace(" ", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _whole_seconds(Decimal(text) * 60)
    pos, total = 0, Decimal(0)
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        unit = match[2][0]
        total += Decimal(match[1]) * (3600 if unit in "h小时钟" else 60 if unit in "m分" else 1)
        pos = match.end()
    if pos == 0 or pos != len(text):
        raise ValueError(text)
    return _whole_seconds(total)


def _whole_seconds(value: Decimal) -> int:
    if value != value.to_integral_value():
        raise ValueError(value)
    return int(value)


def format_duration(seconds: int) -> str:
    """The short form parse_duration reads: 90 → "1m30s", 3600 → "1h", 0 → "0"."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
    return text or "0"


@dataclass(frozen=True)
class Sampling:
    """Which reports at a QC checkpoint are inspected (抽检): every one, every Nth, or P %."""

    every: int = 1
    percent: Decimal | None = None

    @property
    def text(self) -> str:
        """The stored form: "all", "every:N" or "P%"."""
        if self.percent is not None:
            return f"{self.percent.normalize():f}%"
        return "all" if self.every == 1 else f"every:{self.every}"

    def inspects(self, nth_report: int, key: str) -> bool:
        """Is the task's `nth_report` (1 = its first) inspected?

        every:N inspects the 1st, N+1th, 2N+1th... report. P % decides from a hash of `key`
        (the report's idempotency key), so a retried report is decided the same way.
        """
        if self.percent is not None:
            digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
            return digest % 10_000 < self.percent * 100
        return (nth_report - 1) % self.every == 0


ALL = Sampling()
_EVERY = re.compile(r"(?:every[:\s]*|每|1/)(\d+)(?:件|个|pcs)?(?:抽(?:检)?(?:1|一)(?:件|个)?)?")


def parse_sampling(text: str | None) -> Sampling:
    """Read "all"/"全检", "every:5"/"每5件"/"1/5", or "10%"; blank means all.

    Raises ValueError for anything else, 0 %, or more than 100 %.
    """
    text = normalize_text(text or "").casefold().replace(" ", "")
    if text in ("", "all", "全检", "全部", "100%"):
        return ALL
    if match := _EVERY.fullmatch(text):
        every = int(match[1])
        if not 1 <= every <= 10_000:
            raise ValueError(text)
        return Sampling(every=every)
    if text.endswith("%"):
        try:
            percent = Decimal(text[:-1])
        except InvalidOperation:
            raise ValueError(text) from None
        if not percent.is_finite() or not 0 < percent <= 100 or percent != round(percent, 2):
            raise ValueError(text)
        return ALL if percent == 100 else Sampling(percent=percent)
    raise ValueError(text)


_WEEKDAY_NAMES = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}


def parse_weekdays(text: str) -> tuple[int, ...]:
    """ISO weekdays (1 = Monday) in "1-5", "1,3,5", "1-7", "周一至周五", "一、三、五".

    Raises ValueError for an empty list, a day outside 1-7, or a backwards range.
    """
    text = normalize_text(text).replace("星期", "").replace("周", "").replace("礼拜", "")
    text = re.sub(r"[至到~]", "-", text)
    days: set[int] = set()
    for part in re.split(r"[,;、/\s]+", text):
        if not part:
            continue
        ends = [_day(end) for end in part.split("-")]
        if len(ends) == 1:
            days.add(ends[0])
        elif len(ends) == 2 and ends[0] <= ends[1]:
            days.update(range(ends[0], ends[1] + 1))
        else:
            raise ValueError(part)
    if not days:
        raise ValueError(text)
    return tuple(sorted(days))


def _day(text: str) -> int:
    day = _WEEKDAY_NAMES.get(text) or (int(text) if text.isdigit() else 0)
    if not 1 <= day <= 7:
        raise ValueError(text)
    return day


def format_weekdays(days: tuple[int, ...]) -> str:
    """Ranges joined by commas: (1, 2, 3, 4, 5) → "1-5", (1, 3, 5) → "1,3,5"."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs)


def parse_clock(text: str) -> str:
    """A local time of day as "HH:MM" from "8:00", "08:00", "0800", "8点30"."""
    text = normalize_text(text).replace("：", ":").replace("点半", ":30")
    match = re.fullmatch(r"(\d{1,2})(?:[:点时.]?(\d{2}))?(?::00)?分?[点时]?", text)
    if not match:
        raise ValueError(text)
    hour, minute = int(match[1]), int(match[2] or 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(text)
    return f"{hour:02d}:{minute:02d}"


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
        report_window_minutes=int(values.get("report_window_minutes",
                                             defaults.report_window_minutes)),
        clock_forgot_minutes=int(values.get("clock_forgot_minutes",
                                            defaults.clock_forgot_minutes)),
        hours_source=values.get("hours_source", defaults.hours_source),
        summary_time=values.get("summary_time", defaults.summary_time),
        targets=tuple((name, Decimal(values.get(TARGET_PREFIX + name, str(default))))
                      for name, default in DEFAULT_TARGETS.items()),
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


# --- the factory tag 厂标 printed in every card's codes (domain/payload.py) ------------------

# Stored beside the settings, but drawn by the system, never imported: the settings sheet
# leaves it alone (domain/masterdata/settings_store.py).
FACTORY_TAG_KEY = "factory_tag"


async def stored_factory_tag(session: AsyncSession) -> str | None:
    return await session.scalar(
        select(FactorySetting.value).where(FactorySetting.key == FACTORY_TAG_KEY))


async def factory_tag(session: AsyncSession) -> str:
    """This installation's factory tag, drawn the first time it is needed.

    Two processes drawing at once both insert with ON CONFLICT DO NOTHING: one row wins and
    both read it back, so no card is ever printed with a tag that was not kept.
    """
    tag = await stored_factory_tag(session)
    if tag is not None:
        return tag
    assert session.bind is not None  # domain.db makes every session bound to its engine
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(FactorySetting)
                          .values(key=FACTORY_TAG_KEY, value=new_factory_tag())
                          .on_conflict_do_nothing(index_elements=["key"]))
    tag = await stored_factory_tag(session)
    assert tag is not None
    return tag


async def set_factory_tag(session: AsyncSession, tag: str, *,
                          actor_person_id: int | None = None) -> str:
    """Adopt a tag, e.g. the old installation's when the factory starts again without a backup
    and its cards are still on the floor. Cards printed with the tag it replaces stop working."""
    tag = normalize_text(tag).upper()
    if not is_factory_tag(tag):
        raise DomainError("label.bad_factory_tag", tag=tag, length=TAG_LENGTH,
                          alphabet=TAG_ALPHABET)
    before = await factory_tag(session)
    if tag != before:
        row = await session.get(FactorySetting, FACTORY_TAG_KEY)
        assert row is not None
        row.value = tag
        audit.record(session, "factory_tag.set", actor_person_id=actor_person_id,
                     before=before, after=tag)
    return tag


async def check_label_factory(session: AsyncSession, code: LabelCode | ReworkCode) -> None:
    """Refuse a code from another factory's card (DomainError label.other_factory); a code
    without a tag passes without a look at the database."""
    if code.factory is not None:
        check_factory(code, await stored_factory_tag(session))
