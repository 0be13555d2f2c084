"""The dispatch suggestion 排产建议 and rush orders 插单 in chat."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons of this part."""
