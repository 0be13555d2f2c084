"""Materials 物料: BOM requirement, issue 领料 and return 退料, consumption, stock.

Material is in one of two places: the store (`Material.on_hand`) or the line of a work order
(issued to it and not used up yet). Every change is a `MaterialMovement`, never edited, applied
once by its unique key:

- receipt: into the store (a stock count from the workbook: the difference, negative if lower)
- issue 领料: store → work order, never more than the store holds
- return 退料: work order → store, never more than is on the work order's line
- consume: pieces reported (good + scrap) × the BOM's quantity per unit, on the operation the
  BOM line names (else the work order's first); a voided report consumes the same back
  (a negative quantity)

A work order's requirement, per BOM line: need = quantity per unit × work-order quantity;
issued = issues − returns; consumed; on the line = issued − consumed; still to issue =
need − issued (never below 0). Quantities are Decimal with at most 4 decimals.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.db import rows_changed
from domain.errors import DomainError
from domain.factory_settings import responsible_for
from domain.models import (
    BomLine,
    Material,
    MaterialMovement,
    MovementKind,
    Operation,
    OperationTask,
    Person,
    Product,
    Role,
    WorkOrder,
    WorkOrderStatus,
)
from domain.payload import normalize_text, parse_typed_code

PLACES = Decimal("0.0001")  # the Quantity columns hold 4 decimals
MAX_MOVE = Decimal("100000000")  # one issue or return: a typo guard far above any real one
# Material may be issued to these (a work order on hold still gets its material ready).
ISSUABLE = (WorkOrderStatus.released, WorkOrderStatus.in_progress, WorkOrderStatus.on_hold)
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")


def plain(value: Decimal) -> str:
    """A quantity as people write it: 50, 0.25, 1200 (no exponent, no trailing zeros)."""
    text = format(Decimal(value).quantize(PLACES), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- reading a typed quantity --------------------------------------------------------------


def parse_quantity(text: str) -> Decimal:
    """A quantity typed in chat: '50', '12.5', '５０' (full width), '1,200'. Refused clearly:
    zero or negative, exponents (1e9), more than 4 decimals, absurdly large."""
    typed = normalize_text(text).replace("，", ",").replace("。", ".")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", typed):
        typed = typed.replace(",", "")
    if typed.startswith(("-", "−", "－")) and _PLAIN_NUMBER.fullmatch(typed[1:]):
        raise DomainError("material.not_positive", value=typed)
    if not _PLAIN_NUMBER.fullmatch(typed):
        raise DomainError("material.bad_quantity", value=typed)
    try:
        number = Decimal(typed)
    except InvalidOperation:  # pragma: no cover - the pattern only lets plain numbers through
        raise DomainError("material.bad_quantity", value=typed) from None
    if number <= 0:
        raise DomainError("material.not_positive", value=typed)
    if number != number.quantize(PLACES):
        raise DomainError("material.too_precise", value=typed, places=4)
    if number > MAX_MOVE:
        raise DomainError("material.too_large", value=typed, max=plain(MAX_MOVE))
    return number.quantize(PLACES)


# --- who may move material -----------------------------------------------------------------


async def check_may_handle(session: AsyncSession, person: Person) -> None:
    """Supervisors and above, and the people responsible for material shortages (缺料)."""
    if person.has_role(Role.supervisor):
        return
    if any(p.id == person.id for p in await responsible_for(session, "material")):
        return
    raise DomainError("material.not_allowed")


# --- lookups -------------------------------------------------------------------------------


async def material_by_code(session: AsyncSession, code: str) -> Material:
    wanted = normalize_text(code)
    found = await session.scalar(select(Material).where(Material.code == wanted))
    if found is None:  # codes are stored as written; people type them in any case
        found = await session.scalar(
            select(Material).where(func.upper(Material.code) == wanted.upper()))
    if found is None:
        raise DomainError("material.unknown", material=wanted)
    return found


async def work_order_by_code(session: AsyncSession, code: str) -> WorkOrder:
    parsed = parse_typed_code(code)
    wanted = parsed.work_order if parsed else normalize_text(code).upper()
    found = await session.scalar(select(WorkOrder).where(WorkOrder.code == wanted))
    if found is None:
        raise DomainError("material.unknown_work_order", work_order=wanted)
    return found


async def bom_lines(session: AsyncSession, product_id: int) -> list[tuple[BomLine, Material]]:
    """The product's BOM lines with their materials, by material code."""
    rows = await session.execute(
        select(BomLine, Material).join(Material, Material.code == BomLine.material_code)
        .where(BomLine.product_id == product_id).order_by(BomLine.material_code))
    return [(line, material) for line, material in rows.all()]


