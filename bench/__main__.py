"""`make bench`: every benchmark in one run, one table, written to bench/results.md."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    bench_analytics,
    bench_decode,
    bench_fanout,
    bench_planning,
    bench_qc,
    bench_reports,
    bench_scale,
    bench_sweep,
)

RESULTS = Path(__file__).with_name("results.md")

TARGETS = {
    "text reports (SQLite)": "≥ 1000 reports/s",
    "photo reports (download + decode + reply)": "p99 < 300 ms",
}
SWEEP_TARGET = "< 50 ms over 100,000 open reminders"


def main() -> int:
    reports = bench_reports.main()
    print()
    decoding = bench_decode.main()
    print()
    sweeping = bench_sweep.main()
    print()
    deciding = bench_qc.main()
    print()
    analytics = bench_analytics.main([])
    print()
    planning = bench_planning.main()
    print()
    fanout = bench_fanout.main()
    print()
    scale = bench_scale.main()
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}, `make bench`. Medians and percentiles over the "
        "whole run; the bot runs as its own process against the local Bot API server "
        "(real HTTP on loopback), on SQLite.",
        "",
        "## Work reports through the bot",
        "",
        bench_reports.markdown(reports),
        "",
        "Per second: the first row is throughput, everything sent at once by 200 workers; the "
        "others are the rate of that closed loop. Ack latency: the Bot API server received the "
        "update → the bot handed it the reply. Targets: " + "; ".join(
            f"{what}: {target}" for what, target in TARGETS.items()) + ".",
        "",
        "## Decoding card photos",
        "",
        bench_decode.markdown(decoding),
        "",
        "## Reminder sweep",
        "",
        bench_sweep.markdown(sweeping),
        "",
        "Every sweep (every 2 s by default) starts by picking the due reminders: "
        f"target {SWEEP_TARGET} (index `ix_reminder_due`). "
        "The second row is a catch-up: 1000 `task_overdue` steps due at once, each checked, "
        "resolved to its workers, queued in the outbox and recorded in its own transaction "
        "(Telegram itself takes about 30 messages/s from a bot).",
        "",
        "## QC decisions",
        "",
        bench_qc.markdown(deciding),
        "",
        "From an inspector's Pass press (the update received by the Bot API server) to the "
        "worker's notification handed to it.",
        "",
        "## Analytics over a year of history",
        "",
        bench_analytics.markdown(analytics),
        "",
        "A generated year of a 300-worker factory (`gongdan generate-history`, cached under "
        "var/bench/). Each figure is one call as the bot, the job or the board page makes it, in "
        "a fresh session: median of the runs after the first; \"first\" is the first call after "
        "opening the database. The daily summary is the last day's at 18:00 with its PNG chart; "
        "the wage run is every person's payslip for the last full month.",
        "",
        "## Planning: dispatch suggestion and rush preview",
        "",
        bench_planning.markdown(planning),
        "",
        "A generated floor (bench/bench_planning.py): 500 open tasks, 60 workers in three "
        "teams with their shifts, 20 workstations. Each figure is one call in a fresh session.",
        "",
        "## Fan-out of a plan change",
        "",
        bench_fanout.markdown(fanout),
        "",
        "## Deployment shapes: webhook mode on SQLite and PostgreSQL, one and three processes",
        "",
        bench_scale.markdown(scale),
        "",
        f"{bench_scale.WORKERS} workers × {bench_scale.REPORTS_EACH} reports, each worker on the "
        f"work order of their line ({bench_scale.WORK_ORDERS} work orders); latency: "
        f"{bench_scale.LATENCY_USERS} workers each waiting for the answer; medians of "
        f"{bench_scale.RUNS} runs of each shape. The local Bot API "
        "server posts to `gongdan run --webhook`; three processes sit behind a round-robin "
        "proxy. The load, the Bot API server, PostgreSQL and the bots share one machine.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
