"""What every benchmark shares: a percentile, a markdown table, a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def percentile(values: list[float], q: float) -> float:
    """Nearest rank from below: the value `q` of the way up the sorted samples."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def table(header: Sequence[str], rows: Iterable[Sequence[object]],
          left: Sequence[int] = (0,)) -> list[str]:
    """Markdown table lines: the columns in `left` left-aligned (what, words), the others right
    (figures)."""
    rule = "".join("---|" if n in left else "---:|" for n in range(len(header)))
    lines = ["| " + " | ".join(header) + " |", "|" + rule]
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
