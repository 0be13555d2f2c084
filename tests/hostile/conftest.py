"""One shop per test module: the bot is started and populated once, every case runs against
it and must leave it as it found it (tests/hostile/probe.py checks that)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from bot.botapi_server import LocalBotApi
from tests import databases
from tests.e2e.conftest import TOKEN
from tests.hostile.shop import Shop, open_shop


@pytest.fixture(scope="module", autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """The shop's database lives as long as the module (tests/conftest.py drops per test)."""
    yield
    databases.drop_created()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shop(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Shop]:
    async with LocalBotApi(TOKEN) as api:
        opened = await open_shop(api, tmp_path_factory.mktemp("hostile"))
        try:
            yield opened
        finally:
            await opened.bot.stop()
