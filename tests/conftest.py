"""Shared fixtures: a real database per test (a SQLite file, or PostgreSQL when
GONGDAN_TEST_POSTGRES is set), migrated with the real Alembic migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.db import make_engine, make_sessionmaker
from domain.migrate import upgrade
from tests import databases


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about the SQLite engine itself")
    config.addinivalue_line("markers", "postgres_only: needs real parallel transactions")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    engine = "postgres" if databases.on_postgres() else "sqlite"
    skip = pytest.mark.skip(reason=f"not for this engine ({engine})")
    for item in items:
        if ("sqlite_only" in item.keywords and engine != "sqlite") or \
                ("postgres_only" in item.keywords and engine != "postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    databases.drop_created()


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(databases.url_for(tmp_path / "gongdan.db"))
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session
