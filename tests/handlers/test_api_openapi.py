"""The OpenAPI document: valid OpenAPI 3.1, served without a token, and true of the running
server: schemathesis generates requests from it (a bounded number, with the ERP's token) and
checks every answer against it, on bot.web.WebServer over real HTTP and a real database."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.web import WebServer
from domain.db import make_engine, make_sessionmaker
from domain.erp import endpoints
from domain.migrate import upgrade
from handlers.web.api.openapi import document
from tests import databases
from tests.handlers.api_client import seed, services_for

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 150


def test_the_document_is_valid_openapi_3_1():
    validate(document())
    assert document()["openapi"] == "3.1.0"
    listed = {f"{method.upper()} {path}" for path, item in document()["paths"].items()
              for method in item if method != "parameters"}
    assert {"PUT /api/v1/orders/{external_id}", "GET /api/v1/reports",
            "GET /api/v1/wages", "GET /api/v1/kpis", "POST /api/v1/webhooks"} <= listed
    assert set(document()["webhooks"]) == {"report.accepted", "qc.decided",
                                           "exception.opened", "exception.resolved",
                                           "work_order.done"}


class Served:
    """The bot's web server on a free port, in a thread of its own (schemathesis calls it
    synchronously), over a seeded database."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(60)

    async def _start(self) -> None:
        self.engine = make_engine(databases.url_for(self.db))
        await upgrade(self.engine)
        sessions = make_sessionmaker(self.engine)
        self.token = await seed(sessions)
        async with sessions() as session, session.begin():
            await endpoints.add(session, "http://127.0.0.1:9/erp", None,
                                now=datetime.now(UTC))
        self.server = WebServer(services_for(sessions), "127.0.0.1", 0)
        await self.server.start()
        self.url = self.server.base_url

    async def _stop(self) -> None:
        await self.server.stop()
        await self.engine.dispose()

    def __enter__(self) -> Served:
        self.thread.start()
        self.run(self._start())
        return self

    def __exit__(self, *_: Any) -> None:
        self.run(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_the_running_server_keeps_to_its_document(tmp_path):
    with Served(tmp_path / "api.db") as served:
        with urllib.request.urlopen(f"{served.url}/api/openapi.json") as response:
            served_document = json.load(response)
        assert served_document == json.loads(json.dumps(document()))
        schema = schemathesis.openapi.from_dict(served_document)
        token = {"Authorization": f"Bearer {served.token}"}
        seen: dict[str, set[int]] = {}

        def call(case: schemathesis.Case) -> int:
            response = case.call_and_validate(base_url=served.url, headers=token,
                                              checks=CHECKS)
            seen.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)
            return response.status_code

        # First the document's own examples, as an ERP would use them: they must work.
        bodies = {name: s["examples"][0] for name, s in document()["components"][
            "schemas"].items() if "examples" in s}
        order, work_order = "/api/v1/orders/{external_id}", "/api/v1/work-orders/{id}"
        assert call(schema[order]["PUT"].Case(path_parameters={"external_id": "ERP-SO-2611"},
                                              body=bodies["OrderPut"])) == 201
        assert call(schema[order]["PUT"].Case(path_parameters={"external_id": "ERP-SO-2611"},
                                              body=bodies["OrderPut"])) == 200
        assert call(schema[order]["GET"].Case(
            path_parameters={"external_id": "ERP-SO-2611"})) == 200
        assert call(schema[work_order]["PUT"].Case(path_parameters={"id": "ERP-SO-2611-1"},
                                                   body=bodies["WorkOrderPut"])) == 200
        for ref in ("ERP-SO-2611-2", "WO-000001"):
            assert call(schema[work_order]["GET"].Case(path_parameters={"id": ref})) == 200
        assert call(schema["/api/v1/webhooks"]["POST"].Case(body=bodies["WebhookPost"])) == 201

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=schema.as_strategy())
        def conforms(case: schemathesis.Case) -> None:
            call(case)

        conforms()  # then whatever schemathesis makes of the document

        # An operation the mixed run happened not to draw gets cases of its own.
        for path, item in document()["paths"].items():
            for method in (m for m in item if m != "parameters"):
                if f"{method.upper()} {path}" in seen:
                    continue

                @settings(max_examples=10, deadline=None, derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck))
                @given(case=schema[path][method.upper()].as_strategy())
                def alone(case: schemathesis.Case) -> None:
                    call(case)

                alone()
    # The run reached every operation, and found more than refusals.
    operations = {f"{method.upper()} {path}" for path, item in document()["paths"].items()
                  for method in item if method != "parameters"}
    assert set(seen) == operations
    assert any(200 in codes for codes in seen.values())
