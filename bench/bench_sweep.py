"""The reminder sweep over 100,000 open reminders on SQLite.

Two numbers: how long picking the due work takes (the indexed query every sweep starts with,
run every couple of seconds, target < 50 ms), and how many due steps one sweep fires per second
when many fell due at once (the catch-up after downtime). The due reminders are real
`task_overdue` facts: each checks its task, resolves the task's workers, queues its message and
records its step in its own transaction.

    .venv/bin/python -m bench.bench_sweep
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, text, update

from bench.common import table
from domain import reminders
from domain.db import make_engine, make_sessionmaker
from domain.migrate import upgrade
from domain.models import (
    EscalationStep,
    Operation,
    OperationTask,
    Order,
    OutboxMessage,
    Person,
    Product,
    Reminder,
    Routing,
    WorkOrder,
)
from domain.rules import FactoryRules
from domain.task_reminders import TASK, TASK_OVERDUE

RULES = FactoryRules()
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
OPERATIONS = ("SMT", "THT", "TEST")


async def seed(db: Path, open_reminders: int, due: int) -> None:
    """`due` overdue tasks whose step 0 is due now, and `open_reminders` due later."""
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        product = Product(code="BENCH", name="基准板")
        session.add(product)
        await session.flush()
        routing = Routing(product_id=product.id, version=1)
        session.add(routing)
        await session.flush()
        for n, code in enumerate(OPERATIONS, start=1):
            session.add(Operation(routing_id=routing.id, seq=n * 10, code=code, name=code,
                                  piece_rate=Decimal("0.1"), std_minutes=Decimal("0.5")))
        session.add(Person(code="W01", name="工人", skills_text=",".join(OPERATIONS),
                           telegram_user_id=100_001))
        session.add(Person(code="S01", name="班组长", role="supervisor",
                           telegram_user_id=100_002))
        await session.flush()
        operations = (await session.scalars(select(Operation.id).order_by(Operation.seq))).all()
        work_orders = (due + len(OPERATIONS) - 1) // len(OPERATIONS)
        await session.execute(insert(Order), [
            {"order_no": f"B-{n}", "customer": "bench", "due_date": date(2026, 11, 1)}
            for n in range(work_orders)])
        order_ids = (await session.scalars(select(Order.id).order_by(Order.id))).all()
        await session.execute(insert(WorkOrder), [
            {"code": f"WO-{n + 1:06d}", "order_id": order_id, "product_id": product.id,
             "routing_id": routing.id, "quantity": 100, "due_date": date(2026, 11, 1),
             "status": "released"} for n, order_id in enumerate(order_ids)])
        wo_ids = (await session.scalars(select(WorkOrder.id).order_by(WorkOrder.id))).all()
        await session.execute(insert(OperationTask), [
            {"work_order_id": wo_id, "operation_id": op_id, "seq": (i + 1) * 10,
             "planned_qty": 100, "status": "ready" if i == 0 else "waiting",
             "planned_end": NOW - timedelta(seconds=1)}
            for wo_id in wo_ids for i, op_id in enumerate(operations)])
        task_ids = (await session.scalars(select(OperationTask.id).order_by(OperationTask.id)
                                          .limit(due))).all()
        await session.execute(insert(Reminder), [
            {"kind": TASK_OVERDUE, "fact_key": _key(task_id, NOW - timedelta(seconds=1)),
             "entity": TASK, "entity_id": task_id, "started_at": NOW - timedelta(seconds=1),
             "due_at": NOW - timedelta(seconds=1), "step": 0, "status": "active",
             "created_at": NOW, "match": "*", "severity": "*"} for task_id in task_ids])
        # The rest: due over the next months, as open tasks, QC waits and exceptions are.
        rng = random.Random(0)
        for start in range(0, open_reminders, 10_000):
            await session.execute(insert(Reminder), [
                {"kind": TASK_OVERDUE, "fact_key": f"later:{n}", "entity": TASK,
                 "entity_id": 10_000_000 + n, "started_at": NOW, "created_at": NOW,
                 "due_at": NOW + timedelta(seconds=rng.randint(60, 90 * 86400)),
                 "step": 0, "status": "active", "match": "*", "severity": "*"}
                for n in range(start, min(start + 10_000, open_reminders))])
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


def _key(task_id: int, at: datetime) -> str:
    return f"{TASK_OVERDUE}:{task_id}:{at:%Y%m%dT%H%MZ}"


async def reset(sessions: Any) -> None:
    """Put the due reminders back to their first step, as if the sweep had not run."""
    async with sessions() as session, session.begin():
        await session.execute(delete(OutboxMessage))
        await session.execute(delete(EscalationStep))
        await session.execute(
            update(Reminder).where(Reminder.fact_key.like(f"{TASK_OVERDUE}:%"))
            .values(step=0, status="active", due_at=NOW - timedelta(seconds=1),
                    finished_at=None))


async def run(open_reminders: int = 100_000, due: int = 1000, selections: int = 30,
              sweeps: int = 3) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "sweep.db"
        print(f"seeding {open_reminders} open reminders and {due} due ...", flush=True)
        await seed(db, open_reminders, due)
        engine = make_engine(f"sqlite+aiosqlite:///{db}")
        sessions = make_sessionmaker(engine)
        try:
            query = (select(Reminder.id)
                     .where(Reminder.status == "active", Reminder.due_at <= NOW)
                     .order_by(Reminder.due_at, Reminder.id).limit(500))
            async with sessions() as session:
                compiled = query.compile(engine.sync_engine,
                                         compile_kwargs={"literal_binds": True})
                plan = (await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
                select_ms = []
                for _ in range(selections):
                    started = time.perf_counter()
                    found = (await session.scalars(query)).all()
                    select_ms.append((time.perf_counter() - started) * 1000)
                    await session.rollback()
            assert len(found) == min(due, 500)

            sweep_s = []
            for _ in range(sweeps):
                await reset(sessions)
                started = time.perf_counter()
                handled = await reminders.sweep(sessions, NOW, RULES, limit=due)
                sweep_s.append(time.perf_counter() - started)
                assert handled == due, handled
            async with sessions() as session:
                sent = len((await session.scalars(select(OutboxMessage.id))).all())
            assert sent == due, sent
        finally:
            await engine.dispose()
    print("query plan:", "; ".join(row[-1] for row in plan))
    total = open_reminders + due
    return [
        {"what": "pick the due work (indexed query)", "reminders": total, "due": due,
         "median_ms": statistics.median(select_ms), "per_second": None,
         "runs": selections},
        {"what": "one sweep firing every due step", "reminders": total, "due": due,
         "median_ms": statistics.median(sweep_s) * 1000,
         "per_second": due / statistics.median(sweep_s), "runs": sweeps},
    ]


def markdown(rows: list[dict[str, Any]]) -> str:
    return "\n".join(table(
        ("what", "open reminders", "due", "median ms", "steps per second", "runs"),
        ((r["what"], f"{r['reminders']:,}", r["due"], f"{r['median_ms']:.1f}",
          f"{r['per_second']:.0f}" if r["per_second"] else "–", r["runs"]) for r in rows)))


def main() -> list[dict[str, Any]]:
    rows = asyncio.run(run())
    print(markdown(rows))
    return rows


if __name__ == "__main__":
    main()
