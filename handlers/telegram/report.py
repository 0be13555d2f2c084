"""Reporting work: photo of the card, typed code, quantity buttons or typed numbers, undo.

A rework task's code (RW-000001, or its card's photo) opens a card for the rework the same way."""

from __future__ import annotations

import re

from domain import reporting
from domain.errors import DomainError
from domain.factory_settings import Reason
from domain.models import ReportSource
from domain.notifications import Button
from domain.payload import (
    LabelCode,
    ReworkCode,
    normalize_text,
    parse_label,
    parse_typed_label,
)
from domain.quantity_text import looks_numeric, parse_quantities
from domain.reporting import NeedsReason, OpenedCard, OperationChoice
from handlers.telegram import conversation
from handlers.telegram.cards import card_params, quantity_buttons
from handlers.telegram.common import Ctx, button_ids, handler
from handlers.telegram.scan import Scan, fetch_and_decode

# --- photos --------------------------------------------------------------------------------


@handler(prepare=fetch_and_decode)
async def photo(ctx: Ctx) -> None:
    scan: Scan = ctx.prepared
    if await conversation.dispatch_photo(ctx, scan):
        return
    if scan.error:
        ctx.reply(f"scan.{scan.error}")
        return
    codes: list[LabelCode | ReworkCode] = []
    refusals: list[DomainError] = []
    for text in scan.texts:
        try:
            code = parse_label(text)
        except DomainError as error:
            refusals.append(error)
            continue
        if code not in codes:
            codes.append(code)
    if not codes:
        if refusals:
            raise refusals[0]
        ctx.reply("scan.none_found", buttons=[[Button("btn.my_tasks", "t:list")]])
        return
    if len(codes) > 1:
        ctx.reply("scan.several", buttons=[[_code_button(c)] for c in codes[:8]])
        return
    caption = ctx.update.effective_message.caption if ctx.update.effective_message else None
    await open_and_maybe_submit(ctx, codes[0], ReportSource.photo, scan.file_id, caption)


# --- typed text ----------------------------------------------------------------------------


@handler()
async def text(ctx: Ctx) -> None:
    message = ctx.update.effective_message
    raw = normalize_text(message.text or "") if message else ""
    if await conversation.dispatch_text(ctx, raw):
        return
    head, _, rest = raw.partition(" ")
    whole = parse_typed_label(raw)  # "WO-000123", or "WO-000123 30" with the quantity after it
    code = whole or parse_typed_label(head)
    if code is not None:
        await open_and_maybe_submit(ctx, code, ReportSource.typed, None, None if whole else rest)
        return
    draft = await reporting.open_draft_of(ctx.session, ctx.me)
    if draft is None:
        ctx.reply("text.scan_first" if looks_numeric(raw) else "text.not_understood")
        return
    if draft.stage == "scrap_reason":
        recorded = await reporting.submit_reason(
            ctx.session, ctx.me, draft.id, raw, key=ctx.scope.key, now=ctx.scope.now,
            rules=ctx.services.rules)
        confirm(ctx, recorded)
        return
    typed = parse_quantities(raw)
    await submit(ctx, draft.id, typed.good, typed.scrap, typed.reason)


async def open_and_maybe_submit(ctx: Ctx, code: LabelCode | ReworkCode, source: str,
                                file_id: str | None, quantities: str | None) -> None:
    if isinstance(code, ReworkCode):
        opened: OpenedCard | OperationChoice = await reporting.open_rework_card(
            ctx.session, ctx.me, code.code, chat_id=ctx.chat_id, source=source,
            photo_file_id=file_id, rules=ctx.services.rules)
    else:
        opened = await reporting.open_card(
            ctx.session, ctx.me, code, chat_id=ctx.chat_id, source=source,
            photo_file_id=file_id, rules=ctx.services.rules)
    if isinstance(opened, OperationChoice):
        ctx.reply("card.choose_operation", work_order=opened.work_order, buttons=[
            [Button("btn.operation", f"t:{c.task_id}",
                    {"seq": c.seq, "operation": c.operation_name, "left": c.remaining})]
            for c in opened.cards
        ])
        return
    if quantities and quantities.strip():
        typed = parse_quantities(quantities)
        await submit(ctx, opened.draft_id, typed.good, typed.scrap, typed.reason)
        return
    show_card(ctx, opened)


def show_card(ctx: Ctx, opened: OpenedCard) -> None:
    buttons = quantity_buttons(opened.card, opened.draft_id)
    if opened.rework is not None:
        ctx.reply("rework.card", buttons=buttons, **opened.rework)
        return
    key = "card.show" if opened.card.limit > 0 else "card.nothing_left"
    ctx.reply(key, buttons=buttons, **card_params(opened.card))


