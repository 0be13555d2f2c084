"""The dispatch suggestion and the rush preview on a generated floor, on SQLite.

500 open tasks (100 released work orders of 10 products, 5 operations each; a third of them
under way, a quarter of the tasks already assigned), 60 workers in three teams with two to four
skills each, 20 operation codes each on its own workstation, a day shift per team and a night
shift for one of them. Each figure is one call as the bot makes it, in a fresh session:

- the suggestion: reading the floor (tasks, people, shifts) and computing the plan
  (`load_floor` + `heuristic.plan`), target < 1 s; and the whole /dispatch use case, which also
  stores the 500 lines (`plans.suggest`);
- the rush preview: the floor read once and planned twice, without and with the rush
  (`rush.preview`), target < 300 ms.

    .venv/bin/python -m bench.bench_planning
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.common import percentile, table
from domain import rush
from domain.db import make_engine, make_sessionmaker
from domain.dispatch import heuristic, plans
from domain.dispatch.loading import load_floor
from domain.migrate import upgrade
from domain.models import (
    Operation,
    OperationTask,
    Order,
    Person,
    Product,
    Routing,
    Shift,
    TaskAssignee,
    WorkOrder,
)
from domain.rules import FactoryRules

RULES = FactoryRules()
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # Monday 08:30 in the factory
WORK_ORDERS, OPERATIONS_PER_PRODUCT, PRODUCTS = 100, 5, 10
WORKERS, WORKSTATIONS = 60, 20
TEAMS = ("A", "B", "C")
SUGGEST_TARGET, PREVIEW_TARGET = 1000.0, 300.0  # ms


async def seed(db: Path, rng: random.Random) -> int:
    """The floor; returns the id of a work order to rush (one due late, far down the queue)."""
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session, session.begin():
        codes = [f"OP{n:02d}" for n in range(1, WORKSTATIONS + 1)]
        routings = []
        for p in range(PRODUCTS):
            product = Product(code=f"P{p:02d}", name=f"产品{p}")
            session.add(product)
            await session.flush()
            routing = Routing(product_id=product.id, version=1)
            session.add(routing)
            await session.flush()
            mine = [codes[(p * OPERATIONS_PER_PRODUCT + i) % WORKSTATIONS]
                    for i in range(OPERATIONS_PER_PRODUCT)]  # every code used by two products
            for n, code in enumerate(mine, start=1):
                session.add(Operation(
                    routing_id=routing.id, seq=n * 10, code=code, name=code,
                    piece_rate=Decimal("0.2"), workstation=f"WS-{code}",
                    std_minutes=Decimal(rng.choice(("0.1", "0.2", "0.3", "0.5", "1")))))
            routings.append((product.id, routing.id))
        session.add_all(Shift(name=f"{team} 白班", team=team, weekdays="1-6", start="08:00",
                              end="17:00") for team in TEAMS)
        session.add(Shift(name="C 夜班", team="C", weekdays="1-5", start="20:00", end="05:00"))
        people = [Person(code=f"W{n:03d}", name=f"工人{n}", team=TEAMS[n % len(TEAMS)],
                         skills_text=",".join(rng.sample(codes, rng.randint(2, 4))))
                  for n in range(WORKERS)]
        session.add_all(people)
        await session.execute(insert(Order), [
            {"order_no": f"SO-{n}", "customer": "bench", "due_date": date(2026, 11, 23)}
            for n in range(WORK_ORDERS)])
        order_ids = (await session.scalars(select(Order.id).order_by(Order.id))).all()
        await session.execute(insert(WorkOrder), [
            {"code": f"WO-{n + 1:06d}", "order_id": order_id, "product_id": routings[n % PRODUCTS][0],
             "routing_id": routings[n % PRODUCTS][1], "quantity": rng.choice((50, 100, 200, 300)),
             "due_date": date(2026, 11, 23) + timedelta(days=rng.randint(0, 14)),
             "priority": rng.choice((1, 2, 3, 3, 3, 4, 5)),
             "status": "in_progress" if n % 3 == 0 else "released"}
            for n, order_id in enumerate(order_ids)])
        await session.flush()
        operations: dict[int, list[Operation]] = {}
        for op in (await session.scalars(select(Operation).order_by(Operation.seq))).all():
            operations.setdefault(op.routing_id, []).append(op)
        tasks = []
        for wo in (await session.scalars(select(WorkOrder).order_by(WorkOrder.id))).all():
            started = wo.status == "in_progress"
            for n, op in enumerate(operations[wo.routing_id]):
                good = wo.quantity // (n + 2) if started else 0
                tasks.append(OperationTask(work_order_id=wo.id, operation_id=op.id, seq=op.seq,
                                           planned_qty=wo.quantity, good_qty=good,
                                           status="in_progress" if good else
                                           "ready" if n == 0 else "waiting"))
        session.add_all(tasks)
        await session.flush()
        for task in tasks[::4]:
            op = next(o for ops in operations.values() for o in ops if o.id == task.operation_id)
            skilled = [p for p in people if op.code in p.skills]
            if skilled:
                session.add(TaskAssignee(task_id=task.id, person_id=rng.choice(skilled).id))
        target = await session.scalar(select(WorkOrder.id).order_by(
            WorkOrder.due_date.desc(), WorkOrder.id).limit(1))
    await engine.dispose()
    assert target is not None
    return target


async def _timed(sessions: Any, call: Callable[[Any], Awaitable[object]],
                 runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        async with sessions() as session:
            started = time.perf_counter()
            await call(session)
            times.append((time.perf_counter() - started) * 1000)
            await session.rollback()
    return times


async def run(runs: int = 15) -> list[dict[str, Any]]:
    rng = random.Random(20261123)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "planning.db"
        target = await seed(db, rng)
        engine = make_engine(f"sqlite+aiosqlite:///{db}")
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            floor = await load_floor(session, team=None, now=NOW, rules=RULES)
            computed = heuristic.plan(floor.jobs, floor.workers, floor.now)
            manager = await session.scalar(select(Person).limit(1))
            shown = await rush.preview(session, rush.Rush(work_order_id=target), now=NOW,
                                       rules=RULES)
        size = {"tasks": len(floor.jobs), "workers": len(floor.workers),
                "workstations": len({j.workstation for j in floor.jobs})}

        async def suggestion(session: Any) -> None:
            found = await load_floor(session, team=None, now=NOW, rules=RULES)
            heuristic.plan(found.jobs, found.workers, found.now)

        async def stored(session: Any) -> None:
            await plans.suggest(session, actor=manager, team=None, now=NOW, rules=RULES)
            await session.flush()

        async def preview(session: Any) -> None:
            await rush.preview(session, rush.Rush(work_order_id=target), now=NOW, rules=RULES)

        await _timed(sessions, suggestion, 1)  # warm the caches
        rows = [
            {"what": "dispatch suggestion (load + compute)", **size,
             "times": await _timed(sessions, suggestion, runs), "target": SUGGEST_TARGET},
            {"what": "/dispatch use case (+ store the lines)", **size,
             "times": await _timed(sessions, stored, runs), "target": SUGGEST_TARGET},
            {"what": "rush preview (load + plan twice)", **size,
             "times": await _timed(sessions, preview, runs), "target": PREVIEW_TARGET},
        ]
        await engine.dispose()
    for row in rows:
        row["median_ms"] = statistics.median(row["times"])
        row["p90_ms"] = percentile(row["times"], 0.9)
        row["runs"] = len(row["times"])
    rows[0]["note"] = (f"{len(computed.problems)} unplanned, "
                       f"{sum(1 for x in computed.lines if x.late_seconds)} late")
    rows[2]["note"] = f"{len(shown.impacts)} work orders made later"
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    return "\n".join(table(
        ("what", "tasks", "workers", "workstations", "median ms", "p90 ms", "target ms",
         "median / target", "runs"),
        ((r["what"], r["tasks"], r["workers"], r["workstations"], f"{r['median_ms']:.1f}",
          f"{r['p90_ms']:.1f}", f"< {r['target']:.0f}", f"{r['median_ms'] / r['target']:.2f}",
          r["runs"]) for r in rows)))


def main() -> list[dict[str, Any]]:
    rows = asyncio.run(run())
    print(markdown(rows))
    for row in rows:
        if "note" in row:
            print(f"{row['what']}: {row['note']}")
    return rows


if __name__ == "__main__":
    main()
