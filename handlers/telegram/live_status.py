"""The pinned live status in linked groups."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons of this part."""
