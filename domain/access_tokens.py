"""Tokens that open a read-only page (the shop-floor board) without a login, and the ERP's
REST API (purpose "api", sent as `Authorization: Bearer <token>`).

The token itself is shown once, when issued (in a URL for the TV); only its SHA-256 hash is
stored, so a copy of the database opens nothing. A token is valid until it expires or is
revoked; issuing and revoking are audited. The token is checked on every request, so revoking
it closes the board within one check.

A token may be a person's own (its holder: a board link a manager asked for in chat, an API
token issued `--for` someone): it opens nothing once they are no longer active, even if its
revocation was skipped (someone deactivated outside `gongdan person remove`). A token without
a holder is the factory's: an ERP's token outlives the manager who issued it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain import audit
from domain.db import rows_changed
from domain.errors import DomainError
from domain.models import AccessToken, Person

BOARD = "board"
API = "api"  # the ERP's REST API (handlers/web/api)
DEFAULT_DAYS = 365
MAX_DAYS = 3650
BOARD_PATH = "/board"


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str  # shown once; only its hash is kept
    purpose: str
    label: str | None
    expires_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    id: int
    purpose: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    created_by: str | None  # the person's name
    holder: str | None = None  # whose own token it is (their name), if anyone's

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def board_link(base_url: str, token: str, lang: str | None = None) -> str:
    """Where a board token opens the board: `base_url` is the server's public address."""
    query = {"token": token} | ({"lang": lang} if lang else {})
    return f"{base_url.rstrip('/')}{BOARD_PATH}?{urlencode(query)}"


async def issue(session: AsyncSession, *, now: datetime, days: int = DEFAULT_DAYS,
                label: str | None = None, purpose: str = BOARD,
                actor: Person | None = None, holder: Person | None = None) -> IssuedToken:
    """A new token, shown once. With `holder` it is that person's own and dies with them."""
    if not 1 <= days <= MAX_DAYS:
        raise DomainError("board.bad_days", days=days, max=MAX_DAYS)
    if holder is not None and not holder.active:
        raise DomainError("person.inactive", name=holder.name, code=holder.code)
    label = (label or "").strip()[:100] or None
    token = secrets.token_urlsafe(24)  # 192 bits, URL-safe
    row = AccessToken(token_hash=token_hash(token), purpose=purpose, label=label,
                      created_by=actor.id if actor else None, created_at=now,
                      expires_at=now + timedelta(days=days),
                      holder_id=holder.id if holder else None)
    session.add(row)
    await session.flush()
    assert row.expires_at is not None
    audit.record(session, "access_token.issued", actor_person_id=actor.id if actor else None,
                 entity="access_token", entity_id=row.id, purpose=purpose, label=label,
                 expires_at=row.expires_at.isoformat(),
                 holder=holder.code if holder else None)
    return IssuedToken(row.id, token, purpose, label, row.expires_at)


async def verify(session: AsyncSession, token: str | None, *, now: datetime,
                 purpose: str = BOARD) -> AccessToken | None:
    """The token's row when it opens `purpose` now; None when missing, wrong, expired, revoked
    or held by someone no longer active (the caller answers all of these the same way: no hint
    which one it was)."""
    if not token or len(token) > 200:
        return None
    found = (await session.execute(
        select(AccessToken, Person.active).outerjoin(Person, Person.id == AccessToken.holder_id)
        .where(AccessToken.token_hash == token_hash(token)))).first()
    if found is None:
        return None
    row, holder_active = found
    if row.purpose != purpose or row.revoked_at is not None:
        return None
    if row.holder_id is not None and not holder_active:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return row


async def revoke(session: AsyncSession, token_id: int, *, now: datetime,
                 actor: Person | None = None, purpose: str | None = None) -> TokenInfo:
    """Revoke once (conditional, so two revokes record one); with `purpose`, only a token of
    that purpose (an API token's number never revokes a board link)."""
    row = await session.get(AccessToken, token_id)
    if row is None or (purpose is not None and row.purpose != purpose):
        raise DomainError("board.token_unknown", id=token_id)
    done = await rows_changed(session,
        update(AccessToken).where(AccessToken.id == token_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    if done != 1:
        raise DomainError("board.token_already_revoked", id=token_id)
    await session.refresh(row)
    audit.record(session, "access_token.revoked", actor_person_id=actor.id if actor else None,
                 entity="access_token", entity_id=token_id, purpose=row.purpose, label=row.label)
    return (await _infos(session, [token_id]))[0]


async def revoke_held(session: AsyncSession, holder: Person, *, now: datetime,
                      actor: Person | None = None) -> list[int]:
    """Revoke every active token that is `holder`'s own (they are leaving); their ids."""
    ids = list((await session.scalars(select(AccessToken.id).where(
        AccessToken.holder_id == holder.id, AccessToken.revoked_at.is_(None))
        .order_by(AccessToken.id))).all())
    if not ids:
        return []
    await session.execute(
        update(AccessToken).where(AccessToken.id.in_(ids), AccessToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    for token_id in ids:
        audit.record(session, "access_token.revoked", actor_person_id=actor.id if actor else None,
                     entity="access_token", entity_id=token_id, holder=holder.code,
                     reason="holder_removed")
    return ids


async def listing(session: AsyncSession, *, purpose: str = BOARD) -> list[TokenInfo]:
    """Every token of that purpose, newest first (for choosing one to revoke)."""
    ids = list((await session.scalars(select(AccessToken.id).where(
        AccessToken.purpose == purpose).order_by(AccessToken.id.desc()))).all())
    return await _infos(session, ids)


async def _infos(session: AsyncSession, ids: list[int]) -> list[TokenInfo]:
    if not ids:
        return []
    issuer, holder = aliased(Person), aliased(Person)
    rows = (await session.execute(
        select(AccessToken, issuer.name, holder.name)
        .outerjoin(issuer, issuer.id == AccessToken.created_by)
        .outerjoin(holder, holder.id == AccessToken.holder_id)
        .where(AccessToken.id.in_(ids)).order_by(AccessToken.id.desc()))).all()
    return [TokenInfo(t.id, t.purpose, t.label, t.created_at, t.expires_at, t.revoked_at, by,
                      held_by) for t, by, held_by in rows]
