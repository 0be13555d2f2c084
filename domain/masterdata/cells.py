"""Reading one cell: text, choices, numbers, dates, skills; a bad cell becomes a RowError."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from domain.masterdata.rows import RowError, SheetRow
from domain.models import (
    Role,
    WageMode,
)
from domain.payload import normalize_text

ROLES = {
    "worker": Role.worker, "工人": Role.worker, "员工": Role.worker, "操作工": Role.worker,
    "qc": Role.qc, "质检": Role.qc, "质检员": Role.qc,
    "supervisor": Role.supervisor, "班组长": Role.supervisor, "组长": Role.supervisor,
    "主管": Role.supervisor,
    "manager": Role.manager, "厂长": Role.manager, "经理": Role.manager, "计划员": Role.manager,
    "admin": Role.admin, "管理员": Role.admin,
}
WAGE_MODES = {
    "piece": WageMode.piece, "计件": WageMode.piece,
    "hourly": WageMode.hourly, "计时": WageMode.hourly,
    "mixed": WageMode.mixed, "混合": WageMode.mixed,
}
LANGUAGES = {"zh": "zh", "中文": "zh", "chinese": "zh", "en": "en", "英文": "en", "english": "en"}
YES_NO = {
    "yes": True, "y": True, "true": True, "1": True, "是": True, "√": True, "✓": True,
    "no": False, "n": False, "false": False, "0": False, "否": False, "×": False,
}
_SKILL_SEPARATORS = re.compile(r"[,;、\s]+")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")

T = TypeVar("T")
Parse = Callable[[object], T]  # one cell's value to what it means; raises Bad


class Bad(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not normalize_text(value))


def raw_text(value: object) -> str:
    """The cell as the person wrote it, for messages."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def text_of(limit: int, *, code: bool = False) -> Parse[str]:
    def parse(value: object) -> str:
        text = raw_text(value)
        # Codes are compared, so full-width letters and digits become ASCII; names stay as typed.
        text = normalize_text(text) if code else "".join(
            ch for ch in text if ch not in "\u200b\u200c\u200d\ufeff")
        if len(text) > limit:
            raise Bad("import.too_long", value=text, max=limit)
        return text
    return parse


def choice_of(table: Mapping[str, T], key: str) -> Parse[T]:
    def parse(value: object) -> T:
        text = normalize_text(raw_text(value))
        try:
            return table[text.casefold()]
        except KeyError:
            raise Bad(key, value=text) from None
    return parse


def number_text(value: object) -> str:
    if isinstance(value, bool):
        raise Bad("import.bad_number", value=raw_text(value))
    text = normalize_text(raw_text(value))
    # "¥0.35" and "0.35元" are how people write money; a comma is never a decimal point here.
    return text.removeprefix("¥").removesuffix("元").strip()


def decimal_of(places: int) -> Parse[Decimal]:
    def parse(value: object) -> Decimal:
        text = number_text(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise Bad("import.bad_number", value=raw_text(value)) from None
        if not number.is_finite():
            raise Bad("import.bad_number", value=raw_text(value))
        if number < 0:
            raise Bad("import.negative", value=raw_text(value))
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise Bad("import.too_precise", value=raw_text(value), places=places)
        return number + 0  # drops a negative zero's sign
    return parse


def whole_of(value: object) -> Decimal:
    text = number_text(value)
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Bad("import.bad_number", value=raw_text(value)) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise Bad("import.bad_number", value=raw_text(value))
    return number


def integer_of(minimum: int, maximum: int) -> Parse[int]:
    def parse(value: object) -> int:
        try:
            number = whole_of(value)
        except Bad:
            raise Bad("import.bad_integer", value=raw_text(value), min=minimum) from None
        if number < minimum:
            raise Bad("import.bad_integer", value=raw_text(value), min=minimum)
        if number > maximum:
            raise Bad("import.too_large", value=raw_text(value), max=maximum)
        return int(number)
    return parse


def priority_of(value: object) -> int:
    try:
        number = whole_of(value)
    except Bad:
        raise Bad("import.bad_priority", value=raw_text(value)) from None
    if not 1 <= number <= 5:
        raise Bad("import.bad_priority", value=raw_text(value))
    return int(number)


def date_of(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalize_text(raw_text(value))
    try:
        if match := _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise Bad("import.bad_date", value=text)


def skills_of(value: object) -> tuple[str, ...]:
    codes = [c for c in _SKILL_SEPARATORS.split(normalize_text(raw_text(value))) if c]
    if len(",".join(codes)) > 500:
        raise Bad("import.too_long", value=raw_text(value), max=500)
    return tuple(dict.fromkeys(codes))


class Checker:
    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def error(self, row: SheetRow, column: str | None, key: str, **params: Any) -> None:
        self.errors.append(RowError(row.sheet, row.row, column, key, params))

    def unique(self, row: SheetRow, column: str, key: Hashable, value: Any,
               seen: dict[Any, int]) -> None:
        """Remember the first row of a key; a later row with the same key is a duplicate."""
        if key in seen:
            self.error(row, column, "import.duplicate", value=value, first_row=seen[key])
        else:
            seen[key] = row.row

    def consistent(self, row: SheetRow, column: str, key: Hashable, value: Any,
                   seen: dict[Any, tuple[Any, int]]) -> None:
        """Rows sharing a key must agree on this value (a product's name, an order's customer)."""
        first_value, first_row = seen.setdefault(key, (value, row.row))
        if value != first_value:
            self.error(row, column, "import.inconsistent", value=value, expected=first_value,
                       first_row=first_row)

    def get(self, row: SheetRow, column: str, parse: Parse[Any], *,
            required: bool = False) -> Any:
        """The parsed cell, or None when it is blank or wrong (the error is recorded)."""
        value = row.values.get(column)
        if is_blank(value):
            if required:
                self.error(row, column, "import.required")
            return None
        try:
            return parse(value)
        except Bad as bad:
            self.error(row, column, bad.key, **bad.params)
            return None
