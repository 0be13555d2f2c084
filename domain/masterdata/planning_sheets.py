"""Checking the planning sheets: materials 物料, bills of material 物料清单 and assignments 派工.

Each is optional and checked whole like the master data: every problem is reported with its
sheet, row and column. References (a product, a material, an operation of the product, a work
order and its operation, people, teams) are checked against the file itself and what the
database holds (`PlanningCatalog`); without a catalog those checks are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from domain.masterdata.cells import (
    YES_NO,
    Bad,
    Checker,
    Parse,
    choice_of,
    decimal_of,
    integer_of,
    is_blank,
    raw_text,
    skills_of,
    text_of,
)
from domain.masterdata.rows import (
    MAX_SEQUENCE,
    AssignmentData,
    BomLineData,
    MasterData,
    MaterialData,
    PlanningData,
    SheetRow,
)
from domain.payload import normalize_text, parse_typed_code

QUANTITY_PLACES = 4  # material quantities hold 4 decimals
MAX_STOCK = Decimal("1000000000")


@dataclass
class PlanningCatalog:
    """What the database holds that the planning sheets may name."""

    material_units: dict[str, str] = field(default_factory=dict)  # code → unit
    # Each product's current routing: {seq: operation code}.
    product_operations: dict[str, dict[int, str]] = field(default_factory=dict)
    # Work orders named by code: code → (status, {seq: operation code}).
    work_orders: dict[str, tuple[str, dict[int, str]]] = field(default_factory=dict)
    # Existing work orders by order line, for rows that name one that way.
    order_lines: dict[tuple[str, str], str] = field(default_factory=dict)
    # Person code → skills; None for someone no longer active.
    people: dict[str, set[str] | None] = field(default_factory=dict)
    # Active workers by team: {team: {person code: skills}}.
    teams: dict[str, dict[str, set[str]]] = field(default_factory=dict)


def validate_planning(sheets: Mapping[str, Iterable[SheetRow]], check: Checker,
                      data: MasterData, catalog: PlanningCatalog | None) -> PlanningData:
    """The planning sheets of the file that are present, checked (errors go to `check`).

    `data` is what passed of the master-data sheets (their products, orders and people count as
    known)."""
    def rows(sheet: str) -> list[SheetRow] | None:
        return None if sheet not in sheets else list(sheets[sheet])

    material_rows, bom_rows, assignment_rows = rows("materials"), rows("bom"), rows("assignments")
    found = _materials(material_rows, check) if material_rows is not None else None
    units: dict[str, str | None] | None = dict(catalog.material_units) if catalog else None
    if units is not None:
        # A material of the sheet counts as known even if its row has a problem (that row
        # is reported already); its unit is checked when the row is good.
        for code in {c for r in material_rows or () if (c := _code(r, "material_code"))}:
            units.setdefault(code, None)
        units.update({m.code: m.unit or units.get(m.code) or "pcs" for m in found or ()})
    operations = _product_operations(sheets, data, catalog)
    bom = (_bom(bom_rows, check, operations, catalog, units) if bom_rows is not None
           else None)
    # Order lines of the file count as known even when their row has a problem of its own.
    file_lines = {(o, p) for r in sheets.get("orders", ())
                  if (o := _code(r, "order_no")) and (p := _code(r, "product_code"))}
    assignments = (_assignments(assignment_rows, check, sheets, data, operations, file_lines,
                                catalog) if assignment_rows is not None else None)
    return PlanningData(
        materials=tuple(found) if found is not None else None,
        bom=tuple(bom) if bom is not None else None,
        assignments=tuple(assignments) if assignments is not None else None)


def _code(row: SheetRow, column: str) -> str | None:
    value = row.values.get(column)
    return None if is_blank(value) else normalize_text(raw_text(value))


def _positive(places: int) -> Parse[Decimal]:
    parse = decimal_of(places)

    def positive(value: object) -> Decimal:
        number = parse(value)
        if number <= 0:
            raise Bad("import.not_positive", value=str(value))
        return number
    return positive


def _stock(value: object) -> Decimal:
    number = decimal_of(QUANTITY_PLACES)(value)
    if number > MAX_STOCK:
        raise Bad("import.too_large", value=str(value), max=MAX_STOCK)
    return number


def _materials(rows: list[SheetRow], check: Checker) -> list[MaterialData]:
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        before = len(check.errors)
        code = check.get(row, "material_code", text_of(64, code=True), required=True)
        name = check.get(row, "material_name", text_of(200), required=True)
        unit = check.get(row, "unit", text_of(16))
        on_hand = check.get(row, "on_hand", _stock)
        if code is not None:
            check.unique(row, "material_code", code, code, seen)
        if len(check.errors) == before:
            out.append(MaterialData(row.row, code, name, unit, on_hand))
    return out


def _product_operations(sheets: Mapping[str, Iterable[SheetRow]], data: MasterData,
                        catalog: PlanningCatalog | None) -> dict[str, dict[int, str] | None]:
    """Each product's operations {seq: code}: the file's routing, else the database's. A
    product whose rows have problems is known, its operations not (they are not checked)."""
    operations: dict[str, dict[int, str] | None] = dict(catalog.product_operations) if catalog \
        else {}
    for row in sheets.get("products", ()):
        if (code := _code(row, "product_code")) is not None:
            operations[code] = None
    operations.update({p.code: {op.seq: op.code for op in p.operations} for p in data.products})
    return operations


def _bom(rows: list[SheetRow], check: Checker,
         operations: dict[str, dict[int, str] | None], catalog: PlanningCatalog | None,
         units: dict[str, str | None] | None) -> list[BomLineData]:
    spelled_materials = {code.casefold(): code for code in units or ()}
    seen: dict[tuple[str, str], int] = {}
    out = []
    for row in rows:
        before = len(check.errors)
        product = check.get(row, "product_code", text_of(64, code=True), required=True)
        material = check.get(row, "material_code", text_of(64, code=True), required=True)
        per_unit = check.get(row, "qty_per_unit", _positive(QUANTITY_PLACES), required=True)
        unit = check.get(row, "unit", text_of(16))
        operation = check.get(row, "operation_code", text_of(32, code=True))

        if product is not None and catalog is not None and product not in operations:
            check.error(row, "product_code", "import.unknown_product", value=product)
        if material is not None and units is not None:
            # Material codes match in any letter case and are kept as the material spells it.
            material = spelled_materials.get(material.casefold(), material)
            if material not in units:
                check.error(row, "material_code", "import.unknown_material", value=material)
            elif unit is not None and units[material] is not None and unit != units[material]:
                check.error(row, "unit", "import.unit_mismatch", value=unit,
                            expected=units[material])
        if operation is not None and (known := operations.get(product or "")) is not None:
            spelled = {c.casefold(): c for c in known.values()}
            if operation.casefold() not in spelled:
                check.error(row, "operation_code", "import.unknown_operation", value=operation,
                            product=product)
            else:
                operation = spelled[operation.casefold()]
        if product is not None and material is not None:
            check.unique(row, "material_code", (product, material), material, seen)
        if len(check.errors) == before:
            out.append(BomLineData(row.row, product, material, per_unit, operation))
    return out


def _work_order(value: object) -> str:
    code = parse_typed_code(str(value))
    if code is None or code.operation_seq is not None:
        raise Bad("import.unknown_work_order", value=str(value).strip())
    return code.work_order


def _assignments(rows: list[SheetRow], check: Checker,
                 sheets: Mapping[str, Iterable[SheetRow]], data: MasterData,
                 operations: dict[str, dict[int, str] | None],
                 file_lines: set[tuple[str, str]],
                 catalog: PlanningCatalog | None) -> list[AssignmentData]:
    people = _people(sheets, data, catalog) if catalog else None
    teams = _teams(data, catalog) if catalog else None
    seen: dict[tuple[object, int], int] = {}
    out = []
    for row in rows:
        before = len(check.errors)
        work_order = check.get(row, "work_order", _work_order)
        order_no = check.get(row, "order_no", text_of(64, code=True))
        product = check.get(row, "product_code", text_of(64, code=True))
        seq = check.get(row, "sequence", integer_of(1, MAX_SEQUENCE), required=True)
        codes = check.get(row, "people", skills_of) or ()
        team = check.get(row, "team", text_of(64))
        claimable = check.get(row, "claimable", choice_of(YES_NO, "import.bad_qc"))
        if len(check.errors) > before:
            continue

        line = (order_no, product) if order_no and product else None
        if work_order is None and line is None:
            check.error(row, "work_order", "import.work_order_needed")
            continue
        if not codes and team is None and claimable is None:
            check.error(row, "people", "import.assignment_empty")
        if catalog is not None and teams is not None and people is not None:
            tasks = _tasks(row, check, catalog, operations, file_lines, work_order, line)
            operation = tasks.get(seq) if tasks is not None else None
            if tasks is not None and operation is None:
                check.error(row, "sequence", "import.unknown_task", value=seq,
                            work_order=work_order or f"{order_no} {product}")
            for code in codes:
                _check_person(row, check, people, code, operation)
            if team is not None and team not in teams:
                check.error(row, "team", "import.unknown_team", value=team)
            elif (team is not None and operation is not None and not codes and not claimable
                  and not team_workers(teams[team], operation)):
                check.error(row, "team", "import.team_without_workers", value=team,
                            operation=operation)
        check.unique(row, "sequence", (work_order or line, seq), seq, seen)
        if len(check.errors) == before:
            out.append(AssignmentData(row.row, work_order, None if work_order else line, seq,
                                      tuple(codes), team, claimable))
    return out


def _check_person(row: SheetRow, check: Checker, people: dict[str, set[str] | None],
                  code: str, operation: str | None) -> None:
    if code not in people:
        check.error(row, "people", "import.unknown_person", value=code)
        return
    skills = people[code]
    if skills is None:
        check.error(row, "people", "import.inactive_person", value=code)
    elif operation is not None and operation not in skills:
        check.error(row, "people", "import.no_skill", value=code, operation=operation)


class _Unchecked(set[str]):
    """The skills of a person whose own row has problems: not checked (that row is reported)."""

    def __contains__(self, item: object) -> bool:
        return True


def _people(sheets: Mapping[str, Iterable[SheetRow]], data: MasterData,
            catalog: PlanningCatalog) -> dict[str, set[str] | None]:
    people = dict(catalog.people)
    for row in sheets.get("people", ()):
        if (code := _code(row, "code")) is not None:
            people[code] = _Unchecked()
    for person in data.people:  # as the import leaves them (a sheet without skills keeps them)
        stored = catalog.people.get(person.code)
        kept = "skills" not in person.given and stored is not None
        people[person.code] = stored if kept else set(person.skills)
    return people


def team_workers(members: dict[str, set[str]], operation: str) -> list[str]:
    """Codes of a team's workers skilled in the operation: a task given to a team goes to them."""
    return sorted(code for code, skills in members.items() if operation in skills)


