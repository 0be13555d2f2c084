"""Engine and sessions. SQLite (WAL) is the embedded default; PostgreSQL uses the same code.

Also how a process tells the database being away (locked, disk full, connection dropped) from
an operation's own error (`unavailable`), and keeps one view of it for all its loops
(`DatabaseHealth`): an outage makes work wait, it never counts against the work."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Executable, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from domain.rules import RULES_KEY, FactoryRules
from domain.sqlite_driver import connector

log = logging.getLogger(__name__)

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
    # How long a statement waits for another process's write lock before "database is
    # locked": SQLAlchemy's spelling, `sqlite:///path?timeout=SECONDS`.
    busy_seconds = float(str(parsed.query.get("timeout", 30)))
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # One connection: SQLite has one writer anyway, and queueing for the connection in asyncio
    # is far cheaper than SQLite's busy handler, which sleeps in steps of up to 100 ms.
    kwargs.setdefault("pool_size", 1)
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_timeout", 120)
    engine = create_async_engine(url, async_creator=lambda: connector(database), **kwargs)
    _configure_sqlite(engine, busy_seconds)
    return engine


def _configure_sqlite(engine: AsyncEngine, busy_seconds: float = 30) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Savepoint journals and sorts in memory, not in $TMPDIR (SQLite spills a report's
        # journal to a temp file there): a full or read-only /tmp must not stop the bot.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
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


# Why the database cannot be used right now, whatever was asked of it: SQLite's result codes
# (by name prefix, so SQLITE_IOERR_WRITE is an I/O error) and PostgreSQL's SQLSTATE (classes
# 08 and 57P, or the exact code).
_SQLITE_AWAY = {"SQLITE_BUSY": "database is locked", "SQLITE_LOCKED": "database is locked",
                "SQLITE_FULL": "disk is full", "SQLITE_IOERR": "disk I/O error",
                "SQLITE_CANTOPEN": "cannot open the database file",
                "SQLITE_READONLY": "database is read-only"}
_POSTGRES_AWAY = {"08": "connection lost", "57P01": "connection closed by the server",
                  "57P": "server shutting down or starting up",
                  "53100": "disk is full", "53200": "server out of memory",
                  "53300": "too many connections", "25006": "server is read-only (a standby)"}
# What asyncpg says without a SQLSTATE (its own connection state, refused connections).
_TEXT_AWAY = {"not currently accepting connections": "database not accepting connections",
              "connection is closed": "connection lost",
              "connection was closed": "connection lost"}


def unavailable(error: BaseException) -> str | None:
    """What is wrong when `error` says the database is away (locked, disk full, connection
    dropped or refused), not that the statement or its data is wrong; else None. An operation
    failing so is to wait and be tried again: it did nothing wrong."""
    seen: BaseException | None = error
    for _ in range(4):  # the error, and what it was raised from
        if seen is None:
            return None
        reason = _away(seen)
        if reason is not None:
            return reason
        seen = seen.__cause__ or seen.__context__
    return None


def _away(error: BaseException) -> str | None:
    if isinstance(error, PoolTimeout):
        return "no database connection free in time"
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return "connection lost"
        return _away(error.orig) if error.orig is not None else None
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", "") or ""
        return next((why for code, why in _SQLITE_AWAY.items() if name.startswith(code)), None)
    if isinstance(error, ConnectionError | TimeoutError):  # refused, reset, connect timeout
        return "cannot reach the database server"
    state = getattr(error, "sqlstate", None) or ""
    for prefix in (state, state[:3], state[:2]):
        if prefix and prefix in _POSTGRES_AWAY:
            return _POSTGRES_AWAY[prefix]
    text = str(error).lower()
    return next((why for words, why in _TEXT_AWAY.items() if words in text), None)


class DatabaseHealth:
    """This process's view of whether the database can be written, shared by every loop that
    uses it (receiver, processor, sender, jobs).

    An outage is logged twice: when it begins, with what is wrong, and once writes have gone
    through for `settle` seconds, with how long it lasted; not at every retry of every loop,
    and a connection that comes and goes is one outage, not one per drop. Meanwhile the loops
    wait `retry_delay()` between tries: short at first, growing with the outage.
    `count` receives "database_outages" once per outage and "database_errors" per failure.
    """

    def __init__(self, count: Callable[[str], None] | None = None,
                 max_delay: float = 5.0, settle: float = 5.0) -> None:
        self.count = count or (lambda _name: None)
        self.max_delay = max_delay
        self.settle = settle
        self.down_since: float | None = None  # writes fail since then (monotonic seconds)
        self.began: float = 0.0  # the first failure of the outage being reported
        self.reasons: list[str] = []
        self.drops = 0  # times writes failed again during this outage
        self._settling: asyncio.TimerHandle | None = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, error: BaseException, where: str) -> str | None:
        """Report a failed database operation; what is wrong when it is an outage, else None
        (the caller's own error: it logs and handles that itself)."""
        reason = unavailable(error)
        if reason is None:
            return None
        self.count("database_errors")
        if self.down_since is None:
            self.down_since = time.monotonic()
            self.drops += 1
            if self._settling is not None:  # back only briefly: the same outage goes on
                self._settling.cancel()
                self._settling = None
            else:
                self.began, self.reasons, self.drops = self.down_since, [reason], 1
                self.count("database_outages")
                log.error("database unavailable (%s; %s: %s), noticed by the %s: work waits "
                          "and nothing is given up meanwhile; retrying",
                          reason, type(error).__name__, _first_line(error), where)
        if reason not in self.reasons:
            self.reasons.append(reason)
            log.error("database still unavailable, now: %s (%s)", reason, _first_line(error))
        return reason

    def written(self) -> None:
        """A write went through: the outage is over unless writes fail again soon."""
        if self.down_since is None:
            return
        self.down_since = None
        self._settling = asyncio.get_running_loop().call_later(
            self.settle, self._settled, time.monotonic())

    def _settled(self, back: float) -> None:
        self._settling = None
        log.warning("database available again after %.1f s (%s%s)", back - self.began,
                    ", then ".join(self.reasons),
                    f"; writes failed again {self.drops - 1} times" if self.drops > 1 else "")

    def retry_delay(self) -> float:
        """Seconds to wait before trying again: a quarter of the outage so far, between
        0.2 s and `max_delay`, with some jitter so the loops do not retry in step."""
        elapsed = 0.0 if self.down_since is None else time.monotonic() - self.down_since
        return min(self.max_delay, max(0.2, elapsed / 4)) * random.uniform(0.8, 1.2)


def _first_line(error: BaseException) -> str:
    orig = error.orig if isinstance(error, DBAPIError) else error
    return (str(orig).strip().splitlines() or [""])[0][:200]
