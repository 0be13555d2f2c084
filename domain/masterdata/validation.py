"""Checking every row of a file: `validate` collects every error, never only the first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal

from domain.factory_settings import parse_sampling
from domain.masterdata.cells import (
    LANGUAGES,
    ROLES,
    WAGE_MODES,
    YES_NO,
    Bad,
    Checker,
    choice_of,
    date_of,
    decimal_of,
    integer_of,
    is_blank,
    priority_of,
    raw_text,
    skills_of,
    text_of,
)
from domain.masterdata.planning_sheets import PlanningCatalog, validate_planning
from domain.masterdata.rows import (
    MAX_QUANTITY,
    MAX_SEQUENCE,
    MINUTES_PLACES,
    MONEY_PLACES,
    MasterData,
    OperationData,
    OrderLineData,
    PersonData,
    ProductData,
    RowError,
    SheetRow,
    error_order,
)
from domain.masterdata.settings_sheets import validate_settings
from domain.models import (
    WageMode,
)
from domain.payload import normalize_text


def validate(
    sheets: Mapping[str, Iterable[SheetRow]],
    *,
    known_products: Collection[str] | None = None,
    known_operations: Collection[str] | None = None,
    known_people: Collection[str] | None = None,
    known_planning: PlanningCatalog | None = None,
) -> tuple[MasterData, list[RowError]]:
    """Check every row of every sheet and return what passed, with every error found.

    Pure. References to products, operation codes and people are checked against the file
    itself plus `known_products` / `known_operations` / `known_people` (what the database
    holds); pass None to skip that check (`import_master_data` always does it). The planning
    sheets' references are checked against `known_planning` likewise.
    """
    check = Checker()
    people_rows = list(sheets.get("people", ()))
    product_rows = list(sheets.get("products", ()))
    order_rows = list(sheets.get("orders", ()))

    products = _products(product_rows, check)
    file_products = {c for r in product_rows if (c := code_of(r, "product_code"))}
    file_operations = {c for r in product_rows if (c := code_of(r, "operation_code"))}
    operations = None if known_operations is None else file_operations | set(known_operations)
    people = _people(people_rows, check, operations)
    catalog = None if known_products is None else file_products | set(known_products)
    orders = _orders(order_rows, check, catalog)
    file_people = {c for r in people_rows if (c := code_of(r, "code"))}
    everyone = None if known_people is None else file_people | set(known_people)
    settings = validate_settings(sheets, check, everyone)

    data = MasterData(tuple(people), tuple(products), tuple(orders), settings)
    planning = validate_planning(sheets, check, data, known_planning)
    errors = sorted(check.errors, key=error_order)
    return replace(data, planning=planning), errors


def code_of(row: SheetRow, column: str) -> str | None:
    value = row.values.get(column)
    return None if is_blank(value) else normalize_text(raw_text(value))


def _given(row: SheetRow, columns: Iterable[str]) -> frozenset[str]:
    return frozenset(c for c in columns if c in row.values)


def _people(rows: list[SheetRow], check: Checker,
            operations: set[str] | None) -> list[PersonData]:
    # Skills match operation codes case-insensitively and are stored as the routing spells them.
    spelled = None if operations is None else {c.casefold(): c for c in operations}
    first_row: dict[str, int] = {}
    people = []
    for row in rows:
        before = len(check.errors)
        code = check.get(row, "code", text_of(32, code=True), required=True)
        name = check.get(row, "name", text_of(100), required=True)
        role = check.get(row, "role", choice_of(ROLES, "import.bad_role"), required=True)
        team = check.get(row, "team", text_of(64))
        skills = check.get(row, "skills", skills_of) or ()
        wage_mode = check.get(row, "wage_mode", choice_of(WAGE_MODES, "import.bad_wage_mode"))
        hourly_rate = check.get(row, "hourly_rate", decimal_of(MONEY_PLACES))
        language = check.get(row, "language", choice_of(LANGUAGES, "import.bad_language"))

        if wage_mode in (WageMode.hourly, WageMode.mixed) and is_blank(row.values.get("hourly_rate")):
            check.error(row, "hourly_rate", "import.hourly_rate_required", wage_mode=str(wage_mode))
        if spelled is not None:
            for skill in skills:
                if skill.casefold() not in spelled:
                    check.error(row, "skills", "import.unknown_skill", value=skill)
            skills = tuple(dict.fromkeys(spelled.get(s.casefold(), s) for s in skills))
        if code is not None:
            check.unique(row, "code", code, code, first_row)

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


def _products(rows: list[SheetRow], check: Checker) -> list[ProductData]:
    names: dict[str, tuple[str, int]] = {}
    seqs: dict[tuple[str, int], int] = {}
    op_codes: dict[tuple[str, str], int] = {}
    operations: dict[str, list[OperationData]] = defaultdict(list)
    failed: set[str] = set()
    for row in rows:
        before = len(check.errors)
        product = check.get(row, "product_code", text_of(64, code=True), required=True)
        name = check.get(row, "product_name", text_of(200), required=True)
        seq = check.get(row, "sequence", integer_of(1, MAX_SEQUENCE), required=True)
        code = check.get(row, "operation_code", text_of(32, code=True), required=True)
        op_name = check.get(row, "operation_name", text_of(100), required=True)
        rate = check.get(row, "piece_rate", decimal_of(MONEY_PLACES), required=True)
        minutes = check.get(row, "std_minutes", decimal_of(MINUTES_PLACES))
        qc = check.get(row, "qc", choice_of(YES_NO, "import.bad_qc"))
        sampling = check.get(row, "qc_sampling", _sampling)
        workstation = check.get(row, "workstation", text_of(64))

        if product is not None:
            if name is not None:
                check.consistent(row, "product_name", product, name, names)
            if seq is not None:
                check.unique(row, "sequence", (product, seq), seq, seqs)
            if code is not None:
                check.unique(row, "operation_code", (product, code), code, op_codes)

        if len(check.errors) > before:
            failed.add(product or "")
            continue
        operations[product].append(OperationData(
            row=row.row, seq=seq, code=code, name=op_name, piece_rate=rate,
            std_minutes=minutes if minutes is not None else Decimal(0), qc=bool(qc),
            qc_sampling=sampling or "all", workstation=workstation,
            given=_given(row, ("std_minutes", "qc", "qc_sampling", "workstation")),
        ))
    return [
        ProductData(row=min(o.row for o in ops), code=code, name=names[code][0],
                    operations=tuple(sorted(ops, key=lambda o: o.seq)))
        for code, ops in operations.items() if code not in failed
    ]


def _sampling(value: object) -> str:
    """Stored as "all", "every:N" or "P%" (see factory_settings.parse_sampling)."""
    try:
        return parse_sampling(raw_text(value)).text
    except ValueError:
        raise Bad("import.bad_sampling", value=raw_text(value)) from None


def _orders(rows: list[SheetRow], check: Checker,
            catalog: set[str] | None) -> list[OrderLineData]:
    customers: dict[str, tuple[str, int]] = {}
    lines_seen: dict[tuple[str, str], int] = {}
    lines = []
    for row in rows:
        before = len(check.errors)
        order_no = check.get(row, "order_no", text_of(64, code=True), required=True)
        customer = check.get(row, "customer", text_of(200), required=True)
        product = check.get(row, "product_code", text_of(64, code=True), required=True)
        quantity = check.get(row, "quantity", integer_of(1, MAX_QUANTITY), required=True)
        due = check.get(row, "due_date", date_of, required=True)
        priority = check.get(row, "priority", priority_of)

        if product is not None and catalog is not None and product not in catalog:
            check.error(row, "product_code", "import.unknown_product", value=product)
        if order_no is not None:
            if customer is not None:
                check.consistent(row, "customer", order_no, customer, customers)
            if product is not None:
                check.unique(row, "product_code", (order_no, product), product, lines_seen)

        if len(check.errors) == before:
            lines.append(OrderLineData(
                row=row.row, order_no=order_no, customer=customer, product_code=product,
                quantity=quantity, due_date=due, priority=priority or 3,
                given=frozenset({"priority"}) if priority is not None else frozenset(),
            ))
    return lines
