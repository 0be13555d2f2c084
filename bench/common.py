"""What every benchmark shares: a percentile and a markdown table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def percentile(values: list[float], q: float) -> float:
    """Nearest rank from below: the value `q` of the way up the sorted samples."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Markdown table lines: the first column left-aligned (what), the others right (figures)."""
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines
