"""The API's OpenAPI 3.1 document, written as data: the one description of every route, body
and resource. The routes check request bodies against these schemas (api/calls.py), the tests
check every response against them, and GET /api/openapi.json serves them."""

from __future__ import annotations

import functools
from typing import Any

from domain.erp.upsert import EXTERNAL_ID, MAX_EXTERNAL_ID
from domain.erp.windows import MAX_LIMIT, MAX_PERIOD_DAYS
from domain.masterdata.rows import MAX_QUANTITY
from domain.models import DeliveryStatus, ReportStatus, TaskStatus, WorkOrderStatus
from domain.webhooks import ALL, EVENTS

Schema = dict[str, Any]
VERSION = "1.0.0"

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
TIME: Schema = {"type": "string", "format": "date-time"}
DATE: Schema = {"type": "string", "format": "date"}
DECIMAL: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$",
                   "description": "a decimal number as a string (money is never a float)"}


def nullable(schema: Schema) -> Schema:
    return {**schema, "type": [schema["type"], "null"]}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def resource(properties: dict[str, Schema], description: str = "") -> Schema:
    """A response object: every property always there (maybe null), nothing else."""
    return {"type": "object", "description": description, "properties": properties,
            "required": list(properties), "additionalProperties": False}


def page(item: str) -> Schema:
    return resource({"data": {"type": "array", "items": ref(item)},
                     "next_cursor": nullable({**STRING, "description": "give it as ?cursor= "
                                              "for the next page; null: no more rows now"})})


def _enum(values: Any) -> Schema:
    return {"type": "string", "enum": [str(v) for v in values]}


