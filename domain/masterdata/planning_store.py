"""Writing the planning sheets: materials and their stock counts, BOMs, assignments.

- materials: matched by code; a blank unit keeps the stored one. An `on_hand` is a stock count:
  the store is set to it by a receipt movement of the difference, keyed by the sheet's content,
  so importing the same file again (after material was issued meanwhile) changes nothing.
- bom: each product in the sheet gets exactly the sheet's lines (lines left out are removed);
  products not in the sheet keep theirs.
- assignments: applied after the orders are released (so rows may name a line of this file's
  orders): people are assigned through domain.assignment (added to those the task has, each told
  with the task card); a team without people gives the task to the team's workers skilled in the
  operation; `claimable` opens (or closes) the task for claiming, by the row's team if any.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import assignment, audit, materials
from domain.masterdata.cells import is_blank
from domain.masterdata.planning_sheets import PlanningCatalog, team_workers
from domain.masterdata.rows import AssignmentData, BomLineData, MaterialData, PlanningData, SheetRow
from domain.masterdata.settings_store import Replaced
from domain.masterdata.validation import code_of
from domain.models import (
    AssignedHow,
    BomLine,
    Material,
    Operation,
    OperationTask,
    Order,
    Person,
    Product,
    Role,
    Routing,
    WorkOrder,
)
from domain.payload import parse_typed_code


@dataclass(frozen=True)
class Applied:
    """What a planning sheet without removals did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


async def load_catalog(session: AsyncSession,
                       sheets: Mapping[str, Iterable[SheetRow]]) -> PlanningCatalog:
    """What the database holds of the things the planning sheets name."""
    catalog = PlanningCatalog()
    if not any(name in sheets for name in ("materials", "bom", "assignments")):
        return catalog
    rows = {name: list(sheets.get(name, ())) for name in ("bom", "assignments")}
    material_codes = {c for r in rows["bom"] if (c := code_of(r, "material_code"))}
    catalog.material_units = dict((await session.execute(
        select(Material.code, Material.unit).where(Material.code.in_(material_codes)))).all())
    products = ({c for r in rows["bom"] if (c := code_of(r, "product_code"))}
                | {c for r in rows["assignments"] if (c := code_of(r, "product_code"))})
    catalog.product_operations = await _current_routings(session, products)
    if rows["assignments"]:
        await _load_work(session, catalog, rows["assignments"])
    return catalog


async def _current_routings(session: AsyncSession, codes: set[str]) -> dict[str, dict[int, str]]:
    latest = (select(Routing.product_id, func.max(Routing.version).label("version"))
              .group_by(Routing.product_id).subquery())
    found: dict[str, dict[int, str]] = defaultdict(dict)
    for product, seq, code in (await session.execute(
            select(Product.code, Operation.seq, Operation.code)
            .join(Routing, Routing.product_id == Product.id)
            .join(latest, (latest.c.product_id == Routing.product_id)
                  & (latest.c.version == Routing.version))
            .join(Operation, Operation.routing_id == Routing.id)
            .where(Product.code.in_(codes)))).all():
        found[product][seq] = code
    return dict(found)


async def _load_work(session: AsyncSession, catalog: PlanningCatalog,
                     rows: list[SheetRow]) -> None:
    """The work orders, people and teams the assignments sheet may name."""
    named = {label.work_order for r in rows if not is_blank(r.values.get("work_order"))
             and (label := parse_typed_code(str(r.values["work_order"])))}
    lines = {(o, p) for r in rows if (o := code_of(r, "order_no")) and (p := code_of(r,
                                                                             "product_code"))}
    if lines:
        for order_no, product, work_order in (await session.execute(
                select(Order.order_no, Product.code, WorkOrder.code)
                .join(WorkOrder, WorkOrder.order_id == Order.id)
                .join(Product, Product.id == WorkOrder.product_id)
                .where(Order.order_no.in_({o for o, _ in lines})))).all():
            if (order_no, product) in lines:
                catalog.order_lines[order_no, product] = work_order
                named.add(work_order)
    for code, status, seq, operation in (await session.execute(
            select(WorkOrder.code, WorkOrder.status, OperationTask.seq, Operation.code)
            .outerjoin(OperationTask, OperationTask.work_order_id == WorkOrder.id)
            .outerjoin(Operation, Operation.id == OperationTask.operation_id)
            .where(WorkOrder.code.in_(named)))).all():
        _, tasks = catalog.work_orders.setdefault(code, (status, {}))
        if seq is not None:
            tasks[seq] = operation
    for person in (await session.scalars(select(Person))).all():
        catalog.people[person.code] = set(person.skills) if person.active else None
        if person.active and person.role == Role.worker and person.team:
            catalog.teams.setdefault(person.team, {})[person.code] = set(person.skills)


