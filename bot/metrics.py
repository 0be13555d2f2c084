"""Counters this process keeps for /metrics (Prometheus); the database-held figures (outbox
depth and age, sweep lag, reports) are read at scrape time."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()


def count(name: str, n: int = 1) -> None:
    COUNTS[name] += n