SCHEMAS: dict[str, Schema] = {
    "Error": resource({"error": resource({
        "code": _enum(("bad_request", "unauthorized", "not_found", "conflict", "invalid",
                       "internal")),
        "message": {**STRING, "description": "in zh or en, by Accept-Language"},
        "field": nullable({**STRING, "description": "the first field at fault, as the body "
                           "or the query names it: lines[0].quantity, from, cursor"}),
        "details": {"type": "array", "items": resource({
            "field": nullable(STRING), "code": {**STRING, "description": "the message key"},
            "message": STRING})},
    })}),
    # --- writes
    "OrderLine": {
        "type": "object", "additionalProperties": False,
        "required": ["product_code", "quantity", "due_date"],
        "properties": {
            "external_id": {**STRING, "minLength": 1, "maxLength": MAX_EXTERNAL_ID,
                            "pattern": f"^{EXTERNAL_ID.pattern}$",
                            "description": "the ERP's id of this line: its work order's "
                                           "external_id"},
            "product_code": {**STRING, "minLength": 1, "maxLength": 64},
            "quantity": {**INTEGER, "minimum": 1, "maximum": MAX_QUANTITY},
            "due_date": DATE,
            "priority": {**INTEGER, "minimum": 1, "maximum": 5,
                         "description": "1 most urgent … 5; left out: 3, or as it is"},
        },
    },
    "OrderPut": {
        "type": "object", "additionalProperties": False, "required": ["customer", "lines"],
        "examples": [{"order_no": "SO-2611", "customer": "华强电子", "lines": [
            {"external_id": "ERP-SO-2611-1", "product_code": "PCB-A", "quantity": 200,
             "due_date": "2030-12-01", "priority": 2},
            {"external_id": "ERP-SO-2611-2", "product_code": "PCB-B", "quantity": 50,
             "due_date": "2030-11-20"}]}],
        "properties": {
            "order_no": {**STRING, "minLength": 1, "maxLength": 64,
                         "description": "the number printed on travel cards; default: the "
                                        "external id. Fixed once the order exists"},
            "customer": {**STRING, "minLength": 1, "maxLength": 200},
            "lines": {"type": "array", "minItems": 1, "maxItems": 500,
                      "items": ref("OrderLine"),
                      "description": "one per product: each is a work order. Lines left out "
                                     "stay as they are"},
        },
    },
    "WorkOrderPut": {
        "type": "object", "additionalProperties": False, "required": ["quantity", "due_date"],
        "examples": [{"order_external_id": "ERP-SO-2611", "product_code": "PCB-A",
                      "quantity": 240, "due_date": "2030-12-05", "priority": 1}],
        "properties": {
            "order_external_id": {**STRING, "minLength": 1, "maxLength": MAX_EXTERNAL_ID,
                                  "description": "the order (made by PUT /api/v1/orders)"},
            "order_no": {**STRING, "minLength": 1, "maxLength": 64,
                         "description": "or the order by its number (made if new: give "
                                        "customer)"},
            "customer": {**STRING, "minLength": 1, "maxLength": 200},
            "product_code": {**STRING, "minLength": 1, "maxLength": 64,
                             "description": "needed to create; fixed afterwards"},
            "quantity": {**INTEGER, "minimum": 1, "maximum": MAX_QUANTITY},
            "due_date": DATE,
            "priority": {**INTEGER, "minimum": 1, "maximum": 5},
        },
    },
    "WebhookPost": {
        "type": "object", "additionalProperties": False, "required": ["url"],
        "examples": [{"url": "https://erp.example.com/gongdan/events",
                      "events": ["report.accepted", "work_order.done"]}],
        "properties": {
            "url": {**STRING, "minLength": 1, "maxLength": 500,
                    "description": "http(s) address that takes POSTed events"},
            "events": {"type": "array", "minItems": 1, "maxItems": len(EVENTS) + 1,
                       "items": _enum((*EVENTS, ALL)),
                       "description": "left out: every event (*)"},
        },
    },
    # --- resources
    "Operation": resource({
        "seq": INTEGER, "code": STRING, "name": STRING, "qc_checkpoint": BOOLEAN,
        "planned": INTEGER, "arrived": {**INTEGER, "description": "what reached it from the "
                                        "previous operation"},
        "good": INTEGER, "scrap": INTEGER, "pending_qc": INTEGER,
        "rework": {**INTEGER, "description": "sent back by QC, not yet back"},
        "remaining": {**INTEGER, "description": "arrived and not yet dealt with"},
        "status": _enum(TaskStatus),
    }),
    "Defect": resource({
        "work_order": STRING, "seq": INTEGER, "operation": STRING,
        "worker": STRING, "reason": nullable(STRING), "rework": INTEGER, "scrap": INTEGER,
        "inspector": nullable(STRING), "at": TIME, "rework_code": nullable(STRING),
    }),
    "WorkOrder": resource({
        "code": STRING, "external_id": nullable(STRING), "order_external_id": nullable(STRING),
        "order_no": STRING, "customer": STRING, "product_code": STRING, "product_name": STRING,
        "quantity": INTEGER, "due_date": DATE, "priority": INTEGER,
        "status": _enum(WorkOrderStatus),
        "operations": {"type": "array", "items": ref("Operation")},
        "defects": {"type": "array", "items": ref("Defect")},
        "created_at": TIME, "released_at": nullable(TIME), "done_at": nullable(TIME),
    }, "a work order with its progress per operation: what `gongdan status --json` shows"),
    "Order": resource({
        "external_id": nullable(STRING), "order_no": STRING, "customer": STRING,
        "due_date": {**DATE, "description": "the earliest of its lines"},
        "priority": {**INTEGER, "description": "the most urgent of its lines"},
        "created_at": TIME, "work_orders": {"type": "array", "items": ref("WorkOrder")},
    }),
    "OrderResult": resource({"created": BOOLEAN, "data": ref("Order")}),
    "WorkOrderResult": resource({"created": BOOLEAN, "data": ref("WorkOrder")}),
    "Report": resource({
        "id": INTEGER, "reported_at": TIME, "work_order": STRING,
        "work_order_external_id": nullable(STRING), "product": STRING, "seq": INTEGER,
        "operation_code": STRING, "operation_name": STRING, "rework_code": nullable(STRING),
        "person_code": STRING, "person_name": STRING, "team": nullable(STRING),
        "good": INTEGER, "scrap": INTEGER, "scrap_reason": nullable(STRING),
        "accepted": {**INTEGER, "description": "good pieces that count (flow and wages)"},
        "piece_rate": {**DECIMAL, "description": "frozen at the time of the report"},
        "minutes": nullable(INTEGER), "source": STRING, "status": _enum(ReportStatus),
        "accepted_at": nullable(TIME), "voided_at": nullable(TIME),
        "void_reason": nullable(STRING), "corrects_id": nullable(INTEGER),
    }, "a work report 报工记录; never edited: a correction voids it and adds a new one"),
    "Inspection": resource({
        "id": INTEGER, "created_at": TIME, "decided_at": nullable(TIME), "status": STRING,
        "work_order": STRING, "work_order_external_id": nullable(STRING), "seq": INTEGER,
        "operation_name": STRING, "report_id": INTEGER, "person_code": STRING,
        "person_name": STRING, "team": nullable(STRING), "quantity": INTEGER,
        "passed": INTEGER, "rework": INTEGER, "scrap": INTEGER,
        "defect_reason": nullable(STRING), "inspector": nullable(STRING),
        "reinspected_rework": nullable(STRING), "created_rework": nullable(STRING),
        "note": nullable(STRING),
    }, "a QC inspection 质检"),
    "Exception": resource({
        "code": STRING, "id": INTEGER, "reported_at": TIME, "kind": STRING,
        "severity": STRING, "line_stopped": BOOLEAN, "status": STRING,
        "work_order": nullable(STRING), "work_order_external_id": nullable(STRING),
        "seq": nullable(INTEGER), "operation_name": nullable(STRING),
        "workstation": nullable(STRING), "reporter": nullable(STRING),
        "comment": nullable(STRING), "acknowledged_at": nullable(TIME),
        "acknowledged_by": nullable(STRING), "resolved_at": nullable(TIME),
        "resolved_by": nullable(STRING), "resolution": nullable(STRING),
        "closed_at": nullable(TIME), "downtime_seconds": INTEGER,
        "stopped_since": nullable(TIME),
    }, "a shop-floor exception 异常"),
    "PayLine": resource({
        "day": DATE, "kind": _enum(("piece", "rework", "void", "hourly", "adjustment")),
        "subject": STRING, "operation_code": nullable(STRING), "quantity": DECIMAL,
        "rate": DECIMAL, "amount": DECIMAL,
        "refs": {"type": "array", "items": INTEGER,
                 "description": "the reports, clock entries or adjustment behind the line"},
    }),
    "Payslip": resource({
        "person_code": STRING, "name": STRING, "team": nullable(STRING), "wage_mode": STRING,
        "from": DATE, "to": DATE, "total": DECIMAL,
        "subtotals": resource({kind: DECIMAL for kind in
                               ("piece", "rework", "void", "hourly", "adjustment")}),
        "pieces": INTEGER, "hourly_minutes": INTEGER, "pending_qc_pieces": INTEGER,
        "open_clock_since": nullable(TIME),
        "lines": {"type": "array", "items": ref("PayLine")},
    }, "one person's pay for the period, line by line (工资)"),
    "Kpi": resource({
        "name": STRING, "value": nullable(DECIMAL), "unit": STRING, "numerator": DECIMAL,
        "denominator": DECIMAL, "better": _enum(("higher", "lower")),
        "target": nullable(DECIMAL), "p90": nullable(DECIMAL), "met": nullable(BOOLEAN),
    }),
    "KpiList": resource({"from": DATE, "to": DATE,
                         "data": {"type": "array", "items": ref("Kpi")},
                         "next_cursor": {"type": "null"}}),
    "Webhook": resource({
        "id": INTEGER, "url": STRING, "events": {"type": "array", "items": STRING},
        "active": BOOLEAN, "created_at": TIME,
        "deliveries": resource({status.value: INTEGER for status in DeliveryStatus}),
    }),
    "WebhookCreated": resource({
        "data": ref("Webhook"),
        "secret": {**STRING, "description": "signs every delivery (X-Gongdan-Signature); "
                   "shown only now"},
    }),
    "WebhookList": resource({"data": {"type": "array", "items": ref("Webhook")}}),
    "WebhookResult": resource({"data": ref("Webhook")}),
    **{f"{name}Page": page(name) for name in ("WorkOrder", "Report", "Inspection",
                                              "Exception", "Payslip")},
}