async def has_bom(session: AsyncSession, product_id: int) -> bool:
    return bool(await session.scalar(
        select(func.count()).select_from(BomLine).where(BomLine.product_id == product_id)))


# --- the requirement -----------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One material of a work order: what it needs and where that material is now."""

    material_id: int
    code: str
    name: str
    unit: str
    per_unit: Decimal  # 0: no longer on the BOM, but movements exist
    need: Decimal
    issued: Decimal  # issues − returns
    consumed: Decimal
    on_hand: Decimal  # in the store (for every work order)

    @property
    def on_line(self) -> Decimal:
        return self.issued - self.consumed

    @property
    def to_issue(self) -> Decimal:
        return max(self.need - self.issued, Decimal(0))

    @property
    def still_needed(self) -> Decimal:
        """What the rest of the work order will use up."""
        return max(self.need - self.consumed, Decimal(0))

    @property
    def available(self) -> Decimal:
        return self.on_line + self.on_hand

    @property
    def short_by(self) -> Decimal:
        return max(self.still_needed - self.available, Decimal(0))


async def _moved(session: AsyncSession, work_order_id: int) -> dict[int, dict[str, Decimal]]:
    """Sums of the work order's movements, by material and kind."""
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows = await session.execute(
        select(MaterialMovement.material_id, MaterialMovement.kind, func.sum(MaterialMovement.qty))
        .where(MaterialMovement.work_order_id == work_order_id)
        .group_by(MaterialMovement.material_id, MaterialMovement.kind))
    for material_id, kind, total in rows.all():
        sums[material_id][kind] = Decimal(str(total or 0)).quantize(PLACES)
    return sums


async def requirement(session: AsyncSession, work_order: WorkOrder) -> list[Requirement]:
    """Per BOM line (then any other material moved to it), the work order's figures."""
    moved = await _moved(session, work_order.id)
    out = []
    for line, material in await bom_lines(session, work_order.product_id):
        out.append(_requirement(material, line.qty_per_unit, work_order.quantity,
                                moved.pop(material.id, {})))
    if moved:
        extra = (await session.scalars(select(Material).where(Material.id.in_(moved))
                                       .order_by(Material.code))).all()
        out += [_requirement(m, Decimal(0), work_order.quantity, moved[m.id]) for m in extra]
    return out


def _requirement(material: Material, per_unit: Decimal, quantity: int,
                 sums: dict[str, Decimal]) -> Requirement:
    issued = sums.get(MovementKind.issue, Decimal(0)) - sums.get(MovementKind.return_, Decimal(0))
    return Requirement(
        material_id=material.id, code=material.code, name=material.name, unit=material.unit,
        per_unit=per_unit.quantize(PLACES), need=(per_unit * quantity).quantize(PLACES),
        issued=issued.quantize(PLACES),
        consumed=sums.get(MovementKind.consume, Decimal(0)).quantize(PLACES),
        on_hand=Decimal(str(material.on_hand)).quantize(PLACES))


# --- consumption ---------------------------------------------------------------------------


async def consumed(session: AsyncSession, work_order: WorkOrder, task: OperationTask,
                   pieces: int, now: datetime) -> None:
    """Pieces were processed on this task (negative: a report voided): the BOM lines this
    operation uses are consumed on the work order. Called by domain.quantities.apply with a
    key unique to the task's version."""
    lines = await bom_lines(session, work_order.product_id)
    if not lines or not pieces:
        return
    operations = dict((await session.execute(
        select(Operation.code, OperationTask.seq)
        .join(OperationTask, OperationTask.operation_id == Operation.id)
        .where(OperationTask.work_order_id == work_order.id))).all())
    this = next((code for code, seq in operations.items() if seq == task.seq), None)
    first = min(operations, key=operations.__getitem__)
    for line, material in lines:
        # A BOM line naming an operation this work order's routing lacks is used at the first.
        user = line.operation_code if line.operation_code in operations else first
        if user != this:
            continue
        session.add(MaterialMovement(
            material_id=material.id, work_order_id=work_order.id, kind=MovementKind.consume,
            qty=(line.qty_per_unit * pieces).quantize(PLACES), at=now,
            key=f"consume:{task.id}:{task.version}:{material.id}"))
    await session.flush()


