"""Messages for summary: {key: {"zh": ..., "en": ...}}, merged into bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
# Labels by parameter name: a param called e.g. "kind" is rendered through LABELS["kind"].
LABELS: dict[str, dict[str, dict[str, str]]] = {}
