"""From a QC button press to the worker's notification leaving the outbox.

The bot runs as its own process (`gongdan run`) on a fresh SQLite file; this process hosts the
Bot API server and plays the people. Workers report at a QC checkpoint, so each report waits
for an inspection; inspectors then press "Pass all" on the posts. The latency is "the press
reached the Bot API server → the bot sent the worker's "QC passed" message to it": the
callback's update, its transaction (the decision, the edited posts, the worker's notice in the
outbox), and the sender draining the outbox, all through real HTTP.

    .venv/bin/python -m bench.bench_qc
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.bench_reports import TOKEN, start_bot
from bench.common import percentile, table
from bot.botapi_server import LocalBotApi, SimUser
from domain.db import make_engine, make_sessionmaker
from domain.migrate import upgrade
from domain.models import Operation, Order, Person, Product, Routing, WorkOrder
from domain.work_orders import release_work_order

WORKER_IDS = 200_000
INSPECTOR_IDS = 300_000


async def seed(db: Path, workers: int, inspectors: int) -> None:
    """One operation, a QC checkpoint inspecting every report; workers skilled in it."""
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session, session.begin():
        product = Product(code="BENCH", name="基准板")
        session.add(product)
        await session.flush()
        routing = Routing(product_id=product.id, version=1)
        session.add(routing)
        await session.flush()
        session.add(Operation(routing_id=routing.id, seq=10, code="TEST", name="测试",
                              piece_rate=Decimal("0.10"), std_minutes=Decimal("0.5"),
                              qc_checkpoint=True))
        order = Order(order_no="B-1", customer="bench", due_date=date(2027, 1, 1))
        session.add(order)
        await session.flush()
        work_order = WorkOrder(code="WO-000001", order_id=order.id, product_id=product.id,
                               routing_id=routing.id, quantity=1_000_000,
                               due_date=order.due_date)
        session.add(work_order)
        await session.flush()
        await release_work_order(session, work_order)
        for i in range(workers):
            session.add(Person(code=f"W{i:04d}", name=f"工人{i}", skills_text="TEST",
                               telegram_user_id=WORKER_IDS + i, language="zh"))
        for i in range(inspectors):
            session.add(Person(code=f"Q{i:02d}", name=f"质检{i}", role="qc",
                               telegram_user_id=INSPECTOR_IDS + i, language="zh"))
    await engine.dispose()


class PressToNotice:
    """Pairs each Pass press with the worker's "QC passed" message."""

    def __init__(self, api: LocalBotApi, worker_chat_of: dict[str, int]) -> None:
        self.worker_chat_of = worker_chat_of  # the worker named on a post → their chat
        self.pressed: dict[int, float] = {}
        self.samples: list[float] = []
        api.on_event(self._on_event)

    def press(self, post: Any) -> None:
        worker = next(name for name in self.worker_chat_of if f"{name} 报良品" in post.content)
        self.pressed[self.worker_chat_of[worker]] = time.perf_counter()

    def _on_event(self, event: Any) -> None:
        if (event.direction == "out" and event.kind == "send" and "质检合格" in event.text
                and event.chat_id in self.pressed):
            self.samples.append(time.perf_counter() - self.pressed.pop(event.chat_id))


async def wait_until(done: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not answer in time")
        await asyncio.sleep(0.01)


async def held_posts(inspector: SimUser, count: int) -> list[Any]:
    return [await inspector.wait_message("待质检", timeout=60) for _ in range(count)]


async def round_of(api: LocalBotApi, workers: list[SimUser], inspectors: list[SimUser],
                   meter: PressToNotice, at_once: bool) -> dict[str, Any]:
    """Every worker reports once; the inspectors pass every post (one by one, or together)."""
    for inspector in inspectors:
        inspector.drain()
    for worker in workers:
        await worker.send_text("WO-000001 1")
    # Every inspector gets every post; inspector k passes the posts k, k + n, k + 2n...
    posts = [await held_posts(inspector, len(workers)) for inspector in inspectors]
    meter.samples.clear()
    started = time.perf_counter()

    async def inspect(k: int, inspector: SimUser) -> None:
        for post in posts[k][k::len(inspectors)]:
            meter.press(post)
            await inspector.press("✅ 全部合格 1", post)
            if not at_once:  # wait for the worker's notice before the next press
                await wait_until(lambda: not meter.pressed, timeout=30)

    await asyncio.gather(*(inspect(k, i) for k, i in enumerate(inspectors)))
    await wait_until(lambda: len(meter.samples) == len(workers), timeout=120)
    elapsed = time.perf_counter() - started
    samples = meter.samples
    return {"what": (f"{len(inspectors)} inspectors pressing at once" if at_once
                     else "one press at a time"),
            "count": len(samples), "per_second": len(samples) / elapsed,
            "p50_ms": statistics.median(samples) * 1000,
            "p99_ms": percentile(samples, 0.99) * 1000}


async def run(workers: int = 100, inspectors: int = 5) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        await seed(db, workers, inspectors)
        async with LocalBotApi(TOKEN) as api:
            crew = [api.user(WORKER_IDS + i, f"工人{i}", started=True) for i in range(workers)]
            team = [api.user(INSPECTOR_IDS + i, f"质检{i}", started=True)
                    for i in range(inspectors)]
            meter = PressToNotice(api, {f"工人{i}": WORKER_IDS + i for i in range(workers)})
            bot = start_bot(api, db)
            try:
                await crew[0].send_text("WO-000001 1")  # warm-up: the bot is up
                await crew[0].wait_message("已记录", timeout=60)
                await team[0].press("✅ 全部合格 1", await team[0].wait_message("待质检",
                                                                              timeout=30))
                await crew[0].wait_message("质检合格：", timeout=30)
                rows = [await round_of(api, crew[:20], team[:1], meter, at_once=False),
                        await round_of(api, crew, team, meter, at_once=True)]
            finally:
                bot.terminate()
                bot.wait(10)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    return "\n".join(table(
        ("what", "decisions", "per second", "press → notice p50 ms", "p99 ms"),
        ((r["what"], r["count"], f"{r['per_second']:.0f}", f"{r['p50_ms']:.1f}",
          f"{r['p99_ms']:.1f}") for r in rows)))


def main() -> list[dict[str, Any]]:
    rows = asyncio.run(run())
    print(markdown(rows))
    return rows


if __name__ == "__main__":
    main()
