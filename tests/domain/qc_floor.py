"""A floor with a QC checkpoint, shared by the QC and rework tests.

PCB-A: SMT (10) → THT (20, a QC checkpoint) → TEST (30); WO-000001 of 100. Workers W01 (SMT),
W02 and W03 (THT), W09 (TEST); inspector Q01; supervisors S01 and S02. Everyone has a Telegram
account (chat id 1000 + n) so notices can be read back from the outbox.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from domain import reporting
from domain.models import Operation, OperationTask, OutboxMessage, Person
from domain.payload import LabelCode, ReworkCode
from domain.reporting import OpenedCard, Recorded
from domain.rules import FactoryRules
from tests import builders

RULES = FactoryRules(tolerance_pct=Decimal("5"))
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
PEOPLE = (("W01", "SMT", "worker"), ("W02", "THT", "worker"), ("W03", "THT", "worker"),
          ("W09", "TEST", "worker"), ("Q01", "", "qc"), ("S01", "", "supervisor"),
          ("S02", "", "supervisor"))


async def build(session, sampling: str = "all") -> dict[str, Any]:
    product = await builders.product(session)
    await session.execute(update(Operation).where(Operation.code == "THT")
                          .values(qc_checkpoint=True, qc_sampling=sampling))
    wo = await builders.work_order(session, product, quantity=100)
    people = {}
    for n, (code, skills, role) in enumerate(PEOPLE, start=1):
        people[code] = await builders.person(session, code, skills=skills, role=role,
                                             telegram_user_id=1000 + n)
    await session.commit()
    return {"wo": wo, **people}


def chat(person: Person) -> int:
    assert person.telegram_user_id is not None
    return person.telegram_user_id


_keys = iter(range(1, 10**9))


async def report(session, person, good, scrap=0, reason=None, *, code=None, key=None,
                 photo=None, now=NOW) -> Recorded:
    """Open a card (a work order's, or a rework task's with code=RW-...) and record on it."""
    if isinstance(code, ReworkCode):
        opened = await reporting.open_rework_card(session, person, code.code, chat_id=1,
                                                  source="typed", rules=RULES,
                                                  photo_file_id=photo)
    else:
        opened = await reporting.open_card(session, person, code or LabelCode("WO-000001"),
                                           chat_id=1, source="typed", rules=RULES,
                                           photo_file_id=photo)
    assert isinstance(opened, OpenedCard)
    result = await reporting.submit_quantity(
        session, person, opened.draft_id, good=good, scrap=scrap, reason=reason,
        key=key or f"k{next(_keys)}", now=now, rules=RULES)
    assert isinstance(result, Recorded)
    return result


async def tasks(session) -> list[tuple[int, int, int, int, str]]:
    """(good, scrap, pending QC, rework, status) of SMT, THT, TEST."""
    rows = (await session.scalars(select(OperationTask).order_by(OperationTask.seq)
                                  .execution_options(populate_existing=True))).all()
    return [(t.good_qty, t.scrap_qty, t.pending_qc_qty, t.rework_qty, t.status) for t in rows]


async def outbox(session, chat_id: int | None = None, after: int = 0) -> list[dict[str, Any]]:
    """Queued notices (payload plus chat, method, row id), oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
    if chat_id is not None:
        query = query.where(OutboxMessage.chat_id == chat_id)
    return [{**json.loads(m.payload), "chat": m.chat_id, "method": m.method, "row": m.id,
             "lang": m.lang}
            for m in (await session.scalars(query)).all() if m.method != "commands"]


def button_data(notice: dict[str, Any]) -> list[str]:
    return [b["data"] for row in notice["buttons"] for b in row]