# --- materials and BOMs --------------------------------------------------------------------


async def store_materials(session: AsyncSession, data: PlanningData, *,
                          actor_person_id: int | None,
                          now: datetime) -> dict[str, Applied | Replaced]:
    """The materials and bom sheets the file has (before its orders are released, so their
    material check sees the stock); returns what changed, by sheet."""
    done: dict[str, Applied | Replaced] = {}
    if data.materials is not None:
        done["materials"] = await _materials(session, data.materials, actor_person_id, now)
    if data.bom is not None:
        done["bom"] = await _bom(session, data.bom, actor_person_id)
    return done


def _count_key(rows: tuple[MaterialData, ...]) -> str:
    """Names this stock count: the same sheet imported again is the same count."""
    counted = sorted((m.code, materials.plain(m.on_hand)) for m in rows if m.on_hand is not None)
    return hashlib.sha256(repr(counted).encode()).hexdigest()[:16]


async def _materials(session: AsyncSession, rows: tuple[MaterialData, ...],
                     actor_person_id: int | None, now: datetime) -> Applied:
    stored = {m.code: m for m in (await session.scalars(
        select(Material).where(Material.code.in_([r.code for r in rows])))).all()}
    count = _count_key(rows)
    created = updated = unchanged = 0
    for row in rows:
        material = stored.get(row.code)
        changes: dict[str, list[Any]] = {}
        if material is None:
            material = Material(code=row.code, name=row.name, unit=row.unit or "pcs",
                                on_hand=Decimal(0))
            session.add(material)
            await session.flush()
        else:
            for name, value in (("name", row.name), ("unit", row.unit or material.unit)):
                if getattr(material, name) != value:
                    changes[name] = [getattr(material, name), value]
                    setattr(material, name, value)
        if row.on_hand is not None:
            before = material.on_hand
            if await materials.receive(session, material, row.on_hand - material.on_hand,
                                       key=f"count:{count}:{row.code}", now=now,
                                       actor_person_id=actor_person_id):
                changes["on_hand"] = [materials.plain(before), materials.plain(row.on_hand)]
        if material.code not in stored:
            created += 1
            audit.record(session, "material.created", actor_person_id=actor_person_id,
                         entity="material", entity_id=material.id, code=row.code,
                         on_hand=materials.plain(material.on_hand))
        elif changes:
            updated += 1
            audit.record(session, "material.updated", actor_person_id=actor_person_id,
                         entity="material", entity_id=material.id, changes=changes)
        else:
            unchanged += 1
    return Applied(created, updated, unchanged)


