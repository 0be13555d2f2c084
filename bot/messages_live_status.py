"""Texts of the pinned live status, in zh and en."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
LABELS: dict[str, dict[str, dict[str, str]]] = {}
