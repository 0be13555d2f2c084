"""Imports every module that registers an attachment builder (bot/attachments.py)."""

from __future__ import annotations

import bot.charts  # noqa: F401  (kind "chart")
import bot.export_xlsx  # noqa: F401  (kind "export")
