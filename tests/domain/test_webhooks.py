"""Outgoing webhook events on a real database: one delivery per subscribed active endpoint,
written in the transaction of the change, once per event; each of the five events at the place
it happens, carrying the thing as the API shows it; and claiming, backoff and giving up."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from domain import andon, qc, webhooks
from domain.andon.subject import Subject
from domain.erp import deliveries, endpoints
from domain.erp.deliveries import Attempt, Policy
from domain.models import (
    AuditEvent,
    DeliveryStatus,
    OperationTask,
    Person,
    QCInspection,
    WebhookDelivery,
    WorkOrder,
    utcnow,
)
from tests.domain import qc_floor

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


async def endpoint(sessions, events=None, url="http://127.0.0.1:9/hook") -> int:
    async with sessions() as session, session.begin():
        return (await endpoints.add(session, url, events, now=T0)).endpoint.id


async def delivered_events(sessions) -> list[tuple[int, str, str, dict]]:
    async with sessions() as session:
        rows = (await session.scalars(select(WebhookDelivery)
                                      .order_by(WebhookDelivery.id))).all()
    return [(r.endpoint_id, r.event, r.event_key, json.loads(r.payload)) for r in rows]


async def test_emit_writes_one_delivery_per_subscribed_active_endpoint_once(sessions):
    everything = await endpoint(sessions)
    qc_only = await endpoint(sessions, ["qc.decided"])
    gone = await endpoint(sessions, ["report.accepted"])
    async with sessions() as session, session.begin():
        await endpoints.remove(session, gone, now=T0)
    async with sessions() as session, session.begin():
        assert await webhooks.emit(session, "report.accepted", "report.accepted:1",
                                   {"n": 1}) == 1
        # The same event again (a code path that ran twice): nothing more.
        assert await webhooks.emit(session, "report.accepted", "report.accepted:1",
                                   {"n": 1}) == 0
        assert await webhooks.emit(session, "qc.decided", "qc.decided:7", {"n": 2}) == 2
    rows = await delivered_events(sessions)
    assert [(e, ev, key) for e, ev, key, _ in rows] == [
        (everything, "report.accepted", "report.accepted:1"),
        (everything, "qc.decided", "qc.decided:7"), (qc_only, "qc.decided", "qc.decided:7")]


async def test_an_event_rolled_back_leaves_no_delivery(sessions):
    await endpoint(sessions)
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await webhooks.emit(session, "report.accepted", "report.accepted:9", {})
            raise RuntimeError("the change failed")
    assert await delivered_events(sessions) == []


async def test_without_endpoints_nothing_is_written(sessions):
    async with sessions() as session, session.begin():
        assert await webhooks.emit(session, "qc.decided", "qc.decided:1", {}) == 0


@pytest.fixture
async def floor(sessions):
    """qc_floor's WO-000001 of 100 (SMT → THT, a QC checkpoint → TEST) and an endpoint for
    every event."""
    async with sessions() as session:
        built = await qc_floor.build(session)
    await endpoint(sessions)
    return built


async def person(session, code: str) -> Person:
    return await session.scalar(select(Person).where(Person.code == code))


async def test_a_report_accepted_at_once_is_an_event_with_the_report_as_listed(sessions,
                                                                              floor):
    async with sessions() as session, session.begin():
        recorded = await qc_floor.report(session, await person(session, "W01"), 40, 2,
                                         "burr")
    [(_, event, key, data)] = await delivered_events(sessions)
    assert (event, key) == ("report.accepted", f"report.accepted:{recorded.report_id}")
    assert data["id"] == recorded.report_id
    assert (data["work_order"], data["operation_code"], data["person_code"]) == (
        "WO-000001", "SMT", "W01")
    assert (data["good"], data["scrap"], data["accepted"], data["status"]) == (
        40, 2, 40, "accepted")
    assert data["piece_rate"] == "0.3500"  # money as a string


async def test_a_held_report_is_accepted_when_qc_passes_it(sessions, floor):
    async with sessions() as session, session.begin():
        await qc_floor.report(session, await person(session, "W01"), 50)
        held = await qc_floor.report(session, await person(session, "W02"), 30)
    assert [e for _, e, _, _ in await delivered_events(sessions)] == ["report.accepted"]
    async with sessions() as session, session.begin():
        inspection = await session.scalar(select(QCInspection))
        await qc.decide(session, await person(session, "Q01"), inspection.id, passed=27,
                        rework=2, scrap=1, reason="solder", photo_file_id=None,
                        now=qc_floor.NOW + timedelta(minutes=5), rules=qc_floor.RULES)
    events = await delivered_events(sessions)
    assert [e for _, e, _, _ in events] == ["report.accepted", "qc.decided", "report.accepted"]
    decided, accepted = events[1][3], events[2][3]
    assert (decided["passed"], decided["rework"], decided["scrap"], decided["status"]) == (
        27, 2, 1, "failed")
    assert decided["created_rework"] == "RW-000001"
    assert (accepted["id"], accepted["accepted"], accepted["status"]) == (
        held.report_id, 27, "accepted")


async def test_a_rejected_report_is_decided_but_not_accepted(sessions, floor):
    async with sessions() as session, session.begin():
        await qc_floor.report(session, await person(session, "W01"), 50)
        await qc_floor.report(session, await person(session, "W02"), 10)
        inspection = await session.scalar(select(QCInspection))
        await qc.decide(session, await person(session, "Q01"), inspection.id, passed=0,
                        rework=0, scrap=10, reason="solder", photo_file_id=None,
                        now=qc_floor.NOW, rules=qc_floor.RULES)
    assert [e for _, e, _, _ in await delivered_events(sessions)] == [
        "report.accepted", "qc.decided"]


async def test_the_last_piece_through_makes_the_work_order_done_once(sessions, floor):
    async with sessions() as session, session.begin():
        await session.execute(update(OperationTask).values(planned_qty=10))
        await session.execute(update(WorkOrder).values(quantity=10))
        await qc_floor.report(session, await person(session, "W01"), 10)
        await qc_floor.report(session, await person(session, "W02"), 10)
        inspection = await session.scalar(select(QCInspection))
        await qc.pass_all(session, await person(session, "Q01"), inspection.id,
                          now=qc_floor.NOW, rules=qc_floor.RULES)
        await qc_floor.report(session, await person(session, "W09"), 10)
    events = await delivered_events(sessions)
    done = [data for _, e, _, data in events if e == "work_order.done"]
    assert len(done) == 1
    assert (done[0]["code"], done[0]["status"]) == ("WO-000001", "done")
    assert [op["good"] for op in done[0]["operations"]] == [10, 10, 10]
    assert done[0]["done_at"] is not None


async def test_exceptions_opened_and_resolved_again_after_not_fixed(sessions, floor):
    async with sessions() as session, session.begin():
        wo = await session.scalar(select(WorkOrder))
        reported = await andon.report(session, await person(session, "W01"), kind="equipment",
                                      subject=Subject(wo.id, wo.code), line_stopped=True,
                                      comment="贴片机卡料", photo_file_id=None, now=T0,
                                      rules=qc_floor.RULES)
        exception_id = reported.exception.id
    supervisor = "S01"
    for minutes in (10, 30):
        async with sessions() as session, session.begin():
            await andon.resolve(session, await person(session, supervisor), exception_id,
                                now=T0 + timedelta(minutes=minutes), rules=qc_floor.RULES)
        if minutes == 10:
            async with sessions() as session, session.begin():
                await andon.reject_fix(session, await person(session, "W01"), exception_id,
                                       now=T0 + timedelta(minutes=20), rules=qc_floor.RULES)
    events = [(e, data) for _, e, _, data in await delivered_events(sessions)]
    assert [e for e, _ in events] == ["exception.opened", "exception.resolved",
                                      "exception.resolved"]
    opened, first, second = (data for _, data in events)
    assert (opened["code"], opened["kind"], opened["line_stopped"], opened["status"]) == (
        f"EX-{exception_id:06d}", "equipment", True, "open")
    assert opened["work_order"] == "WO-000001"
    assert first["resolved_at"] != second["resolved_at"]
    assert second["status"] == "resolved" and second["resolved_by"] == "工人S01"


# --- claiming and recording ----------------------------------------------------------------


async def pending_delivery(sessions) -> int:
    await endpoint(sessions)
    async with sessions() as session, session.begin():
        await webhooks.emit(session, "qc.decided", "qc.decided:1", {"id": 1})
        return await session.scalar(select(WebhookDelivery.id))


async def test_a_claimed_delivery_is_not_due_for_anyone_else_until_its_lease_ends(sessions):
    await pending_delivery(sessions)
    policy = Policy(lease=timedelta(seconds=60))
    now = utcnow()  # the delivery is due from when it was written
    async with sessions() as session, session.begin():
        [claimed] = await deliveries.claim(session, now, limit=10, policy=policy)
    body = json.loads(claimed.body)
    assert (body["event"], body["data"], claimed.attempt) == ("qc.decided", {"id": 1}, 1)
    async with sessions() as session, session.begin():
        assert await deliveries.claim(session, now + timedelta(seconds=59), limit=10,
                                      policy=policy) == []
    # The sender that claimed it died: once the lease is over another one takes it.
    async with sessions() as session, session.begin():
        [again] = await deliveries.claim(session, now + timedelta(seconds=61), limit=10,
                                         policy=policy)
    assert again.id == claimed.id


async def test_failures_back_off_doubling_up_to_the_cap_then_give_up(sessions):
    delivery_id = await pending_delivery(sessions)
    policy = Policy(max_attempts=4, base_delay=timedelta(seconds=10),
                    max_delay=timedelta(seconds=25), lease=timedelta(seconds=60))
    now, waits, outcomes = utcnow(), [], []
    for _ in range(4):
        async with sessions() as session, session.begin():
            [claimed] = await deliveries.claim(session, now, limit=1, policy=policy)
            outcomes.append(await deliveries.record(session, claimed,
                                                    Attempt(503, 12, "HTTP 503: busy"), now,
                                                    policy=policy))
            row = await session.get(WebhookDelivery, delivery_id)
            await session.refresh(row)
            waits.append((row.next_attempt_at - now).total_seconds())
            now = row.next_attempt_at
    assert outcomes == ["pending", "pending", "pending", "failed"]
    assert waits[:3] == [10, 20, 25]
    async with sessions() as session:
        row = await session.get(WebhookDelivery, delivery_id)
        assert (row.status, row.attempts, row.response_status, row.duration_ms,
                row.last_error) == (DeliveryStatus.failed, 4, 503, 12, "HTTP 503: busy")
        attempts = (await session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "webhook.attempt").order_by(AuditEvent.id))).all()
    assert [json.loads(a)["attempt"] for a in attempts] == [1, 2, 3, 4]


async def test_removing_an_endpoint_gives_up_what_it_had_waiting(sessions):
    delivery_id = await pending_delivery(sessions)
    async with sessions() as session, session.begin():
        endpoint_id = (await session.get(WebhookDelivery, delivery_id)).endpoint_id
        removed = await endpoints.remove(session, endpoint_id, now=T0)
    assert removed.deliveries == {"pending": 0, "delivered": 0, "failed": 1}
    async with sessions() as session, session.begin():
        assert await deliveries.claim(session, utcnow() + timedelta(days=1), limit=10,
                                      policy=Policy()) == []
        assert await session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "webhook.removed")) == 1


@pytest.mark.parametrize("events", [["nope"], [], ["report.accepted", "x"]])
async def test_unknown_events_are_refused(sessions, events):
    from domain.errors import DomainError

    with pytest.raises(DomainError) as refused:
        await endpoint(sessions, events)
    assert refused.value.params["field"] == "events"
