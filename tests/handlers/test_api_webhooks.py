"""Webhook endpoints through the API: added with their secret shown once, listed with their
deliveries, removed; a bad URL or event named as the field at fault."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from domain.models import AuditEvent, WebhookEndpoint
from tests.handlers.api_client import api

__all__ = ["api"]


async def test_add_list_and_remove(api):
    status, added = await api.call("POST", "/api/v1/webhooks", json={
        "url": "https://erp.example.com/hooks", "events": ["report.accepted", "qc.decided"]})
    assert status == 201
    endpoint, secret = added["data"], added["secret"]
    assert (endpoint["url"], endpoint["events"], endpoint["active"]) == (
        "https://erp.example.com/hooks", ["report.accepted", "qc.decided"], True)
    assert len(secret) == 64
    async with api.sessions() as session:
        stored = await session.get(WebhookEndpoint, endpoint["id"])
        audited = await session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "webhook.added"))
    assert stored.secret == secret
    assert json.loads(audited)["by"] == "ERP" and secret not in audited

    status, listed = await api.get("/api/v1/webhooks")
    assert status == 200
    assert listed["data"] == [endpoint]
    assert "secret" not in json.dumps(listed)

    status, removed = await api.call("DELETE", f"/api/v1/webhooks/{endpoint['id']}")
    assert (status, removed["data"]["active"]) == (200, False)
    status, again = await api.call("DELETE", f"/api/v1/webhooks/{endpoint['id']}")
    assert (status, again["error"]["code"]) == (404, "not_found")


async def test_every_event_when_none_are_named(api):
    status, added = await api.call("POST", "/api/v1/webhooks",
                                   json={"url": "http://10.0.0.5:8000/gongdan"})
    assert (status, added["data"]["events"]) == (201, ["*"])


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"url": "ftp://erp.example.com"}, "url", "webhook.bad_url"),
    ({"url": "not a url"}, "url", "webhook.bad_url"),
    ({"url": "https://erp.example.com", "events": ["order.shipped"]}, "events[0]",
     "api.not_allowed"),
    ({"events": ["qc.decided"]}, "url", "api.required"),
])
async def test_bad_endpoints_are_refused(api, body, field, code):
    status, refused = await api.call("POST", "/api/v1/webhooks", json=body)
    assert (status, refused["error"]["field"], refused["error"]["details"][0]["code"]) == (
        422, field, code)
    async with api.sessions() as session:
        assert await session.scalar(select(WebhookEndpoint.id)) is None
