"""PostgreSQL's side of backups: pg_dump's custom format out, and back in through psql as one
transaction that is committed only when pg_restore finished cleanly (bot/backup.py holds the
file format and SQLite's side)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
from glob import glob
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from bot.backup_errors import BackupError, holding_data, tail
from domain.db import async_url, make_engine

CHUNK = 1 << 20


async def dump(url: str, target: Path) -> tuple[str, str, str]:
    pg_dump = pg_tool("pg_dump")
    dump_version = await tool_version(pg_dump)
    server = await server_version(url)
    if _major(dump_version) < _major(server):
        raise BackupError(
            f"pg_dump {dump_version} cannot dump a PostgreSQL {server} server: install the "
            f"client tools of version {_major(server)} or newer "
            f"(Debian: apt-get install postgresql-client-{_major(server)})")
    before = await revision(url)
    await _run([pg_dump, "--format=custom", "--compress=6", f"--file={target}"], url)
    if await revision(url) != before:
        raise BackupError("the database was migrated while it was being backed up: run it again")
    return before, f"pg_dump {dump_version}", server


async def restore(url: str, data: Path, made_by: str, replace: bool) -> None:
    """Replace everything in the database at `url` with the dump `data` (made by `made_by`,
    a pg_dump version), or change nothing."""
    pg_restore, psql = pg_tool("pg_restore"), pg_tool("psql")
    version = await tool_version(pg_restore)
    if _major(version) < _major(made_by):
        raise BackupError(
            f"the backup was made by pg_dump {made_by}; pg_restore {version} cannot read it: "
            f"install the client tools of version {_major(made_by)} or newer. "
            "Nothing was restored.")
    await _run([pg_restore, "--list", str(data)], url)  # reads the whole table of contents
    if not replace and await holds_data(url):
        raise holding_data(safe_url(url))
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
        raise BackupError(f"pg_restore failed: {tail(await errors)}. Nothing was restored.")
    if failed or not piped:
        raise BackupError(f"restoring failed: {tail(psql_errors)}. Nothing was restored.")


async def holds_data(url: str) -> bool:
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



# --- the client tools ---------------------------------------------------------------------

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


async def tool_version(tool: str) -> str:
    proc = await asyncio.create_subprocess_exec(tool, "--version", stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    found = re.search(r"\)\s*(\d+(?:\.\d+)?)", out.decode(errors="replace"))
    if proc.returncode != 0 or not found:
        raise BackupError(f"{tool} --version failed: {tail(out)}")
    return found.group(1)


async def server_version(url: str) -> str:
    db = make_engine(url)
    try:
        async with db.connect() as conn:
            return str((await conn.execute(text("SHOW server_version"))).scalar()).split()[0]
    except Exception as error:
        raise BackupError(f"cannot connect to {safe_url(url)}: {error}") from None
    finally:
        await db.dispose()


async def revision(url: str) -> str:
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
        raise BackupError(f"{Path(cmd[0]).name} failed: {tail(err)}")


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


def safe_url(url: str) -> str:
    return make_url(async_url(url)).render_as_string(hide_password=True)


def _major(version: str) -> int:
    return int(version.split(".")[0])



async def _read_all(stream: asyncio.StreamReader | None) -> bytes:
    return await stream.read() if stream is not None else b""

