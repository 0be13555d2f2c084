"""Orders and work orders the ERP creates or updates by its own id (`external_id`).

A PUT is an orders sheet of the master-data workbook in another form: its lines go through
domain/masterdata's importer, so the same rules apply (a known product, whole quantities, a
date, priority 1–5, nothing below what is already reported, nothing changed on a finished work
order), a new line becomes a work order released with one task per routing step, and a changed
quantity, due date or priority reaches the people it touches (domain/work_order_changes.py),
exactly as when the workbook changes it. The order's other lines ride along unchanged, so the
order keeps the earliest due date and the most urgent priority of all its lines.

The same body again changes nothing. A row the workbook made is taken over by the first PUT
that names it (its order number, or its order and product). An external id already given to
another row is a conflict; the order number and product of a row are fixed once it exists.
Every PUT that changed something is audited with no actor and the API token's label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.errors import DomainError
from domain.masterdata import ImportRejected, import_master_data
from domain.masterdata.rows import SheetRow
from domain.models import Order, Product, WorkOrder
from domain.payload import normalize_text

MAX_EXTERNAL_ID = 100
# The ERP's ids travel in URLs: letters, digits and . _ : - (SO-2026-0001, PO:77, 4711).
EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]*")
_LINE_COLUMNS = ("product_code", "quantity", "due_date", "priority")
_FIRST_ROW = 2  # row 1 of a sheet is its header


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the body: `field` as the body names it (lines[0].quantity)."""

    field: str | None
    key: str
    params: dict[str, Any]


class Rejected(DomainError):
    """The body breaks the rules; nothing was applied."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("api.rejected", count=len(problems))
        self.problems = problems


@dataclass(frozen=True)
class Upserted:
    id: int  # the order's or the work order's
    created: bool
    changed: bool


@dataclass
class _Line:
    """One line to import: where it is in the body, its sheet values, its external id."""

    prefix: str  # "lines[0]." for an order's line, "" for a work order's body
    values: dict[str, Any]
    external_id: str | None = None
    work_order: WorkOrder | None = None  # the row it names, when it exists
    given: bool = True  # False: one of the order's other lines, riding along unchanged


@dataclass
class _Put:
    order: Order | None
    order_no: str
    customer: Any
    lines: list[_Line] = field(default_factory=list)


async def put_order(session: AsyncSession, external_id: str, body: dict[str, Any], *,
                    token_label: str | None) -> Upserted:
    """Create or update the order `external_id` with its lines (`lines` left out of the body
    stay as they are: a work order is never deleted, a planner cancels it in chat)."""
    _check_external_id(external_id, "external_id")
    order = await session.scalar(select(Order).where(Order.external_id == external_id))
    given_no = _code(body.get("order_no"))
    if order is None:  # a new order, or one the workbook made: taken over by its number
        order_no = given_no or external_id
        order = await session.scalar(select(Order).where(Order.order_no == order_no))
        if order is not None and order.external_id is not None:
            raise DomainError("api.order_no_taken", field="order_no", value=order_no,
                              external_id=order.external_id)
        created = order is None
    else:
        if given_no is not None and given_no != order.order_no:
            raise DomainError("api.immutable", field="order_no", value=given_no,
                              current=order.order_no)
        order_no, created = order.order_no, False
    put = _Put(order, order_no, body.get("customer"),
               [_Line(f"lines[{index}].", _line_values(line), line.get("external_id"))
                for index, line in enumerate(body.get("lines") or [])])
    await _match_lines(session, put)
    changed = await _apply(session, put)
    stored = await session.scalar(select(Order).where(Order.order_no == put.order_no))
    assert stored is not None
    if stored.external_id is None:
        stored.external_id = external_id
        changed = True
    if changed:
        await session.flush()
        audit.record(session, "api.order.put", entity="order", entity_id=stored.id,
                     external_id=external_id, created=created, token=token_label)
    return Upserted(stored.id, created, changed)


async def put_work_order(session: AsyncSession, external_id: str, body: dict[str, Any], *,
                         token_label: str | None) -> Upserted:
    """Create or update the work order `external_id`: a line of an order named by
    `order_external_id` (made by PUT /orders) or by `order_no` (with `customer`, a new order
    is made as the workbook makes it)."""
    _check_external_id(external_id, "external_id")
    work_order = await session.scalar(select(WorkOrder).where(
        WorkOrder.external_id == external_id))
    order = await _order_of(session, work_order, body)
    product_code = _code(body.get("product_code"))
    if work_order is not None:
        current = await session.scalar(select(Product.code).where(
            Product.id == work_order.product_id))
        if product_code is not None and product_code != current:
            raise DomainError("api.immutable", field="product_code", value=product_code,
                              current=current)
        body = {"product_code": current} | body  # it cannot change: saying it is optional
    order_no = order.order_no if order is not None else _code(body.get("order_no"))
    if order_no is None:
        raise DomainError("api.order_needed", field="order_no")
    customer = body.get("customer") or (order.customer if order is not None else None)
    put = _Put(order, order_no, customer,
               [_Line("", _line_values(body), external_id, work_order)])
    await _match_lines(session, put)
    created = put.lines[0].work_order is None
    changed = await _apply(session, put)
    stored = put.lines[0].work_order
    assert stored is not None
    if changed:
        audit.record(session, "api.work_order.put", entity="work_order", entity_id=stored.id,
                     code=stored.code, external_id=external_id, created=created,
                     token=token_label)
    return Upserted(stored.id, created, changed)


# --- the steps -------------------------------------------------------------------------------


def _code(value: Any) -> str | None:
    """Codes are compared as the importer stores them (full-width letters become ASCII)."""
    if value is None or not str(value).strip():
        return None
    return normalize_text(str(value).strip())


def _check_external_id(value: str, name: str) -> None:
    if len(value) > MAX_EXTERNAL_ID or not EXTERNAL_ID.fullmatch(value):
        raise DomainError("api.bad_external_id", field=name, max=MAX_EXTERNAL_ID)


def _line_values(body: dict[str, Any]) -> dict[str, Any]:
    return {column: body[column] for column in _LINE_COLUMNS if column in body}


async def _order_of(session: AsyncSession, work_order: WorkOrder | None,
                    body: dict[str, Any]) -> Order | None:
    """The order a work order belongs to, as its body names it (checked against the stored
    one when the work order exists)."""
    order_ref, order_no = body.get("order_external_id"), _code(body.get("order_no"))
    order = None
    if work_order is not None:
        order = await session.get(Order, work_order.order_id)
        assert order is not None
        if order_ref is not None and order_ref != order.external_id:
            raise DomainError("api.immutable", field="order_external_id", value=order_ref,
                              current=order.external_id)
        if order_no is not None and order_no != order.order_no:
            raise DomainError("api.immutable", field="order_no", value=order_no,
                              current=order.order_no)
        return order
    if order_ref is not None:
        order = await session.scalar(select(Order).where(Order.external_id == order_ref))
        if order is None:
            raise DomainError("api.unknown_order", field="order_external_id", value=order_ref)
        if order_no is not None and order_no != order.order_no:
            raise DomainError("api.immutable", field="order_no", value=order_no,
                              current=order.order_no)
        return order
    if order_no is not None:
        return await session.scalar(select(Order).where(Order.order_no == order_no))
    return None


async def _match_lines(session: AsyncSession, put: _Put) -> None:
    """Find the work order each line names (by its external id, else by its order and
    product), refuse external ids that belong elsewhere, and add the order's other lines."""
    existing: dict[str, WorkOrder] = {}
    if put.order is not None:
        rows = (await session.execute(
            select(WorkOrder, Product.code).join(Product, Product.id == WorkOrder.product_id)
            .where(WorkOrder.order_id == put.order.id))).all()
        existing = {code: work_order for work_order, code in rows}
    seen: dict[str, str] = {}
    for line in put.lines:
        product = _code(line.values.get("product_code"))
        if line.external_id is not None:
            _check_external_id(line.external_id, f"{line.prefix}external_id")
            if line.external_id in seen:
                raise DomainError("api.duplicate", field=f"{line.prefix}external_id",
                                  value=line.external_id, first=seen[line.external_id])
            seen[line.external_id] = f"{line.prefix}external_id"
            named = line.work_order or await session.scalar(select(WorkOrder).where(
                WorkOrder.external_id == line.external_id))
            if named is not None and product is not None and existing.get(product) is not named:
                raise DomainError("api.external_id_taken", field=f"{line.prefix}external_id",
                                  value=line.external_id, work_order=named.code)
        line.work_order = existing.get(product or "")
        if (line.work_order is not None and line.external_id is not None
                and line.work_order.external_id not in (None, line.external_id)):
            raise DomainError("api.line_taken", field=f"{line.prefix}product_code",
                              value=product, work_order=line.work_order.code,
                              external_id=line.work_order.external_id)
    named_products = {_code(line.values.get("product_code")) for line in put.lines}
    for code, work_order in existing.items():
        if code not in named_products:
            put.lines.append(_Line("", {"product_code": code, "quantity": work_order.quantity,
                                        "due_date": work_order.due_date}, given=False))


