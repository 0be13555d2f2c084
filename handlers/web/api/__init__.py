"""The REST API for the ERP (/api/v1/..., its OpenAPI document at /api/openapi.json)."""

from __future__ import annotations

from aiohttp import web

from handlers.web.services import WebServices


def register(app: web.Application, services: WebServices) -> None:
    """Add the API's routes."""
