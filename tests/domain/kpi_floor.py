"""A small hand-built factory for the KPI tests: rows written as they would be recorded, at
times given in factory time (Asia/Shanghai, UTC+8), so every expected figure can be worked out
by hand in the test.

Products: P1 (CUT 1 min, WELD 3 min) and P2 (CUT 2 min, PACK 0.5 min): two routings share the
operation code CUT. People: A1, A2 (team A), B1 (team B), S1 (supervisor, no team).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import (
    FloorException,
    InspectionStatus,
    Operation,
    OperationTask,
    Order,
    Person,
    Product,
    QCInspection,
    ReportStatus,
    ReworkTask,
    Routing,
    WorkOrder,
    WorkReport,
)
from domain.work_orders import release_work_order

ZONE = ZoneInfo("Asia/Shanghai")
ROUTINGS = {"P1": (("CUT", "下料", "1"), ("WELD", "焊接", "3")),
            "P2": (("CUT", "下料", "2"), ("PACK", "包装", "0.5"))}
PEOPLE = (("A1", "A"), ("A2", "A"), ("B1", "B"), ("S1", None))
_numbers = count(1)


def at(text: str) -> datetime:
    """'2026-11-21 23:30' in factory time, as the aware UTC instant stored."""
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(UTC)


@dataclass
class Floor:
    people: dict[str, Person]
    products: dict[str, Product]

    def __getitem__(self, code: str) -> Person:
        return self.people[code]


async def build(session: AsyncSession) -> Floor:
    products = {}
    for code, operations in ROUTINGS.items():
        product = Product(code=code, name=f"产品{code}")
        session.add(product)
        await session.flush()
        routing = Routing(product_id=product.id)
        session.add(routing)
        await session.flush()
        for seq, (op_code, name, minutes) in enumerate(operations, start=1):
            session.add(Operation(routing_id=routing.id, seq=seq * 10, code=op_code, name=name,
                                  piece_rate=Decimal("0.10"), std_minutes=Decimal(minutes)))
        products[code] = product
    people = {}
    for code, team in PEOPLE:
        people[code] = Person(code=code, name=f"工人{code}", team=team,
                              role="supervisor" if code.startswith("S") else "worker")
        session.add(people[code])
    await session.flush()
    return Floor(people, products)


async def work_order(session: AsyncSession, floor: Floor, product: str = "P1",
                     quantity: int = 100, due: date = date(2026, 11, 21),
                     status: str | None = None, done_at: datetime | None = None) -> WorkOrder:
    """A released work order (with one task per operation), then put in `status`."""
    number = next(_numbers)
    order = Order(order_no=f"SO-{number}", customer="客户", due_date=due)
    session.add(order)
    await session.flush()
    item = floor.products[product]
    routing_id = await session.scalar(select(Routing.id).where(Routing.product_id == item.id))
    wo = WorkOrder(code=f"WO-{number:06d}", order_id=order.id, product_id=item.id,
                   routing_id=routing_id, quantity=quantity, due_date=due)
    session.add(wo)
    await session.flush()
    await release_work_order(session, wo, now=at("2026-11-01 08:00"))
    if status is not None:
        wo.status = status
    wo.done_at = done_at
    await session.flush()
    return wo


async def tasks_of(session: AsyncSession, wo: WorkOrder) -> list[OperationTask]:
    return list((await session.scalars(
        select(OperationTask).where(OperationTask.work_order_id == wo.id)
        .order_by(OperationTask.seq))).all())


async def report(session: AsyncSession, task: OperationTask, person: Person, good: int,
                 scrap: int = 0, *, reported: str, started: str | None = None,
                 status: str = ReportStatus.accepted, accepted: str | None = None,
                 accepted_qty: int | None = None,
                 rework_task: ReworkTask | None = None) -> WorkReport:
    """A report entered at local time `reported`; accepted at once unless told otherwise."""
    if accepted is None and status == ReportStatus.accepted and good:
        accepted = reported
    row = WorkReport(
        task_id=task.id, person_id=person.id, good_qty=good, scrap_qty=scrap,
        source="typed", idempotency_key=f"k{next(_numbers)}", status=status,
        accepted_qty=(good if status == ReportStatus.accepted else 0)
        if accepted_qty is None else accepted_qty,
        piece_rate=Decimal("0.10"), reported_at=at(reported),
        work_started_at=at(started) if started else None,
        accepted_at=at(accepted) if accepted else None,
        rework_task_id=rework_task.id if rework_task else None)
    session.add(row)
    await session.flush()
    return row


async def inspect(session: AsyncSession, report_row: WorkReport, *, passed: int,
                  rework: int = 0, scrap: int = 0, decided: str | None) -> QCInspection:
    """The report's inspection: decided at local time `decided` (None: still pending)."""
    if decided is None:
        status = InspectionStatus.pending
    else:
        status = InspectionStatus.passed if passed == report_row.good_qty else \
            InspectionStatus.failed
    row = QCInspection(report_id=report_row.id, task_id=report_row.task_id,
                       rework_task_id=report_row.rework_task_id, quantity=report_row.good_qty,
                       status=status, created_at=report_row.reported_at,
                       decided_at=at(decided) if decided else None, pass_qty=passed,
                       rework_qty=rework, scrap_qty=scrap)
    session.add(row)
    await session.flush()
    return row


async def rework_task(session: AsyncSession, inspection: QCInspection, quantity: int,
                      person: Person) -> ReworkTask:
    task = await session.get(OperationTask, inspection.task_id)
    assert task is not None
    row = ReworkTask(code=f"RW-{next(_numbers):06d}", task_id=task.id,
                     work_order_id=task.work_order_id, operation_id=task.operation_id,
                     inspection_id=inspection.id, quantity=quantity, assignee_id=person.id)
    session.add(row)
    await session.flush()
    return row


async def exception(session: AsyncSession, person: Person, *, reported: str,
                    acknowledged: str | None = None, resolved: str | None = None,
                    line_stopped: bool = False, work_order: WorkOrder | None = None,
                    task: OperationTask | None = None) -> FloorException:
    row = FloorException(
        kind="equipment", line_stopped=line_stopped, reported_by=person.id,
        reported_at=at(reported), acknowledged_at=at(acknowledged) if acknowledged else None,
        resolved_at=at(resolved) if resolved else None,
        status="resolved" if resolved else "acknowledged" if acknowledged else "open",
        work_order_id=work_order.id if work_order else None, task_id=task.id if task else None)
    session.add(row)
    await session.flush()
    return row


async def quality_day(session: AsyncSession, floor: Floor) -> dict[str, WorkReport]:
    """Reports and inspections around 2026-11-21, shared by the quality and output tests.

    R1 A1 P1 CUT   50 good 2 scrap, no QC, 09:00
    R2 A1 P1 WELD  40 good; QC at 11:00: pass 34, rework 4, scrap 2
    R3 B1 P1 WELD  10 good, 12:00; QC on 11-22 09:00: all 10 to rework (rejected)
    R4 B1 P1 WELD   8 good, 14:00; QC pending
    R5 A2 rework of R2's 4 pieces at 16:00: 3 good 1 scrap; QC at 17:00: pass 2, scrap 1
    R6 A1 P1 CUT    5 good 5 scrap, voided (its decided inspection scrapped 5: not counted)
    R7 B1 P2 CUT   40 good, 15:00, accepted at once
    R8 B1 P2 PACK  30 good, accepted on 11-20 23:30
    R9 B1 P2 PACK  20 good, 11-21 10:00; QC passed all on 11-22 08:00
    """
    p1 = await work_order(session, floor, "P1")
    p2 = await work_order(session, floor, "P2")
    cut, weld = await tasks_of(session, p1)
    p2_cut, pack = await tasks_of(session, p2)
    a1, a2, b1 = floor["A1"], floor["A2"], floor["B1"]
    rows = {"R1": await report(session, cut, a1, 50, 2, reported="2026-11-21 09:00")}
    rows["R2"] = await report(session, weld, a1, 40, reported="2026-11-21 10:00",
                              accepted="2026-11-21 11:00", accepted_qty=34)
    i2 = await inspect(session, rows["R2"], passed=34, rework=4, scrap=2,
                       decided="2026-11-21 11:00")
    rows["R3"] = await report(session, weld, b1, 10, reported="2026-11-21 12:00",
                              status=ReportStatus.rejected)
    await inspect(session, rows["R3"], passed=0, rework=10, decided="2026-11-22 09:00")
    rows["R4"] = await report(session, weld, b1, 8, reported="2026-11-21 14:00",
                              status=ReportStatus.pending_qc)
    await inspect(session, rows["R4"], passed=0, decided=None)
    sent_back = await rework_task(session, i2, 4, a2)
    rows["R5"] = await report(session, weld, a2, 3, 1, reported="2026-11-21 16:00",
                              accepted="2026-11-21 17:00", accepted_qty=2,
                              rework_task=sent_back)
    await inspect(session, rows["R5"], passed=2, scrap=1, decided="2026-11-21 17:00")
    rows["R6"] = await report(session, cut, a1, 5, 5, reported="2026-11-21 09:30",
                              status=ReportStatus.voided, accepted="2026-11-21 09:30")
    await inspect(session, rows["R6"], passed=0, scrap=5, decided="2026-11-21 10:00")
    rows["R7"] = await report(session, p2_cut, b1, 40, reported="2026-11-21 15:00")
    rows["R8"] = await report(session, pack, b1, 30, reported="2026-11-20 23:30")
    rows["R9"] = await report(session, pack, b1, 20, reported="2026-11-21 10:00",
                              accepted="2026-11-22 08:00")
    await inspect(session, rows["R9"], passed=20, decided="2026-11-22 08:00")
    await session.commit()
    return rows
