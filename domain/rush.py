"""Rush orders 插单: a work order jumps to the top priority class (0), after the planner has seen
what it costs the others.

`/rush WO-000123` rushes an existing work order; `/rush PRODUCT QTY DUE [customer]` makes a new
order through the master-data import (the same checks, codes and release as a workbook line)
and rushes its work order. Before anything changes, `preview` computes the dispatch suggestion
of the whole floor twice, without and with the rush, and names every other work order that
becomes late or later, by how much, and when the rush itself should finish.

`confirm` (once: the chat's confirmation is a one-shot input) sets the priority, accepts the
recomputed plan for the tasks the rush moved (their people, their planned times; stored as an
accepted DispatchPlan), and tells every affected worker and supervisor in ONE change
announcement (domain/changes.py): their tasks' new times, tasks taken away or given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit, changes
from domain.dispatch import heuristic
from domain.dispatch.loading import PLANNED_WORK_ORDER, Floor, load_floor, piece_seconds
from domain.dispatch.plans import carry_out, lines_of, moves_of, store_lines, told
from domain.errors import DomainError
from domain.masterdata import SheetRow, import_master_data, validate
from domain.models import (
    ChangeKind,
    DispatchPlan,
    DispatchStatus,
    InputDraft,
    InputStatus,
    Operation,
    Order,
    Person,
    Product,
    Routing,
    WorkOrder,
)
from domain.payload import parse_typed_code
from domain.periods import local_date
from domain.rules import FactoryRules
from domain.task_reminders import work_order_due

RUSH = 0  # the top priority class
PREVIEW = "rush"  # the one-shot input (domain/conversation.py) a preview waits in
NEW = -1  # the work order id of a rush not yet created, in a preview
NO_CUSTOMER = "—"
# A workbook priority is 1..5; the new line is imported at 1 and then rushed to 0.
_IMPORTED_PRIORITY = 1
# Which message tells what is wrong with a typed order line, by its column.
_BAD = {"product_code": "rush.unknown_product", "quantity": "rush.bad_quantity",
        "due_date": "rush.bad_due", "customer": "rush.bad_customer"}


@dataclass(frozen=True)
class Rush:
    """What the planner asked for: an existing work order, or a new order line."""

    work_order_id: int | None = None
    product: str | None = None
    quantity: int | None = None
    due: date | None = None
    customer: str | None = None

    def data(self) -> dict[str, Any]:
        """As plain JSON, kept with the preview until it is confirmed."""
        values = asdict(self)
        values["due"] = self.due.isoformat() if self.due else None
        return values

    @classmethod
    def of(cls, data: dict[str, Any]) -> Rush:
        due = date.fromisoformat(data["due"]) if data.get("due") else None
        return cls(data.get("work_order_id"), data.get("product"), data.get("quantity"), due,
                   data.get("customer"))


async def request(session: AsyncSession, args: Sequence[str]) -> Rush:
    """Read `/rush WO-000123` or `/rush PRODUCT QTY DUE [customer]`, checked against the
    database; DomainError("rush.usage") when it is neither."""
    if len(args) == 1:
        code = parse_typed_code(args[0])
        if code is None:
            raise DomainError("rush.usage")
        work_order = await session.scalar(select(WorkOrder).where(WorkOrder.code == code.work_order))
        if work_order is None:
            raise DomainError("rush.unknown_work_order", work_order=code.work_order)
        _check_open(work_order)
        return Rush(work_order_id=work_order.id)
    if len(args) < 3:
        raise DomainError("rush.usage")
    customer = " ".join(args[3:]).strip() or NO_CUSTOMER
    known = set((await session.scalars(select(Product.code))).all())
    lines, errors = validate({"orders": [_order_row("RUSH", customer, args[0], args[1], args[2])]},
                             known_products=known)
    if errors:
        first = errors[0]
        raise DomainError(_BAD.get(first.column or "", "rush.usage"), **first.params)
    line = lines.orders[0]
    return Rush(product=line.product_code, quantity=line.quantity, due=line.due_date,
                customer=line.customer)


def _order_row(order_no: str, customer: str, product: object, quantity: object,
               due: object) -> SheetRow:
    return SheetRow("orders", 2, {"order_no": order_no, "customer": customer,
                                  "product_code": product, "quantity": quantity,
                                  "due_date": due, "priority": _IMPORTED_PRIORITY})


def _check_open(work_order: WorkOrder) -> None:
    if work_order.status not in PLANNED_WORK_ORDER:
        raise DomainError("rush.not_open", work_order=work_order.code, status=work_order.status)
    if work_order.priority <= RUSH:
        raise DomainError("rush.already", work_order=work_order.code)


# --- the preview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    """Another work order the rush makes late, or later."""

    work_order: str
    late_seconds: int
    was_late_seconds: int

    @property
    def added_seconds(self) -> int:
        return self.late_seconds - self.was_late_seconds


@dataclass(frozen=True)
class Preview:
    rush: Rush
    work_order: str | None  # its code (None: a new order, not made yet)
    due_date: date
    finish: datetime | None  # when its last task should end (None: nobody can do one)
    late_seconds: int
    unplanned: int  # its tasks nobody is skilled for
    impacts: tuple[Impact, ...]  # most delayed first


@dataclass(frozen=True)
class _Comparison:
    floor: Floor
    before: heuristic.Plan
    after: heuristic.Plan
    work_order_id: int


async def preview(session: AsyncSession, rush: Rush, *, now: datetime,
                  rules: FactoryRules) -> Preview:
    floor = await load_floor(session, team=None, now=now, rules=rules)
    if rush.work_order_id is not None:
        work_order = await session.get(WorkOrder, rush.work_order_id)
        assert work_order is not None
        _check_open(work_order)
        code: str | None = work_order.code
        due: date | None = work_order.due_date
        compared = _compare(floor, floor.jobs, work_order.id)
    else:
        jobs = await _new_jobs(session, rush, rules)
        code, due = None, rush.due
        compared = _compare(floor, floor.jobs + jobs, NEW, new=True)
    return _preview(rush, code, due, compared)


def _compare(floor: Floor, jobs: list[heuristic.Job], work_order_id: int,
             new: bool = False) -> _Comparison:
    """The floor's plan without the rush, and with it at the top priority class."""
    without = [j for j in jobs if j.work_order_id != work_order_id] if new else jobs
    rushed = [replace(j, priority=RUSH) if j.work_order_id == work_order_id else j for j in jobs]
    return _Comparison(floor, heuristic.plan(without, floor.workers, floor.now),
                       heuristic.plan(rushed, floor.workers, floor.now), work_order_id)


