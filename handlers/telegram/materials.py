"""Materials 物料 in chat: issue 领料, return 退料, a work order's requirement, the store.

- `/issue WO-000123 M-STEEL 50`, `/return WO-000123 M-STEEL 5`, `/materials WO-000123`,
  `/stock [CODE]` (supervisors and above, and the people responsible for material shortages:
  domain/materials.py decides).
- A photo of a work order's card captioned 领料 / issue opens the issue: one button per BOM
  material, then the quantity typed (or the button for what is still to issue). Each movement
  is applied once, keyed by the update that made it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain import conversation, materials
from domain.errors import DomainError
from domain.factory_settings import check_label_factory
from domain.materials import Moved, Requirement, WorkOrderMaterials, plain
from domain.models import InputDraft, MovementKind
from domain.notifications import Button
from domain.payload import LabelCode, parse_label, parse_typed_label
from domain.quantity_text import looks_numeric
from handlers.telegram.common import Ctx, button_ids, handler
from handlers.telegram.conversation import cancel_card, on_text
from handlers.telegram.scan import Scan, fetch_and_decode

FLOW = "material_issue"
PICK, QUANTITY = "material", "quantity"
PRIVATE = filters.ChatType.PRIVATE
# The caption that makes a card's photo an issue rather than a work report.
ISSUE_CAPTION = re.compile(r"^\s*(领料|發料|发料|issue)\s*$", re.IGNORECASE)
STOCK_LINES = 40  # one message stays readable (and under Telegram's length limit)


# --- what is shown -------------------------------------------------------------------------


def _figures(line: Requirement) -> dict[str, object]:
    return {"material": line.code, "name": line.name, "unit": line.unit,
            "need": plain(line.need), "issued": plain(line.issued),
            "consumed": plain(line.consumed), "on_line": plain(line.on_line),
            "to_issue": plain(line.to_issue), "on_hand": plain(line.on_hand),
            "short": plain(line.short_by)}


def _moved(ctx: Ctx, moved: Moved, kind: str, *, edit: bool = False) -> None:
    key = "material.issued" if kind == MovementKind.issue else "material.returned"
    params = {**_figures(moved.line), "work_order": moved.work_order, "qty": plain(moved.qty)}
    (ctx.edit if edit else ctx.reply)(key, **params)
    if ctx.update.callback_query:
        ctx.answer("material.issued_short", qty=params["qty"], unit=moved.line.unit)


def _table(ctx: Ctx, found: WorkOrderMaterials) -> None:
    work_order = found.work_order
    if not found.lines:
        raise DomainError("material.no_bom", work_order=work_order.code,
                          product=found.product.code)
    lines: list[tuple[str, dict[str, object]]] = []
    for line in found.lines:
        lines.append(("material.table_line", _figures(line)))
        if line.short_by > 0 and line.per_unit > 0:
            lines.append(("material.table_short", _figures(line)))
    lines.append(("material.table_hint", {"work_order": work_order.code}))
    ctx.reply("material.table", lines=lines, work_order=work_order.code,
              product=found.product.code, product_name=found.product.name,
              quantity=work_order.quantity, status=work_order.status)


# --- commands ------------------------------------------------------------------------------


async def _move_command(ctx: Ctx, kind: str) -> None:
    args = ctx.telegram.args or []
    usage = "material.issue_usage" if kind == MovementKind.issue else "material.return_usage"
    if len(args) != 3:
        await materials.check_may_handle(ctx.session, ctx.me)
        ctx.reply(usage)
        return
    move = materials.issue if kind == MovementKind.issue else materials.return_material
    moved = await move(ctx.session, ctx.me, args[0], args[1], args[2], key=ctx.scope.key,
                       now=ctx.scope.now)
    _moved(ctx, moved, kind)


@handler()
async def issue_command(ctx: Ctx) -> None:
    """/issue WO-000123 M-STEEL 50"""
    await _move_command(ctx, MovementKind.issue)


@handler()
async def return_command(ctx: Ctx) -> None:
    """/return WO-000123 M-STEEL 5"""
    await _move_command(ctx, MovementKind.return_)


@handler()
async def materials_command(ctx: Ctx) -> None:
    """/materials WO-000123: the work order's requirement table."""
    args = ctx.telegram.args or []
    if len(args) != 1:
        await materials.check_may_handle(ctx.session, ctx.me)
        ctx.reply("material.materials_usage")
        return
    _table(ctx, await materials.for_work_order(ctx.session, ctx.me, args[0]))


@handler()
async def stock_command(ctx: Ctx) -> None:
    """/stock, or /stock M-STEEL for one material and the open work orders that need it."""
    args = ctx.telegram.args or []
    found = await materials.stock_for(ctx.session, ctx.me, args[0] if args else None)
    if not found:
        ctx.reply("material.stock_empty")
        return
    if args:
        (one,) = found
        ctx.reply("material.stock_one", material=one.code, name=one.name, unit=one.unit,
                  on_hand=plain(one.on_hand), to_issue=plain(one.to_issue), lines=[
                      ("material.stock_work_order", {**_figures(line), "work_order": code})
                      for code, line in one.work_orders])
        return
    lines: list[tuple[str, dict[str, object]]] = []
    for item in found[:STOCK_LINES]:
        key = "material.stock_line_short" if item.to_issue > item.on_hand else "material.stock_line"
        lines.append((key, {"material": item.code, "name": item.name, "unit": item.unit,
                            "on_hand": plain(item.on_hand), "to_issue": plain(item.to_issue)}))
    if len(found) > STOCK_LINES:
        lines.append(("material.stock_more", {"count": len(found) - STOCK_LINES}))
    ctx.reply("material.stock_head", lines=lines)


