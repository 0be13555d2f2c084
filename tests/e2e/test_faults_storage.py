"""The database away for a while — SQLite locked by another process, PostgreSQL's connections
dropped and refused, the disk full — while workers keep reporting (typed and photographed).

In each: what arrives during the outage stays unconfirmed at the Bot API (nothing is confirmed
before the inbox holds it), the bot keeps running and says once what is wrong, nothing is
given up as failed; once the database is back every report is applied exactly once and every
worker gets each reply."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.botapi_server import LocalBotApi
from bot.inbox import MAX_ATTEMPTS, Processor, on_error, store_updates
from domain.db import make_engine, make_sessionmaker, unavailable
from domain.migrate import upgrade
from domain.rules import FactoryRules
from handlers.telegram.scope import current_scope
from scheduler.jobs import Clockwork
from tests import databases
from tests.e2e.balancer import free_port
from tests.e2e.conftest import TOKEN, seed
from tests.e2e.storage_faults import (
    ConfirmWatch,
    Stream,
    applied,
    inbox_failures,
    log_lines,
    pending_ids,
    seed_floor,
    sqlite_inbox,
    start_bot,
    stop,
    unprocessed,
    wait_for,
    webhook_env,
)

OUTAGE = "database unavailable ("
BACK = "database available again"


async def recovered_and_exact(stream: Stream, db: Path, bot, log: Path,
                              watch: ConfirmWatch, reason: str) -> None:
    """The checks every outage ends with."""
    await stream.all_replied(timeout=60)
    await wait_for(lambda: not stream.api.pending_updates() and unprocessed(db) == 0, 30)
    await asyncio.sleep(0.5)  # anything applied twice would show up now
    total = stream.reports
    assert applied(db) == (total, total, stream.good_total)
    assert inbox_failures(db) == [], "an outage counted against an update"
    assert stream.internal_errors() == []
    # Everyone wrote during the outage: each was told once that it will be handled.
    assert stream.outage_notices() == {user.id: 1 for user in stream.users}
    assert bot.poll() is None, "the bot died"
    assert await watch.settled() == set(), "confirmed to the Bot API before it was stored"
    assert watch.confirmed >= {u for u in range(1, stream.api.updates.next_id)}
    await wait_for(lambda: log_lines(log, BACK), timeout=15, why=lambda: "no end logged")
    outages = log_lines(log, OUTAGE)
    assert len(outages) == 1 and reason in outages[0], outages
    assert len(log_lines(log, BACK)) == 1


# --- SQLite: another process holds the write lock ---------------------------------------------

LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=20, isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""
BUSY_SECONDS = 2  # the bot's busy timeout here: the lock outlasts it several times
HOLD_SECONDS = 9


@pytest.mark.sqlite_only
@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sqlite_locked_by_another_process(api: LocalBotApi, tmp_path: Path, mode: str):
    db, log = tmp_path / "locked.db", tmp_path / "bot.log"
    stream = Stream(api, await seed_floor(db))
    watch = ConfirmWatch(api, sqlite_inbox(db))
    url, port = f"{databases.plain_url_for(db)}?timeout={BUSY_SECONDS}", free_port()
    bot = (start_bot(api, url, log) if mode == "polling"
           else start_bot(api, url, log, "--webhook", **webhook_env(port)))
    locker = None
    try:
        await stream.send(1)
        await stream.all_replied(timeout=30)

        locker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LOCKER, str(db), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        assert await asyncio.wait_for(locker.stdout.readline(), 30) == b"locked\n"
        during = api.updates.next_id
        await stream.send_spread(range(2, 6), seconds=HOLD_SECONDS - 2)
        await asyncio.sleep(2)
        arrived = set(range(during, api.updates.next_id))
        assert arrived <= pending_ids(api), "confirmed while the inbox could not be written"
        if mode == "polling":
            assert api.updates.deliveries[during] >= 2, "the receiver stopped asking"
        assert log_lines(log, OUTAGE), "the lock did not reach the bot"

        locker.stdin.write(b"go\n")
        await locker.wait()
        await stream.send(6)
        await recovered_and_exact(stream, db, bot, log, watch, "database is locked")
        if mode == "webhook":  # the web server is up: the outage shows in /metrics
            async with aiohttp.ClientSession() as http, \
                    http.get(f"http://127.0.0.1:{port}/metrics") as got:
                figures = await got.text()
            assert "gongdan_database_outages_total 1\n" in figures
            assert re.search(r"gongdan_database_errors_total [1-9]", figures)
    finally:
        if locker is not None and locker.returncode is None:
            locker.kill()
        stop(bot)


# --- PostgreSQL: connections dropped, then refused ---------------------------------------------

class Backends:
    """The harm, done from the server's maintenance database; and a connection of the test's
    own to the bot's database (spared when the others are terminated), which reads the inbox
    for ConfirmWatch."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.name = dsn.rsplit("/", 1)[1]

    async def __aenter__(self) -> Backends:
        import asyncpg

        self.reader = await asyncpg.connect(self.dsn)
        self.reading = asyncio.Lock()
        self.killer = await asyncpg.connect(databases.POSTGRES)
        self.spared = [self.reader.get_server_pid()]
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.allow(True)
        await self.reader.close()
        await self.killer.close()

    async def stored(self, ids: list[int]) -> set[int]:
        # Checks run as concurrent tasks; one asyncpg connection takes one query at a time.
        async with self.reading:
            rows = await self.reader.fetch(
                "select update_id from inbox_update where update_id = any($1::bigint[])", ids)
        return {row[0] for row in rows}

    async def terminate(self) -> int:
        """Drop every connection the bot has; how many there were."""
        return len(await self.killer.fetch(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = $1 and pid <> all($2::int[])", self.name, self.spared))

    async def allow(self, allowed: bool) -> None:
        await self.killer.execute(
            f'alter database "{self.name}" allow_connections {str(allowed).lower()}')

    async def keep_dropping(self, seconds: float, every: float = 0.2) -> int:
        dropped = 0
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            dropped += await self.terminate()
            await asyncio.sleep(every)
        return dropped


@pytest.mark.postgres_only
async def test_postgres_connections_dropped_then_refused(api: LocalBotApi, tmp_path: Path):
    db, log = tmp_path / "dropped.db", tmp_path / "bot.log"
    stream = Stream(api, await seed_floor(db))
    url = databases.plain_url_for(db)
    async with Backends(url) as backends:
        watch = ConfirmWatch(api, backends.stored)
        bot = start_bot(api, url, log)
        try:
            await stream.send(1)
            await stream.all_replied(timeout=30)

            # Dropped again and again while reports come in: every reconnect is cut short.
            sending = asyncio.ensure_future(stream.send_spread(range(2, 5), seconds=3))
            assert await backends.keep_dropping(seconds=4) > 0
            await sending

            # Refused: no connection at all for a while.
            await backends.allow(False)
            await backends.terminate()
            await asyncio.sleep(0.5)
            during = api.updates.next_id
            await stream.send_spread(range(5, 8), seconds=3)
            await asyncio.sleep(2)
            arrived = set(range(during, api.updates.next_id))
            assert arrived <= pending_ids(api), "confirmed while the inbox could not be written"
            assert api.updates.deliveries[during] >= 2, "the receiver stopped asking"
            await backends.allow(True)

            await stream.send(8)
            await recovered_and_exact(stream, db, bot, log, watch, "connection")
            assert log_lines(log, "now: database not accepting connections")
            # The other loops' failures were the same outage (no traceback each), and the
            # doorbell listens again instead of failing at every ring.
            assert log_lines(log, "Traceback") == []
            assert log_lines(log, "doorbell") == []
        finally:
            stop(bot)


# --- SQLite: the disk full ---------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path):
    """A 32 MB tmpfs of its own (mounting needs root or CAP_SYS_ADMIN)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no byte left."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    assert shutil.disk_usage(disk).free == 0
    return filler


@pytest.mark.sqlite_only
async def test_disk_full(api: LocalBotApi, small_disk: Path, tmp_path: Path):
    db, log = small_disk / "full.db", tmp_path / "bot.log"
    temp = small_disk / "tmp"  # the bot's temp directory fills up with the rest
    temp.mkdir()
    stream = Stream(api, await seed_floor(db))
    watch = ConfirmWatch(api, sqlite_inbox(db))
    bot = start_bot(api, databases.plain_url_for(db), log, TMPDIR=str(temp))
    try:
        await stream.send(1)
        await stream.all_replied(timeout=30)

        filler = fill(small_disk)
        during = api.updates.next_id
        await stream.send_spread(range(2, 5), seconds=4)
        await wait_for(lambda: log_lines(log, OUTAGE), timeout=20,
                       why=lambda: "the full disk did not reach the bot")
        await asyncio.sleep(2)
        arrived = set(range(during, api.updates.next_id))
        assert arrived <= pending_ids(api), "confirmed while the inbox could not be written"

        filler.unlink()
        await stream.send(5)
        await recovered_and_exact(stream, db, bot, log, watch, "disk is full")
    finally:
        stop(bot)


@pytest.mark.sqlite_only
async def test_a_full_temp_directory_stops_nothing(api: LocalBotApi, small_disk: Path,
                                                   tmp_path: Path):
    """SQLite spills each report's savepoint journal to $TMPDIR unless told to keep it in
    memory (domain/db.py does): the bot needs no temp space, so a full /tmp stops nothing."""
    db, log = tmp_path / "roomy.db", tmp_path / "bot.log"
    stream = Stream(api, await seed_floor(db))
    fill(small_disk)
    bot = start_bot(api, databases.plain_url_for(db), log, TMPDIR=str(small_disk))
    try:
        for n in range(1, 4):
            await stream.send(n)
        await stream.all_replied(timeout=30)
        assert applied(db) == (stream.reports, stream.reports, stream.good_total)
        assert log_lines(log, OUTAGE) == [] and stream.outage_notices() == {
            user.id: 0 for user in stream.users}
    finally:
        stop(bot)


# --- the scheduler's jobs ----------------------------------------------------------------------

@pytest.mark.sqlite_only
async def test_the_jobs_skip_a_locked_database_and_catch_up(tmp_path: Path):
    """A sweep that meets the outage is skipped, not failed (PTB's error handler would log a
    traceback at every pass): the daily summary due meanwhile goes out at the first pass
    after it."""
    db = tmp_path / "jobs.db"
    await seed(db, people=({"code": "M01", "role": "manager", "telegram_user_id": 8102},))
    engine = make_engine(f"{databases.url_for(db)}?timeout=0.3")
    rules = FactoryRules()
    clockwork = Clockwork(make_sessionmaker(engine, rules), rules, wake_sender=lambda: None)
    before, after = (datetime(2026, 11, 20, h, m, tzinfo=ZoneInfo("Asia/Shanghai"))
                     for h, m in ((17, 50), (18, 30)))
    try:
        await clockwork.plan_ahead(before)  # the day's summary, due at 18:00
        locker = sqlite3.connect(db, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            assert await clockwork.guarded("reminder sweep",
                                           lambda: clockwork.sweep(after)) is None
            assert clockwork.health.down
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert await clockwork.guarded("reminder sweep", lambda: clockwork.sweep(after)) == 1
        assert not clockwork.health.down
        summaries = databases.fetch(db, "select chat_id from outbox_message "
                                        "where payload like '%summary%'")
        assert (8102,) in summaries
    finally:
        await engine.dispose()


# --- the processor, up close -------------------------------------------------------------------

@pytest.mark.sqlite_only
async def test_an_outage_uses_up_no_attempt_and_parks_nothing(api: LocalBotApi, tmp_path: Path):
    """A stored update that meets the locked database again and again, more often than an
    update may fail, keeps its attempts untouched and is applied once the lock is gone; a
    handler's own error still counts."""
    db = tmp_path / "processor.db"
    engine = make_engine(f"{databases.url_for(db)}?timeout=0.2")
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    seen: list[int] = []

    async def record(update: Update, _context: object) -> None:
        if update.message.text == "boom":  # as handlers/telegram/common.py hands it over
            current_scope.get().failure = error = RuntimeError("a bug in a handler")
            raise error
        seen.append(update.update_id)

    application = (Application.builder().token(TOKEN).base_url(api.base_url)
                   .updater(None).build())
    application.add_handler(MessageHandler(filters.ALL, record))
    application.add_error_handler(on_error)
    await application.initialize()
    processor = Processor(application, sessions, on_committed=lambda: None)
    raws = [{"update_id": n, "message": {
        "message_id": n, "date": 0, "chat": {"id": 5000, "type": "private"}, "text": text,
        "from": {"id": 5000, "is_bot": False, "first_name": "Li"}}}
        for n, text in ((41, "WO-000001 5"), (42, "boom"))]
    await store_updates(sessions, raws)
    payload = {raw["update_id"]: json.dumps(raw) for raw in raws}

    def inbox() -> list[tuple]:
        return databases.fetch(db, "select update_id, attempts, processed_at is not null "
                                   "from inbox_update order by update_id")
    try:
        locker = sqlite3.connect(db, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            for _ in range(MAX_ATTEMPTS + 1):
                assert not await processor.process(41, payload[41])
            assert processor.health.down
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert inbox() == [(41, 0, 0), (42, 0, 0)]
        assert await processor.process(41, payload[41])
        # On SQLite the handler runs before the update's first statement (a photo's download
        # must not hold the write lock), so it ran during the outage too; only the last run
        # committed (the inbox row below says applied once).
        assert set(seen) == {41}

        assert not await processor.process(42, payload[42])  # its own failure: counted
        assert inbox() == [(41, 0, 1), (42, 1, 0)]
        assert databases.fetch(db, "select count(*) from outbox_message") == [(0,)]
    finally:
        await application.shutdown()
        await engine.dispose()


def test_only_the_database_being_away_is_an_outage():
    """What waits (locked, full, unreachable) and what is the operation's own error (a broken
    constraint, bad SQL), which still counts against it."""
    conn = sqlite3.connect(":memory:")
    conn.execute("create table t (x unique)")
    conn.execute("insert into t values (1)")
    own = []
    for sql in ("insert into t values (1)", "select nonsense from t"):
        try:
            conn.execute(sql)
        except sqlite3.Error as error:
            own.append(DBAPIError(sql, None, error))
    assert [unavailable(error) for error in own] == [None, None]
    assert unavailable(ConnectionRefusedError(111, "refused")) == \
        "cannot reach the database server"
    assert unavailable(PoolTimeout("QueuePool limit")) == "no database connection free in time"
    raised_from = RuntimeError("wrapped")
    raised_from.__cause__ = ConnectionResetError()
    assert unavailable(raised_from) == "cannot reach the database server"
