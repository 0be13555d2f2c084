from datetime import UTC, datetime, timedelta

import pytest

from domain import registration
from domain.errors import DomainError
from domain.models import Role
from domain.rules import FactoryRules
from tests import builders

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
RULES = FactoryRules(invite_ttl=timedelta(days=7))


async def test_invite_binds_once_and_sets_role(session):
    await builders.person(session, "W01")
    issued = await registration.issue_invite(session, "W01", "worker", now=NOW, rules=RULES)
    assert len(issued.code) >= 12 and issued.expires_at == NOW + timedelta(days=7)
    person = await registration.redeem_invite(session, issued.code, 555, now=NOW, language="en")
    assert (person.telegram_user_id, person.role, person.language) == (555, "worker", "en")
    assert (await registration.person_for_account(session, 555)).code == "W01"
    with pytest.raises(DomainError) as again:
        await registration.redeem_invite(session, issued.code, 556, now=NOW, language="zh")
    assert again.value.key == "invite.used"
    with pytest.raises(DomainError) as mine:
        await registration.redeem_invite(session, issued.code, 555, now=NOW, language="zh")
    assert mine.value.key == "invite.already_yours"


async def test_expired_and_unknown_codes(session):
    await builders.person(session, "W01")
    issued = await registration.issue_invite(session, "W01", "worker", now=NOW, rules=RULES)
    with pytest.raises(DomainError) as late:
        await registration.redeem_invite(session, issued.code, 1, now=NOW + timedelta(days=8),
                                         language="zh")
    assert late.value.key == "invite.expired"
    with pytest.raises(DomainError) as unknown:
        await registration.redeem_invite(session, "nope", 1, now=NOW, language="zh")
    assert unknown.value.key == "invite.unknown"


async def test_one_account_is_one_person(session):
    await builders.person(session, "W01")
    await builders.person(session, "W02")
    first = await registration.issue_invite(session, "W01", "worker", now=NOW, rules=RULES)
    second = await registration.issue_invite(session, "W02", "worker", now=NOW, rules=RULES)
    await registration.redeem_invite(session, first.code, 7, now=NOW, language="zh")
    with pytest.raises(DomainError) as taken:
        await registration.redeem_invite(session, second.code, 7, now=NOW, language="zh")
    assert taken.value.key == "invite.account_taken"


async def test_nobody_hands_out_more_power_than_they_hold(session):
    supervisor = await builders.person(session, "S01", role="supervisor")
    await builders.person(session, "W01")
    with pytest.raises(DomainError) as refused:
        await registration.issue_invite(session, "W01", "manager", now=NOW, rules=RULES,
                                        actor=supervisor)
    assert refused.value.key == "auth.forbidden"
    with pytest.raises(DomainError) as bad:
        await registration.issue_invite(session, "W01", "boss", now=NOW, rules=RULES)
    assert bad.value.key == "invite.bad_role"
    with pytest.raises(DomainError) as missing:
        await registration.issue_invite(session, "X99", "worker", now=NOW, rules=RULES)
    assert missing.value.key == "invite.unknown_person"


async def test_roles_rank(session):
    worker = await builders.person(session, "W01")
    assert worker.has_role(Role.worker) and not worker.has_role(Role.supervisor)
    with pytest.raises(DomainError):
        registration.require_role(worker, Role.supervisor)