# --- issue and return ----------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """An issue or return as it stands after it (or as it was, for a repeated update)."""

    work_order: str
    qty: Decimal
    line: Requirement
    repeated: bool = False


async def issue(session: AsyncSession, person: Person, work_order_code: str, material_code: str,
                qty: Decimal | str, *, key: str, now: datetime) -> Moved:
    """领料: from the store to the work order's line (`qty` as typed, or a Decimal)."""
    return await _move(session, person, work_order_code, material_code, qty,
                       kind=MovementKind.issue, key=key, now=now)


async def return_material(session: AsyncSession, person: Person, work_order_code: str,
                          material_code: str, qty: Decimal | str, *, key: str,
                          now: datetime) -> Moved:
    """退料: what is left on the work order's line back to the store."""
    return await _move(session, person, work_order_code, material_code, qty,
                       kind=MovementKind.return_, key=key, now=now)


async def _move(session: AsyncSession, person: Person, work_order_code: str, material_code: str,
                qty: Decimal | str, *, kind: MovementKind, key: str, now: datetime) -> Moved:
    await check_may_handle(session, person)
    work_order = await work_order_by_code(session, work_order_code)
    material = await material_by_code(session, material_code)
    qty = parse_quantity(qty) if isinstance(qty, str) else qty
    movement_key = f"{kind}:{key}"
    if await session.scalar(select(MaterialMovement.id)
                            .where(MaterialMovement.key == movement_key)) is not None:
        line = await _line(session, work_order, material)
        return Moved(work_order.code, qty, line, repeated=True)  # a redelivered update
    if qty <= 0:
        raise DomainError("material.not_positive", value=plain(qty))
    line = await _line(session, work_order, material)
    if kind == MovementKind.issue:
        _check_issue(work_order, material, line, qty)
        change = -qty
    else:
        if qty > line.on_line:
            raise DomainError("material.return_too_much", work_order=work_order.code,
                              material=material.code, qty=plain(qty),
                              on_line=plain(max(line.on_line, Decimal(0))), unit=material.unit)
        change = qty
    await _change_stock(session, material, change)
    try:
        async with session.begin_nested():
            session.add(MaterialMovement(material_id=material.id, work_order_id=work_order.id,
                                         kind=kind, qty=qty, person_id=person.id, key=movement_key,
                                         at=now))
    except IntegrityError:  # the same update, applied meanwhile by another process
        raise _concurrent(work_order.id) from None
    audit.record(session, "material.issued" if kind == MovementKind.issue else "material.returned",
                 actor_person_id=person.id, entity="work_order", entity_id=work_order.id,
                 material=material.code, qty=plain(qty), on_hand=plain(material.on_hand))
    return Moved(work_order.code, qty, await _line(session, work_order, material))


def _check_issue(work_order: WorkOrder, material: Material, line: Requirement,
                 qty: Decimal) -> None:
    if work_order.status not in ISSUABLE:
        raise DomainError("material.work_order_closed", work_order=work_order.code,
                          status=work_order.status)
    if line.per_unit == 0:
        raise DomainError("material.not_on_bom", work_order=work_order.code,
                          material=material.code)
    if qty > material.on_hand:
        raise DomainError("material.not_enough_stock", material=material.code,
                          qty=plain(qty), on_hand=plain(material.on_hand), unit=material.unit)


async def _line(session: AsyncSession, work_order: WorkOrder,
                material: Material) -> Requirement:
    found = next((r for r in await requirement(session, work_order)
                  if r.material_id == material.id), None)
    if found is None:  # neither on the BOM nor ever moved: only an issue asks, and refuses
        return _requirement(material, Decimal(0), work_order.quantity, {})
    return found


async def _change_stock(session: AsyncSession, material: Material, change: Decimal) -> None:
    """Store stock changes by `change`, conditionally on what we read: two issues at once
    cannot both take the last of it (the loser's update is retried from a fresh read)."""
    old = Decimal(str(material.on_hand)).quantize(PLACES)
    new = (old + change).quantize(PLACES)
    if new < 0:  # read fresh below: someone took it meanwhile
        raise DomainError("material.not_enough_stock", material=material.code,
                          qty=plain(-change), on_hand=plain(old), unit=material.unit)
    changed = await rows_changed(session,
        update(Material).where(Material.id == material.id, Material.on_hand == old)
        .values(on_hand=new).execution_options(synchronize_session=False))
    if changed != 1:
        raise _concurrent(material.id)
    material.on_hand = new
    await session.flush()