def _teams(data: MasterData, catalog: PlanningCatalog) -> dict[str, dict[str, set[str]]]:
    teams = {team: dict(members) for team, members in catalog.teams.items()}
    for person in data.people:  # the file's people count as they will be after the import
        for members in teams.values():
            members.pop(person.code, None)
        if person.team:
            members = teams.setdefault(person.team, {})
            if person.role == "worker":
                members[person.code] = set(person.skills)
    return teams


def _tasks(row: SheetRow, check: Checker, catalog: PlanningCatalog,
           operations: dict[str, dict[int, str] | None], file_lines: set[tuple[str, str]],
           work_order: str | None, line: tuple[str, str] | None) -> dict[int, str] | None:
    """The operations {seq: code} of the work order a row names; None (with an error) when
    that work order cannot be assigned."""
    if work_order is None and line is not None:
        work_order = catalog.order_lines.get(line)
        if work_order is None:  # a line of this file: its work order is created by the import
            if line not in file_lines:
                check.error(row, "product_code", "import.unknown_order_line", value=line[1],
                            order_no=line[0])
                return None
            return operations.get(line[1])  # None: its product has problems of its own
    known = catalog.work_orders.get(work_order or "")
    if known is None:
        check.error(row, "work_order", "import.unknown_work_order", value=work_order)
        return None
    status, tasks = known
    if status not in ("released", "in_progress", "on_hold"):
        check.error(row, "work_order", "import.work_order_closed", work_order=work_order,
                    status=status)
        return None
    return tasks
