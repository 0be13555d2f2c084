"""Materials 物料 in chat: issue 领料, return, stock and shortages."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons of this part."""
