"""The SQLite driver fetches a statement's rows in the hop that runs it; every way SQLAlchemy
reads them back must still see all of them (streaming included)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.models import Person

pytestmark = pytest.mark.sqlite_only


async def test_streamed_results_see_every_row(sessions):
    async with sessions() as session, session.begin():
        session.add_all(Person(code=f"P{n:03d}", name=f"p{n}") for n in range(250))
    async with sessions() as session:
        query = select(Person.code).order_by(Person.code)
        streamed = [code async for code in await session.stream_scalars(
            query.execution_options(yield_per=40))]
        result = await session.stream(query.execution_options(yield_per=100))
        partitions = [len(part) async for part in result.partitions()]
        first = (await session.execute(query)).first()
    assert streamed == [f"P{n:03d}" for n in range(250)]
    assert partitions == [100, 100, 50]
    assert first == ("P000",)

