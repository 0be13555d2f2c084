"""Which rows a scope (team, worker, operation, product) keeps, and how people name a scope.

Every KPI counts facts that carry a person (the reporting worker, the reporter of an exception),
a task (its operation) or a work order (its product). A scope narrows the facts by one of them:

- team: the person's team (their current team in the people sheet);
- worker: the person's code;
- operation: the operation code of the task (every routing that has that code);
- product: the product code of the work order.

A KPI whose facts carry nothing the scope can narrow by is not applicable to it (`narrow`
returns None and the KPI shows "–").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.errors import DomainError
from domain.kpis.figures import FACTORY, SCOPE_KINDS, Scope
from domain.models import Operation, OperationTask, Person, Product, WorkOrder
from domain.payload import normalize_text
from domain.periods import Period
from domain.periods import parse as parse_period

# What people type after /kpi: English or Chinese words for each kind.
SCOPE_WORDS = {
    "factory": "factory", "全厂": "factory", "工厂": "factory",
    "team": "team", "班组": "team", "班": "team", "组": "team",
    "worker": "worker", "person": "worker", "工人": "worker", "员工": "worker", "工号": "worker",
    "人员": "worker",
    "operation": "operation", "op": "operation", "工序": "operation",
    "product": "product", "产品": "product",
}


def scope_kind(word: str) -> str | None:
    """The scope kind a typed word names, or None."""
    return SCOPE_WORDS.get(normalize_text(word).casefold())


def people_in(scope: Scope) -> Select[int]:
    column = Person.team if scope.kind == "team" else Person.code
    return select(Person.id).where(column == scope.key)


def work_orders_in(scope: Scope) -> Select[int]:
    return (select(WorkOrder.id).join(Product, Product.id == WorkOrder.product_id)
            .where(Product.code == scope.key))


def _of_task(column: str, task: SQLColumnExpression[int | None]) -> ColumnElement[Any]:
    """The task's `column` (operation_id, work_order_id), looked up per fact."""
    other = aliased(OperationTask)  # the query may read operation_task itself
    return select(getattr(other, column)).where(other.id == task).scalar_subquery()


def narrow(scope: Scope, *, person: SQLColumnExpression[int | None] | None = None,
           task: SQLColumnExpression[int | None] | None = None,
           operation: SQLColumnExpression[int | None] | None = None,
           work_order: SQLColumnExpression[int | None] | None = None,
           ) -> list[ColumnElement[bool]] | None:
    """WHERE clauses keeping the facts of `scope`, given the columns the facts carry (a task,
    or for tasks themselves their operation and work order).

    None when the scope cannot apply to these facts (no column of the kind it narrows by)."""
    # The facts are found by their time range's index. `column + 0`, and the task's operation
    # or work order looked up per fact, keep SQLite from reading instead every fact of that
    # person or task of all time, or building the set of a product's tasks for each query.
    if scope.kind == "factory":
        return []
    if scope.kind in ("team", "worker"):
        return None if person is None else [(person + 0).in_(people_in(scope))]
    if scope.kind == "operation":
        operations = select(Operation.id).where(Operation.code == scope.key)
        if operation is not None:
            return [(operation + 0).in_(operations)]
        return None if task is None else [
            _of_task("operation_id", task).in_(operations)]
    if work_order is not None:
        return [(work_order + 0).in_(work_orders_in(scope))]
    return None if task is None else [
        _of_task("work_order_id", task).in_(work_orders_in(scope))]


async def check_scope(session: AsyncSession, scope: Scope) -> None:
    """Refuse a scope that names nothing the factory has (a typo would show an empty "–")."""
    if scope.kind not in SCOPE_KINDS:
        raise DomainError("kpi.bad_scope", kind=scope.kind)
    if scope.kind == "factory":
        return
    if not scope.key:
        raise DomainError("kpi.scope_key_missing", kpi_scope=scope.kind)
    if scope.kind in ("team", "worker"):
        found = await session.scalar(select(exists(people_in(scope))))
    elif scope.kind == "operation":
        found = await session.scalar(select(exists(
            select(Operation.id).where(Operation.code == scope.key))))
    else:
        found = await session.scalar(select(exists(
            select(Product.id).where(Product.code == scope.key))))
    if not found:
        raise DomainError("kpi.unknown_scope", kpi_scope=scope.kind, name=scope.key)


def parse_request(words: list[str], today: date) -> tuple[Period, Scope]:
    """What follows /kpi: an optional period (domain/periods.py `parse`), then an optional
    scope word and its name: `week team 装配一组`, `2026-11 product P1`, `worker A01`.

    Raises DomainError for a period that does not parse or a scope word without a name."""
    at = next((i for i, word in enumerate(words) if scope_kind(word)), len(words))
    text = "".join(words[:at])
    try:
        period = parse_period(text, today)
    except ValueError:
        raise DomainError("kpi.bad_period", text=" ".join(words[:at])[:40]) from None
    if at == len(words):
        return period, FACTORY
    kind = scope_kind(words[at])
    assert kind is not None
    key = " ".join(words[at + 1:]).strip()
    if kind == "factory":
        return period, FACTORY
    if not key:
        raise DomainError("kpi.scope_key_missing", kpi_scope=kind)
    return period, Scope(kind, key)
