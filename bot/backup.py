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
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from glob import glob
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from domain.db import async_url, make_engine
from domain.migrate import alembic_config, upgrade

MANIFEST = "gongdan-backup.json"
FORMAT = "gongdan-backup/1"
SQLITE_DATA = "database.sqlite.gz"
PG_DATA = "database.pgdump"
CHUNK = 1 << 20


class BackupError(Exception):
    """A refusal or failure, worded for the operator; nothing was changed."""


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
            revision, tool, server = await _pg_dump(url, data)
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


async def _pg_dump(url: str, target: Path) -> tuple[str, str, str]:
    pg_dump = pg_tool("pg_dump")
    dump_version = await _tool_version(pg_dump)
    server = await _server_version(url)
    if _major(dump_version) < _major(server):
        raise BackupError(
            f"pg_dump {dump_version} cannot dump a PostgreSQL {server} server: install the "
            f"client tools of version {_major(server)} or newer "
            f"(Debian: apt-get install postgresql-client-{_major(server)})")
    before = await _pg_revision(url)
    await _run([pg_dump, "--format=custom", "--compress=6", f"--file={target}"], url)
    if await _pg_revision(url) != before:
        raise BackupError("the database was migrated while it was being backed up: run it again")
    return before, f"pg_dump {dump_version}", server


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
            await _pg_restore(url, data, manifest, replace)
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
            raise _holds_data(str(target))


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


async def _pg_restore(url: str, data: Path, manifest: Manifest, replace: bool) -> None:
    pg_restore, psql = pg_tool("pg_restore"), pg_tool("psql")
    version = await _tool_version(pg_restore)
    made_by = manifest.tool.split()[-1]
    if _major(version) < _major(made_by):
        raise BackupError(
            f"the backup was made by pg_dump {made_by}; pg_restore {version} cannot read it: "
            f"install the client tools of version {_major(made_by)} or newer. "
            "Nothing was restored.")
    await _run([pg_restore, "--list", str(data)], url)  # reads the whole table of contents
    if not replace and await _pg_holds_data(url):
        raise _holds_data(_safe_url(url))
    await _replay(url, [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
                        "--file=-", str(data)], psql)


# Every table and sequence of the schema goes first: a newer schema's extra tables would
# otherwise survive and break the migrations that follow.
_DROP_ALL = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', r.tablename);
  END LOOP;
  FOR r IN SELECT sequence_name FROM information_schema.sequences
           WHERE sequence_schema = 'public' LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', r.sequence_name);
  END LOOP;
END $$;
"""


async def _replay(url: str, restore_cmd: list[str], psql: str) -> None:
    """pg_restore's script through psql in one transaction, committed only if both succeed."""
    env = _pg_env(url)
    writer = await asyncio.create_subprocess_exec(
        psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env)
    reader = await asyncio.create_subprocess_exec(
        *restore_cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    assert writer.stdin is not None and reader.stdout is not None
    errors = asyncio.ensure_future(_read_all(reader.stderr))
    piped = True
    try:
        writer.stdin.write(b"BEGIN;\n" + _DROP_ALL.encode())
        while chunk := await reader.stdout.read(CHUNK):
            writer.stdin.write(chunk)
            await writer.stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        piped = False  # psql stopped at an error: its message says which
    restored = await reader.wait() == 0
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        if restored and piped:
            writer.stdin.write(b"COMMIT;\n")
            await writer.stdin.drain()
        writer.stdin.close()  # without COMMIT, psql's session ends and rolls everything back
    psql_errors = await _read_all(writer.stderr)
    failed = await writer.wait() != 0
    if not restored:
        raise BackupError(f"pg_restore failed: {_tail(await errors)}. Nothing was restored.")
    if failed or not piped:
        raise BackupError(f"restoring failed: {_tail(psql_errors)}. Nothing was restored.")


async def _pg_holds_data(url: str) -> bool:
    db = make_engine(url)
    try:
        async with db.connect() as conn:
            tables = (await conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename != 'alembic_version'"))).scalars().all()
            for name in tables:
                if (await conn.execute(text(f'SELECT 1 FROM public."{name}" LIMIT 1'))).first():
                    return True
        return False
    finally:
        await db.dispose()


def _holds_data(where: str) -> BackupError:
    return BackupError(f"the database {where} holds data: restoring replaces all of it. Back it "
                       "up first, then run again with --replace. Nothing was restored.")


# --- PostgreSQL's client tools ------------------------------------------------------------

def pg_tool(name: str) -> str:
    """The tool on PATH, else the newest of Debian's versioned installs."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"),
                       key=lambda p: int(re.sub(r"\D", "", Path(p).parts[-3]) or 0))
    if installed:
        return installed[-1]
    raise BackupError(f"{name} is not installed: it comes with PostgreSQL's client tools, of "
                      "the server's major version or newer (Debian: apt-get install "
                      "postgresql-client)")


async def _tool_version(tool: str) -> str:
    proc = await asyncio.create_subprocess_exec(tool, "--version", stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    found = re.search(r"\)\s*(\d+(?:\.\d+)?)", out.decode(errors="replace"))
    if proc.returncode != 0 or not found:
        raise BackupError(f"{tool} --version failed: {_tail(out)}")
    return found.group(1)


async def _server_version(url: str) -> str:
    db = make_engine(url)
    try:
        async with db.connect() as conn:
            return str((await conn.execute(text("SHOW server_version"))).scalar()).split()[0]
    except Exception as error:
        raise BackupError(f"cannot connect to {_safe_url(url)}: {error}") from None
    finally:
        await db.dispose()


async def _pg_revision(url: str) -> str:
    db = make_engine(url)
    try:
        async with db.connect() as conn:
            return str((await conn.execute(text("SELECT version_num FROM alembic_version")))
                       .scalar_one())
    except Exception:
        raise BackupError("the database has no schema yet (run `gongdan db upgrade`)") from None
    finally:
        await db.dispose()


async def _run(cmd: list[str], url: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        env=_pg_env(url))
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {_tail(err)}")


def _pg_env(url: str) -> dict[str, str]:
    """The connection as libpq's variables: the password never shows in a process list."""
    parsed: URL = make_url(async_url(url))
    env = dict(os.environ)
    for key, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port),
                       ("PGUSER", parsed.username), ("PGPASSWORD", parsed.password),
                       ("PGDATABASE", parsed.database)):
        if value is not None:
            env[key] = str(value)
    ssl = parsed.query.get("sslmode") or parsed.query.get("ssl")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = ssl
    return env


def _safe_url(url: str) -> str:
    return make_url(async_url(url)).render_as_string(hide_password=True)


def _major(version: str) -> int:
    return int(version.split(".")[0])


def _engine_name(engine: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine, engine)


# --- small helpers ------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


async def _read_all(stream: asyncio.StreamReader | None) -> bytes:
    return await stream.read() if stream is not None else b""


def _tail(output: bytes | str, lines: int = 5) -> str:
    text_ = output.decode(errors="replace") if isinstance(output, bytes) else output
    return " / ".join(text_.strip().splitlines()[-lines:]) or "no message"
