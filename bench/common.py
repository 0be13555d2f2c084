"""What every benchmark shares: a percentile, a markdown table, a fresh PostgreSQL database."""

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


async def fresh_postgres(server: str, name: str) -> str:
    """An empty database `name` on the server at `server` (a postgresql:// URL); its URL."""
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server.rsplit("/", 1)[0] + "/" + name
