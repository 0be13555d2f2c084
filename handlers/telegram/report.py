"""Reporting work: photo of the card, typed code, quantity buttons or typed numbers, undo.

A rework task's code (RW-000001, or its card's photo) opens a card for the rework the same way.
A report typed the way people talk (`做了30 坏2 毛刺`, `done 30 scrap 2 burr`) gets a
confirmation card first, or a question when it could be read two ways (domain/freeform.py)."""

from __future__ import annotations

import re

from domain import freeform, reporting, task_cards
from domain.errors import DomainError
from domain.factory_settings import Reason, check_label_factory
from domain.models import DraftStage, OperationTask, OutboxMessage, ReportSource
from domain.notifications import Button
from domain.payload import (
    LabelCode,
    ReworkCode,
    normalize_text,
    parse_label,
    parse_typed_label,
)
from domain.quantity_text import looks_numeric
from domain.report_text import Question
from domain.reporting import NeedsReason, OpenedCard, OperationChoice, Recorded, TaskCard
from handlers.telegram import conversation
from handlers.telegram.cards import card_params, confirm_buttons, option_buttons, quantity_buttons
from handlers.telegram.common import Ctx, button_ids, handler
from handlers.telegram.scan import Scan, fetch_and_decode

# --- photos --------------------------------------------------------------------------------


@handler(prepare=fetch_and_decode)
async def photo(ctx: Ctx) -> None:
    scan: Scan = ctx.prepared
    if await conversation.dispatch_photo(ctx, scan):
        return
    if scan.error:  # not an image, too many pixels, over 20 MB
        raise DomainError(f"scan.{scan.error}")
    codes: list[LabelCode | ReworkCode] = []
    refusals: list[DomainError] = []
    for text in scan.texts:
        try:
            code = parse_label(text)
            await check_label_factory(ctx.session, code)  # not another factory's card
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
        await check_label_factory(ctx.session, code)  # a tag typed by hand is checked too
        await open_and_maybe_submit(ctx, code, ReportSource.typed, None, None if whole else rest)
        return
    draft = await reporting.open_draft_of(ctx.session, ctx.me)
    if draft is None:
        is_report = looks_numeric(raw) or await freeform.read(ctx.session, raw) is not None
        raise DomainError("text.scan_first" if is_report else "text.not_understood")
    if draft.stage == DraftStage.scrap_reason:
        recorded = await reporting.submit_reason(
            ctx.session, ctx.me, draft.id, raw, key=ctx.scope.key, now=ctx.scope.now,
            rules=ctx.services.rules)
        confirm(ctx, recorded)
        return
    await typed_report(ctx, draft.id, raw)


async def typed_report(ctx: Ctx, draft_id: int, typed: str) -> None:
    """The card's plain numbers are recorded at once, as always; anything else is confirmed
    first, or asked about; text that is no report at all gets the usual hint."""
    reading = await freeform.read(ctx.session, typed)
    if reading is None:
        raise DomainError("text.not_understood")
    if isinstance(reading, Question):
        await show_question(ctx, await freeform.ask(
            ctx.session, ctx.me, draft_id, reading, now=ctx.scope.now, rules=ctx.services.rules))
    elif reading.plain:
        await submit(ctx, draft_id, reading.good, reading.scrap, reading.reason)
    else:
        await show_proposal(ctx, await freeform.propose(
            ctx.session, ctx.me, draft_id, reading, now=ctx.scope.now, rules=ctx.services.rules))


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
        await typed_report(ctx, opened.draft_id, quantities)
        return
    await show_card(ctx, opened)


async def show_card(ctx: Ctx, opened: OpenedCard) -> None:
    buttons = quantity_buttons(opened.card, opened.draft_id)
    if opened.rework is not None:
        message = ctx.reply("rework.card", buttons=buttons, **opened.rework)
    else:
        key = "card.show" if opened.card.limit > 0 else "card.nothing_left"
        message = ctx.reply(key, buttons=buttons, **card_params(opened.card))
    await _track(ctx, message, opened.card, "card")


async def _track(ctx: Ctx, message: OutboxMessage, card: TaskCard, purpose: str) -> None:
    """A message showing a task is marked outdated when the plan changes (domain/task_cards)."""
    task = await ctx.session.get(OperationTask, card.task_id)
    await task_cards.track(ctx.session, message, task, person_id=ctx.me.id, purpose=purpose)


def _task_params(card: TaskCard) -> dict[str, object]:
    return {"work_order": card.work_order, "seq": card.seq, "operation": card.operation_name}


