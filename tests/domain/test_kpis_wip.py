"""WIP by operation: what reached each operation of the open work orders and waits there."""

from __future__ import annotations

from domain.kpis import Scope, WipRow, wip_by_operation
from domain.models import TaskAssignee, WorkOrderStatus
from tests.domain import kpi_floor


def set_quantities(task, good=0, scrap=0, pending_qc=0, rework=0):
    task.good_qty, task.scrap_qty, task.pending_qc_qty, task.rework_qty = (good, scrap,
                                                                            pending_qc, rework)


async def wip_floor(session):
    floor = await kpi_floor.build(session)
    # WO1 (P1, 100, in progress): CUT 60 good 5 scrap → 35 of 100 wait; WELD got 60, dealt
    # with 20 good + 10 at QC + 5 at rework → 25 wait.
    wo1 = await kpi_floor.work_order(session, floor, "P1", 100,
                                     status=WorkOrderStatus.in_progress)
    cut1, weld1 = await kpi_floor.tasks_of(session, wo1)
    set_quantities(cut1, good=60, scrap=5)
    set_quantities(weld1, good=20, pending_qc=10, rework=5)
    # WO2 (P2, 50, released): all 50 wait at CUT; nothing reached PACK.
    await kpi_floor.work_order(session, floor, "P2", 50)
    # WO3 done: not work in progress whatever its numbers say.
    wo3 = await kpi_floor.work_order(session, floor, "P1", 10, status=WorkOrderStatus.done)
    cut3, _ = await kpi_floor.tasks_of(session, wo3)
    set_quantities(cut3, good=3)
    # WO4 (P1, 30, on hold): CUT 10 good → 20 wait; WELD dealt with all 10 it got.
    wo4 = await kpi_floor.work_order(session, floor, "P1", 30, status=WorkOrderStatus.on_hold)
    cut4, weld4 = await kpi_floor.tasks_of(session, wo4)
    set_quantities(cut4, good=10)
    set_quantities(weld4, good=10)
    session.add(TaskAssignee(task_id=weld1.id, person_id=floor["A1"].id))
    await session.commit()


async def test_wip_for_the_factory(session):
    await wip_floor(session)
    assert await wip_by_operation(session) == [
        WipRow("CUT", "下料", work_orders=3, waiting=35 + 50 + 20, pending_qc=0, rework=0),
        WipRow("WELD", "焊接", work_orders=1, waiting=25, pending_qc=10, rework=5),
    ]


async def test_wip_by_scope(session):
    await wip_floor(session)
    assert await wip_by_operation(session, Scope("product", "P2")) == [
        WipRow("CUT", "下料", 1, 50, 0, 0)]
    assert await wip_by_operation(session, Scope("operation", "WELD")) == [
        WipRow("WELD", "焊接", 1, 25, 10, 5)]
    assert await wip_by_operation(session, Scope("team", "A")) == [
        WipRow("WELD", "焊接", 1, 25, 10, 5)]
    assert await wip_by_operation(session, Scope("worker", "B1")) == []


async def test_no_open_work_order_no_wip(session):
    await kpi_floor.build(session)
    assert await wip_by_operation(session) == []
