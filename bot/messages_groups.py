"""Messages for group links, factory settings: {key: {"zh": ..., "en": ...}}, merged into bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}

# Labels of enumerated values, by the parameter name they localise (e.g. "kind").
LABELS: dict[str, dict[str, dict[str, str]]] = {}