async def show_proposal(ctx: Ctx, proposal: freeform.Proposal) -> None:
    """The confirmation card: Good 30 · Scrap 2 · Reason: 毛刺 — Confirm / Change / Cancel."""
    lines: list[tuple[str, dict[str, object]]] = []
    if proposal.scrap and proposal.reason is None:
        lines.append(("ff.reason_later", {}))
    elif proposal.reason is not None and not proposal.listed:
        lines.append(("ff.reason_unlisted", {}))
    message = ctx.reply(
        "ff.confirm", buttons=confirm_buttons(proposal.draft_id, proposal.good, proposal.scrap),
        lines=lines, good=proposal.good, scrap=proposal.scrap,
        reason=proposal.reason_name or "—", **_task_params(proposal.card))
    await _track(ctx, message, proposal.card, "confirm")


async def show_question(ctx: Ctx, asked: freeform.Asked) -> None:
    question = asked.question
    lines: list[tuple[str, dict[str, object]]] = []
    if asked.reason_name:
        lines.append(("ff.reason_line", {"reason": asked.reason_name}))
    if asked.options:
        lines.append(("ff.or_pick", {}))
    numbers = {"zh": "、".join(map(str, question.numbers)),
               "en": ", ".join(map(str, question.numbers))}
    params = {**_task_params(asked.card), "numbers": numbers, "example": asked.example,
              "good": question.good or 0, "scrap": question.scrap or 0, "reasons": asked.reasons}
    buttons = option_buttons(asked.draft_id, asked.options)
    if question.kind == "good_missing":
        message = ctx.reply("ff.ask_good_missing", buttons=buttons, lines=lines, **params)
    elif question.kind == "scrap_missing":
        message = ctx.reply("ff.ask_scrap_missing", buttons=buttons, lines=lines, **params)
    elif question.kind == "two_good":
        message = ctx.reply("ff.ask_two_good", buttons=buttons, lines=lines, **params)
    elif question.kind == "two_scrap":
        message = ctx.reply("ff.ask_two_scrap", buttons=buttons, lines=lines, **params)
    elif question.kind == "two_reasons":
        message = ctx.reply("ff.ask_two_reasons", buttons=buttons, lines=lines, **params)
    else:
        message = ctx.reply("ff.ask_which", buttons=buttons, lines=lines, **params)
    await _track(ctx, message, asked.card, "ask")


async def submit(ctx: Ctx, draft_id: int, good: int, scrap: int, reason: str | None) -> None:
    result = await reporting.submit_quantity(
        ctx.session, ctx.me, draft_id, good=good, scrap=scrap, reason=reason, key=ctx.scope.key,
        now=ctx.scope.now, rules=ctx.services.rules)
    show_result(ctx, result)


def show_result(ctx: Ctx, result: Recorded | NeedsReason) -> None:
    if isinstance(result, NeedsReason):
        ctx.reply("report.ask_reason", good=result.good, scrap=result.scrap,
                  buttons=reason_buttons(result.draft_id, result.reasons))
        return
    confirm(ctx, result)


def reason_buttons(draft_id: int, reasons: tuple[Reason, ...]) -> list[list[Button]]:
    """The factory's defect reasons, three to a row, each named in the reader's language."""
    buttons = [Button("text.bilingual", f"r:{draft_id}:{r.code}", r.names) for r in reasons]
    return [buttons[i:i + 3] for i in range(0, len(buttons), 3)]


def confirm(ctx: Ctx, recorded: Recorded) -> None:
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


_REASON_DATA = re.compile(r"^r:([0-9]{1,11}):([\w-]{1,32})$")


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
    await show_card(ctx, opened)
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


# --- free-form confirmation and questions ----------------------------------------------------

_FREEFORM_DATA = re.compile(r"^ff:([ypen]):([0-9]{1,11})(?::([0-9]{1,7}):([0-9]{1,7}))?$")


@handler()
async def freeform_button(ctx: Ctx) -> None:
    """ff:y confirm, ff:p pick a reading (both carry good:scrap), ff:e change, ff:n cancel."""
    data = ctx.update.callback_query.data if ctx.update.callback_query else None
    match = _FREEFORM_DATA.match(data or "")
    if match is None or (match[1] in "yp") != (match[3] is not None):
        raise DomainError("button.invalid")
    action, draft_id = match[1], int(match[2])
    if action == "n":
        await reporting.cancel_draft(ctx.session, ctx.me, draft_id)
        ctx.edit("card.cancelled")
        ctx.answer("card.cancelled")
        return
    if action == "e":
        await freeform.change(ctx.session, ctx.me, draft_id, now=ctx.scope.now,
                              rules=ctx.services.rules)
        ctx.edit("ff.type_again")
        ctx.answer("ff.type_again_short")
        return
    good, scrap = int(match[3]), int(match[4])
    settle = freeform.confirm if action == "y" else freeform.pick
    result = await settle(ctx.session, ctx.me, draft_id, good, scrap, key=ctx.scope.key,
                          now=ctx.scope.now, rules=ctx.services.rules)
    ctx.edit("ff.confirmed", good=good, scrap=scrap)
    show_result(ctx, result)
