"""A photo (or image file) sent to the bot, downloaded and decoded before the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from handlers.telegram.scope import Services


@dataclass(frozen=True)
class Scan:
    file_id: str | None
    texts: tuple[str, ...] = ()
    error: str | None = None  # not_image | too_large | file_too_big


async def fetch_and_decode(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Scan:
    """Download the largest size and decode it, before the update's transaction begins."""
    services: Services = context.application.bot_data["services"]
    message = update.effective_message
    assert message is not None
    if message.photo:
        media: Any = message.photo[-1]
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        media = message.document
    else:
        return Scan(None, error="not_image")
    if media.file_size and media.file_size > services.max_photo_bytes:
        return Scan(media.file_id, error="file_too_big")
    try:
        file = await context.bot.get_file(media.file_id)
    except BadRequest:
        return Scan(media.file_id, error="file_too_big")
    data = await file.download_as_bytearray()
    outcome = await services.decode_image(bytes(data))
    return Scan(media.file_id, tuple(outcome.texts), outcome.error)
