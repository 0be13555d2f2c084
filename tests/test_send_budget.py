"""The bot-wide 30 messages/s shared by every process: one token bucket in the database."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.botapi_server import LocalBotApi
from bot.pacing import bot_wide
from bot.send_budget import SharedBudget
from domain.db import make_engine, make_sessionmaker
from domain.models import SendBudget
from tests import databases
from tests.test_outbox_leases import (
    CAP,
    Process,
    busiest_second,
    numbers,
    people,
    queue_fanout,
    wait_drained,
)

TOKEN = "123456:LEASES"  # the token the Process helper sends with
RATE, BURST = bot_wide(CAP)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_margins_keep_any_second_under_the_cap():
    assert RATE == pytest.approx(27.0)
    assert BURST + RATE <= CAP - 1  # one message spare for the way to Telegram


async def test_the_budget_refills_at_its_rate_up_to_its_burst(sessions):
    clock = Clock(1_000_000.0)
    budget = SharedBudget(sessions, CAP, clock=clock)

    assert (await budget.take(10)).count == BURST  # a new budget starts full
    empty = await budget.take(10)
    assert empty.count == 0 and empty.wait == pytest.approx(1 / RATE)
    clock.now += 0.1  # 2.7 tokens
    assert (await budget.take(1)).count == 1
    assert (await budget.take(10)).count == 1  # the 1.7 left: one whole
    clock.now += 60  # idle for a minute: the burst, not 60 seconds' worth
    assert (await budget.take(100)).count == BURST


async def test_a_clock_that_lags_refills_nothing(sessions):
    clock = Clock(1_000_000.0)
    budget = SharedBudget(sessions, CAP, clock=clock)
    await budget.take(10)
    clock.now -= 5  # another host's clock, behind
    assert (await budget.take(10)).count == 0
    async with sessions() as session:
        row = await session.scalar(select(SendBudget))
        assert row.stamp == 1_000_000.0  # not moved back: no refill twice over


async def test_processes_taking_at_once_get_no_more_than_the_bucket_lets_out(
        sessions, tmp_path: Path):
    other = make_engine(databases.url_for(tmp_path / "gongdan.db"))  # a second process
    budgets = [SharedBudget(sessions, CAP), SharedBudget(make_sessionmaker(other), CAP)]
    granted = [0, 0]

    async def taker(n: int, until: float) -> None:
        while time.monotonic() < until:
            grant = await budgets[n].take(3)
            granted[n] += grant.count

    started = time.monotonic()
    until = started + 1.5
    await asyncio.gather(*(taker(n % 2, until) for n in range(6)))
    elapsed = time.monotonic() - started
    await other.dispose()

    assert all(granted)  # both processes got their share
    assert sum(granted) <= BURST + RATE * elapsed


async def test_three_processes_share_the_budget_under_the_cap(sessions, tmp_path):
    async with LocalBotApi(TOKEN, rate_limits=True) as api:
        users = people(api, 150)  # one message each: only the bot-wide limit matters
        processes = [Process(api, tmp_path / "gongdan.db", f"p{n}") for n in range(3)]
        senders = [await p.start() for p in processes]
        await queue_fanout(sessions, [u.id for u in users], per_chat=1)
        await wait_drained(sessions, timeout=60)
        for process in processes:
            await process.stop()

        assert all(numbers(u) == [0] for u in users)
        assert sum(s.sent_count for s in senders) == 150
        assert api.stats["count_429"] == 0
        assert busiest_second(api) <= CAP
