"""Orders and work orders written by the ERP: created or updated by its external id through the
workbook's rules, the same body twice changing nothing, a change reaching the people it touches,
and bad input refused with the field named and nothing applied."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select, update

from domain.models import (
    AuditEvent,
    OperationTask,
    Order,
    OutboxMessage,
    Person,
    PlanChange,
    TaskAssignee,
    WorkOrder,
)
from tests.handlers.api_client import Api, api

__all__ = ["api"]

ORDER = {"order_no": "SO-2611", "customer": "华强电子",
         "lines": [{"external_id": "ERP-L1", "product_code": "PCB-A", "quantity": 200,
                    "due_date": "2030-12-01", "priority": 2},
                   {"external_id": "ERP-L2", "product_code": "PCB-B", "quantity": 50,
                    "due_date": "2030-11-20"}]}


async def count(api: Api, model, *where) -> int:
    async with api.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def audit_actions(api: Api) -> list[str]:
    async with api.sessions() as session:
        return list((await session.scalars(select(AuditEvent.action)
                                           .order_by(AuditEvent.id))).all())


async def test_an_order_is_created_once_and_the_same_body_again_changes_nothing(api):
    status, body = await api.put("/api/v1/orders/ERP-SO-1", ORDER)
    assert (status, body["created"]) == (201, True)
    order = body["data"]
    assert (order["external_id"], order["order_no"], order["customer"]) == (
        "ERP-SO-1", "SO-2611", "华强电子")
    # The order carries its earliest due date and most urgent priority, as the workbook's do.
    assert (order["due_date"], order["priority"]) == ("2030-11-20", 2)
    lines = {w["external_id"]: w for w in order["work_orders"]}
    assert set(lines) == {"ERP-L1", "ERP-L2"}
    first = lines["ERP-L1"]
    assert (first["product_code"], first["quantity"], first["status"]) == (
        "PCB-A", 200, "released")
    assert [(op["code"], op["planned"], op["status"]) for op in first["operations"]] == [
        ("SMT", 200, "ready"), ("THT", 200, "waiting"), ("TEST", 200, "waiting")]
    audit_before = await audit_actions(api)
    assert audit_before.count("api.order.put") == 1

    again_status, again = await api.put("/api/v1/orders/ERP-SO-1", ORDER)
    assert (again_status, again["created"]) == (200, False)
    assert again["data"] == order
    assert await count(api, Order, Order.order_no == "SO-2611") == 1
    assert await count(api, WorkOrder) == 3  # WO-000001 from the workbook, and these two
    assert await audit_actions(api) == audit_before  # nothing happened, nothing audited

    async with api.sessions() as session:
        put = await session.scalar(select(AuditEvent).where(
            AuditEvent.action == "api.order.put"))
    assert put.actor_person_id is None
    assert json.loads(put.detail)["token"] == "ERP"

    status, read = await api.get("/api/v1/orders/ERP-SO-1")
    assert (status, read) == (200, order)


async def test_a_changed_quantity_reaches_the_people_it_touches_once(api):
    await api.put("/api/v1/orders/ERP-SO-1", ORDER)
    async with api.sessions() as session, session.begin():
        worker = await session.scalar(select(Person).where(Person.code == "W01"))
        smt = await session.scalar(select(OperationTask).join(WorkOrder).where(
            WorkOrder.external_id == "ERP-L1", OperationTask.seq == 10))
        session.add(TaskAssignee(task_id=smt.id, person_id=worker.id))
    changed = json.loads(json.dumps(ORDER))
    changed["lines"][0]["quantity"] = 240
    for _ in range(2):  # the ERP sends the change twice: told once
        status, body = await api.put("/api/v1/orders/ERP-SO-1", changed)
        assert status == 200
    work_order = next(w for w in body["data"]["work_orders"] if w["external_id"] == "ERP-L1")
    assert work_order["quantity"] == 240
    assert {op["planned"] for op in work_order["operations"]} == {240}
    assert await count(api, PlanChange) == 1
    async with api.sessions() as session:
        told = (await session.scalars(select(OutboxMessage.payload).where(
            OutboxMessage.chat_id == 1001))).all()
    assert len(told) == 1
    assert "240" in told[0]
    assert (await audit_actions(api)).count("api.order.put") == 2


async def test_a_work_order_of_an_order_put_by_itself(api):
    await api.put("/api/v1/orders/ERP-SO-1", ORDER)
    body = {"order_external_id": "ERP-SO-1", "product_code": "PCB-A", "quantity": 200,
            "due_date": "2030-12-01", "priority": 2}
    status, same = await api.put("/api/v1/work-orders/ERP-L1", body)
    assert (status, same["created"]) == (200, False)

    changed = {**body, "due_date": "2030-12-15"}
    status, moved = await api.put("/api/v1/work-orders/ERP-L1", changed)
    assert status == 200 and moved["data"]["due_date"] == "2030-12-15"
    # The other line keeps the order's earliest due date.
    _, order = await api.get("/api/v1/orders/ERP-SO-1")
    assert order["due_date"] == "2030-11-20"

    status, made = await api.put("/api/v1/work-orders/ERP-W9", {
        "order_no": "SO-2699", "customer": "比亚迪", "product_code": "PCB-B", "quantity": 30,
        "due_date": "2030-10-01"})
    assert (status, made["created"]) == (201, True)
    assert (made["data"]["order_no"], made["data"]["customer"],
            made["data"]["status"]) == ("SO-2699", "比亚迪", "released")
    assert made["data"]["code"].startswith("WO-")
    status, by_code = await api.get(f"/api/v1/work-orders/{made['data']['code']}")
    assert (status, by_code) == (200, made["data"])


async def test_rows_the_workbook_made_are_taken_over_by_their_numbers(api):
    body = {"order_no": "SO-1-1", "customer": "客户甲",
            "lines": [{"external_id": "ERP-WO1", "product_code": "PCB-A", "quantity": 100,
                       "due_date": "2030-12-01"}]}
    status, taken = await api.put("/api/v1/orders/ERP-OLD", body)
    assert (status, taken["created"]) == (200, False)
    [work_order] = taken["data"]["work_orders"]
    assert (work_order["code"], work_order["external_id"]) == ("WO-000001", "ERP-WO1")
    assert await count(api, WorkOrder) == 1


@pytest.mark.parametrize(("change", "status", "field", "code"), [
    ({"lines": [{"product_code": "NOPE", "quantity": 5, "due_date": "2030-12-01"}]},
     422, "lines[0].product_code", "import.unknown_product"),
    ({"lines": [{"product_code": "PCB-A", "quantity": -3, "due_date": "2030-12-01"}]},
     422, "lines[0].quantity", "api.too_small"),
    ({"lines": [{"product_code": "PCB-A", "quantity": 5, "due_date": "2030-13-45"}]},
     422, "lines[0].due_date", "import.bad_date"),
    ({"lines": [{"product_code": "PCB-A", "quantity": "many", "due_date": "2030-12-01"}]},
     422, "lines[0].quantity", "api.bad_type"),
    ({"lines": [{"product_code": "PCB-A", "quantity": 5}]},
     422, "lines[0].due_date", "api.required"),
    ({"colour": "red"}, 422, "colour", "api.unknown_field"),
    ({"lines": []}, 422, "lines", "api.too_few"),
    ({"order_no": "x" * 65}, 422, "order_no", "api.too_long"),
])
async def test_bad_input_names_the_field_and_applies_nothing(api, change, status, field, code):
    before = (await count(api, Order), await count(api, AuditEvent))
    answered, body = await api.put("/api/v1/orders/ERP-BAD", {**ORDER, **change},
                                   headers={"Accept-Language": "en"})
    assert answered == status
    assert (body["error"]["field"], body["error"]["details"][0]["code"]) == (field, code)
    assert field in body["error"]["message"]
    assert (await count(api, Order), await count(api, AuditEvent)) == before


async def test_a_body_that_is_not_json(api):
    status, body = await api.call("PUT", "/api/v1/orders/ERP-1", data=b"{not json",
                                  headers={"Content-Type": "application/json"})
    assert (status, body["error"]["code"]) == (400, "bad_request")


async def test_a_finished_work_order_refuses_a_quantity_change_clearly(api):
    await api.put("/api/v1/orders/ERP-SO-1", ORDER)
    async with api.sessions() as session, session.begin():
        await session.execute(update(WorkOrder).where(WorkOrder.external_id == "ERP-L1")
                              .values(status="done"))
    changed = json.loads(json.dumps(ORDER))
    changed["lines"][0]["quantity"] = 300
    status, body = await api.put("/api/v1/orders/ERP-SO-1", changed,
                                 headers={"Accept-Language": "zh"})
    assert status == 422
    assert body["error"]["details"][0]["code"] == "import.work_order_closed"
    assert body["error"]["field"] == "lines[0]"
    assert "已完工" in body["error"]["message"] and "不能修改" in body["error"]["message"]
    _, order = await api.get("/api/v1/orders/ERP-SO-1")
    assert {w["external_id"]: w["quantity"] for w in order["work_orders"]}["ERP-L1"] == 200


async def test_below_what_is_reported_is_refused(api):
    await api.put("/api/v1/orders/ERP-SO-1", ORDER)
    async with api.sessions() as session, session.begin():
        await session.execute(update(OperationTask).where(
            OperationTask.seq == 10, OperationTask.work_order_id == select(WorkOrder.id).where(
                WorkOrder.external_id == "ERP-L1").scalar_subquery()).values(good_qty=150))
    status, body = await api.put("/api/v1/work-orders/ERP-L1", {
        "quantity": 120, "due_date": "2030-12-01"}, headers={"Accept-Language": "en"})
    assert (status, body["error"]["field"]) == (422, "quantity")
    assert "150" in body["error"]["message"]


async def test_conflicts_and_fixed_fields(api):
    await api.put("/api/v1/orders/ERP-SO-1", ORDER)
    # Another order may not take the same number, nor a line's external id.
    status, body = await api.put("/api/v1/orders/ERP-SO-2", {**ORDER, "lines": ORDER["lines"][:1]})
    assert (status, body["error"]["code"], body["error"]["field"]) == (409, "conflict",
                                                                       "order_no")
    status, body = await api.put("/api/v1/orders/ERP-SO-3", {
        "order_no": "SO-2612", "customer": "华强电子",
        "lines": [{"external_id": "ERP-L1", "product_code": "PCB-A", "quantity": 5,
                   "due_date": "2030-12-01"}]})
    assert (status, body["error"]["field"]) == (409, "lines[0].external_id")
    # An order's number and a work order's product are fixed once they exist.
    status, body = await api.put("/api/v1/orders/ERP-SO-1", {**ORDER, "order_no": "SO-9"})
    assert (status, body["error"]["field"]) == (422, "order_no")
    status, body = await api.put("/api/v1/work-orders/ERP-L1", {
        "product_code": "PCB-B", "quantity": 200, "due_date": "2030-12-01"})
    assert (status, body["error"]["field"]) == (422, "product_code")
    status, body = await api.put("/api/v1/work-orders/ERP-NEW", {
        "order_external_id": "NO-SUCH", "product_code": "PCB-B", "quantity": 5,
        "due_date": "2030-12-01"})
    assert (status, body["error"]["field"]) == (422, "order_external_id")
    assert await count(api, Order) == 2


async def test_unknown_ones_are_404(api):
    status, body = await api.get("/api/v1/orders/NOPE")
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, _ = await api.get("/api/v1/work-orders/WO-999999")
    assert status == 404


async def test_the_same_new_order_put_twice_at_once_is_made_once(api):
    """On PostgreSQL the two transactions really run side by side: the loser of the unique
    order number is retried and finds the order made."""
    first, second = await asyncio.gather(api.put("/api/v1/orders/ERP-SO-1", ORDER),
                                         api.put("/api/v1/orders/ERP-SO-1", ORDER))
    assert sorted([first[0], second[0]]) == [200, 201]
    assert first[1]["data"] == second[1]["data"]
    assert await count(api, Order, Order.external_id == "ERP-SO-1") == 1
    assert await count(api, WorkOrder, WorkOrder.external_id.is_not(None)) == 2
