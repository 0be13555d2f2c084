"""The real bot (PTB Application, inbox, outbox) over real HTTP against the local Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import GongdanBot
from bot.botapi_server import LocalBotApi
from bot.config import Settings
from domain.db import make_engine, make_sessionmaker
from domain.migrate import upgrade
from domain.registration import issue_invite
from domain.rules import FactoryRules
from tests import builders

TOKEN = "123456:TEST-TOKEN"


@dataclass
class Floor:
    api: LocalBotApi
    bot: GongdanBot
    settings: Settings

    async def invite(self, person: str, role: str = "worker") -> str:
        async with self.bot.sessions() as session, session.begin():
            issued = await issue_invite(session, person, role, now=_now(),
                                        rules=self.settings.rules)
        return issued.code

    async def register(self, user_id: int, person: str, name: str, lang: str = "zh",
                       role: str = "worker"):
        user = self.api.user(user_id, name, language_code=lang)
        await user.command("/start", await self.invite(person, role))
        await user.wait_message()  # registered
        await user.wait_message()  # the help that follows registration
        return user

    async def settle(self, timeout: float = 5.0) -> None:
        from bot.demo import wait_until_settled

        await wait_until_settled(self.api, self.bot, timeout)


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def settings_for(api: LocalBotApi, db: Path) -> Settings:
    return Settings(token=TOKEN, api_base_url=api.url or "", database_url=f"sqlite+aiosqlite:///{db}",
                    send_rate=1000, chat_rate=50, chat_burst=50, rules=FactoryRules())


async def seed(db: Path) -> None:
    """Two products' worth of floor: PCB-A (SMT→THT→TEST) with WO-000001 of 100."""
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session, session.begin():
        product = await builders.product(session)
        await builders.work_order(session, product, quantity=100)
        await builders.person(session, "W01", skills="SMT")
        await builders.person(session, "W02", skills="THT")
        await builders.person(session, "S01", role="supervisor")
    await engine.dispose()


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(TOKEN) as server:
        yield server


@pytest.fixture
async def floor(api: LocalBotApi, tmp_path: Path) -> AsyncIterator[Floor]:
    db = tmp_path / "floor.db"
    await seed(db)
    settings = settings_for(api, db)
    bot = GongdanBot(settings, poll_timeout=1)
    await bot.start()
    try:
        yield Floor(api, bot, settings)
    finally:
        await bot.stop()
