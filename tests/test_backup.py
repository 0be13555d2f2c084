"""`gongdan backup` and `gongdan restore` as an operator runs them (real processes), on the
engine of the run: a backup taken while a writer keeps reporting holds every report committed
before it started, consistent with the task totals; a damaged file, a backup of the other engine
and a database that holds data are refused and change nothing; an older backup is migrated."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import tarfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select

from bot.backup import BackupError, backup, restore
from bot.backup_postgres import pg_tool
from domain import reporting
from domain.db import make_engine
from domain.migrate import alembic_config, upgrade
from domain.models import Person, utcnow
from domain.payload import LabelCode
from domain.reporting import OpenedCard
from domain.rules import FactoryRules
from tests import builders, databases

RULES = FactoryRules()
REPORTS = "SELECT id, task_id, good_qty, scrap_qty, status FROM work_report"
TASKS = "SELECT id, good_qty, scrap_qty FROM operation_task"


async def gongdan(tmp_path: Path, db: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(tmp_path / db),
           "GONGDAN_LANGUAGE": "en"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def report(sessions, worker: str, seq: int, good: int, scrap: int, key: str) -> int:
    """One report through the domain's use cases, in its own transaction."""
    async with sessions() as s, s.begin():
        person = await s.scalar(select(Person).where(Person.code == worker))
        opened = await reporting.open_card(s, person, LabelCode("WO-000001", seq), chat_id=1,
                                           source="typed", rules=RULES)
        assert isinstance(opened, OpenedCard)
        recorded = await reporting.submit_quantity(
            s, person, opened.draft_id, good=good, scrap=scrap, reason="毛刺" if scrap else None,
            key=key, now=utcnow(), rules=RULES)
        return recorded.report_id  # type: ignore[union-attr]


@pytest.fixture
async def floor(sessions):
    async with sessions() as s, s.begin():
        product = await builders.product(s)
        await builders.work_order(s, product, quantity=100_000)
        await builders.person(s, "W01", skills="SMT")
        await builders.person(s, "W02", skills="THT")
    for i in range(20):
        await report(sessions, "W01", 10, 20 + i, i % 3, f"smt-{i}")
        await report(sessions, "W02", 20, 10, i % 2, f"tht-{i}")
    return sessions


def rows(tmp_path: Path, db: str, sql: str) -> dict[int, tuple]:
    return {row[0]: row[1:] for row in databases.fetch(tmp_path / db, sql)}


def totals_match_reports(tmp_path: Path, db: str) -> None:
    """Each task's good and scrap totals are the sum of its reports (a consistent snapshot)."""
    reports, tasks = rows(tmp_path, db, REPORTS), rows(tmp_path, db, TASKS)
    for task_id, (good, scrap) in tasks.items():
        mine = [r for r in reports.values() if r[0] == task_id]
        assert (good, scrap) == (sum(r[1] for r in mine), sum(r[2] for r in mine)), task_id


