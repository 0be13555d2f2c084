"""Wage adjustments: entries with a reason, audited, told to the person, reversed once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain import adjustments
from domain.errors import DomainError
from domain.models import AuditEvent, OutboxMessage, WageAdjustment
from domain.rules import FactoryRules
from tests import builders

RULES = FactoryRules()
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
async def floor(session):
    people = {}
    for code, role, team, user_id in (("W01", "worker", "A", 1001), ("W02", "worker", "B", 1002),
                                      ("S01", "supervisor", "A", 2001),
                                      ("M01", "manager", None, 3001)):
        person = await builders.person(session, code, role=role, telegram_user_id=user_id)
        person.team = team
        people[code] = person
    await session.flush()
    return people


async def refused(coroutine) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await coroutine
    return caught.value


def adjust(session, by, code="W01", amount="200", reason="全勤奖", key="k1"):
    return adjustments.adjust(session, by, code, Decimal(amount), reason, now=NOW, key=key,
                              rules=RULES)


@pytest.mark.parametrize("text, amount", [
    ("+200", "200.00"), ("200", "200.00"), ("-50.5", "-50.50"), ("200元", "200.00"),
    ("￥1,200", "1200.00"), ("＋２００", "200.00"), ("−30", "-30.00"), ("0.01", "0.01")])
def test_amounts_people_type(text, amount):
    assert adjustments.parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text, key", [
    ("0", "adjust.zero"), ("+0.00", "adjust.zero"), ("12.345", "adjust.cents"),
    ("abc", "adjust.bad_amount"), ("NaN", "adjust.bad_amount"), ("Infinity", "adjust.bad_amount"),
    ("20000.01", "adjust.too_large"), ("-50000", "adjust.too_large"), ("", "adjust.bad_amount")])
def test_amounts_refused(text, key):
    with pytest.raises(DomainError) as caught:
        adjustments.parse_amount(text)
    assert caught.value.key == key


async def test_a_supervisor_adjusts_someone_of_the_team(session, floor):
    made = await adjust(session, floor["S01"])
    assert (made.person_id, made.amount, made.reason, made.created_by, made.created_at) == (
        floor["W01"].id, Decimal("200.00"), "全勤奖", floor["S01"].id, NOW)
    event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "wage.adjusted"))
    assert event.actor_person_id == floor["S01"].id
    assert json.loads(event.detail) == {"person": "W01", "amount": "200.00", "reason": "全勤奖",
                                        "reverses": None}
    [message] = (await session.scalars(select(OutboxMessage))).all()
    assert message.chat_id == 1001
    assert json.loads(message.payload)["params"] == {
        "amount": "+200.00", "note": "全勤奖", "by": "工人S01", "id": made.id, "original": None}


async def test_the_same_confirmation_twice_is_one_entry(session, floor):
    first = await adjust(session, floor["S01"], key="adj:7")
    again = await adjust(session, floor["S01"], key="adj:7")
    assert again.id == first.id
    assert await session.scalar(select(func.count()).select_from(WageAdjustment)) == 1


@pytest.mark.parametrize("by, code, amount, reason, key", [
    ("W02", "W01", "200", "奖励", "auth.forbidden"),
    ("S01", "W02", "200", "奖励", "wages.not_your_team"),
    ("S01", "S01", "200", "奖励", "adjust.own"),
    ("M01", "M01", "200", "奖励", "adjust.own"),
    ("S01", "W99", "200", "奖励", "wages.unknown_person"),
    ("S01", "W01", "0", "奖励", "adjust.zero"),
    ("S01", "W01", "1.005", "奖励", "adjust.cents"),
    ("S01", "W01", "99999", "奖励", "adjust.too_large"),
    ("S01", "W01", "200", "   ", "adjust.reason_needed"),
    ("S01", "W01", "200", "很" * 201, "adjust.reason_too_long"),
])
async def test_refused_adjustments_change_nothing(session, floor, by, code, amount, reason, key):
    assert (await refused(adjust(session, floor[by], code, amount, reason))).key == key
    assert await session.scalar(select(func.count()).select_from(WageAdjustment)) == 0


async def test_a_manager_adjusts_anyone(session, floor):
    made = await adjust(session, floor["M01"], "W02", "-35.50", "损坏工具")
    assert made.amount == Decimal("-35.50")


async def test_a_reversal_cancels_once(session, floor):
    made = await adjust(session, floor["S01"])
    assert (await refused(adjustments.reverse(session, floor["S01"], made.id, " ", now=NOW,
                                              key="r0", rules=RULES))).key \
        == "adjust.reason_needed"
    reversal = await adjustments.reverse(session, floor["M01"], made.id, "发错人", now=NOW,
                                         key="r1", rules=RULES)
    assert (reversal.amount, reversal.reverses_id, reversal.reason) == (
        Decimal("-200.00"), made.id, "发错人")
    again = await adjustments.reverse(session, floor["M01"], made.id, "发错人", now=NOW,
                                      key="r1", rules=RULES)
    assert again.id == reversal.id  # the same confirmation delivered twice
    error = await refused(adjustments.reverse(session, floor["S01"], made.id, "再撤", now=NOW,
                                              key="r2", rules=RULES))
    assert (error.key, error.params["by"]) == ("adjust.already_reversed", "工人M01")
    error = await refused(adjustments.reverse(session, floor["S01"], reversal.id, "撤销撤销",
                                              now=NOW, key="r3", rules=RULES))
    assert error.key == "adjust.is_reversal"
    assert (await refused(adjustments.reverse(session, floor["S01"], 999, "x", now=NOW,
                                              key="r4", rules=RULES))).key == "adjust.unknown"
    event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "wage.reversed"))
    assert event.entity_id == reversal.id
    notices = [json.loads(m.payload) for m in (await session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id))).all()]
    assert [(n["key"], n["params"]["amount"]) for n in notices] == [
        ("adjust.notice", "+200.00"), ("adjust.reversed_notice", "-200.00")]


async def test_only_the_teams_supervisor_reverses(session, floor):
    made = await adjust(session, floor["M01"], "W02", "100", "奖励")
    error = await refused(adjustments.reverse(session, floor["S01"], made.id, "不对", now=NOW,
                                              key="r1", rules=RULES))
    assert error.key == "wages.not_your_team"
