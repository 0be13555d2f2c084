"""Invites bind a Telegram account to a person of the factory; everyone else is a stranger."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.db import rows_changed
from domain.errors import DomainError
from domain.models import Invite, Person, Role
from domain.rules import FactoryRules

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class IssuedInvite:
    code: str
    person_code: str
    person_name: str
    role: str
    expires_at: datetime


async def issue_invite(
    session: AsyncSession,
    person_code: str,
    role: str,
    *,
    now: datetime,
    rules: FactoryRules,
    actor: Person | None = None,
) -> IssuedInvite:
    """A single-use code (safe in a t.me deep link) that registers someone as this person."""
    if role not in Role.__members__:
        raise DomainError("invite.bad_role", role=role, roles=", ".join(Role))
    if actor is not None and not actor.has_role(Role(role)):
        # Nobody hands out more power than they hold.
        raise DomainError("auth.forbidden", needed=role)
    person = await session.scalar(select(Person).where(Person.code == person_code))
    if person is None or not person.active:
        raise DomainError("invite.unknown_person", person=person_code)
    invite = Invite(
        code=secrets.token_urlsafe(12),
        person_id=person.id,
        role=role,
        created_at=now,
        expires_at=now + rules.invite_ttl,
    )
    session.add(invite)
    await session.flush()
    audit.record(
        session, "invite.issued", actor_person_id=actor.id if actor else None,
        entity="person", entity_id=person.id, role=role,
    )
    return IssuedInvite(invite.code, person.code, person.name, role, invite.expires_at)


async def redeem_invite(
    session: AsyncSession, code: str, telegram_user_id: int, *, now: datetime, language: str
) -> Person:
    """Bind the account to the invite's person, once. Conditional, so two taps bind once."""
    invite = await session.scalar(select(Invite).where(Invite.code == code))
    if invite is None:
        raise DomainError("invite.unknown")
    if invite.used_at is not None:
        if invite.used_by_telegram_id == telegram_user_id:
            raise DomainError("invite.already_yours")
        raise DomainError("invite.used")
    if invite.expires_at <= now:
        raise DomainError("invite.expired")

    bound = await session.scalar(select(Person).where(Person.telegram_user_id == telegram_user_id))
    if bound is not None and bound.id != invite.person_id:
        raise DomainError("invite.account_taken", name=bound.name, code=bound.code)

    claimed = await rows_changed(session,
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=now, used_by_telegram_id=telegram_user_id)
    )
    if claimed != 1:
        raise DomainError("invite.used")

    person = await session.get(Person, invite.person_id)
    assert person is not None
    if not person.active:
        raise DomainError("invite.unknown_person", person=person.code)
    person.telegram_user_id = telegram_user_id
    person.role = invite.role
    person.registered_at = now
    if person.language is None:
        person.language = language
    audit.record(
        session, "person.registered", actor_person_id=person.id,
        actor_telegram_id=telegram_user_id, entity="person", entity_id=person.id, role=invite.role,
    )
    return person


async def person_for_account(session: AsyncSession, telegram_user_id: int) -> Person | None:
    person = await session.scalar(select(Person).where(Person.telegram_user_id == telegram_user_id))
    return person if person is not None and person.active else None


def set_language(session: AsyncSession, person: Person, language: str) -> None:
    if language not in LANGUAGES:
        raise DomainError("lang.unknown", lang=language)
    person.language = language
    audit.record(session, "person.language", actor_person_id=person.id, entity="person",
                 entity_id=person.id, lang=language)


def require_role(person: Person, role: Role) -> None:
    if not person.has_role(role):
        raise DomainError("auth.forbidden", needed=role.value)


async def person_by_code(session: AsyncSession, code: str) -> Person:
    """The person with this code (工号, any case); refused when there is none."""
    code = code.strip()[:32]
    person = await session.scalar(select(Person).where(func.upper(Person.code) == code.upper()))
    if person is None:
        raise DomainError("person.unknown", code=code)
    return person


async def people(session: AsyncSession, *, removed: bool = False) -> list[Person]:
    """Everyone active by code; with `removed`, those who left too."""
    query = select(Person).order_by(Person.code)
    return list((await session.scalars(
        query if removed else query.where(Person.active.is_(True)))).all())
