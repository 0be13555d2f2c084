"""Writing a clean file: upsert people, products and routings, orders and work orders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, clock, work_order_changes
from domain.flow import processed
from domain.masterdata.planning_store import (
    Applied,
    load_catalog,
    store_assignments,
    store_materials,
)
from domain.masterdata.rows import (
    ImportRejected,
    MasterData,
    OperationData,
    OrderLineData,
    PersonData,
    ProductData,
    RowError,
    SheetRow,
)
from domain.masterdata.settings_store import Replaced, store_settings
from domain.masterdata.validation import code_of, validate
from domain.models import (
    OPEN_WORK_ORDER,
    Operation,
    OperationTask,
    Order,
    Person,
    Product,
    Routing,
    WorkOrder,
)
from domain.payload import work_order_code
from domain.work_orders import release_work_order

_Entity: TypeAlias = Person | Product | Routing | Order | WorkOrder
# What the import did, audited once the new rows have their ids: (action, entity, detail).
_Log: TypeAlias = list[tuple[str, _Entity, dict[str, Any]]]


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
    # The settings sheets the file had, each of which replaced its table.
    settings: dict[str, Replaced] = field(default_factory=dict)
    # The planning sheets the file had (materials, bom, assignments).
    planning: dict[str, Applied | Replaced] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return (any(c.created or c.updated for c in self._counts().values())
                or any(r.changed for r in self.settings.values())
                or any(r.changed for r in self.planning.values()))

    def _counts(self) -> dict[str, Counts]:
        return {"people": self.people, "products": self.products, "routings": self.routings,
                "orders": self.orders, "work_orders": self.work_orders}

    def to_dict(self) -> dict[str, Any]:
        counts = {k: vars(c).copy() for k, c in self._counts().items()}
        settings = {k: vars(r).copy() for k, r in self.settings.items()}
        planning = {k: vars(r).copy() for k, r in self.planning.items()}
        return {**counts, **planning, "released": list(self.released),
                **({"settings": settings} if settings else {})}


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = defaultdict(
            lambda: {"created": 0, "updated": 0, "unchanged": 0})

    def add(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def result(self, released: list[str], settings: dict[str, Replaced]) -> ImportResult:
        def counts(kind: str) -> Counts:
            return Counts(**self.counts[kind])

        return ImportResult(people=counts("people"), products=counts("products"),
                            routings=counts("routings"), orders=counts("orders"),
                            work_orders=counts("work_orders"),
                            released=tuple(released), settings=settings)


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
    person_codes: set[str]  # every person, when the settings name people; else none


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
    rows = {name: list(sheet) for name, sheet in sheets.items()}
    stored = await _load(session, rows)
    data, errors = validate(rows, known_products=stored.product_codes,
                            known_operations=stored.operation_codes,
                            known_people=stored.person_codes,
                            known_planning=await load_catalog(session, rows))
    errors += _check_order_changes(data, stored)
    if errors:
        raise ImportRejected(errors)

    tally = _Tally()
    log: _Log = []
    _upsert_people(session, data.people, stored, tally, log)
    await _upsert_products(session, data.products, stored, tally, log)
    # Stock, BOMs and settings first: a work order released below is checked for material
    # and followed by the file's ladders at once.
    now = clock.now()
    planning = await store_materials(session, data.planning, actor_person_id=actor_person_id,
                                     now=now)
    settings = await store_settings(session, data.settings, actor_person_id)
    released = await _upsert_orders(session, data.orders, stored, tally, log, actor_person_id)
    if data.planning.assignments is not None:
        planning["assignments"] = await store_assignments(
            session, data.planning.assignments, actor_person_id=actor_person_id, now=now)

    await session.flush()
    for action, entity, detail in log:
        audit.record(session, action, actor_person_id=actor_person_id,
                     entity=action.split(".")[0], entity_id=entity.id, **detail)
    result = replace(tally.result(released, settings), planning=planning)
    if result.changed:
        audit.record(session, "master_data.imported", actor_person_id=actor_person_id,
                     **result.to_dict())
    return result


def _column(sheets: Mapping[str, list[SheetRow]], sheet: str, column: str) -> set[str]:
    return {c for r in sheets.get(sheet, ()) if (c := code_of(r, column))}


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
    person_codes = set()
    if "responsibles" in sheets or "ladders" in sheets:
        person_codes = set((await session.scalars(select(Person.code))).all())
    return _Stored(
        people={p.code: p for p in people}, products={p.code: p for p in products},
        routings=routings, orders={o.order_no: o for o in orders}, work_orders=work_orders,
        tasks=tasks, product_codes={p.code for p in products}, operation_codes=operation_codes,
        person_codes=person_codes,
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


def _record(tally: _Tally, log: _Log, kind: str, action: str, entity: _Entity,
            changes: dict[str, Any]) -> None:
    if changes:
        tally.add(kind, "updated")
        log.append((action, entity, {"changes": changes}))
    else:
        tally.add(kind, "unchanged")


_PERSON_FIELDS = {"team": "team", "skills": "skills_text", "wage_mode": "wage_mode",
                  "hourly_rate": "hourly_rate", "language": "language"}


def _upsert_people(session: AsyncSession, people: tuple[PersonData, ...], stored: _Stored,
                   tally: _Tally, log: _Log) -> None:
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
                                     ("qc_sampling", "qc_sampling", op.qc_sampling),
                                     ("workstation", "workstation", op.workstation)):
        keep = column not in op.given and base is not None
        values[attribute] = getattr(base, attribute) if keep else value
    return values


async def _upsert_products(session: AsyncSession, products: tuple[ProductData, ...],
                           stored: _Stored, tally: _Tally, log: _Log) -> None:
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
                         stored: _Stored, tally: _Tally, log: _Log,
                         actor_person_id: int | None) -> list[str]:
    by_order: dict[str, list[OrderLineData]] = defaultdict(list)
    for line in lines:
        by_order[line.order_no].append(line)

    def priority(line: OrderLineData) -> int:
        work_order = stored.work_orders.get((line.order_no, line.product_code))
        if "priority" not in line.given and work_order is not None:
            return work_order.priority
        return line.priority

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
            if changes:  # replanned and told to the people it touches
                await work_order_changes.imported(
                    session, work_order, stored.tasks.get(work_order.id, []), changes,
                    actor_person_id=actor_person_id, now=clock.now())
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