# --- parameters and responses ----------------------------------------------------------------

TIME_TEXT = ("ISO 8601: a date (2026-11-21, a whole day in the factory's zone) or a date-time "
             "(no offset: factory time)")


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


WINDOW = [_query("from", STRING, f"rows at or after this; {TIME_TEXT}"),
          _query("to", STRING, f"rows before this (a date: up to its end); {TIME_TEXT}"),
          _query("limit", {**INTEGER, "minimum": 1, "maximum": MAX_LIMIT, "default": 100},
                 "rows per page"),
          _query("cursor", STRING, "the previous page's next_cursor")]
PERIOD = [_query("from", DATE, "first day (default: the 1st of this month)"),
          _query("to", DATE, f"last day, included (default: today); at most "
                             f"{MAX_PERIOD_DAYS} days")]


def _json(schema: str, description: str) -> Schema:
    return {"description": description,
            "content": {"application/json": {"schema": ref(schema)}}}


ERRORS = {"400": _json("Error", "a bad parameter (named in error.field)"),
          "401": _json("Error", "no valid API token"),
          "422": _json("Error", "the body breaks a rule; nothing was changed"),
          "default": _json("Error", "any other error")}


def _operation(summary: str, ok: dict[str, Schema], *, parameters: list[Schema] | None = None,
               body: str | None = None, extra: tuple[str, ...] = (),
               tags: tuple[str, ...] = ()) -> Schema:
    extras = {"404": _json("Error", "not found"),
              "409": _json("Error", "taken by another row, or changed meanwhile")}
    operation: Schema = {"summary": summary, "tags": list(tags),
                         "responses": {**ok, **{k: extras[k] for k in extra}, **ERRORS}}
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": ref(body)}}}
    return operation


