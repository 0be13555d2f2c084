"""The pinned live status in linked groups.

It is started and stopped like every group purpose, by `/link status [TEAM]` and
`/unlink status [TEAM]` (handlers/telegram/groups.py → domain/groups.py); the messages are
edited by the live-status job (scheduler/jobs.py). The pinned message has no buttons, so
nothing is routed here.
"""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons of this part: none of its own (see the module's docstring)."""
