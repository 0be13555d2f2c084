"""Placeholder: filled in by the groups work."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers (called by routes.register before the catch-alls)."""
