"""Work reports through the real bot and the local Bot API server over HTTP.

The bot runs as its own process (`gongdan run`) on a fresh SQLite file; this process hosts the
Bot API server and plays the workers. Throughput: 200 workers send their typed reports, then
their photo reports, all at once. Latency is "update received by the Bot API server → reply
handed back to it" (sendMessage), matched per chat in order, with 10 workers (then one) each
waiting for the answer before the next report. Each figure is the median of RUNS runs, each on
a fresh database and bot.

    .venv/bin/python -m bench.bench_reports [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from bench.common import percentile, table
from bot.botapi_server import LocalBotApi
from bot.labels import render_card
from bot.photo_sim import phone_photo
from bot.travel_cards import card_of
from domain.db import make_engine, make_sessionmaker
from domain.migrate import upgrade
from domain.models import Operation, Order, Person, Product, Routing, WorkOrder
from domain.status import load_work_orders
from domain.work_orders import release_work_order

TOKEN = "900000:BENCH-TOKEN"
ROOT = Path(__file__).resolve().parents[1]
RUNS = 3  # each run afresh (database, bot); the table shows the medians
RECORDED = "已记录"
ROWS = {
    "text": "text reports (SQLite)",
    "photo": "photo reports (download + decode + reply)",
    "text_one": "text reports, one worker at a time",
    "photo_one": "photo reports, one worker at a time",
}
FIGURES = ("per_second", "p50_ms", "p99_ms")
# Issue 2's targets for the reports through the bot.
TEXT_PER_SECOND_TARGET = 1000.0
PHOTO_P99_TARGET_MS = 300.0


async def seed(database: Path | str, workers: int, work_orders: int,
               registered: bool = True) -> list[bytes]:
    """A product of two operations, many big work orders, many skilled workers (on a SQLite
    file, or any database URL); their phone photos of the first two work orders' cards.

    The workers B0000, B0001... are Telegram users 100000, 100001... already, or (not
    `registered`) people waiting for an invite."""
    from datetime import date
    from decimal import Decimal

    engine = make_engine(database if isinstance(database, str) else f"sqlite:///{database}")
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        product = Product(code="BENCH", name="基准板")
        session.add(product)
        await session.flush()
        routing = Routing(product_id=product.id, version=1)
        session.add(routing)
        await session.flush()
        for seq, code in ((10, "SMT"), (20, "PACK")):
            session.add(Operation(routing_id=routing.id, seq=seq, code=code, name=code,
                                  piece_rate=Decimal("0.10"), std_minutes=Decimal("0.5")))
        order = Order(order_no="B-1", customer="bench", due_date=date(2027, 1, 1))
        session.add(order)
        await session.flush()
        for n in range(1, work_orders + 1):
            wo = WorkOrder(code=f"WO-{n:06d}", order_id=order.id, product_id=product.id,
                           routing_id=routing.id, quantity=1_000_000, due_date=order.due_date)
            # Several work orders of one product per order: unique per (order, product) is
            # the import's rule, so each bench work order gets its own order row.
            if n > 1:
                extra = Order(order_no=f"B-{n}", customer="bench", due_date=order.due_date)
                session.add(extra)
                await session.flush()
                wo.order_id = extra.id
            session.add(wo)
            await session.flush()
            await release_work_order(session, wo)
        for i in range(workers):
            session.add(Person(code=f"B{i:04d}", name=f"工人{i}", skills_text="SMT",
                               telegram_user_id=100_000 + i if registered else None,
                               language="zh"))
    async with sessions() as session:
        views = await load_work_orders(session, codes=["WO-000001", "WO-000002"])
    await engine.dispose()
    return [phone_photo(render_card(card_of(v)), seed=i, difficulty="easy")
            for i, v in enumerate(views)]


def start_bot(api: LocalBotApi, db: Path | str, *args: str,
              **env_extra: str) -> subprocess.Popen[bytes]:
    """`gongdan run [args]` on a SQLite file or a database URL."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url or "",
           "DATABASE_URL": db if isinstance(db, str) else f"sqlite:///{db}",
           # The local server enforces no limits: measure the bot, not Telegram's caps.
           "GONGDAN_SEND_RATE": "100000", "GONGDAN_CHAT_RATE": "1000", **env_extra}
    return subprocess.Popen([sys.executable, "-m", "bot", "run", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Latency:
    """Pairs each user action with the bot's next message in that chat."""

    def __init__(self, api: LocalBotApi) -> None:
        self.sent: dict[int, deque[float]] = defaultdict(deque)
        self.samples: list[float] = []
        self.replies = 0
        self.last_reply = 0.0
        api.on_event(self._on_event)

    def _on_event(self, event: Any) -> None:
        now = time.perf_counter()
        if event.direction == "in" and event.kind in ("text", "photo"):
            self.sent[event.chat_id].append(now)
        elif event.direction == "out" and event.kind == "send" and self.sent[event.chat_id]:
            self.samples.append(now - self.sent[event.chat_id].popleft())
            self.replies += 1
            self.last_reply = now

    def reset(self) -> None:
        self.sent.clear()
        self.samples.clear()
        self.replies = 0


async def wait_replies(latency: Latency, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while latency.replies < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{latency.replies}/{expected} replies")
        await asyncio.sleep(0.01)


async def closed_loop(latency: Latency, users: list[Any], act: Any) -> dict[str, Any]:
    """Each user acts and waits for the answer, over and over: rate and ack latency."""
    latency.reset()
    for user in users:
        user.drain()
    started = time.perf_counter()
    await asyncio.gather(*(act(u) for u in users))
    elapsed = time.perf_counter() - started
    samples = latency.samples
    return {"count": len(samples), "per_second": len(samples) / elapsed,
            "p50_ms": statistics.median(samples) * 1000,
            "p99_ms": percentile(samples, 0.99) * 1000, "latency_users": len(users)}


async def open_loop(latency: Latency, users: list[Any], send: Any, each: int) -> dict[str, Any]:
    """Every user sends `each` reports, all at once, nobody waiting: sustained throughput."""
    latency.reset()
    total = len(users) * each
    started = time.perf_counter()
    for n in range(each):
        for user in users:
            await send(user, n)
    await wait_replies(latency, total, timeout=600)
    return {"count": total, "per_second": total / (latency.last_reply - started)}


async def run_once(workers: int = 200, reports_each: int = 5, photos_each: int = 1,
                   latency_users: int = 10, latency_reports: int = 20,
                   latency_photos: int = 10) -> dict[str, dict[str, Any]]:
    """A fresh database and bot; every figure once, by key (see ROWS)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        photos = await seed(db, workers, work_orders=2)
        async with LocalBotApi(TOKEN) as api:
            latency = Latency(api)
            users = [api.user(100_000 + i, f"工人{i}", started=True) for i in range(workers)]
            bot = start_bot(api, db)
            try:
                await users[0].send_text("WO-000001 1")  # warm-up: the bot is up
                await wait_replies(latency, 1, timeout=60)

                async def type_report(user: Any, n: int) -> None:
                    await user.send_text(f"WO-00000{1 + n % 2} 1")

                async def photograph(user: Any, n: int) -> None:
                    await user.send_photo(photos[(user.id + n) % len(photos)], caption="1")

                def waiting(send: Any, times: int) -> Any:
                    async def act(user: Any) -> None:
                        for n in range(times):
                            await send(user, n)
                            await user.wait_message(lambda m: RECORDED in (m.text or ""),
                                                    timeout=30)
                    return act

                text_rate = await open_loop(latency, users, type_report, reports_each)
                photo_rate = await open_loop(latency, users, photograph, photos_each)
                typists = users[:latency_users]
                figures = {
                    "text": await closed_loop(latency, typists,
                                              waiting(type_report, latency_reports)),
                    "photo": await closed_loop(latency, typists,
                                               waiting(photograph, latency_photos)),
                    "text_one": await closed_loop(latency, users[:1],
                                                  waiting(type_report, latency_reports)),
                    "photo_one": await closed_loop(latency, users[:1],
                                                   waiting(photograph, latency_photos)),
                }
            finally:
                bot.terminate()
                bot.wait(10)
    # The two rows with many workers: throughput from the open loop, latency from the closed.
    figures["text"].update(text_rate, workers=workers)
    figures["photo"].update(photo_rate, workers=workers)
    return figures


async def run(runs: int = RUNS, **sizes: int) -> list[dict[str, Any]]:
    """Each row's figures: the median over `runs` runs."""
    measured = []
    for n in range(runs):
        measured.append(await run_once(**sizes))
        print(f"  run {n + 1}/{runs}: " + ", ".join(
            f"{key} {f['per_second']:.0f}/s p99 {f['p99_ms']:.0f} ms"
            for key, f in measured[-1].items()), flush=True)
    return [{**measured[0][key], "key": key, "what": what, "runs": runs,
             **{figure: statistics.median(m[key][figure] for m in measured)
                for figure in FIGURES}}
            for key, what in ROWS.items()]


def markdown(rows: list[dict[str, Any]]) -> str:
    many = rows[0]
    lines = table(
        ("what", "reports", "per second", "ack p50 ms", "ack p99 ms", "latency measured at",
         "runs"),
        ((r["what"], r["count"], f"{r['per_second']:.0f}", f"{r['p50_ms']:.1f}",
          f"{r['p99_ms']:.1f}", f"{r['latency_users']} worker(s), each waiting for the answer",
          r["runs"]) for r in rows))
    return "\n".join([
        *lines,
        "",
        f"Per second: the first two rows are throughput, every report sent at once by "
        f"{many['workers']} workers (a typed code and quantity, or a photo of the card with the "
        "quantity as its caption); the others are the rate of their closed loop. Ack latency: "
        "the Bot API server received the update → the bot handed it the reply, with the "
        "workers each waiting for the answer before the next report. Medians of "
        f"{many['runs']} runs, each on a fresh database and bot. Targets: "
        f"≥ {TEXT_PER_SECOND_TARGET:.0f} text reports/s on SQLite; photo report ack "
        f"p99 < {PHOTO_P99_TARGET_MS:.0f} ms.",
    ])


def main(runs: int = RUNS) -> list[dict[str, Any]]:
    rows = asyncio.run(run(runs))
    print(markdown(rows))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    main(parser.parse_args().runs)
