"""`gongdan` commands: the ERP link (API tokens, outgoing webhooks)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

COMMANDS: dict[str, Callable[[argparse.Namespace, Any], Awaitable[int]]] = {}


def add_commands(sub: Any) -> None:
    """Add this module's subcommands to the `gongdan` parser."""