async def test_a_backup_taken_while_reports_arrive_restores_every_report(tmp_path, floor):
    sessions = floor
    stop, written = asyncio.Event(), []

    async def writer() -> None:
        while not stop.is_set():
            written.append(await report(sessions, "W01", 10, 1, 0, f"during-{len(written)}"))
            await asyncio.sleep(0.005)

    before = rows(tmp_path, "gongdan.db", REPORTS)
    task = asyncio.create_task(writer())
    try:
        while not written:  # the writer is going before the backup starts
            await asyncio.sleep(0.01)
        # In a thread: the writer must go on committing while this reads.
        committed = await asyncio.to_thread(rows, tmp_path, "gongdan.db", REPORTS)
        code, out, err = await gongdan(tmp_path, "gongdan.db", "backup", "-o", "b.tar")
        during = len(written)
    finally:
        stop.set()
        await task
    assert code == 0, err
    assert "revision" in out
    assert during > 1, "the writer kept reporting while the backup ran"
    assert len(committed) > len(before)

    code, out, err = await gongdan(tmp_path, "restored.db", "restore", "b.tar")
    assert code == 0, err
    restored = rows(tmp_path, "restored.db", REPORTS)
    for report_id, values in committed.items():
        assert restored.get(report_id) == values, report_id
    source = rows(tmp_path, "gongdan.db", REPORTS)
    assert all(source[i] == values for i, values in restored.items())  # nothing invented
    totals_match_reports(tmp_path, "gongdan.db")
    totals_match_reports(tmp_path, "restored.db")

    # A truncated copy is refused before anything is touched.
    data = (tmp_path / "b.tar").read_bytes()
    (tmp_path / "cut.tar").write_bytes(data[: len(data) // 2])
    code, _, err = await gongdan(tmp_path, "restored.db", "restore", "--replace", "cut.tar")
    assert code == 1
    assert "damaged or incomplete" in err and "Nothing was restored" in err
    assert rows(tmp_path, "restored.db", REPORTS) == restored

    # Restoring over a database that holds data needs --replace.
    code, _, err = await gongdan(tmp_path, "restored.db", "restore", "b.tar")
    assert code == 1 and "--replace" in err
    assert rows(tmp_path, "restored.db", REPORTS) == restored


async def test_a_backup_of_the_other_engine_is_refused(tmp_path, floor):
    code, _, err = await gongdan(tmp_path, "gongdan.db", "backup", "-o", "b.tar")
    assert code == 0, err
    other = "sqlite" if databases.on_postgres() else "postgresql"
    rewrite_manifest(tmp_path / "b.tar", tmp_path / "other.tar", engine=other)
    before = rows(tmp_path, "gongdan.db", REPORTS)
    code, _, err = await gongdan(tmp_path, "gongdan.db", "restore", "--replace", "other.tar")
    assert code == 1
    assert "restore it into the same engine" in err
    assert rows(tmp_path, "gongdan.db", REPORTS) == before


async def test_an_older_backup_is_migrated_after_restoring(tmp_path):
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    older = script.get_revision(head).down_revision
    assert isinstance(older, str)
    engine = make_engine(databases.url_for(tmp_path / "old.db"))
    try:
        if databases.on_postgres():  # the test database comes migrated to head: start afresh
            async with engine.begin() as conn:
                await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                await conn.exec_driver_sql("CREATE SCHEMA public")
        await upgrade(engine, older)
    finally:
        await engine.dispose()

    code, out, err = await gongdan(tmp_path, "old.db", "backup", "-o", "old.tar")
    assert code == 0, err
    assert f"revision {older}" in out
    code, out, err = await gongdan(tmp_path, "new.db", "restore", "old.tar")
    assert code == 0, err
    assert f"migrated to revision {head}" in out
    assert databases.fetch(tmp_path / "new.db", "SELECT version_num FROM alembic_version") == \
        [(head,)]


async def test_a_backup_from_a_newer_version_is_refused(tmp_path, floor):
    code, _, err = await gongdan(tmp_path, "gongdan.db", "backup", "-o", "b.tar")
    assert code == 0, err
    rewrite_manifest(tmp_path / "b.tar", tmp_path / "newer.tar", revision="f00dfacecafe")
    code, _, err = await gongdan(tmp_path, "fresh.db", "restore", "newer.tar")
    assert code == 1
    assert "upgrade Gongdan first" in err


def rewrite_manifest(source: Path, target: Path, **changes: str) -> None:
    with tarfile.open(source) as tar, tarfile.open(target, "w") as out:
        for member in tar.getmembers():
            body = tar.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "gongdan-backup.json":
                body = json.dumps(json.loads(body) | changes).encode()
                member.size = len(body)
            out.addfile(member, io.BytesIO(body))



@pytest.mark.postgres_only
async def test_client_tools_older_than_the_server_or_the_backup_are_named(tmp_path, floor,
                                                                         monkeypatch):
    url = databases.plain_url_for(tmp_path / "gongdan.db")
    made = await backup(url, tmp_path / "good.tar")
    fakes = tmp_path / "bin"
    fakes.mkdir()
    for tool in ("pg_dump", "pg_restore"):
        (fakes / tool).write_text(f"#!/bin/sh\necho '{tool} (PostgreSQL) 9.6.24'\n")
        (fakes / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{fakes}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(BackupError, match=rf"pg_dump 9.6 cannot dump a PostgreSQL "
                                          rf"{made.server}.*postgresql-client-"):
        await backup(url, tmp_path / "b.tar")
    assert not (tmp_path / "b.tar").exists()
    with pytest.raises(BackupError, match=r"pg_restore 9.6 cannot read it.*Nothing"):
        await restore(databases.plain_url_for(tmp_path / "other.db"), tmp_path / "good.tar")


def test_missing_client_tools_are_named(monkeypatch):
    import bot.backup_postgres

    monkeypatch.setattr(bot.backup_postgres.shutil, "which", lambda _name: None)
    monkeypatch.setattr(bot.backup_postgres, "glob", lambda _pattern: [])
    with pytest.raises(BackupError, match="pg_dump is not installed.*postgresql-client"):
        pg_tool("pg_dump")
