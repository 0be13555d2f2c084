"""Engine and sessions. SQLite (WAL) is the embedded default; PostgreSQL uses the same code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Executable, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from domain.rules import RULES_KEY, FactoryRules
from domain.sqlite_driver import connector

DEFAULT_SQLITE_PATH = Path("var/gongdan.db")


def default_url(path: Path = DEFAULT_SQLITE_PATH) -> str:
    return f"sqlite+aiosqlite:///{path}"


def async_url(url: str) -> str:
    """Accept the plain URLs people write and pick the async driver for them."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = async_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)

    database = parsed.database or ":memory:"
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # One connection: SQLite has one writer anyway, and queueing for the connection in asyncio
    # is far cheaper than SQLite's busy handler, which sleeps in steps of up to 100 ms.
    kwargs.setdefault("pool_size", 1)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_timeout", 120)
    engine = create_async_engine(url, async_creator=lambda: connector(database), **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front: a deferred transaction that reads and then writes fails
        # with SQLITE_BUSY when another writer got in between, and busy_timeout cannot help it.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


async def rows_changed(session: AsyncSession, statement: Executable) -> int:
    """How many rows a conditional UPDATE (or DELETE, INSERT … ON CONFLICT) changed: 1 means
    this transaction won, 0 that someone else got there first."""
    result = await session.execute(statement)
    # execute() is typed as Result; a data-changing statement's is a CursorResult.
    assert isinstance(result, CursorResult)
    return result.rowcount


def make_sessionmaker(engine: AsyncEngine,
                      rules: FactoryRules | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions that carry the factory's rules (domain.rules.rules_of reads them)."""
    info = {RULES_KEY: rules} if rules is not None else {}
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


# PostgreSQL's answers to two transactions that got in each other's way: either may be run
# again from the start (SQLite serialises writers and never gives them).
_CONFLICTS = ("deadlock detected", "could not serialize")


def lost_to_another_writer(error: BaseException) -> bool:
    """A deadlock or serialization failure: the transaction is to be run again."""
    if not isinstance(error, DBAPIError):
        return False
    text = str(error.orig).lower()
    return any(conflict in text for conflict in _CONFLICTS)