def _preview(rush: Rush, code: str | None, due: date | None,
             compared: _Comparison) -> Preview:
    codes = {f.work_order_id: f.work_order for f in compared.floor.facts.values()}
    before, after = compared.before.lateness(), compared.after.lateness()
    impacts = sorted(
        (Impact(codes[wo], late, before.get(wo, 0)) for wo, late in after.items()
         if wo != compared.work_order_id and late > before.get(wo, 0)),
        key=lambda i: (-i.added_seconds, i.work_order))
    mine = [x for x in compared.after.lines if x.work_order_id == compared.work_order_id]
    assert due is not None
    return Preview(rush, code, due, compared.after.finish().get(compared.work_order_id),
                   after.get(compared.work_order_id, 0),
                   sum(1 for x in mine if x.person_id is None), tuple(impacts))


async def _new_jobs(session: AsyncSession, rush: Rush, rules: FactoryRules) -> list[heuristic.Job]:
    """The tasks the new work order will have, as the heuristic sees them (ids below zero)."""
    assert rush.product and rush.quantity and rush.due
    routing = await session.scalar(
        select(Routing.id).join(Product, Product.id == Routing.product_id)
        .where(Product.code == rush.product).order_by(Routing.version.desc()).limit(1))
    operations = (await session.scalars(
        select(Operation).where(Operation.routing_id == routing).order_by(Operation.seq))).all()
    if not operations:
        raise DomainError("rush.no_operations", product=rush.product)
    due = work_order_due(WorkOrder(due_date=rush.due), rules)
    return [heuristic.Job(
        task_id=-n, work_order_id=NEW, work_order="", seq=op.seq, operation=op.code,
        workstation=op.workstation, quantity=rush.quantity,
        piece_seconds=piece_seconds(op.std_minutes), priority=_IMPORTED_PRIORITY, due=due,
        previous=-(n - 1) if n > 1 else None, ready=n == 1)
        for n, op in enumerate(operations, start=1)]


