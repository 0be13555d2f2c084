"""My tasks, and (for supervisors) every open work order: the same truth as `gongdan status`."""

from __future__ import annotations

from domain import reporting
from domain import rework as rework_tasks
from domain.models import Role
from domain.status import load_open_work_orders
from handlers.telegram.cards import task_list_buttons
from handlers.telegram.common import Ctx, handler


@handler()
async def my_tasks(ctx: Ctx) -> None:
    """The tasks I may report on, then the rework tasks assigned to me (each with the same
    Report button as its rework card)."""
    cards = await reporting.my_tasks(ctx.session, ctx.me, ctx.services.rules)
    rework = await reporting.my_rework(ctx.session, ctx.me)
    if not cards and not rework:
        ctx.reply("tasks.none")
    else:
        lines = [("tasks.item", {
            "work_order": c.work_order, "product": c.product_name, "seq": c.seq,
            "operation": c.operation_name, "good": c.good, "arrived": c.arrived,
            "remaining": c.remaining, "due": c.due_date}) for c in cards]
        lines += [("tasks.rework_item", r.card) for r in rework]
        buttons = task_list_buttons(cards) + [[rework_tasks.report_button(r.task)] for r in rework]
        ctx.reply("tasks.header", count=len(cards) + len(rework), buttons=buttons, lines=lines)
    if ctx.update.callback_query:
        ctx.answer("tasks.shown")


@handler(role=Role.supervisor)
async def status(ctx: Ctx) -> None:
    views = await load_open_work_orders(ctx.session)
    if not views:
        ctx.reply("status.none")
        return
    lines = []
    for view in views[:30]:
        lines.append(("status.work_order", {
            "work_order": view.code, "product": view.product_name, "quantity": view.quantity,
            "due": view.due_date.isoformat(), "status": view.status}))
        for op in view.operations:
            lines.append(("status.operation", {
                "seq": op.seq, "operation": op.name, "good": op.good, "scrap": op.scrap,
                "pending_qc": op.pending_qc, "rework": op.rework, "arrived": op.arrived,
                "planned": op.planned, "status": op.status}))
    ctx.reply("status.header", count=len(views), lines=lines)
