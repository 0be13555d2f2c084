"""What the backup commands refuse with, worded for the operator."""

from __future__ import annotations


class BackupError(Exception):
    """A refusal or failure, worded for the operator; nothing was changed."""


def holding_data(where: str) -> BackupError:
    return BackupError(f"the database {where} holds data: restoring replaces all of it. Back it "
                       "up first, then run again with --replace. Nothing was restored.")


def tail(output: bytes | str, lines: int = 5) -> str:
    """The last lines of a tool's output, on one line."""
    text = output.decode(errors="replace") if isinstance(output, bytes) else output
    return " / ".join(text.strip().splitlines()[-lines:]) or "no message"
