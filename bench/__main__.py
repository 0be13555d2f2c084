"""`make bench`: every benchmark in one run; the headline table last, and bench/results.md with
the headline on top and each benchmark's own section below it."""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    bench_analytics,
    bench_decode,
    bench_fanout,
    bench_memory,
    bench_planning,
    bench_qc,
    bench_reports,
    bench_scale,
    bench_sweep,
    summary,
)

RESULTS = Path(__file__).with_name("results.md")


@dataclass(frozen=True)
class Section:
    key: str  # its field in summary.Results, if the headline reads it
    title: str
    run: Callable[[], Any]
    markdown: Callable[[Any], str]
    notes: str = ""  # what the table does not say itself


SECTIONS = (
    Section("reports", "Work reports through the bot", bench_reports.main, bench_reports.markdown),
    Section("decoding", "Decoding card photos", bench_decode.main, bench_decode.markdown),
    Section("sweeping", "Reminder sweep", bench_sweep.main, bench_sweep.markdown,
            "Every sweep (every 2 s by default) starts by picking the due reminders: target "
            f"< {summary.SWEEP_TARGET_MS:.0f} ms over 100,000 open reminders (index "
            "`ix_reminder_due`). The second row is a catch-up: 1000 `task_overdue` steps due at "
            "once, each checked, resolved to its workers, queued in the outbox and recorded in "
            "its own transaction (Telegram itself takes about 30 messages/s from a bot)."),
    Section("qc", "QC decisions", bench_qc.main, bench_qc.markdown,
            "From an inspector's Pass press (the update received by the Bot API server) to the "
            "worker's notification handed to it."),
    Section("analytics", "Analytics over a year of history", lambda: bench_analytics.main([]),
            bench_analytics.markdown,
            "A generated year of a 300-worker factory (`gongdan generate-history`, cached under "
            "var/bench/). Each figure is one call as the bot, the job or the board page makes "
            "it, in a fresh session: median of the runs after the first; \"first\" is the first "
            "call after opening the database. The daily summary is the last day's at 18:00 with "
            "its PNG chart; the wage run is every person's payslip for the last full month."),
    Section("planning", "Planning: dispatch suggestion and rush preview", bench_planning.main,
            bench_planning.markdown,
            "A generated floor (bench/bench_planning.py): 500 open tasks, 60 workers in three "
            "teams with their shifts, 20 workstations. Each figure is one call in a fresh "
            "session."),
    Section("fanout", "Outbox within Telegram's limits: fan-out and group posts",
            bench_fanout.main, bench_fanout.markdown),
    Section("memory", f"Memory of the bot with {bench_memory.USERS} active users",
            bench_memory.main, bench_memory.markdown),
    Section("scale", "Deployment shapes: webhook mode on SQLite and PostgreSQL, one and three "
            "processes", bench_scale.main, bench_scale.markdown,
            f"{bench_scale.WORKERS} workers × {bench_scale.REPORTS_EACH} reports, each worker "
            f"on the work order of their line ({bench_scale.WORK_ORDERS} work orders); latency: "
            f"{bench_scale.LATENCY_USERS} workers each waiting for the answer; medians of "
            f"{bench_scale.RUNS} runs of each shape. The local Bot API server posts to "
            "`gongdan run --webhook`; three processes sit behind a round-robin proxy. The load, "
            "the Bot API server, PostgreSQL and the bots share one machine."),
)


def report(results: dict[str, Any], headline: str) -> str:
    """bench/results.md: when and where, the headline, then every section."""
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}, `make bench`. The bot runs as its own process "
        "against the local Bot API server (real HTTP on loopback), on SQLite unless a row "
        "says PostgreSQL.",
        "",
        "## Headline",
        "",
        headline,
    ]
    for section in SECTIONS:
        lines += ["", f"## {section.title}", "", section.markdown(results[section.key])]
        if section.notes:
            lines += ["", section.notes]
    return "\n".join(lines) + "\n"


def main() -> int:
    results: dict[str, Any] = {}
    for section in SECTIONS:
        print(f"\n# {section.title}\n", flush=True)
        results[section.key] = section.run()
    read = {field.name for field in fields(summary.Results)}
    headline = summary.markdown(summary.build(summary.Results(
        **{key: value for key, value in results.items() if key in read})))
    RESULTS.write_text(report(results, headline))
    print(f"\n# Headline\n\n{headline}\n\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