async def _apply(session: AsyncSession, put: _Put) -> bool:
    """Import the lines as an orders sheet; set the external ids. Whether anything changed."""
    rows = [SheetRow("orders", _FIRST_ROW + n, {"order_no": put.order_no,
                                                "customer": put.customer, **line.values})
            for n, line in enumerate(put.lines)]
    try:
        result = await import_master_data(session, {"orders": rows})
    except ImportRejected as rejected:
        problems = [_problem(put, e.row, e.column, e.key, e.params) for e in rejected.errors]
        # An order-wide field (customer) is wrong once, not once per line.
        unique = {(p.field, p.key, repr(p.params)): p for p in problems}
        raise Rejected(list(unique.values())) from None
    changed = result.changed
    order_id = await session.scalar(select(Order.id).where(Order.order_no == put.order_no))
    products = dict((await session.execute(
        select(Product.code, WorkOrder).join(WorkOrder, WorkOrder.product_id == Product.id)
        .where(WorkOrder.order_id == order_id))).all())
    for line in put.lines:
        code = _code(line.values["product_code"])
        assert code is not None  # the import rejects a line without a product
        line.work_order = products[code]
        if line.external_id is not None and line.work_order.external_id is None:
            line.work_order.external_id = line.external_id
            changed = True
    await session.flush()
    return changed


def _problem(put: _Put, row: int, column: str | None, key: str,
             params: dict[str, Any]) -> Problem:
    """An importer's row error, named as the body names it."""
    line = put.lines[row - _FIRST_ROW] if 0 <= row - _FIRST_ROW < len(put.lines) else None
    if column in ("order_no", "customer"):
        return Problem(column, key, params)
    if line is None or not line.given:
        return Problem(None, key, params)
    where = line.prefix.rstrip(".") or None
    return Problem(f"{line.prefix}{column}" if column else where, key, params)
