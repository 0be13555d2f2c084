"""Master data import: people, products with their routings, and orders, from one workbook.

Reading the file is the bot's business (bot/workbook.py); it hands over `SheetRow`s keyed by
canonical column names. Here every row is checked (`validate` collects every error, it never
stops at the first) and, only when the whole file is clean, written (`import_master_data`).
A file with any error changes nothing: the factory fixes the sheet and imports it again.

Cells and columns: a blank cell means "none" or the default, except that a blank language or
priority keeps what was set since (in the bot, or a rush); a column missing from the sheet
leaves that field of existing rows alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, progress
from domain.errors import DomainError
from domain.flow import processed
from domain.models import (
    OPEN_WORK_ORDER,
    Operation,
    OperationTask,
    Order,
    Person,
    Product,
    Role,
    Routing,
    WageMode,
    WorkOrder,
    utcnow,
)
from domain.payload import normalize_text, work_order_code
from domain.work_orders import release_work_order

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

_ROLES = {
    "worker": Role.worker, "工人": Role.worker, "员工": Role.worker, "操作工": Role.worker,
    "qc": Role.qc, "质检": Role.qc, "质检员": Role.qc,
    "supervisor": Role.supervisor, "班组长": Role.supervisor, "组长": Role.supervisor,
    "主管": Role.supervisor,
    "manager": Role.manager, "厂长": Role.manager, "经理": Role.manager, "计划员": Role.manager,
    "admin": Role.admin, "管理员": Role.admin,
}
_WAGE_MODES = {
    "piece": WageMode.piece, "计件": WageMode.piece,
    "hourly": WageMode.hourly, "计时": WageMode.hourly,
    "mixed": WageMode.mixed, "混合": WageMode.mixed,
}
_LANGUAGES = {"zh": "zh", "中文": "zh", "chinese": "zh", "en": "en", "英文": "en", "english": "en"}
_YES_NO = {
    "yes": True, "y": True, "true": True, "1": True, "是": True, "√": True, "✓": True,
    "no": False, "n": False, "false": False, "0": False, "否": False, "×": False,
}
_SKILL_SEPARATORS = re.compile(r"[,;、\s]+")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")

MONEY_PLACES = 4  # Money columns hold 4 decimals
MINUTES_PLACES = 3
MAX_SEQUENCE = 9999  # the label payload carries at most four digits
MAX_QUANTITY = 1_000_000


# --- rows in, rows out ------------------------------------------------------------------------

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
        self.errors = sorted(errors, key=_error_order)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def _error_order(error: RowError) -> tuple[int, int, int]:
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


# --- reading cells ----------------------------------------------------------------------------

class _Bad(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not normalize_text(value))


def _raw(value: object) -> str:
    """The cell as the person wrote it, for messages."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _text(limit: int, *, code: bool = False):
    def parse(value: object) -> str:
        text = _raw(value)
        # Codes are compared, so full-width letters and digits become ASCII; names stay as typed.
        text = normalize_text(text) if code else "".join(
            ch for ch in text if ch not in "\u200b\u200c\u200d\ufeff")
        if len(text) > limit:
            raise _Bad("import.too_long", value=text, max=limit)
        return text
    return parse


def _choice(table: Mapping[str, Any], key: str):
    def parse(value: object) -> Any:
        text = normalize_text(_raw(value))
        try:
            return table[text.casefold()]
        except KeyError:
            raise _Bad(key, value=text) from None
    return parse


def _number_text(value: object) -> str:
    if isinstance(value, bool):
        raise _Bad("import.bad_number", value=_raw(value))
    text = normalize_text(_raw(value))
    # "¥0.35" and "0.35元" are how people write money; a comma is never a decimal point here.
    return text.removeprefix("¥").removesuffix("元").strip()


