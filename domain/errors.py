"""Domain errors carry a message key and parameters; the bot renders them in the user's language."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused an action. `key` names the message in the catalog (bot/i18n)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}" if params else key)
        self.key = key
        self.params = params
