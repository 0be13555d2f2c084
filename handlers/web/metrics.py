"""Prometheus metrics at /metrics."""

from __future__ import annotations

from aiohttp import web

from handlers.web.services import WebServices


def register(app: web.Application, services: WebServices) -> None:
    """Add /metrics."""
