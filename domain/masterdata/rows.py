"""The shape of a master-data file: sheets, columns, rows, the problems found in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from domain.errors import DomainError

SHEETS = ("people", "products", "orders")
# The factory's settings: optional sheets, each replacing its table when present.
SETTINGS_SHEETS = ("defect_reasons", "responsibles", "ladders", "shifts", "settings")
# Planning: optional sheets for materials, bills of material and who works which task.
PLANNING_SHEETS = ("materials", "bom", "assignments")
ALL_SHEETS = (*SHEETS, *SETTINGS_SHEETS, *PLANNING_SHEETS)

# Canonical columns per sheet, in the order a template shows them, and the ones a sheet needs.
COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("code", "name", "role", "team", "skills", "wage_mode", "hourly_rate", "language"),
    "products": ("product_code", "product_name", "sequence", "operation_code", "operation_name",
                 "piece_rate", "std_minutes", "qc", "qc_sampling", "workstation"),
    "orders": ("order_no", "customer", "product_code", "quantity", "due_date", "priority"),
    "defect_reasons": ("code", "name_zh", "name_en", "sort"),
    "responsibles": ("kind", "person"),
    "ladders": ("ladder", "kind", "severity", "step", "after", "target"),
    "shifts": ("name", "team", "weekdays", "start", "end"),
    "settings": ("key", "value"),
    "materials": ("material_code", "material_name", "unit", "on_hand"),
    "bom": ("product_code", "material_code", "qty_per_unit", "unit", "operation_code"),
    # A work order by its code, or (for one this file creates) by its order line.
    "assignments": ("work_order", "order_no", "product_code", "sequence", "people", "team",
                    "claimable"),
}
REQUIRED: dict[str, frozenset[str]] = {
    "people": frozenset({"code", "name", "role"}),
    "products": frozenset({"product_code", "product_name", "sequence", "operation_code",
                           "operation_name", "piece_rate"}),
    "orders": frozenset({"order_no", "customer", "product_code", "quantity", "due_date"}),
    "defect_reasons": frozenset({"code", "name_zh", "name_en"}),
    "responsibles": frozenset({"kind", "person"}),
    "ladders": frozenset({"ladder", "step", "after", "target"}),
    "shifts": frozenset({"name", "start", "end"}),
    "settings": frozenset({"key", "value"}),
    "materials": frozenset({"material_code", "material_name"}),
    "bom": frozenset({"product_code", "material_code", "qty_per_unit"}),
    "assignments": frozenset({"sequence"}),
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
    "import.bad_sampling": "unknown sampling {value!r} (all, every:5, 10%)",
    "import.bad_reason_code": "a reason code is letters, digits, - or _ (got {value!r})",
    "import.bad_kind": "unknown kind {value!r} ({choices})",
    "import.bad_ladder": "unknown ladder {value!r} ({choices})",
    "import.bad_severity": "unknown severity {value!r} (normal, high, *)",
    "import.kind_not_for_ladder": "ladder {ladder} is not per kind: write * (got {value!r})",
    "import.bad_duration": "not a delay (got {value!r}); write it like 0, 30s, 10m, 1h30m",
    "import.delay_decreases": "{value} is shorter than step {step}'s {previous}: delays must "
                              "not decrease along the steps",
    "import.bad_target": "unknown target {value!r} (responsible, reporter, assignee, "
                         "role:supervisor, group:exceptions, person:CODE...)",
    "import.target_not_for_ladder": "target {value!r} does not exist on ladder {ladder}",
    "import.unknown_person": "unknown person {value!r}",
    "import.bad_weekdays": "not weekdays (got {value!r}); write them like 1-5 or 1,3,5 "
                           "(1 = Monday)",
    "import.bad_clock": "not a time of day (got {value!r}); write it like 08:00",
    "import.empty_shift": "a shift cannot start and end at the same time ({value})",
    "import.bad_setting": "unknown setting {value!r} ({choices})",
    "import.bad_rework_pay": "unknown rework pay {value!r} (paid, unpaid_own, unpaid)",
    "import.bad_hours_source": "unknown hours source {value!r} (clock, shift)",
    "import.bad_target_value": "a target must be a number of 0 or more (got {value!r})",
    "import.bad_minutes": "must be a whole number of minutes from {min} to {max} "
                          "(got {value!r})",
    "import.unknown_material": "unknown material {value!r}",
    "import.not_positive": "must be more than 0 (got {value!r})",
    "import.unit_mismatch": "unit {value!r} differs from the material's unit {expected!r}",
    "import.unknown_operation": "product {product} has no operation {value!r}",
    "import.unknown_work_order": "unknown work order {value!r}",
    "import.work_order_needed": "give the work order, or the order number and product code",
    "import.unknown_order_line": "order {order_no} has no line for product {value!r}",
    "import.unknown_task": "work order {work_order} has no operation {value}",
    "import.unknown_team": "unknown team {value!r}",
    "import.inactive_person": "{value} is no longer active",
    "import.no_skill": "{value} has no skill {operation}",
    "import.assignment_empty": "give people, a team, or claimable = yes",
    "import.team_without_workers": "team {value!r} has no active worker for operation "
                                   "{operation}",
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
    sheet = ALL_SHEETS.index(error.sheet) if error.sheet in ALL_SHEETS else len(ALL_SHEETS)
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
    qc_sampling: str  # as Sampling.text stores it
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
class ReasonData:
    row: int
    code: str
    name_zh: str
    name_en: str
    sort: int


@dataclass(frozen=True)
class ResponsibilityData:
    row: int
    kind: str
    person: str  # a person's code


@dataclass(frozen=True)
class LadderStepData:
    row: int
    ladder: str
    match: str  # an exception kind, or '*'
    severity: str  # normal, high, or '*'
    step_no: int
    delay_seconds: int
    target: str


@dataclass(frozen=True)
class ShiftData:
    row: int
    name: str
    team: str  # '*' for everyone
    weekdays: str  # canonical, e.g. "1-5"
    start: str  # HH:MM
    end: str


@dataclass(frozen=True)
class SettingData:
    row: int
    key: str
    value: str  # canonical text


@dataclass(frozen=True)
class FactorySettingsData:
    """The settings sheets that passed validation; None for a sheet the file does not have
    (its table is left alone), a tuple (maybe empty) for one it has (it replaces the table)."""

    defect_reasons: tuple[ReasonData, ...] | None = None
    responsibles: tuple[ResponsibilityData, ...] | None = None
    ladders: tuple[LadderStepData, ...] | None = None
    shifts: tuple[ShiftData, ...] | None = None
    settings: tuple[SettingData, ...] | None = None


@dataclass(frozen=True)
class MaterialData:
    row: int
    code: str
    name: str
    unit: str | None  # None: keep the stored one (new materials: pcs)
    on_hand: Decimal | None  # a stock count; None: the stock stays as it is


@dataclass(frozen=True)
class BomLineData:
    row: int
    product_code: str
    material_code: str
    qty_per_unit: Decimal
    operation_code: str | None  # None: the first operation


@dataclass(frozen=True)
class AssignmentData:
    row: int
    work_order: str | None  # a work order code, or
    order_line: tuple[str, str] | None  # (order_no, product_code) of a line in this file
    seq: int
    people: tuple[str, ...]  # person codes
    team: str | None
    claimable: bool | None  # None: left as it is


@dataclass(frozen=True)
class PlanningData:
    """The planning sheets that passed validation; None for a sheet the file does not have."""

    materials: tuple[MaterialData, ...] | None = None
    bom: tuple[BomLineData, ...] | None = None
    assignments: tuple[AssignmentData, ...] | None = None


@dataclass(frozen=True)
class MasterData:
    """The rows that passed validation (all of them, when there are no errors)."""

    people: tuple[PersonData, ...] = ()
    products: tuple[ProductData, ...] = ()
    orders: tuple[OrderLineData, ...] = ()
    settings: FactorySettingsData = FactorySettingsData()
    planning: PlanningData = PlanningData()
