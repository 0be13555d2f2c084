"""A small November for the export tests, every figure known (factory time Asia/Shanghai, UTC+8).

PCB-A: SMT 0.35 → THT 0.50 (a QC checkpoint) → TEST 0.20; WO-000001 of 200.
Team 甲班: W01 (SMT), W02 (THT), supervisor S01. Team 乙班: W03, named "@张三" (a name that
looks like a formula). Q01 inspects; M01 manages.

  R1 11-01 00:30  W01 SMT 20 good                        (UTC 10-31 16:30: November locally)
  R2 11-03 09:00  W01 SMT 60 good, 2 scrap (burr)
  R3 11-03 10:00  W01 SMT 30 good, undone at 10:05       (voided)
  R4 11-04 11:00  W02 THT 50 → QC 13:00: 45 pass, 3 rework (RW-000001), 2 scrap (burr)
  R5 11-05 10:00  W02 reworks RW-000001: 3 → QC 11:00 passes all
  R6 11-05 12:00  W02 THT 10 → still pending QC
  R7 12-01 00:30  W01 SMT 5                              (UTC 11-30 16:30: December locally)
  EX1 11-06 09:00 W03 equipment, line stopped, "=cmd|' /C calc'!A0"; S01 acknowledges 09:30,
                  resolves 11:00 (2 h down)
  EX2 11-10 10:00 W01 material, "+1 缺料", still open

Wages (piece): W01 7.00 (11-01) + 31.50 (11-03: 90 × 0.35) − 10.50 (the void) = 28.00;
W02 22.50 (45 × 0.50) + 0.00 (own rework, unpaid) = 22.50, with 10 pieces pending QC.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import andon, clock, qc, reporting
from domain.models import Operation, Person, QCInspection, WorkOrder
from domain.payload import LabelCode, ReworkCode
from domain.periods import Period
from domain.reporting import OpenedCard, Recorded
from domain.rules import FactoryRules
from tests import builders

ZONE = ZoneInfo("Asia/Shanghai")
NOVEMBER = Period.month(date(2026, 11, 1))
RULES = FactoryRules(tolerance_pct=Decimal("5"))
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
PEOPLE = (("W01", "SMT", "worker", "甲班"), ("W02", "THT", "worker", "甲班"),
          ("W03", "TEST", "worker", "乙班"), ("Q01", "", "qc", None),
          ("S01", "", "supervisor", "甲班"), ("M01", "", "manager", None))


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@contextmanager
def clock_at(at: datetime) -> Iterator[None]:
    """Defaults stamped by the clock (a card's opening) read `at`."""
    clock.set_clock(f"{at.isoformat()}@1")
    try:
        yield
    finally:
        clock.set_clock(None)


async def report(session: AsyncSession, person: Person, good: int, scrap: int = 0,
                 reason: str | None = None, *, at: datetime, code: object = None) -> int:
    with clock_at(at):
        return await _report(session, person, good, scrap, reason, at=at, code=code)


async def _report(session: AsyncSession, person: Person, good: int, scrap: int,
                  reason: str | None, *, at: datetime, code: object) -> int:
    if isinstance(code, ReworkCode):
        opened = await reporting.open_rework_card(session, person, code.code, chat_id=1,
                                                  source="typed", rules=RULES)
    else:
        opened = await reporting.open_card(session, person, LabelCode("WO-000001"), chat_id=1,
                                           source="typed", rules=RULES)
    assert isinstance(opened, OpenedCard)
    result = await reporting.submit_quantity(session, person, opened.draft_id, good=good,
                                             scrap=scrap, reason=reason,
                                             key=f"r{at.isoformat()}", now=at, rules=RULES)
    assert isinstance(result, Recorded)
    await session.flush()
    return result.report_id


async def inspection_of(session: AsyncSession, report_id: int) -> int:
    return (await session.scalars(select(QCInspection.id)
                                  .where(QCInspection.report_id == report_id))).one()


async def build(session: AsyncSession) -> dict[str, Person]:
    product = await builders.product(session)
    await session.execute(update(Operation).where(Operation.code == "THT")
                          .values(qc_checkpoint=True))
    await builders.work_order(session, product, quantity=200)
    people: dict[str, Person] = {}
    for n, (code, skills, role, team) in enumerate(PEOPLE, start=1):
        people[code] = await builders.person(session, code, skills=skills, role=role,
                                             telegram_user_id=5000 + n)
        people[code].team = team
    people["W03"].name = "@张三"
    await session.flush()
    w01, w02, q01, s01 = people["W01"], people["W02"], people["Q01"], people["S01"]

    await report(session, w01, 20, at=utc(10, 31, 16, 30))
    await report(session, w01, 60, 2, "burr", at=utc(11, 3, 1))
    r3 = await report(session, w01, 30, at=utc(11, 3, 2))
    await reporting.undo_report(session, w01, r3, now=utc(11, 3, 2, 5), rules=RULES)
    r4 = await report(session, w02, 50, at=utc(11, 4, 3))
    await qc.decide(session, q01, await inspection_of(session, r4), passed=45, rework=3,
                    scrap=2, reason="burr", photo_file_id=None, now=utc(11, 4, 5), rules=RULES)
    r5 = await report(session, w02, 3, at=utc(11, 5, 2), code=ReworkCode("RW-000001"))
    await qc.pass_all(session, q01, await inspection_of(session, r5), now=utc(11, 5, 3),
                      rules=RULES)
    await report(session, w02, 10, at=utc(11, 5, 4))
    await report(session, w01, 5, at=utc(11, 30, 16, 30))

    wo = (await session.scalars(select(WorkOrder))).one()
    ex1 = await andon.report(session, people["W03"], kind="equipment",
                             subject=andon.Subject(wo.id, wo.code), line_stopped=True,
                             comment="=cmd|' /C calc'!A0", photo_file_id=None,
                             now=utc(11, 6, 1), rules=RULES)
    await andon.acknowledge(session, s01, ex1.exception.id, now=utc(11, 6, 1, 30), rules=RULES)
    await andon.resolve(session, s01, ex1.exception.id, now=utc(11, 6, 3), rules=RULES)
    await andon.report(session, w01, kind="material", subject=andon.Subject(),
                       line_stopped=False, comment="+1 缺料", photo_file_id=None,
                       now=utc(11, 10, 2), rules=RULES)
    await session.commit()
    return people
