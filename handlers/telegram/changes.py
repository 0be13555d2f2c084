"""Changes to work orders (quantity, due date, hold, resume, cancel) and their acknowledgements."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons of this part."""
