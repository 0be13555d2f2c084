"""Telegram's webhook: verify the secret, store the update in the inbox, answer at once."""

from __future__ import annotations

from aiohttp import web

from handlers.web.services import WebServices


def register(app: web.Application, services: WebServices) -> None:
    """Add the webhook's route (only in webhook mode)."""
