"""Which database a test runs on: a SQLite file, or a fresh PostgreSQL database.

The suite runs twice in CI: as is (SQLite files), and with GONGDAN_TEST_POSTGRES set to a server
(scripts/postgres.sh starts one). Tests name their database by a path, as they always did; on
PostgreSQL each path becomes its own database, cloned from a template migrated once per run, and
dropped when the test ends.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import os
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text

POSTGRES = os.environ.get("GONGDAN_TEST_POSTGRES", "").strip()
# One template per test run: runs side by side do not pull each other's template away.
TEMPLATE = f"gongdan_template_{os.getpid()}"

T = TypeVar("T")
_created: list[str] = []
_lock = threading.Lock()
_template_ready = False


def on_postgres() -> bool:
    return bool(POSTGRES)


def url_for(path: Path) -> str:
    """The database URL for a test database named by `path` (created on first use)."""
    if not POSTGRES:
        return f"sqlite+aiosqlite:///{path}"
    name = "t_" + hashlib.sha1(str(path).encode()).hexdigest()[:20]
    with _lock:
        if name not in _created:
            _in_thread(lambda: _create(name))
            _created.append(name)
    return _server_url(name)


def plain_url_for(path: Path) -> str:
    """The same database as people write it in DATABASE_URL (for the CLI and subprocesses)."""
    url = url_for(path)
    return url.replace("sqlite+aiosqlite:///", "sqlite:///").replace(
        "postgresql+asyncpg://", "postgresql://")


def drop_created() -> None:
    """Drop the databases this test made (PostgreSQL); SQLite files go with tmp_path."""
    with _lock:
        names = list(_created)
        _created.clear()
    if names:
        _in_thread(lambda: _admin([f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names]))


def fetch(path: Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a query against a test database, from synchronous test code."""
    from domain.db import make_engine

    async def run() -> list[tuple[Any, ...]]:
        engine = make_engine(url_for(path))
        try:
            async with engine.connect() as conn:
                return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]
        finally:
            await engine.dispose()

    return _in_thread(run)


def _server_url(database: str) -> str:
    base = POSTGRES.replace("postgresql://", "postgresql+asyncpg://", 1)
    return base.rsplit("/", 1)[0] + "/" + database


def _create(name: str) -> Awaitable[None]:
    async def run() -> None:
        global _template_ready
        if not _template_ready:
            await _make_template()
            _template_ready = True
            atexit.register(_drop_template)
        await _admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                            f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}'])
    return run()


async def _make_template() -> None:
    from domain.db import make_engine
    from domain.migrate import upgrade

    await _admin([f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)",
                        f"CREATE DATABASE {TEMPLATE}"])
    engine = make_engine(_server_url(TEMPLATE))
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _drop_template() -> None:
    _in_thread(lambda: _admin([f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"]))


async def _admin(statements: list[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _in_thread(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    result: list[Any] = []

    def target() -> None:
        async def go() -> Any:
            return await make()
        try:
            result.append(asyncio.run(go()))
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            result.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]
