"""aiosqlite with one thread hop per statement instead of four.

SQLAlchemy's aiosqlite adapter opens a cursor, executes, fetches and closes the cursor, each a
round trip to aiosqlite's worker thread (~0.1 ms each, and it adds up to most of a report's
time). Here the cursor is created and closed in place and a statement's rows are fetched in the
same hop that executes it. The work itself still runs in the worker thread, so a busy database
never blocks the event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import aiosqlite


class _Cursor(aiosqlite.Cursor):
    _rows: list[Any] | None = None

    async def __aenter__(self) -> _Cursor:
        return self

    def _run(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any]) -> list[Any] | None:
        self._cursor.execute(sql, parameters)
        return self._cursor.fetchall() if self._cursor.description else None

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _Cursor:
        # aiosqlite leaves its _execute unannotated.
        self._rows = await self._conn._execute(  # type: ignore[no-untyped-call]
            self._run, sql, parameters or ())
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows or [], None
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """What SQLAlchemy's streaming results (yield_per, stream) read: the rows were already
        fetched with the statement, so this hands them out in portions."""
        rows = self._rows or []
        count = self.arraysize if size is None else size
        taken, self._rows = rows[:count], rows[count:]
        return taken

    async def close(self) -> None:
        self._cursor.close()


class _Connection(aiosqlite.Connection):
    def cursor(self) -> _Cursor:  # type: ignore[override]
        return _Cursor(self, self._conn.cursor())


def connector(path: str) -> _Connection:
    """What create_async_engine(async_creator=...) needs: an awaitable connection."""
    # check_same_thread=False: cursors are made here and used in the worker thread, one
    # statement at a time per connection (SQLAlchemy serialises them).
    return _Connection(partial(sqlite3.connect, path, timeout=30, check_same_thread=False),
                       iter_chunk_size=64)
