"""Backups of the database, for either engine, taken while the bot runs.

A backup is one tar file (`tar tf` lists it) with two members:

- `gongdan-backup.json`, the manifest: which engine, the Alembic revision, when, and the size and
  SHA-256 of the data, so a damaged or incomplete file is refused before anything is touched;
- the data: `database.sqlite.gz`, a consistent copy made with SQLite's online backup API (a read
  snapshot, so writers go on meanwhile, WAL included), or `database.pgdump`, pg_dump's custom
  format (one repeatable-read snapshot, compressed by pg_dump).

Restoring replaces everything in the target database in one go, or changes nothing: SQLite
through the backup API again (one write transaction on the target), PostgreSQL as one psql
transaction that drops the tables and replays pg_restore's script, committed only when
pg_restore finished cleanly. An older backup is then migrated to this version's head.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import backup_postgres
from bot.backup_errors import BackupError, holding_data
from domain.db import async_url, make_engine
from domain.migrate import alembic_config, upgrade

MANIFEST = "gongdan-backup.json"
FORMAT = "gongdan-backup/1"
SQLITE_DATA = "database.sqlite.gz"
PG_DATA = "database.pgdump"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Manifest:
    format: str
    engine: str  # sqlite | postgresql
    revision: str  # Alembic revision of the data
    created_at: str  # UTC, ISO 8601
    data: str  # the data member's name
    size: int
    sha256: str
    tool: str  # what made the data: "sqlite 3.40.1", "pg_dump 15.18"
    server: str | None = None  # PostgreSQL server version


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    head: str  # the revision the database is at now


def engine_of(url: str) -> str:
    return make_url(async_url(url)).get_backend_name()


def default_name(engine: str, now: datetime) -> str:
    return f"gongdan-{engine}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar"


# --- backup -------------------------------------------------------------------------------

async def backup(url: str, output: Path) -> Manifest:
    """Write a backup of the database at `url` to `output` (complete, or not at all)."""
    engine = engine_of(url)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        data = Path(work) / "data"
        if engine == "sqlite":
            revision = await asyncio.to_thread(_sqlite_dump, _sqlite_path(url), data)
            tool, server = f"sqlite {sqlite3.sqlite_version}", None
        elif engine == "postgresql":
            revision, tool, server = await backup_postgres.dump(url, data)
        else:
            raise BackupError(f"cannot back up a {engine} database")
        manifest = Manifest(FORMAT, engine, revision, datetime.now(UTC).isoformat(),
                            SQLITE_DATA if engine == "sqlite" else PG_DATA,
                            data.stat().st_size, _sha256(data), tool, server)
        partial = Path(work) / "backup.tar"
        await asyncio.to_thread(_write_tar, partial, manifest, data)
        partial.chmod(0o600)  # it holds everything: webhook secrets, people, wages
        partial.replace(output)
    return manifest


def _write_tar(path: Path, manifest: Manifest, data: Path) -> None:
    body = json.dumps(asdict(manifest), indent=2).encode()
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(body), int(datetime.now(UTC).timestamp()), 0o600
        tar.addfile(info, io.BytesIO(body))
        tar.add(data, arcname=manifest.data)


def _sqlite_path(url: str) -> Path:
    database = make_url(async_url(url)).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file")
    return Path(database)


def _sqlite_dump(source: Path, target: Path) -> str:
    """Copy (one read snapshot, however busy the writers) and gzip; returns the revision."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    copy = target.with_suffix(".sqlite")
    with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
            contextlib.closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)  # all pages in one step: the copy is one consistent snapshot
        revision = _sqlite_revision(dst)
    with copy.open("rb") as raw, gzip.open(target, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed, CHUNK)
    copy.unlink()
    return revision


def _sqlite_revision(conn: sqlite3.Connection) -> str:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        row = None
    if not row:
        raise BackupError("the database has no schema yet (run `gongdan db upgrade`)")
    return str(row[0])



# --- restore ------------------------------------------------------------------------------

