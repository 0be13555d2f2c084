"""Telegram's webhook: verify the secret, store the update in the inbox, answer 200.

The 200 goes out only after the update is committed to the inbox: until then Telegram still
holds it and delivers it again, so a process killed mid-request loses nothing. Processing
happens in the background (the inbox processor, woken by `receive`), never in the request.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from handlers.web.services import WebServices

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def register(app: web.Application, services: WebServices) -> None:
    """Add the webhook's route (only in webhook mode)."""
    if services.receive is None or not services.webhook_path or not services.webhook_secret:
        return
    receive, secret = services.receive, services.webhook_secret.encode()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            return web.Response(status=401, text="wrong secret token")
        try:
            update = json.loads(await request.read())
        except (UnicodeDecodeError, ValueError):
            return web.Response(status=400, text="not JSON")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400, text="not a Telegram update")
        await receive([update])  # raises when the database is away: 500, Telegram retries
        return web.Response(status=200)

    app.router.add_post(services.webhook_path, webhook)
