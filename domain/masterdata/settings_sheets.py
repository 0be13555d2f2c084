"""Checking the settings sheets: defect reasons, responsible people, ladders, shifts, values.

Each sheet is optional; one that is present is checked whole, like the master data, and every
problem is reported with its sheet, row and column. The vocabulary (kinds, ladders, targets,
setting keys) is domain/factory_settings.py's; here are the ways people write it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import TypeVar

from domain import factory_settings as fs
from domain.masterdata.cells import (
    ROLES,
    Bad,
    Checker,
    Parse,
    choice_of,
    integer_of,
    raw_text,
    text_of,
)
from domain.masterdata.rows import (
    FactorySettingsData,
    LadderStepData,
    ReasonData,
    ResponsibilityData,
    SettingData,
    SheetRow,
    ShiftData,
)
from domain.payload import normalize_text

ANY = "*"
_ANY_WORDS = {"*": ANY, "any": ANY, "all": ANY, "全部": ANY, "所有": ANY, "任意": ANY}

KINDS = {
    "equipment": "equipment", "设备": "equipment", "设备故障": "equipment",
    "material": "material", "缺料": "material", "物料": "material", "材料": "material",
    "quality": "quality", "质量": "quality", "品质": "quality",
    "safety": "safety", "安全": "safety",
    "other": "other", "其他": "other", "其它": "other",
    "qc": "qc", "质检": "qc", "检验": "qc",
}
EXCEPTION_KINDS = {word: kind for word, kind in KINDS.items() if kind in fs.EXCEPTION_KINDS}
LADDERS = {
    "exception_ack": "exception_ack", "异常响应": "exception_ack", "异常确认": "exception_ack",
    "exception_resolve": "exception_resolve", "异常处理": "exception_resolve",
    "异常解决": "exception_resolve",
    "qc_waiting": "qc_waiting", "质检等待": "qc_waiting", "待质检": "qc_waiting",
    "task_not_started": "task_not_started", "未开工": "task_not_started",
    "任务未开工": "task_not_started",
    "task_overdue": "task_overdue", "任务逾期": "task_overdue", "逾期": "task_overdue",
    "超期": "task_overdue",
    "shift_unreported": "shift_unreported", "未报工": "shift_unreported",
    "班末未报工": "shift_unreported",
    "clock_open": "clock_open", "忘记下班打卡": "clock_open", "未下班打卡": "clock_open",
    "change_unacknowledged": "change_unacknowledged", "变更未确认": "change_unacknowledged",
}
assert set(LADDERS.values()) == set(fs.DEFAULT_LADDERS)
SEVERITIES = {"normal": "normal", "一般": "normal", "普通": "normal",
              "high": "high", "高": "high", "紧急": "high", "严重": "high", **_ANY_WORDS}
TARGET_WORDS = {"责任人": "responsible", "报告人": "reporter", "上报人": "reporter",
                "执行人": "assignee", "操作工": "assignee", "作业员": "assignee"}
TARGET_PREFIXES = {"role": "role", "角色": "role", "group": "group", "群": "group",
                   "person": "person", "人员": "person", "工号": "person"}
PURPOSES = {"exceptions": "exceptions", "异常": "exceptions", "异常群": "exceptions",
            "qc": "qc", "质检": "qc", "质检群": "qc",
            "management": "management", "管理": "management", "管理群": "management"}
SETTING_KEYS = {
    "rework_pay": "rework_pay", "返工计薪": "rework_pay", "返工工资": "rework_pay",
    "qc_wait_minutes": "qc_wait_minutes", "质检等待分钟": "qc_wait_minutes",
    "exception_autoclose_minutes": "exception_autoclose_minutes",
    "异常自动关闭分钟": "exception_autoclose_minutes",
    "shift_report_lead_minutes": "shift_report_lead_minutes",
    "班末提醒提前分钟": "shift_report_lead_minutes",
    "report_window_minutes": "report_window_minutes", "报工时限分钟": "report_window_minutes",
    "clock_forgot_minutes": "clock_forgot_minutes", "忘打卡分钟": "clock_forgot_minutes",
    "hours_source": "hours_source", "工时来源": "hours_source",
    "summary_time": "summary_time", "日报时间": "summary_time",
    **{fs.TARGET_PREFIX + name: fs.TARGET_PREFIX + name for name in fs.DEFAULT_TARGETS},
    **{"目标:" + name: fs.TARGET_PREFIX + name for name in fs.DEFAULT_TARGETS},
}
assert set(SETTING_KEYS.values()) == set(fs.SETTING_KEYS)
REWORK_PAY = {"paid": "paid", "计薪": "paid", "付费": "paid", "有偿": "paid",
              "unpaid_own": "unpaid_own", "责任人不计": "unpaid_own", "本人不计": "unpaid_own",
              "unpaid": "unpaid", "不计": "unpaid", "无偿": "unpaid", "不计薪": "unpaid"}
HOURS_SOURCES = {"clock": "clock", "打卡": "clock", "shift": "shift", "排班": "shift",
                 "班次": "shift"}
_HHMM = re.compile(r"([01]?\d|2[0-3])[:：]([0-5]\d)")
_REASON_CODE = re.compile(r"[A-Za-z0-9_\-]{1,32}")

T = TypeVar("T")
# Checks one sheet's rows, given the person codes that exist (None: not known); the good rows.
SheetCheck = Callable[[list[SheetRow], Checker, Collection[str] | None], list[T]]


def _choices(table: Mapping[str, str]) -> str:
    return ", ".join(dict.fromkeys(v for k, v in table.items() if k.isascii()))


def validate_settings(
    sheets: Mapping[str, Iterable[SheetRow]], check: Checker,
    people: Collection[str] | None,
) -> FactorySettingsData:
    """The settings sheets of the file that are present, checked (errors go to `check`).

    `people` are the person codes that exist (file and database); None skips that check.
    """
    def rows(sheet: str) -> list[SheetRow] | None:
        return None if sheet not in sheets else list(sheets[sheet])

    def given(sheet: str, validate: SheetCheck[T]) -> tuple[T, ...] | None:
        found = rows(sheet)
        return None if found is None else tuple(validate(found, check, people))

    return FactorySettingsData(
        defect_reasons=given("defect_reasons", _reasons),
        responsibles=given("responsibles", _responsibles),
        ladders=given("ladders", _ladders),
        shifts=given("shifts", _shifts),
        settings=given("settings", _settings),
    )


def _code(value: object) -> str:
    text = normalize_text(raw_text(value))
    if not _REASON_CODE.fullmatch(text):
        raise Bad("import.bad_reason_code", value=text)
    return text


def _reasons(rows: list[SheetRow], check: Checker,
             _people: Collection[str] | None) -> list[ReasonData]:
    seen: dict[str, int] = {}
    reasons = []
    for index, row in enumerate(rows):
        before = len(check.errors)
        code = check.get(row, "code", _code, required=True)
        name_zh = check.get(row, "name_zh", text_of(100), required=True)
        name_en = check.get(row, "name_en", text_of(100), required=True)
        sort = check.get(row, "sort", integer_of(0, 9999))
        if code is not None:
            check.unique(row, "code", code.casefold(), code, seen)
        if len(check.errors) == before:
            # Without a sort column the sheet's order is the buttons' order.
            reasons.append(ReasonData(row.row, code, name_zh, name_en,
                                      sort if sort is not None else index + 1))
    return reasons


def _person(people: Collection[str] | None) -> Parse[str]:
    def parse(value: object) -> str:
        code = normalize_text(raw_text(value))
        if people is not None and code not in people:
            raise Bad("import.unknown_person", value=code)
        return code
    return parse


def _responsibles(rows: list[SheetRow], check: Checker,
                  people: Collection[str] | None) -> list[ResponsibilityData]:
    seen: dict[tuple[str, str], int] = {}
    found = []
    for row in rows:
        before = len(check.errors)
        kind = check.get(row, "kind", _kind(KINDS), required=True)
        person = check.get(row, "person", _person(people), required=True)
        if kind is not None and person is not None:
            check.unique(row, "person", (kind, person), person, seen)
        if len(check.errors) == before:
            found.append(ResponsibilityData(row.row, kind, person))
    return found


def _kind(table: Mapping[str, str]) -> Parse[str]:
    def parse(value: object) -> str:
        text = normalize_text(raw_text(value)).casefold()
        if text in table:
            return table[text]
        raise Bad("import.bad_kind", value=text, choices=_choices(table))
    return parse


def _ladder(value: object) -> str:
    text = normalize_text(raw_text(value)).casefold()
    if text in LADDERS:
        return LADDERS[text]
    raise Bad("import.bad_ladder", value=text, choices=_choices(LADDERS))


def _duration(value: object) -> int:
    """Seconds; Excel may hand a time-of-day cell ("0:10") over as a time or a timedelta."""
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, time):
        return value.hour * 3600 + value.minute * 60 + value.second
    try:
        return fs.parse_duration(raw_text(value))
    except ValueError:
        raise Bad("import.bad_duration", value=raw_text(value)) from None


def _target(people: Collection[str] | None) -> Parse[str]:
    def parse(value: object) -> str:
        text = normalize_text(raw_text(value))
        word = text.casefold()
        if word in TARGET_WORDS:
            return TARGET_WORDS[word]
        head, colon, rest = text.partition(":")
        prefix = TARGET_PREFIXES.get(head.strip().casefold())
        if not colon or prefix is None:
            return word  # a keyword (checked against the ladder) or unknown
        rest = rest.strip()
        if prefix == "role":
            role = ROLES.get(rest.casefold())
            return f"role:{role}" if role is not None else f"role:{rest}"
        if prefix == "group":
            return f"group:{PURPOSES.get(rest.casefold(), rest)}"
        if people is not None and rest not in people:
            raise Bad("import.unknown_person", value=rest)
        return f"person:{rest}"
    return parse


def _ladders(rows: list[SheetRow], check: Checker,
             people: Collection[str] | None) -> list[LadderStepData]:
    seen: dict[tuple[str, str, str, int], int] = {}
    steps = []
    for row in rows:
        before = len(check.errors)
        ladder = check.get(row, "ladder", _ladder, required=True)
        kind_table = EXCEPTION_KINDS | _ANY_WORDS
        match = check.get(row, "kind", _kind(kind_table)) or ANY
        severity = check.get(row, "severity", choice_of(SEVERITIES, "import.bad_severity")) or ANY
        step = check.get(row, "step", integer_of(1, 99), required=True)
        delay = check.get(row, "after", _duration, required=True)
        target = check.get(row, "target", _target(people), required=True)
        if ladder is not None:
            if match != ANY and ladder not in fs.EXCEPTION_LADDERS:
                check.error(row, "kind", "import.kind_not_for_ladder", ladder=ladder,
                            value=match)
            if target is not None and (why := fs.check_target(target, ladder)):
                check.error(row, "target", why, value=target, ladder=ladder)
            if step is not None:
                check.unique(row, "step", (ladder, match, severity, step), step, seen)
        if len(check.errors) == before:
            steps.append(LadderStepData(row.row, ladder, match, severity, step, delay, target))
    _check_delays_grow(steps, rows, check)
    return steps


def _check_delays_grow(steps: list[LadderStepData], rows: list[SheetRow],
                       check: Checker) -> None:
    """Along one ladder (per kind and severity) a later step never comes sooner."""
    ladders: dict[tuple[str, str, str], list[LadderStepData]] = defaultdict(list)
    for step in steps:
        ladders[step.ladder, step.match, step.severity].append(step)
    by_row = {row.row: row for row in rows}
    for ladder in ladders.values():
        ordered = sorted(ladder, key=lambda s: s.step_no)
        for previous, step in zip(ordered, ordered[1:], strict=False):
            if step.delay_seconds < previous.delay_seconds:
                check.error(by_row[step.row], "after", "import.delay_decreases",
                            value=fs.format_duration(step.delay_seconds), step=previous.step_no,
                            previous=fs.format_duration(previous.delay_seconds))


def _weekdays(value: object) -> str:
    try:
        return fs.format_weekdays(fs.parse_weekdays(raw_text(value)))
    except ValueError:
        raise Bad("import.bad_weekdays", value=raw_text(value)) from None


def _clock(value: object) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    try:
        return fs.parse_clock(raw_text(value))
    except ValueError:
        raise Bad("import.bad_clock", value=raw_text(value)) from None


def _team(value: object) -> str:
    text = text_of(64)(value)
    return _ANY_WORDS.get(text.casefold(), text)


def _shifts(rows: list[SheetRow], check: Checker,
            _people: Collection[str] | None) -> list[ShiftData]:
    seen: dict[tuple[str, str], int] = {}
    shifts = []
    for row in rows:
        before = len(check.errors)
        name = check.get(row, "name", text_of(32), required=True)
        team = check.get(row, "team", _team) or ANY
        weekdays = check.get(row, "weekdays", _weekdays) or "1-7"
        start = check.get(row, "start", _clock, required=True)
        end = check.get(row, "end", _clock, required=True)
        if start is not None and start == end:
            check.error(row, "end", "import.empty_shift", value=start)
        if name is not None:
            check.unique(row, "name", (name, team), name, seen)
        if len(check.errors) == before:
            shifts.append(ShiftData(row.row, name, team, weekdays, start, end))
    return shifts


def _setting_key(value: object) -> str:
    text = normalize_text(raw_text(value)).casefold().replace("：", ":")
    if text in SETTING_KEYS:
        return SETTING_KEYS[text]
    raise Bad("import.bad_setting", value=text, choices=", ".join(fs.SETTING_KEYS))


def _setting_value(key: str, value: object) -> str:
    if key == "rework_pay":
        return choice_of(REWORK_PAY, "import.bad_rework_pay")(value)
    if key == "hours_source":
        return choice_of(HOURS_SOURCES, "import.bad_hours_source")(value)
    if key == "summary_time":
        match = _HHMM.fullmatch(normalize_text(raw_text(value)).replace(" ", ""))
        if not match:
            raise Bad("import.bad_clock", value=raw_text(value))
        return f"{int(match[1]):02d}:{match[2]}"
    if key.startswith(fs.TARGET_PREFIX):
        try:
            target = Decimal(normalize_text(raw_text(value)).rstrip("%"))
        except InvalidOperation:
            target = Decimal(-1)
        if not target.is_finite() or target < 0:
            raise Bad("import.bad_target_value", value=raw_text(value))
        return str(target)
    low, high = fs.MINUTE_SETTINGS[key]
    try:
        minutes = integer_of(low, high)(value)
    except Bad:
        raise Bad("import.bad_minutes", value=raw_text(value), min=low, max=high) from None
    return str(minutes)


def _settings(rows: list[SheetRow], check: Checker,
              _people: Collection[str] | None) -> list[SettingData]:
    seen: dict[str, int] = {}
    values = []
    for row in rows:
        before = len(check.errors)
        key = check.get(row, "key", _setting_key, required=True)
        value: str | None = None
        if key is not None:
            check.unique(row, "key", key, key, seen)
            value = check.get(row, "value", partial(_setting_value, key), required=True)
        if len(check.errors) == before:
            assert value is not None  # a blank or bad value is an error
            values.append(SettingData(row.row, key, value))
    return values