async def _bom(session: AsyncSession, rows: tuple[BomLineData, ...],
               actor_person_id: int | None) -> Replaced:
    await session.flush()
    by_product: dict[str, list[BomLineData]] = defaultdict(list)
    for row in rows:
        by_product[row.product_code].append(row)
    products = dict((await session.execute(
        select(Product.code, Product.id).where(Product.code.in_(by_product)))).all())
    wanted = {m.code: m for m in (await session.scalars(select(Material).where(
        Material.code.in_({r.material_code for r in rows})))).all()}
    created = updated = unchanged = removed = 0
    for product_code, lines in by_product.items():
        product_id = products[product_code]
        current = {b.material_code: b for b in (await session.scalars(
            select(BomLine).where(BomLine.product_id == product_id))).all()}
        changes: dict[str, Any] = {}
        for row in lines:
            material = wanted[row.material_code]
            values = {"material_name": material.name, "qty_per_unit": row.qty_per_unit,
                      "unit": material.unit, "operation_code": row.operation_code}
            line = current.pop(row.material_code, None)
            if line is None:
                session.add(BomLine(product_id=product_id, material_code=row.material_code,
                                    **values))
                created += 1
                changes[row.material_code] = "added"
                continue
            diff = {k: [str(getattr(line, k)), str(v)] for k, v in values.items()
                    if getattr(line, k) != v}
            for name in diff:
                setattr(line, name, values[name])
            updated, unchanged = (updated + 1, unchanged) if diff else (updated, unchanged + 1)
            if diff:
                changes[row.material_code] = diff
        for line in current.values():  # left out of the sheet: no longer part of the product
            await session.delete(line)
            removed += 1
            changes[line.material_code] = "removed"
        if changes:
            audit.record(session, "bom.updated", actor_person_id=actor_person_id,
                         entity="product", entity_id=product_id, product=product_code,
                         changes=changes)
    await session.flush()
    return Replaced(created, updated, unchanged, removed)


# --- assignments ---------------------------------------------------------------------------


async def store_assignments(session: AsyncSession, rows: tuple[AssignmentData, ...], *,
                            actor_person_id: int | None, now: datetime) -> Applied:
    """After the orders are released: who works which task, and which tasks are claimable."""
    await session.flush()
    actor = await session.get(Person, actor_person_id) if actor_person_id else None
    changed = unchanged = 0
    for row in rows:
        task = await _task(session, row)
        moved = _claimable(task, row)
        codes = list(row.people)
        if not codes and row.team is not None and not row.claimable:
            codes = await _team(session, row.team, task)
        people = await assignment.people_by_codes(session, codes) if codes else []
        added = (await assignment.assign(session, task.id, people, actor=actor, now=now,
                                         how=AssignedHow.assigned) if people else [])
        if moved:
            audit.record(session, "task.claimable_imported", actor_person_id=actor_person_id,
                         entity="operation_task", entity_id=task.id, seq=task.seq,
                         open_for_claim=task.open_for_claim, team=task.claim_team)
        changed, unchanged = ((changed + 1, unchanged) if moved or added
                              else (changed, unchanged + 1))
    return Applied(updated=changed, unchanged=unchanged)


async def _task(session: AsyncSession, row: AssignmentData) -> OperationTask:
    query = select(OperationTask).join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
    if row.work_order is not None:
        query = query.where(WorkOrder.code == row.work_order)
    else:
        order_no, product = row.order_line  # type: ignore[misc]
        query = (query.join(Order, Order.id == WorkOrder.order_id)
                 .join(Product, Product.id == WorkOrder.product_id)
                 .where(Order.order_no == order_no, Product.code == product))
    task = await session.scalar(query.where(OperationTask.seq == row.seq))
    assert task is not None, "validated: the work order has this operation"
    return task


def _claimable(task: OperationTask, row: AssignmentData) -> bool:
    """Open or close the task for claiming as the row says; whether that changed anything."""
    if row.claimable is None:
        return False
    team = row.team if row.claimable else None
    if (task.open_for_claim, task.claim_team) == (row.claimable, team):
        return False
    task.open_for_claim, task.claim_team = row.claimable, team
    return True


async def _team(session: AsyncSession, team: str, task: OperationTask) -> list[str]:
    operation = await session.get(Operation, task.operation_id)
    assert operation is not None
    members = {p.code: set(p.skills) for p in (await session.scalars(
        select(Person).where(Person.team == team, Person.role == Role.worker,
                             Person.active.is_(True)))).all()}
    return team_workers(members, operation.code)
