"""Work reports per second and ack latency, by deployment shape, through real HTTP.

One local Bot API server posts the workers' updates to the bot's webhook (as Telegram does, with
its secret header); the bot runs as real `gongdan run --webhook` processes: one on a SQLite
file, one on PostgreSQL, three on one PostgreSQL behind a round-robin proxy. Latency is "update
received by the Bot API server → the reply handed back to it", matched per chat in order.

Each worker reports on the work order of their own line (20 work orders), as on a floor: a
benchmark of everyone on one task would measure the queue on that task's row instead.

    GONGDAN_BENCH_POSTGRES=$(bash scripts/postgres.sh start) .venv/bin/python -m bench.bench_scale
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_reports import TOKEN, Latency, seed, wait_replies
from bench.common import fresh_postgres, percentile, table
from bot.botapi_server import LocalBotApi
from tests.e2e.balancer import Balancer, free_port

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"
WORKERS, WORK_ORDERS, REPORTS_EACH = 60, 20, 10
LATENCY_USERS, LATENCY_REPORTS = 10, 20
RUNS = 3  # each shape measured afresh this many times; the table shows the medians


def start_process(n: int, api: LocalBotApi, database_url: str, port: int,
                  hook: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.url or "",
           "DATABASE_URL": database_url,
           # The local server enforces no limits here: measure the bot, not Telegram's caps.
           "GONGDAN_SEND_RATE": "100000", "GONGDAN_CHAT_RATE": "1000",
           "GONGDAN_HTTP_PORT": str(port), "GONGDAN_WEBHOOK_URL": hook,
           "GONGDAN_WEBHOOK_SECRET": SECRET, "GONGDAN_PROCESS_NAME": f"bench-{n}",
           "GONGDAN_WEBHOOK_MAX_CONNECTIONS": "100"}
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--webhook"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def measure(what: str, database_url: str, processes: int) -> dict[str, Any]:
    await seed(database_url, WORKERS, WORK_ORDERS)
    async with LocalBotApi(TOKEN) as api:
        latency = Latency(api)
        users = [api.user(100_000 + i, f"工人{i}", started=True) for i in range(WORKERS)]
        ports = [free_port() for _ in range(processes)]
        balancer = Balancer([f"http://127.0.0.1:{p}" for p in ports]) if processes > 1 else None
        front = await balancer.start() if balancer else f"http://127.0.0.1:{ports[0]}"
        bots = [start_process(n, api, database_url, port, front + "/telegram/updates")
                for n, port in enumerate(ports)]
        try:
            for n in range(processes):  # each process answers once: all are up
                await users[n].send_text(f"{code(n)} 1")
            await wait_replies(latency, processes, timeout=90)

            # Throughput: every worker types code and quantity, all at once (open loop).
            latency.reset()
            total = WORKERS * REPORTS_EACH
            started = time.perf_counter()
            for _ in range(REPORTS_EACH):
                for i, user in enumerate(users):
                    await user.send_text(f"{code(i)} 1")
            await wait_replies(latency, total, timeout=600)
            rate = total / (latency.last_reply - started)

            # Latency: a few workers each report, wait for the answer, report again.
            latency.reset()
            for user in users:
                user.drain()

            async def typist(i: int) -> None:
                for _ in range(LATENCY_REPORTS):
                    await users[i].send_text(f"{code(i)} 1")
                    await users[i].wait_message(lambda m: "已记录" in (m.text or ""), timeout=30)

            await asyncio.gather(*(typist(i) for i in range(LATENCY_USERS)))
            samples = latency.samples
        finally:
            for bot in bots:
                bot.terminate()
            for bot in bots:
                bot.wait(15)
            if balancer:
                await balancer.stop()
    return {"what": what, "count": total, "per_second": rate,
            "p50_ms": statistics.median(samples) * 1000,
            "p99_ms": percentile(samples, 0.99) * 1000}


def code(worker: int) -> str:
    return f"WO-{1 + worker % WORK_ORDERS:06d}"


async def shapes() -> list[tuple[str, Any]]:
    """(what, a coroutine function making a fresh database URL) for each shape measured."""
    async def sqlite() -> str:
        return f"sqlite:///{tempfile.mkdtemp()}/bench.db"

    found: list[tuple[str, Any]] = [("1 process, SQLite", sqlite)]
    server = os.environ.get("GONGDAN_BENCH_POSTGRES", "").strip()
    if not server:
        print("GONGDAN_BENCH_POSTGRES not set: the PostgreSQL rows are skipped "
              "(bash scripts/postgres.sh start prints a URL)")
        return found

    async def postgres() -> str:
        return await fresh_postgres(server, "gongdan_bench_scale")

    return found + [("1 process, PostgreSQL", postgres),
                    ("3 processes, one PostgreSQL", postgres)]


async def run() -> list[dict[str, Any]]:
    rows = []
    for what, database in await shapes():
        processes = 3 if what.startswith("3") else 1
        runs = [await measure(what, await database(), processes) for _ in range(RUNS)]
        rows.append({"what": what, "count": runs[0]["count"], "runs": len(runs),
                     **{figure: statistics.median(r[figure] for r in runs)
                        for figure in ("per_second", "p50_ms", "p99_ms")}})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    base = rows[0]["per_second"]
    return "\n".join(table(
        ("webhook mode", "reports", "per second", "vs 1 SQLite", "ack p50 ms", "ack p99 ms"),
        ((r["what"], r["count"], f"{r['per_second']:.0f}", f"{r['per_second'] / base:.2f}×",
          f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}") for r in rows)))


def main() -> list[dict[str, Any]]:
    rows = asyncio.run(run())
    print(f"{WORKERS} workers × {REPORTS_EACH} reports on {WORK_ORDERS} work orders; latency: "
          f"{LATENCY_USERS} workers each waiting for the answer, {LATENCY_REPORTS} reports each; "
          f"medians of {RUNS} runs")
    print(markdown(rows))
    return rows


if __name__ == "__main__":
    main()
