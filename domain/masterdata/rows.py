"""The shape of a master-data file: sheets, columns, rows, the problems found in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from domain.errors import DomainError

SHEETS = ("people", "products", "orders")

# Canonical columns per sheet, in the order a template shows them, and the ones a sheet needs.
COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("code", "name", "role", "team", "skills", "wage_mode", "hourly_rate", "language"),
    "products": ("product_code", "product_name", "sequence", "operation_code", "operation_name",
                 "piece_rate", "std_minutes", "qc", "workstation"),
    "orders": ("order_no", "customer", "product_code", "quantity", "due_date", "priority"),
}
REQUIRED: dict[str, frozenset[str]] = {
    "people": frozenset({"code", "name", "role"}),
    "products": frozenset({"product_code", "product_name", "sequence", "operation_code",
                           "operation_name", "piece_rate"}),
    "orders": frozenset({"order_no", "customer", "product_code", "quantity", "due_date"}),
}

MONEY_PLACES = 4  # Money columns hold 4 decimals
MINUTES_PLACES = 3
MAX_SEQUENCE = 9999  # the label payload carries at most four digits
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class SheetRow:
    """One spreadsheet row: `row` is its number in the sheet (the header is row 1)."""

    sheet: str
    row: int
    values: dict[str, object]


_ENGLISH = {
    "import.required": "required",
    "import.missing_column": "this column is missing from the sheet",
    "import.duplicate_column": "the column appears twice ({header!r})",
    "import.bad_number": "must be a number (got {value!r})",
    "import.negative": "must not be negative (got {value!r})",
    "import.too_precise": "at most {places} decimal places (got {value!r})",
    "import.bad_integer": "must be a whole number >= {min} (got {value!r})",
    "import.bad_priority": "must be a whole number from 1 (most urgent) to 5 (got {value!r})",
    "import.bad_role": "unknown role {value!r} (worker, qc, supervisor, manager, admin)",
    "import.bad_wage_mode": "unknown wage mode {value!r} (piece, hourly, mixed)",
    "import.bad_language": "unknown language {value!r} (zh, en)",
    "import.bad_qc": "must be yes or no (got {value!r})",
    "import.bad_date": "not a date (got {value!r}); write it like 2026-12-01",
    "import.too_long": "longer than {max} characters (got {value!r})",
    "import.too_large": "at most {max} (got {value!r})",
    "import.unknown_product": "unknown product {value!r}",
    "import.unknown_skill": "unknown operation code {value!r}",
    "import.duplicate": "{value!r} appears twice (first in row {first_row})",
    "import.inconsistent": "{value!r} differs from {expected!r} in row {first_row}",
    "import.hourly_rate_required": "wage mode {wage_mode} needs an hourly rate",
    "import.below_reported": "{value} is below the {reported} pieces already reported "
                             "on {work_order}",
    "import.work_order_closed": "work order {work_order} is {status} and cannot change",
}


@dataclass(frozen=True)
class RowError:
    """One problem in the file. `key` and `params` are rendered by the bot's message catalog."""

    sheet: str
    row: int
    column: str | None
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        template = _ENGLISH.get(self.key, self.key)
        if self.key == "import.bad_integer" and self.params.get("min") == 1:
            template = "must be a whole number > 0 (got {value!r})"
        try:
            message = template.format(**self.params)
        except (KeyError, IndexError):
            message = f"{self.key} {self.params}"
        where = f"{self.sheet} row {self.row}"
        return f"{where}, {self.column}: {message}" if self.column else f"{where}: {message}"


class ImportRejected(DomainError):
    """The file has errors; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("import.rejected", count=len(errors))
        self.errors = sorted(errors, key=error_order)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def error_order(error: RowError) -> tuple[int, int, int]:
    sheet = SHEETS.index(error.sheet) if error.sheet in SHEETS else len(SHEETS)
    columns = COLUMNS.get(error.sheet, ())
    column = columns.index(error.column) if error.column in columns else len(columns)
    return sheet, error.row, column


@dataclass(frozen=True)
class PersonData:
    row: int
    code: str
    name: str
    role: str
    team: str | None
    skills: tuple[str, ...]
    wage_mode: str
    hourly_rate: Decimal | None
    language: str | None
    given: frozenset[str]  # optional fields this row sets (the others keep their stored value)


@dataclass(frozen=True)
class OperationData:
    row: int
    seq: int
    code: str
    name: str
    piece_rate: Decimal
    std_minutes: Decimal
    qc: bool
    workstation: str | None
    given: frozenset[str]


@dataclass(frozen=True)
class ProductData:
    row: int  # its first row
    code: str
    name: str
    operations: tuple[OperationData, ...]  # by sequence


@dataclass(frozen=True)
class OrderLineData:
    row: int
    order_no: str
    customer: str
    product_code: str
    quantity: int
    due_date: date
    priority: int
    given: frozenset[str]


@dataclass(frozen=True)
class MasterData:
    """The rows that passed validation (all of them, when there are no errors)."""

    people: tuple[PersonData, ...] = ()
    products: tuple[ProductData, ...] = ()
    orders: tuple[OrderLineData, ...] = ()