# --- issuing from a scanned card -----------------------------------------------------------


def _cancel(draft: InputDraft) -> list[Button]:
    return [Button("material.btn_cancel", f"mi:x:{draft.id}")]


@handler(prepare=fetch_and_decode)
async def issue_photo(ctx: Ctx) -> None:
    """A card's photo captioned 领料: which material of the work order's BOM?"""
    scan: Scan = ctx.prepared
    await materials.check_may_handle(ctx.session, ctx.me)
    if scan.error:
        raise DomainError(f"scan.{scan.error}")
    codes = []
    for text in scan.texts:
        try:
            code = parse_label(text)
        except DomainError:
            continue
        await check_label_factory(ctx.session, code)  # another factory's card: refused
        if isinstance(code, LabelCode):
            codes.append(code.work_order)
    if not codes:
        raise DomainError("material.no_code_found")
    found = await materials.issue_choices(ctx.session, ctx.me, codes[0])
    choices = found.on_bom
    draft = await conversation.start_input(
        ctx.session, ctx.me, chat_id=ctx.chat_id, kind=FLOW, stage=PICK, now=ctx.scope.now,
        ref_id=found.work_order.id, work_order=found.work_order.code,
        codes=[line.code for line in choices])
    buttons = [[Button("material.btn_material", f"mi:m:{draft.id}:{i}", _figures(line))]
               for i, line in enumerate(choices)]
    ctx.reply("material.pick", buttons=[*buttons, _cancel(draft)],
              work_order=found.work_order.code, product=found.product.code,
              quantity=found.work_order.quantity)


async def _draft_at(ctx: Ctx, draft_id: int, stage: str) -> InputDraft:
    draft = await conversation.get_input(ctx.session, ctx.me, draft_id, FLOW, ctx.scope.now)
    if draft is None or draft.stage != stage:
        raise DomainError("material.flow_gone")
    return draft


def _all_of(material_on_hand: Decimal, line: Requirement) -> Decimal:
    """What the quick button issues: what is still to issue, as far as the store has it."""
    return min(line.to_issue, material_on_hand)


@handler()
async def material_button(ctx: Ctx) -> None:
    """mi:m:<draft>:<index>: the material picked; now the quantity."""
    draft_id, index = button_ids(ctx, 2, skip=2)
    draft = await _draft_at(ctx, draft_id, PICK)
    data = conversation.answers(draft)
    if index >= len(data.get("codes") or []):
        raise DomainError("button.invalid")
    code = data["codes"][index]
    material, line = await materials.line_of(ctx.session, data["work_order"], code)
    conversation.advance(draft, QUANTITY, ctx.scope.now, material=code)
    rows = []
    quick = _all_of(material.on_hand, line)
    if quick > 0:
        rows.append([Button("material.btn_all", f"mi:a:{draft.id}",
                            {"qty": plain(quick), "unit": line.unit})])
    ctx.edit("material.ask_qty", buttons=[*rows, _cancel(draft)], work_order=data["work_order"],
             **_figures(line))


async def _issue(ctx: Ctx, draft: InputDraft, qty: Decimal | str, *, edit: bool) -> None:
    data = conversation.answers(draft)
    moved = await materials.issue(ctx.session, ctx.me, data["work_order"], data["material"], qty,
                                  key=ctx.scope.key, now=ctx.scope.now)
    if not await conversation.finish(ctx.session, draft, ctx.scope.now):
        raise DomainError("material.flow_gone")
    _moved(ctx, moved, MovementKind.issue, edit=edit)


@handler()
async def all_button(ctx: Ctx) -> None:
    """mi:a:<draft>: issue what is still to issue (as far as the store has it)."""
    (draft_id,) = button_ids(ctx, 1, skip=2)
    draft = await _draft_at(ctx, draft_id, QUANTITY)
    data = conversation.answers(draft)
    material, line = await materials.line_of(ctx.session, data["work_order"], data["material"])
    quick = _all_of(material.on_hand, line)
    # Nothing in store: asking for what is still to issue says so clearly.
    await _issue(ctx, draft, quick if quick > 0 else line.to_issue, edit=True)


@handler()
async def cancel_button(ctx: Ctx) -> None:
    await cancel_card(ctx, FLOW, gone="material.flow_gone", cancelled="material.cancelled")


@on_text(FLOW)
async def typed(ctx: Ctx, draft: InputDraft, text: str) -> bool:
    """The quantity typed; anything that is a code goes on to ordinary reporting."""
    if parse_typed_label(text) is not None:
        return False
    if draft.stage == PICK:
        if not looks_numeric(text):
            return False
        ctx.reply("material.pick_first")
        return True
    await _issue(ctx, draft, text, edit=False)
    return True


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons of this part."""
    commands = {"issue": issue_command, "return": return_command,
                "materials": materials_command, "stock": stock_command}
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    # Before the report's photo handler: a card captioned 领料 is an issue, not a work report.
    application.add_handler(MessageHandler(
        PRIVATE & (filters.PHOTO | filters.Document.IMAGE) & filters.CaptionRegex(ISSUE_CAPTION),
        issue_photo))
    buttons = {r"^mi:m:": material_button, r"^mi:a:": all_button, r"^mi:x:": cancel_button}
    for pattern, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