async def submit(ctx: Ctx, draft_id: int, good: int, scrap: int, reason: str | None) -> None:
    result = await reporting.submit_quantity(
        ctx.session, ctx.me, draft_id, good=good, scrap=scrap, reason=reason, key=ctx.scope.key,
        now=ctx.scope.now, rules=ctx.services.rules)
    if isinstance(result, NeedsReason):
        ctx.reply("report.ask_reason", good=result.good, scrap=result.scrap,
                  buttons=reason_buttons(result.draft_id, result.reasons))
        return
    confirm(ctx, result)


def reason_buttons(draft_id: int, reasons: tuple[Reason, ...]) -> list[list[Button]]:
    """The factory's defect reasons, three to a row, each named in the reader's language."""
    buttons = [Button("text.bilingual", f"r:{draft_id}:{r.code}", r.names) for r in reasons]
    return [buttons[i:i + 3] for i in range(0, len(buttons), 3)]


def confirm(ctx: Ctx, recorded: reporting.Recorded) -> None:
    undo = [[Button("btn.undo", f"u:{recorded.report_id}")]]
    params = {"good": recorded.good, "scrap": recorded.scrap, "reason": recorded.reason or "",
              "work_order": recorded.card.work_order, "operation": recorded.card.operation_name,
              "total": recorded.card.good, "remaining": recorded.card.remaining,
              "undo_until_at": recorded.undo_until}
    if recorded.rework is not None:
        ctx.reply("rework.recorded", buttons=undo, **{**params, **recorded.rework})
    elif recorded.held:
        ctx.reply("qc.report_held", buttons=undo, **params)
    else:
        ctx.reply("report.recorded_scrap" if recorded.scrap else "report.recorded",
                  buttons=undo, **params)
    if recorded.work_order_done:
        ctx.reply("report.work_order_done", work_order=recorded.card.work_order)
    ctx.answer("report.recorded_short", good=recorded.good)


# --- buttons -------------------------------------------------------------------------------


@handler()
async def quantity_button(ctx: Ctx) -> None:
    draft_id, good = button_ids(ctx, 2)
    await submit(ctx, draft_id, good, 0, None)


@handler()
async def scrap_button(ctx: Ctx) -> None:
    (draft_id,) = button_ids(ctx, 1)
    draft = await reporting.open_draft_of(ctx.session, ctx.me)
    if draft is None or draft.id != draft_id:
        raise DomainError("report.card_stale")
    ctx.reply("report.type_with_scrap")
    ctx.answer("report.type_with_scrap_short")


_REASON_DATA = re.compile(r"^r:(\d{1,11}):([\w-]{1,32})$")


@handler()
async def reason_button(ctx: Ctx) -> None:
    data = ctx.update.callback_query.data if ctx.update.callback_query else None
    match = _REASON_DATA.match(data or "")
    if match is None:
        raise DomainError("button.invalid")
    recorded = await reporting.submit_reason(
        ctx.session, ctx.me, int(match[1]), match[2], key=ctx.scope.key, now=ctx.scope.now,
        rules=ctx.services.rules)
    confirm(ctx, recorded)


@handler()
async def cancel_button(ctx: Ctx) -> None:
    (draft_id,) = button_ids(ctx, 1)
    await reporting.cancel_draft(ctx.session, ctx.me, draft_id)
    ctx.edit("card.cancelled")
    ctx.answer("card.cancelled")


@handler()
async def undo_button(ctx: Ctx) -> None:
    (report_id,) = button_ids(ctx, 1)
    undone = await reporting.undo_report(ctx.session, ctx.me, report_id, now=ctx.scope.now,
                                         rules=ctx.services.rules)
    ctx.edit("undo.done", good=undone.good, scrap=undone.scrap,
             work_order=undone.card.work_order, operation=undone.card.operation_name,
             total=undone.card.good, remaining=undone.card.remaining)
    ctx.answer("undo.done_short")


@handler()
async def task_button(ctx: Ctx) -> None:
    (task_id,) = button_ids(ctx, 1)
    opened = await reporting.open_task_card(ctx.session, ctx.me, task_id, chat_id=ctx.chat_id,
                                            source=ReportSource.button, rules=ctx.services.rules)
    show_card(ctx, opened)
    ctx.answer("card.opened")


def _code_button(code: LabelCode | ReworkCode) -> Button:
    data = (f"c:{code.code}:0" if isinstance(code, ReworkCode)
            else f"c:{code.work_order}:{code.operation_seq or 0}")
    return Button("btn.code", data, {"code": code.payload})


@handler()
async def code_button(ctx: Ctx) -> None:
    data = ctx.update.callback_query.data if ctx.update.callback_query else ""
    _, printed, seq = ((data or "") + "::").split(":")[:3]
    code = parse_typed_label(printed if seq in ("0", "") else f"{printed}:{seq}")
    if code is None:
        raise DomainError("button.invalid")
    await open_and_maybe_submit(ctx, code, ReportSource.photo, None, None)
    ctx.answer("card.opened")
