"""`gongdan` commands: operations (backup, restore, the token that opens /metrics)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.config import Settings

DEFAULT_BACKUP_DIR = Path("var/backups")


def add_commands(sub: Any) -> None:
    """Add this module's subcommands to the `gongdan` parser."""
    backup = sub.add_parser("backup", help="a consistent backup of the database (while the bot "
                                           "runs)")
    backup.add_argument("-o", "--output", default=f"{DEFAULT_BACKUP_DIR}/",
                        help="the file, a folder for a dated one (default: var/backups/), or - "
                             "for standard output")

    restore = sub.add_parser("restore", help="restore a backup, then migrate it to this version")
    restore.add_argument("file", help="the backup file, or - for standard input")
    restore.add_argument("--replace", action="store_true",
                         help="overwrite a database that holds data")

    token = sub.add_parser("metrics-token", help="a token for Prometheus to read /metrics")
    token.add_argument("--days", type=int, default=365, help="valid for (default 365)")
    token.add_argument("--label", help="who scrapes with it, e.g. prometheus-1")
    token.add_argument("--revoke", type=int, metavar="ID", help="revoke the token with this id")
    token.add_argument("--list", action="store_true", help="every metrics token and its state")


async def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.backup import BackupError, backup, default_name, engine_of
    from domain.models.base import utcnow

    to_stdout = args.output == "-"  # `docker compose exec -T bot gongdan backup -o - > file`
    with tempfile.TemporaryDirectory(prefix="gongdan-backup-") as work:
        output = Path(work) / "backup.tar" if to_stdout else Path(args.output)
        if output.is_dir() or args.output.endswith("/"):
            output = output / default_name(engine_of(settings.database_url), utcnow())
        try:
            manifest = await backup(settings.database_url, output)
        except BackupError as error:
            print(f"backup: {error}", file=sys.stderr)
            return 1
        size = output.stat().st_size
        if to_stdout:
            with output.open("rb") as f:
                shutil.copyfileobj(f, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    print(f"{'(standard output)' if to_stdout else output}  {manifest.engine}, revision "
          f"{manifest.revision}, {size:,} bytes", file=sys.stderr if to_stdout else sys.stdout)
    return 0


async def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from bot.backup import BackupError, restore

    with tempfile.TemporaryDirectory(prefix="gongdan-restore-") as work:
        source = Path(args.file)
        if args.file == "-":  # `docker compose run -T bot restore - < file`
            source = Path(work) / "backup.tar"
            with source.open("wb") as f:
                shutil.copyfileobj(sys.stdin.buffer, f)
        try:
            restored = await restore(settings.database_url, source, replace=args.replace,
                                     name="the backup on standard input"
                                     if args.file == "-" else args.file)
        except BackupError as error:
            print(f"restore: {error}", file=sys.stderr)
            return 1
    made = restored.manifest
    print(f"restored {args.file} ({made.engine}, made {made.created_at[:19]}Z, revision "
          f"{made.revision})")
    if restored.head != made.revision:
        print(f"migrated to revision {restored.head}")
    return 0


async def cmd_metrics_token(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli_tokens import manage
    from domain.operations_metrics import TOKEN_PURPOSE

    return await manage(args, settings, purpose=TOKEN_PURPOSE, noun="metrics token",
                        command="metrics-token")


COMMANDS: dict[str, Callable[[argparse.Namespace, Any], Awaitable[int]]] = {
    "backup": cmd_backup,
    "restore": cmd_restore,
    "metrics-token": cmd_metrics_token,
}