def _concurrent(entity_id: int) -> Exception:
    """The inbox retries the whole update on this (imported late: quantities imports us)."""
    from domain.quantities import ConcurrentChange

    return ConcurrentChange(entity_id)


async def receive(session: AsyncSession, material: Material, change: Decimal, *, key: str,
                  now: datetime, actor_person_id: int | None = None) -> bool:
    """A receipt into the store (negative: a count found less), once per key: recorded even
    when it changes nothing, so the same count is never applied again later. Whether the stock
    changed."""
    if await session.scalar(
            select(MaterialMovement.id).where(MaterialMovement.key == key)) is not None:
        return False
    if change:
        await _change_stock(session, material, change)
    session.add(MaterialMovement(material_id=material.id, kind=MovementKind.receipt, qty=change,
                                 person_id=actor_person_id, key=key, at=now))
    await session.flush()
    return bool(change)


# --- what chat shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkOrderMaterials:
    work_order: WorkOrder
    product: Product
    lines: list[Requirement]

    @property
    def on_bom(self) -> list[Requirement]:
        return [r for r in self.lines if r.per_unit > 0]


async def for_work_order(session: AsyncSession, person: Person,
                         work_order_code: str) -> WorkOrderMaterials:
    """A work order's requirement table, for the people who handle material."""
    await check_may_handle(session, person)
    work_order = await work_order_by_code(session, work_order_code)
    product = await session.get(Product, work_order.product_id)
    assert product is not None
    return WorkOrderMaterials(work_order, product, await requirement(session, work_order))


async def issue_choices(session: AsyncSession, person: Person,
                        work_order_code: str) -> WorkOrderMaterials:
    """The materials that may be issued to a work order (a scanned card opens this)."""
    found = await for_work_order(session, person, work_order_code)
    if found.work_order.status not in ISSUABLE:
        raise DomainError("material.work_order_closed", work_order=found.work_order.code,
                          status=found.work_order.status)
    if not found.on_bom:
        raise DomainError("material.no_bom", work_order=found.work_order.code,
                          product=found.product.code)
    return found


async def line_of(session: AsyncSession, work_order_code: str,
                  material_code: str) -> tuple[Material, Requirement]:
    """One material's figures on a work order (what an issue question shows)."""
    work_order = await work_order_by_code(session, work_order_code)
    material = await material_by_code(session, material_code)
    return material, await _line(session, work_order, material)


async def stock_for(session: AsyncSession, person: Person, code: str | None) -> list[StockLine]:
    await check_may_handle(session, person)
    return await stock(session, code)


# --- the store -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StockLine:
    """A material in the store, and what the open work orders still need of it."""

    code: str
    name: str
    unit: str
    on_hand: Decimal
    to_issue: Decimal  # all open work orders together
    work_orders: tuple[tuple[str, Requirement], ...] = ()  # for one material asked by code


async def stock(session: AsyncSession, code: str | None = None) -> list[StockLine]:
    """Every material (or the one named), with the open work orders' needs."""
    materials = ([await material_by_code(session, code)] if code else list(
        (await session.scalars(select(Material).order_by(Material.code))).all()))
    open_orders = (await session.execute(
        select(WorkOrder, Product.id).join(Product, Product.id == WorkOrder.product_id)
        .join(BomLine, BomLine.product_id == Product.id)
        .where(WorkOrder.status.in_(ISSUABLE),
               BomLine.material_code.in_([m.code for m in materials]))
        .distinct().order_by(WorkOrder.code))).all()
    wanted: dict[int, list[tuple[str, Requirement]]] = defaultdict(list)
    for work_order, _ in open_orders:
        for line in await requirement(session, work_order):
            wanted[line.material_id].append((work_order.code, line))
    return [StockLine(m.code, m.name, m.unit, Decimal(str(m.on_hand)).quantize(PLACES),
                      sum((r.to_issue for _, r in wanted[m.id]), Decimal(0)),
                      tuple(wanted[m.id]) if code else ())
            for m in materials]
