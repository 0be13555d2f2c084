from decimal import Decimal

import pytest
from sqlalchemy import text

from domain.models import Person


@pytest.mark.sqlite_only
async def test_sqlite_runs_in_wal_mode_with_foreign_keys(session):
    assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
    assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_money_round_trips_as_exact_decimal(sessions):
    async with sessions() as s, s.begin():
        s.add(Person(code="W1", name="A", hourly_rate=Decimal("23.4567")))
    async with sessions() as s:
        person = (await s.execute(text("select id from person"))).scalar_one()
        loaded = await s.get(Person, person)
        assert loaded.hourly_rate == Decimal("23.4567")


async def test_money_refuses_float(sessions):
    with pytest.raises(Exception, match="Decimal"):
        async with sessions() as s, s.begin():
            s.add(Person(code="W2", name="B", hourly_rate=1.5))
