"""What a pinned live status message shows (domain/live_status.py keeps it up to date).

Today's output vs plan (domain/board.today_output: for a team, its people's reports and the
plan of its tasks), then today's work orders — released and planned to start by today's end
(or not planned at all), in progress, on hold, or finished today — late ones first, finished
ones last, at most MAX_WORK_ORDERS, each with its operations (for a team: its own operations)
as good/planned, pending QC, scrap and flags: late ⚠️, line stop ⛔, on hold ⏸, done ✅
(domain/board.py decides late and stopped).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain import board
from domain.live_status import FLOOR, team_people, team_tasks
from domain.models import OperationTask, TaskStatus, WorkOrder, WorkOrderStatus, WorkReport
from domain.notifications import Notice
from domain.periods import Period, local_date
from domain.rules import rules_of
from domain.status import load_work_orders

MAX_WORK_ORDERS = 12  # a phone screen, and far below Telegram's 4096 characters


@dataclass(frozen=True)
class LiveView:
    team: str  # FLOOR for the whole floor
    output: board.TodayOutput
    work_orders: tuple[board.BoardWorkOrder, ...]  # at most MAX_WORK_ORDERS
    more: int  # work orders of today left out


async def view(session: AsyncSession, team: str, now: datetime) -> LiveView:
    """Today's work of a team (or of the whole floor) as its pinned message shows it."""
    zone = ZoneInfo(rules_of(session).timezone)
    start, end = Period.day(local_date(now, zone)).bounds(zone)
    shown: dict[int, set[int]] | None = None  # work order id → the team's operations (seq)
    query = select(WorkOrder.code).where(_on_today(start, end))
    if team != FLOOR:
        reported = (select(WorkReport.task_id)
                    .where(WorkReport.person_id.in_(team_people(team)),
                           WorkReport.reported_at >= start, WorkReport.reported_at < end))
        shown = defaultdict(set)
        for wo_id, seq in (await session.execute(
                select(OperationTask.work_order_id, OperationTask.seq)
                .join(WorkOrder, WorkOrder.id == OperationTask.work_order_id)
                .where(_on_today(start, end),
                       or_(OperationTask.id.in_(team_tasks(team)),
                           OperationTask.id.in_(reported))))).all():
            shown[wo_id].add(seq)
        query = query.where(WorkOrder.id.in_(list(shown)))
    codes = list((await session.scalars(query)).all())
    views = await load_work_orders(session, codes=codes) if codes else []
    rows = await board.rows_for(session, views, now, zone)
    if shown is not None:
        rows = [replace(r, operations=tuple(op for op in r.operations
                                            if op.seq in shown[v.id]))
                for r, v in zip(rows, views, strict=True)]
    # Late first, then as urgent as load_work_orders ranks them; finished ones last.
    rows.sort(key=lambda r: (r.status in _FINISHED, not r.late))
    if team == FLOOR:
        output = await board.today_output(session, now, zone)
    else:
        output = await board.today_output(session, now, zone, reporters=team_people(team),
                                          task_ids=team_tasks(team))
    return LiveView(team, output, tuple(rows[:MAX_WORK_ORDERS]),
                    max(0, len(rows) - MAX_WORK_ORDERS))


_FINISHED = (WorkOrderStatus.done, WorkOrderStatus.closed)


def _on_today(start: datetime, end: datetime) -> Any:
    """SQL: a work order on today's floor: in progress or on hold; released and planned to
    start by today's end (or not planned at all); finished today."""
    task = aliased(OperationTask)
    planned_by_today = exists().where(task.work_order_id == WorkOrder.id,
                                      task.planned_start < end)
    planned = exists().where(task.work_order_id == WorkOrder.id,
                             task.planned_start.is_not(None))
    return or_(
        WorkOrder.status.in_((WorkOrderStatus.in_progress, WorkOrderStatus.on_hold)),
        and_(WorkOrder.status == WorkOrderStatus.released, or_(planned_by_today, ~planned)),
        and_(WorkOrder.status.in_(_FINISHED), WorkOrder.done_at >= start),
    )


def notice(live: LiveView, now: datetime) -> Notice:
    """The message: a title with the time of this version, the output, the work orders."""
    lines: list[tuple[str, dict[str, Any]]] = []
    out = live.output
    if out.planned:
        lines.append(("live.output", {"good": out.good, "planned": out.planned,
                                      "percent": out.percent, "scrap": out.scrap}))
    else:
        lines.append(("live.output_unplanned", {"good": out.good, "scrap": out.scrap}))
    for wo in live.work_orders:
        finished = wo.status in _FINISHED
        lines.append(("live.work_order", {
            "mark": _marks({"✅": finished, "⏸": wo.status == WorkOrderStatus.on_hold,
                            "⛔": wo.stopped, "⚠️": wo.late and not finished}),
            "work_order": wo.code, "product": wo.product_name, "quantity": wo.quantity,
            "due": wo.due_date.strftime("%m-%d")}))
        for op in wo.operations:
            key = "live.op" + ("_qc" if op.pending_qc else "") + ("_scrap" if op.scrap else "")
            lines.append((key, {
                "seq": op.seq, "operation": op.name, "good": op.good, "planned": op.planned,
                "pending_qc": op.pending_qc, "scrap": op.scrap,
                "mark": _marks({"✅": op.status == TaskStatus.done,
                                "⛔": op.status == TaskStatus.blocked, "⚠️": op.late})}))
    if live.more:
        lines.append(("live.more", {"count": live.more}))
    if not live.work_orders:
        lines.append(("live.none", {}))
    lines.append(("live.legend", {}))
    if live.team == FLOOR:
        return Notice("live.title_floor", {"updated_at": now}, lines=lines)
    return Notice("live.title_team", {"team": live.team, "updated_at": now}, lines=lines)


def _marks(flags: dict[str, bool]) -> str:
    """The flags that apply, followed by a space (nothing when none do)."""
    shown = "".join(flag for flag, applies in flags.items() if applies)
    return shown + " " if shown else ""


def digest(message: Notice) -> str:
    """What the message says, without the time of the version: equal → no edit."""
    params = {k: v for k, v in message.params.items() if k != "updated_at"}
    text = json.dumps([message.key, params, message.lines], sort_keys=True, ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()
