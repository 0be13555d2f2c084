"""SQL the KPIs need that the dialects spell differently."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, SQLColumnExpression
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_millis(FunctionElement[int]):
    """Whole milliseconds since 1970-01-01 UTC of a stored UTC time, as an integer.

    Integer arithmetic on it (local day, time of day) is exact and the same on SQLite and
    PostgreSQL."""

    type = BigInteger()
    inherit_cache = True

    def __init__(self, column: SQLColumnExpression[datetime | None]) -> None:
        super().__init__(column)


@compiles(epoch_millis)
def _millis_default(element: epoch_millis, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) * 1000) AS BIGINT)"


@compiles(epoch_millis, "sqlite")
def _millis_sqlite(element: epoch_millis, compiler: Any, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC. julianday() keeps whole milliseconds and
    # is about twice as fast as strftime('%s'); the rounding only removes float noise.
    column = compiler.process(element.clauses, **kw)
    return f"CAST(ROUND((JULIANDAY({column}) - 2440587.5) * 86400000.0) AS INTEGER)"
