"""Changes to work orders (quantity, due date, hold, resume, cancel) and their acknowledgements.

A planner's command shows a confirmation card first: the change and whom it will reach. The
card's Confirm applies it once (the card is an input closed once; the change is keyed by it).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from domain import changes, conversation, work_order_changes
from domain.errors import DomainError
from domain.models import ChangeKind, InputDraft, InputStatus, Role
from domain.notifications import Button
from domain.periods import local_date
from domain.work_order_changes import Preview, Request
from handlers.telegram.common import Ctx, button_ids, handler

KIND = "wo_change"  # the confirmation card's input
# A confirmation card names at most this many people, then "…".
NAMES_SHOWN = 30


@handler(role=Role.manager)
async def change(ctx: Ctx) -> None:
    """/change WO-000123 qty 300 · /change WO-000123 due 11-30"""
    today = local_date(ctx.scope.now, ZoneInfo(ctx.services.rules.timezone))
    await _propose(ctx, work_order_changes.parse_change(_args(ctx), today))


@handler(role=Role.manager)
async def hold(ctx: Ctx) -> None:
    await _propose(ctx, work_order_changes.parse_state(ChangeKind.hold, _args(ctx)))


@handler(role=Role.manager)
async def resume(ctx: Ctx) -> None:
    await _propose(ctx, work_order_changes.parse_state(ChangeKind.resume, _args(ctx)))


@handler(role=Role.manager)
async def cancel(ctx: Ctx) -> None:
    await _propose(ctx, work_order_changes.parse_state(ChangeKind.cancel, _args(ctx)))


def _args(ctx: Ctx) -> list[str]:
    return list(ctx.telegram.args or [])


async def _propose(ctx: Ctx, request: Request) -> None:
    shown = await work_order_changes.preview(ctx.session, request, ctx.scope.now)
    draft = await conversation.start_input(
        ctx.session, ctx.me, chat_id=ctx.chat_id, kind=KIND, stage="confirm", now=ctx.scope.now,
        change=request.kind, code=request.code, value=request.value, note=request.note,
        version=shown.version)
    ctx.reply("change.confirm", lines=[*shown.lines, _reaches(shown)],
              buttons=[[Button("change.btn_confirm", f"wo:y:{draft.id}"),
                        Button("change.btn_discard", f"wo:n:{draft.id}")]],
              work_order=request.code, change=request.kind)


def _reaches(shown: Preview) -> tuple[str, dict[str, Any]]:
    if not shown.people:
        return "change.reaches_nobody", {}
    names = [name for name, _ in shown.people[:NAMES_SHOWN]]
    more = "…" if len(shown.people) > NAMES_SHOWN else ""
    return "change.reaches", {"count": len(shown.people),
                              "names": {"zh": "、".join(names) + more,
                                        "en": ", ".join(names) + more}}


@handler(role=Role.manager)
async def confirm_button(ctx: Ctx) -> None:
    (draft_id,) = button_ids(ctx, 1, skip=2)
    key = f"change:{draft_id}"  # one change per card, however often it is tapped
    draft = await _open_card(ctx, draft_id)
    if draft is None or not await conversation.finish(ctx.session, draft, ctx.scope.now):
        if await changes.by_key(ctx.session, key) is not None:
            ctx.answer("change.done_short")  # a double tap: applied by the first
            return
        raise DomainError("change.expired")
    data = conversation.answers(draft)
    request = Request(data["change"], data["code"], data.get("value"), data.get("note", ""))
    made = await work_order_changes.apply(ctx.session, ctx.me, request, version=data["version"],
                                          key=key, now=ctx.scope.now)
    told = await changes.reached(ctx.session, made.id) if made else 0
    ctx.edit("change.applied", work_order=request.code, change=request.kind, count=told)
    ctx.answer("change.done_short")


@handler(role=Role.manager)
async def discard_button(ctx: Ctx) -> None:
    (draft_id,) = button_ids(ctx, 1, skip=2)
    draft = await _open_card(ctx, draft_id)
    if draft is None or not await conversation.finish(ctx.session, draft, ctx.scope.now,
                                                      InputStatus.cancelled):
        raise DomainError("change.expired")
    ctx.edit("change.discarded")
    ctx.answer("change.discarded")


async def _open_card(ctx: Ctx, draft_id: int) -> InputDraft | None:
    return await conversation.get_input(ctx.session, ctx.me, draft_id, KIND, ctx.scope.now)


@handler()
async def acknowledge_button(ctx: Ctx) -> None:
    """ck:<notice>: the addressee acknowledges a change message (or its reminder)."""
    (notice_id,) = button_ids(ctx, 1)
    done = await changes.acknowledge(ctx.session, ctx.me, notice_id, ctx.scope.now)
    if not done.first:
        ctx.answer("change.already_acknowledged", time=done.at)
        return
    query = ctx.update.callback_query
    pressed = query.message.message_id if query and query.message else None
    if pressed != done.message_id:  # the reminder's button: it reads as acknowledged too
        ctx.edit(done.view.key, lines=done.view.lines, **done.view.params)
    ctx.answer("change.acknowledged_short", time=done.at)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons of this part."""
    private = filters.ChatType.PRIVATE
    for name, callback in {"change": change, "hold": hold, "resume": resume,
                           "cancel": cancel}.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    for pattern, callback in {r"^wo:y:\d+$": confirm_button, r"^wo:n:\d+$": discard_button,
                              r"^ck:\d+$": acknowledge_button}.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
