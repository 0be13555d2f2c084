"""The REST API for the ERP 对接 (docs/api.md): token-authenticated JSON under /api/v1/, its
OpenAPI document at /api/openapi.json.

- PUT /api/v1/orders/{external_id}, PUT /api/v1/work-orders/{id}: create or update by the
  ERP's id, idempotent (orders.py)
- GET work orders, reports, inspections, exceptions, wages, KPIs: time windows and cursor
  pages (lists.py); GET one order or work order (orders.py)
- POST / GET / DELETE /api/v1/webhooks: where events go (webhooks.py)
"""

from __future__ import annotations

import json

from aiohttp import web

from handlers.web.api import lists, openapi, orders, webhooks
from handlers.web.api.calls import SERVICES, ApiError, error_response, language
from handlers.web.services import WebServices

V1 = "/api/v1"


def register(app: web.Application, services: WebServices) -> None:
    """Add the API's routes."""
    app[SERVICES] = services
    routes = app.router
    routes.add_get("/api/openapi.json", _document)
    routes.add_put(f"{V1}/orders/{{external_id}}", orders.put_order)
    routes.add_get(f"{V1}/orders/{{external_id}}", orders.get_order)
    routes.add_get(f"{V1}/work-orders", lists.work_orders)
    routes.add_put(f"{V1}/work-orders/{{id}}", orders.put_work_order)
    routes.add_get(f"{V1}/work-orders/{{id}}", orders.get_work_order)
    routes.add_get(f"{V1}/{{records:reports|inspections|exceptions}}", lists.records)
    routes.add_get(f"{V1}/wages", lists.wages)
    routes.add_get(f"{V1}/kpis", lists.kpis)
    routes.add_post(f"{V1}/webhooks", webhooks.add)
    routes.add_get(f"{V1}/webhooks", webhooks.listing)
    routes.add_delete(f"{V1}/webhooks/{{id:\\d+}}", webhooks.remove)
    routes.add_route("*", f"{V1}/{{tail:.*}}", _not_found)  # JSON, not aiohttp's text page


async def _document(_request: web.Request) -> web.Response:
    return web.Response(text=_DOCUMENT, content_type="application/json",
                        headers={"Cache-Control": "no-cache"})


async def _not_found(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    lang = language(request.headers.get("Accept-Language"), services.rules.default_language)
    return error_response(services, lang, ApiError(404, "api.not_found", {"ref": request.path}))


_DOCUMENT = json.dumps(openapi.document(), ensure_ascii=False)
