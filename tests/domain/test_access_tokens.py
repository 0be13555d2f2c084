"""Board tokens: stored as hashes, valid until they expire or are revoked, audited."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain import access_tokens
from domain.errors import DomainError
from domain.models import AccessToken, AuditEvent
from tests import builders

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def test_issue_stores_only_the_hash_and_verifies_until_expiry(session):
    manager = await builders.person(session, "M01", role="manager")
    issued = await access_tokens.issue(session, now=T0, days=30, label="TV1", actor=manager)
    await session.commit()

    assert issued.expires_at == T0 + timedelta(days=30) and issued.label == "TV1"
    row = await session.get(AccessToken, issued.id)
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in (row.token_hash, row.label)
    assert len(issued.token) >= 32

    assert (await access_tokens.verify(session, issued.token, now=T0)).id == issued.id
    last_second = T0 + timedelta(days=30) - timedelta(seconds=1)
    assert await access_tokens.verify(session, issued.token, now=last_second) is not None
    assert await access_tokens.verify(session, issued.token, now=T0 + timedelta(days=30)) is None

    event = await session.scalar(select(AuditEvent).where(
        AuditEvent.action == "access_token.issued"))
    assert (event.actor_person_id, event.entity, event.entity_id) == (manager.id,
                                                                      "access_token", issued.id)
    assert json.loads(event.detail)["label"] == "TV1"
    assert issued.token not in event.detail


async def test_wrong_missing_and_other_purpose_tokens_open_nothing(session):
    issued = await access_tokens.issue(session, now=T0)
    assert issued.expires_at == T0 + timedelta(days=365)  # the default
    for token in (None, "", issued.token[:-1], issued.token + "x", "x" * 500):
        assert await access_tokens.verify(session, token, now=T0) is None
    assert await access_tokens.verify(session, issued.token, now=T0, purpose="api") is None


async def test_revoke_once_audited_and_the_token_stops_working(session):
    manager = await builders.person(session, "M01", role="manager")
    issued = await access_tokens.issue(session, now=T0, label="TV1")
    other = await access_tokens.issue(session, now=T0, label="TV2")

    info = await access_tokens.revoke(session, issued.id, now=T0 + timedelta(hours=1),
                                      actor=manager)
    assert (info.id, info.label, info.revoked_at) == (issued.id, "TV1", T0 + timedelta(hours=1))
    assert not info.active(T0 + timedelta(hours=2))
    assert await access_tokens.verify(session, issued.token, now=T0 + timedelta(hours=1)) is None
    assert await access_tokens.verify(session, other.token, now=T0 + timedelta(hours=1))

    with pytest.raises(DomainError) as again:
        await access_tokens.revoke(session, issued.id, now=T0 + timedelta(hours=2))
    assert again.value.key == "board.token_already_revoked"
    with pytest.raises(DomainError) as unknown:
        await access_tokens.revoke(session, 999, now=T0)
    assert (unknown.value.key, unknown.value.params) == ("board.token_unknown", {"id": 999})

    revoked = (await session.scalars(select(AuditEvent).where(
        AuditEvent.action == "access_token.revoked"))).all()
    assert [(e.entity_id, e.actor_person_id) for e in revoked] == [(issued.id, manager.id)]

    listed = await access_tokens.listing(session)
    assert [(t.id, t.label, t.active(T0 + timedelta(hours=2))) for t in listed] == [
        (other.id, "TV2", True), (issued.id, "TV1", False)]


async def test_days_out_of_range_are_refused(session):
    for days in (0, -1, access_tokens.MAX_DAYS + 1):
        with pytest.raises(DomainError) as refused:
            await access_tokens.issue(session, now=T0, days=days)
        assert refused.value.key == "board.bad_days"


def test_link():
    assert access_tokens.board_link("http://10.0.0.5:8080/", "a-b_c") == (
        "http://10.0.0.5:8080/board?token=a-b_c")
    assert access_tokens.board_link("https://f.example/gd", "t", "en") == (
        "https://f.example/gd/board?token=t&lang=en")
