"""Imports every module that registers an attachment builder (bot/attachments.py)."""

from __future__ import annotations
