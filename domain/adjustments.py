"""Wage adjustments 工资调整: a bonus (+) or a deduction (-), entered with its reason.

Never an edit: an adjustment is a row of its own, booked on the day it is entered, audited,
and told to the person. A mistake is undone by a reversal, an adjustment of the opposite
amount that points at the one it cancels (each can be reversed once; a reversal itself is not
reversed: enter a new adjustment instead).

Who: supervisors for the people of their own team, managers for anyone; nobody for
themselves. The amount is non-zero, in whole cents, at most MAX_AMOUNT either way; the reason
is required. Every refusal changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.errors import DomainError
from domain.models import Person, Role, WageAdjustment
from domain.notifications import Notice, notify_person
from domain.payload import normalize_text
from domain.rules import FactoryRules
from domain.wages import CENT, supervises

# A month's wage and then some: a larger figure is a typo (an extra zero), not a bonus.
MAX_AMOUNT = Decimal("20000")
MAX_REASON = 200
_CURRENCY = re.compile(r"[元块¥￥,，\s]|rmb|cny", re.IGNORECASE)


@dataclass(frozen=True)
class Proposal:
    """An adjustment checked and ready to be confirmed (nothing stored yet)."""

    person: Person
    amount: Decimal
    reason: str
    reverses: WageAdjustment | None = None


def parse_amount(text: str) -> Decimal:
    """"+200", "-50.5", "200元", "￥1,200" → Decimal; refused unless non-zero, whole cents and
    within MAX_AMOUNT."""
    cleaned = _CURRENCY.sub("", normalize_text(text)).replace("−", "-")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise DomainError("adjust.bad_amount", text=text) from None
    if not amount.is_finite():
        raise DomainError("adjust.bad_amount", text=text)
    if amount == 0:
        raise DomainError("adjust.zero")
    if amount != amount.quantize(CENT):
        raise DomainError("adjust.cents", text=text)
    if abs(amount) > MAX_AMOUNT:
        raise DomainError("adjust.too_large", limit=str(MAX_AMOUNT))
    return amount.quantize(CENT)


async def propose(session: AsyncSession, by: Person, person_code: str, amount: Decimal,
                  reason: str) -> Proposal:
    """Check an adjustment before it is confirmed (and again when it is)."""
    person = await _person(session, person_code)
    _check_who(by, person)
    amount = parse_amount(str(amount))
    return Proposal(person, amount, _reason(reason))


async def adjust(session: AsyncSession, by: Person, person_code: str, amount: Decimal,
                 reason: str, *, now: datetime, key: str, rules: FactoryRules) -> WageAdjustment:
    """Enter the adjustment (idempotent by `key`: the same confirmation twice is one entry)."""
    again = await by_key(session, key)
    if again is not None:
        return again
    proposal = await propose(session, by, person_code, amount, reason)
    return await _store(session, by, proposal, now=now, key=key, rules=rules)


async def propose_reversal(session: AsyncSession, by: Person, adjustment_id: int,
                           reason: str) -> Proposal:
    original = await session.get(WageAdjustment, adjustment_id)
    if original is None:
        raise DomainError("adjust.unknown", id=adjustment_id)
    if original.reverses_id is not None:
        raise DomainError("adjust.is_reversal", id=adjustment_id, original=original.reverses_id)
    await _refuse_if_reversed(session, original)
    person = await session.get(Person, original.person_id)
    assert person is not None
    _check_who(by, person)
    return Proposal(person, -original.amount.quantize(CENT), _reason(reason), reverses=original)


async def reverse(session: AsyncSession, by: Person, adjustment_id: int, reason: str, *,
                  now: datetime, key: str, rules: FactoryRules) -> WageAdjustment:
    """Cancel an adjustment with one of the opposite amount, once."""
    again = await by_key(session, key)
    if again is not None:
        return again
    proposal = await propose_reversal(session, by, adjustment_id, reason)
    return await _store(session, by, proposal, now=now, key=key, rules=rules)


async def _store(session: AsyncSession, by: Person, proposal: Proposal, *, now: datetime,
                 key: str, rules: FactoryRules) -> WageAdjustment:
    reverses = proposal.reverses
    row = WageAdjustment(person_id=proposal.person.id, amount=proposal.amount,
                         reason=proposal.reason, created_by=by.id, created_at=now,
                         reverses_id=reverses.id if reverses else None, idempotency_key=key)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # reversed meanwhile by someone else
        if reverses is not None:
            await _refuse_if_reversed(session, reverses)
        raise
    audit.record(session, "wage.reversed" if reverses else "wage.adjusted",
                 actor_person_id=by.id, entity="wage_adjustment", entity_id=row.id,
                 person=proposal.person.code, amount=proposal.amount, reason=proposal.reason,
                 reverses=reverses.id if reverses else None)
    notify_person(session, proposal.person, Notice(
        "adjust.reversed_notice" if reverses else "adjust.notice",
        {"amount": f"{proposal.amount:+.2f}", "note": proposal.reason, "by": by.name,
         "id": row.id, "original": reverses.id if reverses else None}),
        default_lang=rules.default_language)
    return row


def _check_who(by: Person, person: Person) -> None:
    if not by.has_role(Role.supervisor):
        raise DomainError("auth.forbidden", needed=Role.supervisor.value)
    if person.id == by.id:
        raise DomainError("adjust.own")
    if not supervises(by, person):
        raise DomainError("wages.not_your_team", name=person.name, code=person.code)


def _reason(text: str) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise DomainError("adjust.reason_needed")
    if len(reason) > MAX_REASON:
        raise DomainError("adjust.reason_too_long", limit=MAX_REASON)
    return reason


async def _person(session: AsyncSession, code: str) -> Person:
    code = normalize_text(code or "").upper()
    person = await session.scalar(select(Person).where(Person.code == code))
    if person is None:
        raise DomainError("wages.unknown_person", code=code)
    return person


async def by_key(session: AsyncSession, key: str) -> WageAdjustment | None:
    """The adjustment entered with this idempotency key, if any."""
    return await session.scalar(select(WageAdjustment)
                                .where(WageAdjustment.idempotency_key == key))


async def _refuse_if_reversed(session: AsyncSession, original: WageAdjustment) -> None:
    reversal = await session.scalar(select(WageAdjustment)
                                    .where(WageAdjustment.reverses_id == original.id))
    if reversal is not None:
        by = await session.get(Person, reversal.created_by)
        raise DomainError("adjust.already_reversed", id=original.id, by=by.name if by else "—",
                          when_at=reversal.created_at)