# --- confirming --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmed:
    work_order: WorkOrder
    preview: Preview  # as recomputed at confirmation
    moved: int  # tasks whose person or times the rush changed
    told: int  # people told


async def confirm(session: AsyncSession, rush: Rush, *, actor: Person, now: datetime,
                  rules: FactoryRules, key: str) -> Confirmed:
    """Apply the rush (call once: the caller's confirmation is one-shot)."""
    if rush.work_order_id is not None:
        work_order = await session.get(WorkOrder, rush.work_order_id)
        assert work_order is not None
        _check_open(work_order)
        new = False
    else:
        work_order = await _create(session, rush, actor=actor, now=now, rules=rules)
        new = True
    floor = await load_floor(session, team=None, now=now, rules=rules)
    compared = _compare(floor, floor.jobs, work_order.id, new=new)
    was = work_order.priority if not new else None
    work_order.priority = RUSH
    # The order carries the most urgent priority of its lines.
    await session.execute(update(Order).where(Order.id == work_order.order_id)
                          .values(priority=RUSH).execution_options(synchronize_session=False))

    before = compared.before.by_task()
    moved = {x.task_id for x in compared.after.lines
             if x.work_order_id == work_order.id or _differs(x, before.get(x.task_id))}
    plan = DispatchPlan(team=None, created_by=actor.id, created_at=now, decided_at=now,
                        status=DispatchStatus.accepted, version=1)
    session.add(plan)
    await session.flush()
    store_lines(session, plan, compared.after, only=moved)
    await session.flush()
    # The floor changed under every suggestion still open.
    await session.execute(update(DispatchPlan)
                          .where(DispatchPlan.status == DispatchStatus.proposed)
                          .values(status=DispatchStatus.superseded, decided_at=now)
                          .execution_options(synchronize_session=False))

    moves = await moves_of(session, await lines_of(session, plan))
    affected = await told(session, moves, everything=True)
    shown = _preview(rush, work_order.code, work_order.due_date, compared)
    await changes.announce(
        session, kind=ChangeKind.rush, work_order=work_order, key=key, actor=actor,
        detail={"rushed": work_order.code, "priority": [was, RUSH], "plan": plan.id,
                "late": {i.work_order: [i.was_late_seconds, i.late_seconds]
                         for i in shown.impacts}},
        affected=affected, now=now)
    await carry_out(session, moves, actor=actor, now=now, rules=rules)
    audit.record(session, "work_order.rushed", actor_person_id=actor.id, entity="work_order",
                 entity_id=work_order.id, code=work_order.code, priority=[was, RUSH],
                 plan=plan.id, moved=len(moves), late=[i.work_order for i in shown.impacts])
    return Confirmed(work_order, shown, len(moves), len(affected))


async def was_confirmed(session: AsyncSession, person: Person, input_id: int) -> bool:
    """Was this person's preview confirmed (as committed: a double tap asks after the first)?"""
    status = await session.scalar(
        select(InputDraft.status).where(InputDraft.id == input_id,
                                        InputDraft.person_id == person.id,
                                        InputDraft.kind == PREVIEW)
        .execution_options(populate_existing=True))
    return status == InputStatus.done


def _differs(line: heuristic.Line, before: heuristic.Line | None) -> bool:
    return before is None or (line.person_id, line.start, line.end) != (
        before.person_id, before.start, before.end)


async def _create(session: AsyncSession, rush: Rush, *, actor: Person, now: datetime,
                  rules: FactoryRules) -> WorkOrder:
    """The new order and its released work order, made by the master-data import."""
    assert rush.product and rush.quantity and rush.due
    prefix = f"RUSH-{local_date(now, ZoneInfo(rules.timezone)):%Y%m%d}-"
    taken = await session.scalar(select(func.count()).select_from(Order)
                                 .where(Order.order_no.like(f"{prefix}%")))
    row = _order_row(f"{prefix}{(taken or 0) + 1:02d}", rush.customer or NO_CUSTOMER,
                     rush.product, rush.quantity, rush.due.isoformat())
    result = await import_master_data(session, {"orders": [row]}, actor_person_id=actor.id)
    work_order = await session.scalar(select(WorkOrder).where(WorkOrder.code == result.released[0]))
    assert work_order is not None
    return work_order