def _path_id(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description}


EXTERNAL = {**STRING, "minLength": 1, "maxLength": MAX_EXTERNAL_ID,
            "pattern": f"^{EXTERNAL_ID.pattern}$"}
PATHS: dict[str, Schema] = {
    "/api/v1/orders/{external_id}": {
        "parameters": [_path_id("external_id", "the ERP's id of the order", EXTERNAL)],
        "put": _operation("Create or update an order and its lines (idempotent)", {
            "200": _json("OrderResult", "updated, or already so (created: false)"),
            "201": _json("OrderResult", "created")}, body="OrderPut", extra=("409",),
            tags=("orders",)),
        "get": _operation("An order with its work orders", {"200": _json("Order", "the order")},
                          extra=("404",), tags=("orders",)),
    },
    "/api/v1/work-orders": {
        "get": _operation("Work orders created in the window, with progress", {
            "200": _json("WorkOrderPage", "a page")},
            parameters=[*WINDOW, _query("status", STRING, "open, or statuses comma separated "
                                        f"({', '.join(WorkOrderStatus)})")],
            tags=("work orders",)),
    },
    "/api/v1/work-orders/{id}": {
        "parameters": [_path_id("id", "PUT: the ERP's id; GET: the ERP's id, or the code "
                                      "(WO-000123)", EXTERNAL)],
        "put": _operation("Create or update a work order (idempotent)", {
            "200": _json("WorkOrderResult", "updated, or already so (created: false)"),
            "201": _json("WorkOrderResult", "created")}, body="WorkOrderPut",
            extra=("409",), tags=("work orders",)),
        "get": _operation("One work order with its progress", {
            "200": _json("WorkOrder", "the work order")}, extra=("404",),
            tags=("work orders",)),
    },
    "/api/v1/reports": {"get": _operation("Work reports made in the window", {
        "200": _json("ReportPage", "a page, by (reported_at, id)")}, parameters=WINDOW,
        tags=("records",))},
    "/api/v1/inspections": {"get": _operation(
        "QC inspections decided in the window (pending ones: asked for in it)", {
            "200": _json("InspectionPage", "a page, in the order they were asked for")},
        parameters=WINDOW, tags=("records",))},
    "/api/v1/exceptions": {"get": _operation("Exceptions reported in the window", {
        "200": _json("ExceptionPage", "a page, by (reported_at, id)")}, parameters=WINDOW,
        tags=("records",))},
    "/api/v1/wages": {"get": _operation("Payslips of a period", {
        "200": _json("PayslipPage", "a page of payslips")},
        parameters=[*PERIOD, *WINDOW[2:]], tags=("figures",))},
    "/api/v1/kpis": {"get": _operation("KPIs of a period", {
        "200": _json("KpiList", "every KPI with its target")}, parameters=PERIOD,
        tags=("figures",))},
    "/api/v1/webhooks": {
        "get": _operation("Webhook endpoints", {"200": _json("WebhookList", "every one")},
                          tags=("webhooks",)),
        "post": _operation("Add a webhook endpoint", {
            "201": _json("WebhookCreated", "added; its secret is shown only now")},
            body="WebhookPost", tags=("webhooks",)),
    },
    "/api/v1/webhooks/{id}": {
        "parameters": [_path_id("id", "the endpoint's id", INTEGER)],
        "delete": _operation("Remove a webhook endpoint (its waiting deliveries are given up)",
                             {"200": _json("WebhookResult", "removed")}, extra=("404",),
                             tags=("webhooks",)),
    },
    "/api/openapi.json": {"get": {
        "summary": "This document", "security": [], "tags": ["meta"],
        "responses": {"200": {"description": "the OpenAPI document",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }},
}

# --- outgoing webhooks -----------------------------------------------------------------------

EVENT_DATA = {"report.accepted": "Report", "qc.decided": "Inspection",
              "exception.opened": "Exception", "exception.resolved": "Exception",
              "work_order.done": "WorkOrder"}
SIGNATURE_TEXT = ("sha256=<hex>: HMAC-SHA256 with the endpoint's secret of the timestamp, a "
                  "dot, and the raw body")


def _event(name: str) -> Schema:
    header = {"X-Gongdan-Event": "the event", "X-Gongdan-Delivery": "the delivery's id (the "
              "same on a retry: deliver-once is yours to keep)",
              "X-Gongdan-Timestamp": "Unix seconds when sent", "X-Gongdan-Signature":
              SIGNATURE_TEXT}
    return {"post": {
        "summary": f"{name}: POSTed to every endpoint that takes it",
        "parameters": [{"name": h, "in": "header", "required": True, "schema": STRING,
                        "description": text} for h, text in header.items()],
        "requestBody": {"required": True, "content": {"application/json": {"schema": resource({
            "id": {**INTEGER, "description": "the delivery's id"},
            "event": {"type": "string", "const": name}, "created_at": TIME,
            "data": ref(EVENT_DATA[name])})}}},
        "responses": {"2XX": {"description": "delivered; anything else is retried with "
                                             "backoff, then given up"}},
    }}


@functools.cache
def document() -> Schema:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Gongdan 工单 ERP API", "version": VERSION,
                 "description": "Orders and work orders in by the ERP's ids; reports, "
                                "inspections, exceptions, wages and KPIs out; events as signed "
                                "webhooks. Token: `gongdan api-token --label ERP`."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "webhooks": {name: _event(name) for name in EVENTS},
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "an API token"}},
        },
    }
