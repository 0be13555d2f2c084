"""`make bench`: every benchmark in one run, one table, written to bench/results.md."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import bench_decode, bench_reports

RESULTS = Path(__file__).with_name("results.md")

TARGETS = {
    "text reports (SQLite)": "≥ 1000 reports/s",
    "photo reports (download + decode + reply)": "p99 < 300 ms",
}


def main() -> int:
    reports = bench_reports.main()
    print()
    decoding = bench_decode.main()
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
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
