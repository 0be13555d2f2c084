"""Writers at the same moment, on separate connections (truly parallel transactions on
PostgreSQL; SQLite serialises them): the rules hold under every interleaving.

Each "process" has its own engine, as several bot processes would. A writer that loses a race gets
ConcurrentChange and is run again from a fresh read, the way the inbox retries an update.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import quantities, reporting
from domain.db import make_engine, make_sessionmaker
from domain.errors import DomainError
from domain.migrate import upgrade
from domain.models import OperationTask, Person, WorkOrder, WorkReport
from domain.payload import LabelCode
from domain.reporting import OpenedCard, Recorded
from domain.rules import FactoryRules
from tests import builders, databases

RULES = FactoryRules(tolerance_pct=Decimal("5"))
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[list[async_sessionmaker[AsyncSession]]]:
    """A floor (WO-000001 of 100, twelve SMT workers) and three engines on its database."""
    url = databases.url_for(tmp_path / "gongdan.db")
    setup = make_engine(url)
    await upgrade(setup)
    async with make_sessionmaker(setup)() as session, session.begin():
        product = await builders.product(session)
        await builders.work_order(session, product, quantity=100)
        for n in range(12):
            await builders.person(session, f"W{n:02}", skills="SMT")
    await setup.dispose()
    engines = [make_engine(url) for _ in range(3)]
    yield [make_sessionmaker(engine) for engine in engines]
    for engine in engines:
        await engine.dispose()


async def retried(sessions: async_sessionmaker[AsyncSession],
                  work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """One update as the inbox applies it: a transaction, re-run on ConcurrentChange."""
    for _ in range(20):
        try:
            async with sessions() as session, session.begin():
                return await work(session)
        except quantities.ConcurrentChange:
            await asyncio.sleep(0)
    raise AssertionError("never applied")


def report(code: str, good: int) -> Callable[[AsyncSession], Awaitable[Recorded | DomainError]]:
    async def work(session: AsyncSession) -> Recorded | DomainError:
        person = await session.scalar(select(Person).where(Person.code == code))
        opened = await reporting.open_card(session, person, LabelCode("WO-000001", 10),
                                           chat_id=1, source="typed", rules=RULES)
        assert isinstance(opened, OpenedCard)
        try:
            return await reporting.submit_quantity(session, person, opened.draft_id, good=good,
                                                   scrap=0, reason=None, key=f"{code}:{good}",
                                                   now=NOW, rules=RULES)
        except DomainError as error:
            return error
    return work


async def smt(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with sessions() as session:
        task = await session.scalar(select(OperationTask).where(OperationTask.seq == 10))
        reports = await session.scalar(select(func.count(WorkReport.id)))
        return task.good_qty, reports


async def test_twelve_reports_on_one_task_at_once_all_count(processes):
    outcomes = await asyncio.gather(*(retried(processes[n % 3], report(f"W{n:02}", 5))
                                      for n in range(12)))
    assert all(isinstance(o, Recorded) for o in outcomes)
    assert await smt(processes[0]) == (60, 12)


async def test_two_reports_that_together_overrun_the_plan_one_is_refused(processes):
    # 100 planned, 5 % tolerance: 60 + 60 cannot both fit, whoever writes first.
    outcomes = await asyncio.gather(retried(processes[0], report("W00", 60)),
                                    retried(processes[1], report("W01", 60)))
    assert sorted(type(o).__name__ for o in outcomes) == ["DomainError", "Recorded"]
    assert await smt(processes[0]) == (60, 1)


@pytest.mark.postgres_only  # SQLite's writers never interleave: BEGIN IMMEDIATE waits
async def test_a_writer_that_read_before_another_committed_must_read_again(processes):
    """Both read version v (the second without the work order's lock, as a path that forgot
    it would); the first commits; the second's conditional UPDATE (blocked on the row lock on
    PostgreSQL until then) matches no row. The version check is the guarantee."""
    first, second = processes[0](), processes[1]()
    try:
        await first.begin()
        await second.begin()
        wo_a, _ = await quantities.work_order_of_task(first, await _smt_id(first))
        wo_b = await second.scalar(select(WorkOrder).options(*quantities.WHOLE))
        task_a, task_b = wo_a.tasks[0], wo_b.tasks[0]
        assert task_a.version == task_b.version
        await quantities.apply(first, wo_a, task_a, now=NOW, good=10)
        blocked = asyncio.ensure_future(quantities.apply(second, wo_b, task_b, now=NOW, good=20))
        await asyncio.sleep(0.3)
        assert not blocked.done()  # waiting on the first transaction's row lock
        await first.commit()
        with pytest.raises(quantities.ConcurrentChange):
            await blocked
        await second.rollback()
    finally:
        await first.close()
        await second.close()
    assert await smt(processes[2]) == (10, 0)


async def _smt_id(session: AsyncSession) -> int:
    return await session.scalar(select(OperationTask.id).where(OperationTask.seq == 10))


@pytest.mark.postgres_only  # SQLite's writers never interleave: BEGIN IMMEDIATE waits
async def test_a_second_writer_to_a_work_order_waits_for_the_first_then_reads_its_result(
        processes):
    """Writers queue on the work order's row: the second reads after the first committed, so
    it applies on top of it instead of losing the race and starting over."""
    first, second = processes[0](), processes[1]()
    try:
        await first.begin()
        await second.begin()
        wo_a = await quantities.work_order_by_code(first, "WO-000001")
        waiting = asyncio.ensure_future(quantities.work_order_by_code(second, "WO-000001"))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # queued on the first transaction's row lock
        await quantities.apply(first, wo_a, wo_a.tasks[0], now=NOW, good=10)
        await first.commit()
        wo_b = await waiting
        assert wo_b.tasks[0].good_qty == 10  # read afresh, after the first
        await quantities.apply(second, wo_b, wo_b.tasks[0], now=NOW, good=20)
        await second.commit()
    finally:
        await first.close()
        await second.close()
    assert await smt(processes[2]) == (30, 0)
