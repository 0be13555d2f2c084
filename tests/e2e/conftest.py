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
from tests import builders, databases

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
    return Settings(token=TOKEN, api_base_url=api.url or "", database_url=databases.url_for(db),
                    send_rate=1000, chat_rate=50, chat_burst=50, rules=FactoryRules())


FLOOR_PEOPLE = ({"code": "W01", "skills": "SMT"}, {"code": "W02", "skills": "THT"},
                {"code": "S01", "role": "supervisor"})


async def seed(db: Path, quantity: int = 100, people: tuple[dict, ...] = FLOOR_PEOPLE) -> None:
    """PCB-A (SMT → THT → TEST) with WO-000001, and its people."""
    engine = make_engine(databases.url_for(db))
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session, session.begin():
        product = await builders.product(session)
        await builders.work_order(session, product, quantity=quantity)
        for person in people:
            await builders.person(session, **person)
    await engine.dispose()


async def seed_second_work_order(floor: Floor) -> None:
    from sqlalchemy import select

    from domain.models import Product

    async with floor.bot.sessions() as session, session.begin():
        product = await session.scalar(select(Product))
        await builders.work_order(session, product, quantity=50, number=2)


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
