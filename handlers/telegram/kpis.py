"""Chat handlers: kpis (see the README)."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this module's commands and buttons."""