async def restore(url: str, source: Path, *, replace: bool = False,
                  name: str | None = None) -> Restored:
    """Restore `source` (called `name` in messages) into the database at `url`, then migrate
    it to head."""
    engine = engine_of(url)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=_scratch_dir(url)) as work:
        manifest, data = await asyncio.to_thread(read_backup, source, Path(work), name)
        if manifest.engine != engine:
            raise BackupError(
                f"{name or source} is a backup of a {_engine_name(manifest.engine)} database, but "
                f"DATABASE_URL points at {_engine_name(engine)}: restore it into the same "
                "engine. Nothing was restored.")
        _check_known(manifest.revision)
        if engine == "sqlite":
            target = _sqlite_path(url)
            await asyncio.to_thread(_sqlite_check_target, target, replace)
            await asyncio.to_thread(_sqlite_restore, data, target)
        else:
            await backup_postgres.restore(url, data, manifest.tool.split()[-1], replace)
    db = make_engine(url)
    try:
        await upgrade(db)
        async with db.connect() as conn:
            head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    finally:
        await db.dispose()
    return Restored(manifest, str(head))


def read_backup(source: Path, work: Path, name: str | None = None) -> tuple[Manifest, Path]:
    """The manifest and the extracted data, checked whole; BackupError when damaged."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    damaged = f"{name or source} is damaged or incomplete"
    try:
        with tarfile.open(source, "r:") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            fields = json.loads(member.read())
            manifest = Manifest(**fields)
            if manifest.format != FORMAT:
                raise BackupError(f"{name or source}: unknown backup format {manifest.format!r}")
            data = work / manifest.data
            digest = hashlib.sha256()
            stream = tar.extractfile(manifest.data)
            if stream is None:
                raise KeyError(manifest.data)
            with data.open("wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    except BackupError:
        raise
    except KeyError as missing:
        raise BackupError(f"{damaged}: {missing} is missing. Nothing was restored.") from None
    except (tarfile.TarError, EOFError, OSError, ValueError, TypeError) as error:
        raise BackupError(f"{damaged} ({error}). Nothing was restored.") from None
    if data.stat().st_size != manifest.size or digest.hexdigest() != manifest.sha256:
        raise BackupError(f"{damaged}: its data does not match its checksum. "
                          "Nothing was restored.")
    return manifest, data


def _check_known(revision: str) -> None:
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except Exception:
        raise BackupError(f"the backup is at revision {revision}, which this Gongdan does not "
                          "know (a newer version made it): upgrade Gongdan first. "
                          "Nothing was restored.") from None


def _scratch_dir(url: str) -> Path | None:
    """Beside a SQLite target (same file system, enough room for its size), else the default."""
    if engine_of(url) == "sqlite":
        folder = _sqlite_path(url).resolve().parent
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return None


def _sqlite_check_target(target: Path, replace: bool) -> None:
    if replace or not target.exists() or target.stat().st_size == 0:
        return
    with contextlib.closing(sqlite3.connect(target, timeout=30)) as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
        if any(conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() for name in tables):
            raise holding_data(str(target))


def _sqlite_restore(data: Path, target: Path) -> None:
    copy = data.with_suffix(".sqlite")
    try:
        with gzip.open(data, "rb") as packed, copy.open("wb") as raw:
            shutil.copyfileobj(packed, raw, CHUNK)
        with contextlib.closing(sqlite3.connect(copy)) as src:
            verdict = src.execute("PRAGMA integrity_check").fetchone()
            if not verdict or verdict[0] != "ok":
                raise BackupError(f"the backup's database is damaged ({verdict}). "
                                  "Nothing was restored.")
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(sqlite3.connect(target, timeout=30)) as dst:
                src.backup(dst)  # replaces the target's pages in one write transaction
    except (OSError, EOFError, sqlite3.DatabaseError) as error:
        raise BackupError(f"the backup's database cannot be read ({error}). "
                          "Nothing was restored.") from None



def _engine_name(engine: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine, engine)


# --- small helpers ------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