def _decimal(places: int):
    def parse(value: object) -> Decimal:
        text = _number_text(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _Bad("import.bad_number", value=_raw(value)) from None
        if not number.is_finite():
            raise _Bad("import.bad_number", value=_raw(value))
        if number < 0:
            raise _Bad("import.negative", value=_raw(value))
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise _Bad("import.too_precise", value=_raw(value), places=places)
        return number + 0  # drops a negative zero's sign
    return parse


def _whole(value: object) -> Decimal:
    text = _number_text(value)
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Bad("import.bad_number", value=_raw(value)) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise _Bad("import.bad_number", value=_raw(value))
    return number


def _integer(minimum: int, maximum: int):
    def parse(value: object) -> int:
        try:
            number = _whole(value)
        except _Bad:
            raise _Bad("import.bad_integer", value=_raw(value), min=minimum) from None
        if number < minimum:
            raise _Bad("import.bad_integer", value=_raw(value), min=minimum)
        if number > maximum:
            raise _Bad("import.too_large", value=_raw(value), max=maximum)
        return int(number)
    return parse


def _priority(value: object) -> int:
    try:
        number = _whole(value)
    except _Bad:
        raise _Bad("import.bad_priority", value=_raw(value)) from None
    if not 1 <= number <= 5:
        raise _Bad("import.bad_priority", value=_raw(value))
    return int(number)


def _date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normalize_text(_raw(value))
    try:
        if match := _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise _Bad("import.bad_date", value=text)


def _skills(value: object) -> tuple[str, ...]:
    codes = [c for c in _SKILL_SEPARATORS.split(normalize_text(_raw(value))) if c]
    if len(",".join(codes)) > 500:
        raise _Bad("import.too_long", value=_raw(value), max=500)
    return tuple(dict.fromkeys(codes))


class _Checker:
    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def error(self, row: SheetRow, column: str | None, key: str, **params: Any) -> None:
        self.errors.append(RowError(row.sheet, row.row, column, key, params))

    def get(self, row: SheetRow, column: str, parse, *, required: bool = False) -> Any:
        """The parsed cell, or None when it is blank or wrong (the error is recorded)."""
        value = row.values.get(column)
        if _blank(value):
            if required:
                self.error(row, column, "import.required")
            return None
        try:
            return parse(value)
        except _Bad as bad:
            self.error(row, column, bad.key, **bad.params)
            return None


# --- validation -------------------------------------------------------------------------------

def validate(
    sheets: Mapping[str, Iterable[SheetRow]],
    *,
    known_products: Collection[str] | None = None,
    known_operations: Collection[str] | None = None,
) -> tuple[MasterData, list[RowError]]:
    """Check every row of every sheet and return what passed, with every error found.

    Pure. References to products and operation codes are checked against the file itself plus
    `known_products` / `known_operations` (what the database holds); pass None to skip that
    check (`import_master_data` always does it).
    """
    check = _Checker()
    people_rows = list(sheets.get("people", ()))
    product_rows = list(sheets.get("products", ()))
    order_rows = list(sheets.get("orders", ()))

    products = _products(product_rows, check)
    file_products = {c for r in product_rows if (c := _code_of(r, "product_code"))}
    file_operations = {c for r in product_rows if (c := _code_of(r, "operation_code"))}
    operations = None if known_operations is None else file_operations | set(known_operations)
    people = _people(people_rows, check, operations)
    catalog = None if known_products is None else file_products | set(known_products)
    orders = _orders(order_rows, check, catalog)

    errors = sorted(check.errors, key=_error_order)
    return MasterData(tuple(people), tuple(products), tuple(orders)), errors


def _code_of(row: SheetRow, column: str) -> str | None:
    value = row.values.get(column)
    return None if _blank(value) else normalize_text(_raw(value))


def _given(row: SheetRow, columns: Iterable[str]) -> frozenset[str]:
    return frozenset(c for c in columns if c in row.values)


def _people(rows: list[SheetRow], check: _Checker,
            operations: set[str] | None) -> list[PersonData]:
    # Skills match operation codes case-insensitively and are stored as the routing spells them.
    spelled = None if operations is None else {c.casefold(): c for c in operations}
    first_row: dict[str, int] = {}
    people = []
    for row in rows:
        before = len(check.errors)
        code = check.get(row, "code", _text(32, code=True), required=True)
        name = check.get(row, "name", _text(100), required=True)
        role = check.get(row, "role", _choice(_ROLES, "import.bad_role"), required=True)
        team = check.get(row, "team", _text(64))
        skills = check.get(row, "skills", _skills) or ()
        wage_mode = check.get(row, "wage_mode", _choice(_WAGE_MODES, "import.bad_wage_mode"))
        hourly_rate = check.get(row, "hourly_rate", _decimal(MONEY_PLACES))
        language = check.get(row, "language", _choice(_LANGUAGES, "import.bad_language"))

        if wage_mode in (WageMode.hourly, WageMode.mixed) and _blank(row.values.get("hourly_rate")):
            check.error(row, "hourly_rate", "import.hourly_rate_required", wage_mode=str(wage_mode))
        if spelled is not None:
            for skill in skills:
                if skill.casefold() not in spelled:
                    check.error(row, "skills", "import.unknown_skill", value=skill)
            skills = tuple(dict.fromkeys(spelled.get(s.casefold(), s) for s in skills))
        if code is not None:
            if code in first_row:
                check.error(row, "code", "import.duplicate", value=code, first_row=first_row[code])
            else:
                first_row[code] = row.row

        given = _given(row, ("team", "skills", "wage_mode", "hourly_rate"))
        if language is not None:  # a blank language keeps what the person chose in the bot
            given |= {"language"}
        if len(check.errors) == before:
            people.append(PersonData(
                row=row.row, code=code, name=name, role=str(role), team=team, skills=skills,
                wage_mode=str(wage_mode or WageMode.piece), hourly_rate=hourly_rate,
                language=language, given=given,
            ))
    return people


def _products(rows: list[SheetRow], check: _Checker) -> list[ProductData]:
    names: dict[str, tuple[str, int]] = {}
    seqs: dict[tuple[str, int], int] = {}
    op_codes: dict[tuple[str, str], int] = {}
    operations: dict[str, list[OperationData]] = defaultdict(list)
    failed: set[str] = set()
    for row in rows:
        before = len(check.errors)
        product = check.get(row, "product_code", _text(64, code=True), required=True)
        name = check.get(row, "product_name", _text(200), required=True)
        seq = check.get(row, "sequence", _integer(1, MAX_SEQUENCE), required=True)
        code = check.get(row, "operation_code", _text(32, code=True), required=True)
        op_name = check.get(row, "operation_name", _text(100), required=True)
        rate = check.get(row, "piece_rate", _decimal(MONEY_PLACES), required=True)
        minutes = check.get(row, "std_minutes", _decimal(MINUTES_PLACES))
        qc = check.get(row, "qc", _choice(_YES_NO, "import.bad_qc"))
        workstation = check.get(row, "workstation", _text(64))

        if product is not None:
            if name is not None:
                first_name, first = names.setdefault(product, (name, row.row))
                if name != first_name:
                    check.error(row, "product_name", "import.inconsistent", value=name,
                                expected=first_name, first_row=first)
            if seq is not None:
                if (product, seq) in seqs:
                    check.error(row, "sequence", "import.duplicate", value=seq,
                                first_row=seqs[product, seq])
                else:
                    seqs[product, seq] = row.row
            if code is not None:
                if (product, code) in op_codes:
                    check.error(row, "operation_code", "import.duplicate", value=code,
                                first_row=op_codes[product, code])
                else:
                    op_codes[product, code] = row.row

        if len(check.errors) > before:
            failed.add(product or "")
            continue
        operations[product].append(OperationData(
            row=row.row, seq=seq, code=code, name=op_name, piece_rate=rate,
            std_minutes=minutes if minutes is not None else Decimal(0), qc=bool(qc),
            workstation=workstation, given=_given(row, ("std_minutes", "qc", "workstation")),
        ))
    return [
        ProductData(row=min(o.row for o in ops), code=code, name=names[code][0],
                    operations=tuple(sorted(ops, key=lambda o: o.seq)))
        for code, ops in operations.items() if code not in failed
    ]


def _orders(rows: list[SheetRow], check: _Checker,
            catalog: set[str] | None) -> list[OrderLineData]:
    customers: dict[str, tuple[str, int]] = {}
    lines_seen: dict[tuple[str, str], int] = {}
    lines = []
    for row in rows:
        before = len(check.errors)
        order_no = check.get(row, "order_no", _text(64, code=True), required=True)
        customer = check.get(row, "customer", _text(200), required=True)
        product = check.get(row, "product_code", _text(64, code=True), required=True)
        quantity = check.get(row, "quantity", _integer(1, MAX_QUANTITY), required=True)
        due = check.get(row, "due_date", _date, required=True)
        priority = check.get(row, "priority", _priority)

        if product is not None and catalog is not None and product not in catalog:
            check.error(row, "product_code", "import.unknown_product", value=product)
        if order_no is not None:
            if customer is not None:
                first_customer, first = customers.setdefault(order_no, (customer, row.row))
                if customer != first_customer:
                    check.error(row, "customer", "import.inconsistent", value=customer,
                                expected=first_customer, first_row=first)
            if product is not None:
                if (order_no, product) in lines_seen:
                    check.error(row, "product_code", "import.duplicate", value=product,
                                first_row=lines_seen[order_no, product])
                else:
                    lines_seen[order_no, product] = row.row

        if len(check.errors) == before:
            lines.append(OrderLineData(
                row=row.row, order_no=order_no, customer=customer, product_code=product,
                quantity=quantity, due_date=due, priority=priority or 3,
                given=frozenset({"priority"}) if priority is not None else frozenset(),
            ))
    return lines


# --- import -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ImportResult:
    people: Counts
    products: Counts
    routings: Counts  # created: a new routing version (or a new product's first)
    orders: Counts
    work_orders: Counts
    released: tuple[str, ...]  # codes of the work orders released by this import

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self._counts().values())

    def _counts(self) -> dict[str, Counts]:
        return {"people": self.people, "products": self.products, "routings": self.routings,
                "orders": self.orders, "work_orders": self.work_orders}

    def to_dict(self) -> dict[str, Any]:
        counts = {k: vars(c).copy() for k, c in self._counts().items()}
        return {**counts, "released": list(self.released)}


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = defaultdict(
            lambda: {"created": 0, "updated": 0, "unchanged": 0})

    def add(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def result(self, released: list[str]) -> ImportResult:
        return ImportResult(**{k: Counts(**self.counts[k]) for k in
                               ("people", "products", "routings", "orders", "work_orders")},
                            released=tuple(released))


def _apply(entity: object, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the attributes that differ; return them as {name: [old, new]} for the audit trail."""
    changes = {}
    for name, new in values.items():
        old = getattr(entity, name)
        if old != new:
            setattr(entity, name, new)
            changes[name] = [old, new]
    return changes


@dataclass
class _Stored:
    """What the database already holds of the entities the file names."""

    people: dict[str, Person]
    products: dict[str, Product]
    routings: dict[int, Routing]  # current routing by product id
    orders: dict[str, Order]
    work_orders: dict[tuple[str, str], WorkOrder]  # by (order_no, product_code)
    tasks: dict[int, list[OperationTask]]  # by work order id
    product_codes: set[str]
    operation_codes: set[str]


async def import_master_data(
    session: AsyncSession,
    sheets: Mapping[str, Iterable[SheetRow]],
    *,
    actor_person_id: int | None = None,
) -> ImportResult:
    """Validate the whole file against itself and the database, then create or update.

    Raises ImportRejected with every error, changing nothing, if any row is wrong. Does not
    commit: the caller owns the transaction.
    """
    sheets = {name: list(rows) for name, rows in sheets.items()}
    stored = await _load(session, sheets)
    data, errors = validate(sheets, known_products=stored.product_codes,
                            known_operations=stored.operation_codes)
    errors += _check_order_changes(data, stored)
    if errors:
        raise ImportRejected(errors)

    tally = _Tally()
    log: list[tuple[str, object, dict[str, Any]]] = []
    _upsert_people(session, data.people, stored, tally, log)
    await _upsert_products(session, data.products, stored, tally, log)
    released = await _upsert_orders(session, data.orders, stored, tally, log, actor_person_id)

    await session.flush()
    for action, entity, detail in log:
        audit.record(session, action, actor_person_id=actor_person_id,
                     entity=action.split(".")[0], entity_id=entity.id, **detail)
    result = tally.result(released)
    if result.changed:
        audit.record(session, "master_data.imported", actor_person_id=actor_person_id,
                     **result.to_dict())
    return result


def _column(sheets: Mapping[str, list[SheetRow]], sheet: str, column: str) -> set[str]:
    return {c for r in sheets.get(sheet, ()) if (c := _code_of(r, column))}


async def _load(session: AsyncSession, sheets: Mapping[str, list[SheetRow]]) -> _Stored:
    person_codes = _column(sheets, "people", "code")
    product_codes = _column(sheets, "products", "product_code") | _column(
        sheets, "orders", "product_code")
    order_nos = _column(sheets, "orders", "order_no")

    people = (await session.scalars(select(Person).where(Person.code.in_(person_codes)))).all()
    products = (await session.scalars(
        select(Product).where(Product.code.in_(product_codes)))).all()
    routings: dict[int, Routing] = {}
    for routing in (await session.scalars(select(Routing).where(
            Routing.product_id.in_([p.id for p in products])).order_by(Routing.version))).all():
        routings[routing.product_id] = routing  # the highest version wins
    orders = (await session.scalars(select(Order).where(Order.order_no.in_(order_nos)))).all()
    order_by_id = {o.id: o for o in orders}
    work_orders: dict[tuple[str, str], WorkOrder] = {}
    rows = await session.execute(
        select(WorkOrder, Product.code).join(Product, WorkOrder.product_id == Product.id)
        .where(WorkOrder.order_id.in_(order_by_id)))
    for work_order, product_code in rows.all():
        work_orders[order_by_id[work_order.order_id].order_no, product_code] = work_order
    tasks: dict[int, list[OperationTask]] = defaultdict(list)
    for task in (await session.scalars(select(OperationTask).where(
            OperationTask.work_order_id.in_([w.id for w in work_orders.values()]))
            .order_by(OperationTask.seq))).all():
        tasks[task.work_order_id].append(task)
    operation_codes = set((await session.scalars(select(Operation.code).distinct())).all())
    return _Stored(
        people={p.code: p for p in people}, products={p.code: p for p in products},
        routings=routings, orders={o.order_no: o for o in orders}, work_orders=work_orders,
        tasks=tasks, product_codes={p.code for p in products}, operation_codes=operation_codes,
    )


def _line_values(line: OrderLineData) -> dict[str, Any]:
    values: dict[str, Any] = {"quantity": line.quantity, "due_date": line.due_date}
    if "priority" in line.given:
        values["priority"] = line.priority
    return values


def _check_order_changes(data: MasterData, stored: _Stored) -> list[RowError]:
    """Changes the database refuses: a finished work order, or less than already reported."""
    errors = []
    for line in data.orders:
        work_order = stored.work_orders.get((line.order_no, line.product_code))
        if work_order is None:
            continue
        values = _line_values(line)
        if all(getattr(work_order, k) == v for k, v in values.items()):
            continue
        if work_order.status not in OPEN_WORK_ORDER:
            errors.append(RowError("orders", line.row, None, "import.work_order_closed",
                                   {"work_order": work_order.code, "status": work_order.status}))
            continue
        # Over-production within tolerance may exceed the old quantity: only a new one is checked.
        reported = max((processed(t) for t in stored.tasks.get(work_order.id, ())), default=0)
        if line.quantity != work_order.quantity and line.quantity < reported:
            errors.append(RowError("orders", line.row, "quantity", "import.below_reported",
                                   {"value": line.quantity, "reported": reported,
                                    "work_order": work_order.code}))
    return errors


def _record(tally: _Tally, log: list, kind: str, action: str, entity: object,
            changes: dict[str, Any]) -> None:
    if changes:
        tally.add(kind, "updated")
        log.append((action, entity, {"changes": changes}))
    else:
        tally.add(kind, "unchanged")


_PERSON_FIELDS = {"team": "team", "skills": "skills_text", "wage_mode": "wage_mode",
                  "hourly_rate": "hourly_rate", "language": "language"}


def _upsert_people(session: AsyncSession, people: tuple[PersonData, ...], stored: _Stored,
                   tally: _Tally, log: list) -> None:
    for data in people:
        values = {"name": data.name, "role": data.role, "team": data.team,
                  "skills_text": ",".join(data.skills), "wage_mode": data.wage_mode,
                  "hourly_rate": data.hourly_rate, "language": data.language}
        person = stored.people.get(data.code)
        if person is None:
            person = Person(code=data.code, **values)
            session.add(person)
            tally.add("people", "created")
            log.append(("person.created", person, {"code": data.code}))
            continue
        for column, attribute in _PERSON_FIELDS.items():
            if column not in data.given:
                del values[attribute]
        # The Telegram binding is the person's own doing: import never touches it.
        _record(tally, log, "people", "person.updated", person, _apply(person, values))


def _operation_values(op: OperationData, base: Operation | None) -> dict[str, Any]:
    values: dict[str, Any] = {"name": op.name, "piece_rate": op.piece_rate}
    for column, attribute, value in (("std_minutes", "std_minutes", op.std_minutes),
                                     ("qc", "qc_checkpoint", op.qc),
                                     ("workstation", "workstation", op.workstation)):
        keep = column not in op.given and base is not None
        values[attribute] = getattr(base, attribute) if keep else value
    return values


async def _upsert_products(session: AsyncSession, products: tuple[ProductData, ...],
                           stored: _Stored, tally: _Tally, log: list) -> None:
    for data in products:
        product = stored.products.get(data.code)
        if product is None:
            product = Product(code=data.code, name=data.name)
            session.add(product)
            await session.flush()
            stored.products[data.code] = product
            tally.add("products", "created")
            log.append(("product.created", product, {"code": data.code}))
            current = None
        else:
            _record(tally, log, "products", "product.updated", product,
                    _apply(product, {"name": data.name}))
            current = stored.routings.get(product.id)

        shape = [(op.seq, op.code) for op in data.operations]
        if current is not None and shape == [(op.seq, op.code) for op in current.operations]:
            # Same operations: names, rates and minutes change in place (reports froze their rate).
            changes = {}
            for op, existing in zip(data.operations, current.operations, strict=True):
                diff = _apply(existing, _operation_values(op, existing))
                if diff:
                    changes[op.code] = diff
            _record(tally, log, "routings", "routing.updated", current, changes)
            continue

        # A new operation list is a new routing version; work orders keep the one they have.
        old = {op.code: op for op in current.operations} if current is not None else {}
        routing = Routing(product_id=product.id, version=current.version + 1 if current else 1)
        routing.operations = [
            Operation(seq=op.seq, code=op.code, **_operation_values(op, old.get(op.code)))
            for op in data.operations
        ]
        session.add(routing)
        await session.flush()
        stored.routings[product.id] = routing
        tally.add("routings", "created")
        log.append(("routing.created", routing,
                    {"product": data.code, "version": routing.version,
                     "operations": [code for _, code in shape]}))


async def _next_work_order_number(session: AsyncSession) -> int:
    # Codes are zero-padded, so the greatest string is the greatest number.
    last = await session.scalar(select(func.max(WorkOrder.code)).where(
        WorkOrder.code.like("WO-%")))
    return int(last.removeprefix("WO-")) + 1 if last else 1


async def _upsert_orders(session: AsyncSession, lines: tuple[OrderLineData, ...],
                         stored: _Stored, tally: _Tally, log: list,
                         actor_person_id: int | None) -> list[str]:
    by_order: dict[str, list[OrderLineData]] = defaultdict(list)
    for line in lines:
        by_order[line.order_no].append(line)

    def priority(line: OrderLineData) -> int:
        work_order = stored.work_orders.get((line.order_no, line.product_code))
        keep = "priority" not in line.given and work_order is not None
        return work_order.priority if keep else line.priority

    # The order carries the earliest due date and the most urgent priority of its lines.
    for order_no, order_lines in by_order.items():
        order = stored.orders.get(order_no)
        values: dict[str, Any] = {"customer": order_lines[0].customer,
                                  "due_date": min(line.due_date for line in order_lines)}
        if order is None or any("priority" in line.given for line in order_lines):
            values["priority"] = min(priority(line) for line in order_lines)
        if order is None:
            order = Order(order_no=order_no, **values)
            session.add(order)
            stored.orders[order_no] = order
            tally.add("orders", "created")
            log.append(("order.created", order, {"order_no": order_no}))
        else:
            _record(tally, log, "orders", "order.updated", order, _apply(order, values))
    await session.flush()

    number = await _next_work_order_number(session)
    created: list[WorkOrder] = []
    for line in lines:
        work_order = stored.work_orders.get((line.order_no, line.product_code))
        if work_order is not None:
            changes = _apply(work_order, _line_values(line))
            if changes:
                _replan(work_order, stored.tasks.get(work_order.id, []))
            _record(tally, log, "work_orders", "work_order.updated", work_order, changes)
            continue
        product = stored.products[line.product_code]
        work_order = WorkOrder(
            code=work_order_code(number), order_id=stored.orders[line.order_no].id,
            product_id=product.id, routing_id=stored.routings[product.id].id,
            quantity=line.quantity, due_date=line.due_date, priority=line.priority,
        )
        number += 1
        session.add(work_order)
        created.append(work_order)
        tally.add("work_orders", "created")
        log.append(("work_order.created", work_order,
                    {"code": work_order.code, "order_no": line.order_no,
                     "product": line.product_code, "quantity": line.quantity}))
    await session.flush()
    for work_order in created:
        await release_work_order(session, work_order, actor_person_id=actor_person_id)
    return [w.code for w in created]


def _replan(work_order: WorkOrder, tasks: list[OperationTask]) -> None:
    """A new quantity becomes every task's plan; the states then follow from the quantities."""
    work_order.version += 1
    for task in tasks:
        if task.planned_qty != work_order.quantity:
            task.planned_qty = work_order.quantity
            task.version += 1
    progress.refresh(work_order, tasks, utcnow())
