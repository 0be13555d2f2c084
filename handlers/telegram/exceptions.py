"""Exceptions 异常 in chat.

Reporting is a short conversation, started by /exception or by the task card's button (which
already knows the work order and task): kind → what it concerns (scan the card, type a code or
a workstation, or pick) → has the line stopped? → an optional photo and comment → Submit.
Every step has Cancel; an answer that does not fit is told why and changes nothing.

The posts' Acknowledge / Resolve buttons work in a group and in private; the reporter answers
Fixed / Not fixed. After resolving, the resolver may reply with a note on what was done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from domain import andon, conversation
from domain.andon import subject
from domain.andon.posts import action_buttons
from domain.andon.subject import Subject
from domain.errors import DomainError
from domain.models import InputDraft, InputStatus, Priority
from domain.notifications import Button, Notice, enqueue
from domain.payload import LabelCode, ReworkCode, parse_label, parse_typed_label
from domain.quantity_text import looks_numeric
from handlers.telegram.common import Ctx, button_ids, handler
from handlers.telegram.conversation import as_typed, on_photo, on_text
from handlers.telegram.scan import Scan

FLOW = "exception"
NOTE = "exception_note"
KIND, SUBJECT, LINE, DETAILS = "kind", "subject", "line", "details"
YES = {"是", "是的", "停了", "停线", "停", "yes", "y"}
NO = {"否", "没有", "没停", "不是", "no", "n"}


# --- callback data -------------------------------------------------------------------------


def _cancel(draft: InputDraft) -> list[Button]:
    return [Button("btn.cancel", f"e:x:{draft.id}")]


async def _draft_at(ctx: Ctx, draft_id: int, *stages: str) -> InputDraft:
    """The person's report in progress, at the stage this button answers."""
    draft = await conversation.get_input(ctx.session, ctx.me, draft_id, FLOW, ctx.scope.now)
    if draft is None:
        gone = await ctx.session.get(InputDraft, draft_id)
        if (gone is not None and gone.person_id == ctx.me.id and gone.kind == FLOW
                and gone.status == InputStatus.done and gone.ref_id is not None):
            raise DomainError("exception.already_submitted", code=andon.exception_code(gone.ref_id))
        raise DomainError("exception.flow_gone")
    if stages and draft.stage not in stages:
        raise DomainError("exception.step_answered")
    return draft


# --- the questions -------------------------------------------------------------------------

Say = Callable[..., None]  # ctx.reply (a new message) or ctx.edit (the one whose button it was)


def _ask_kind(say: Say, draft: InputDraft) -> None:
    buttons = [Button("exception.kind_button", f"e:k:{draft.id}:{i}", {"kind": kind})
               for i, kind in enumerate(andon.KINDS)]
    say("exception.ask_kind", buttons=[buttons[:3], buttons[3:], _cancel(draft)])


async def _ask_subject(ctx: Ctx, say: Say, draft: InputDraft) -> None:
    work_orders = await subject.my_work_orders(ctx.session, ctx.me)
    stations = (await subject.workstations(ctx.session))[:subject.MAX_CHOICES]
    conversation.advance(draft, SUBJECT, ctx.scope.now, stations=stations)
    rows = [[Button("exception.btn_work_order", f"e:w:{draft.id}:{wo_id}", {"work_order": code})
             for wo_id, code in work_orders[i:i + 2]] for i in range(0, len(work_orders), 2)]
    rows += [[Button("exception.btn_workstation", f"e:s:{draft.id}:{i + j}", {"workstation": s})
              for j, s in enumerate(stations[i:i + 3])] for i in range(0, len(stations), 3)]
    rows += [[Button("exception.btn_no_subject", f"e:n:{draft.id}")], _cancel(draft)]
    say("exception.ask_subject", buttons=rows, kind=conversation.answers(draft)["kind"])


async def _ask_line(ctx: Ctx, say: Say, draft: InputDraft, about: Subject) -> None:
    conversation.advance(draft, LINE, ctx.scope.now, **about.as_data())
    say("exception.ask_line", lines=[await subject.describe(ctx.session, about)], buttons=[
        [Button("exception.btn_line_stopped", f"e:l:{draft.id}:1"),
         Button("exception.btn_line_running", f"e:l:{draft.id}:0")], _cancel(draft)])


def _details_buttons(draft: InputDraft) -> list[list[Button]]:
    return [[Button("exception.btn_submit", f"e:y:{draft.id}")], _cancel(draft)]


def _ask_details(ctx: Ctx, say: Say, draft: InputDraft, line_stopped: bool) -> None:
    conversation.advance(draft, DETAILS, ctx.scope.now, line_stopped=line_stopped)
    say("exception.ask_details", buttons=_details_buttons(draft))


# --- starting ------------------------------------------------------------------------------


@handler()
async def start(ctx: Ctx) -> None:
    """/exception"""
    draft = await conversation.start_input(ctx.session, ctx.me, chat_id=ctx.chat_id, kind=FLOW,
                                           stage=KIND, now=ctx.scope.now)
    _ask_kind(ctx.reply, draft)


@handler()
async def start_from_task(ctx: Ctx) -> None:
    """e:t:<task>: the task card's button; the work order and task are known already."""
    (task_id,) = button_ids(ctx, 1, skip=2)
    about = await subject.of_task(ctx.session, task_id)
    draft = await conversation.start_input(ctx.session, ctx.me, chat_id=ctx.chat_id, kind=FLOW,
                                           stage=KIND, now=ctx.scope.now, **about.as_data())
    _ask_kind(ctx.reply, draft)


# --- answers by button ---------------------------------------------------------------------


@handler()
async def kind_button(ctx: Ctx) -> None:
    draft_id, index = button_ids(ctx, 2, skip=2)
    draft = await _draft_at(ctx, draft_id, KIND)
    if index >= len(andon.KINDS):
        raise DomainError("button.invalid")
    conversation.advance(draft, KIND, ctx.scope.now, kind=andon.KINDS[index])
    about = Subject.from_data(conversation.answers(draft))
    if about.work_order_id is not None:  # from a task card
        await _ask_line(ctx, ctx.edit, draft, about)
    else:
        await _ask_subject(ctx, ctx.edit, draft)


@handler()
async def work_order_button(ctx: Ctx) -> None:
    draft_id, work_order_id = button_ids(ctx, 2, skip=2)
    draft = await _draft_at(ctx, draft_id, SUBJECT)
    await _ask_line(ctx, ctx.edit, draft, await subject.of_work_order_id(ctx.session,
                                                                         work_order_id))


@handler()
async def workstation_button(ctx: Ctx) -> None:
    draft_id, index = button_ids(ctx, 2, skip=2)
    draft = await _draft_at(ctx, draft_id, SUBJECT)
    stations = conversation.answers(draft).get("stations") or []
    if index >= len(stations):
        raise DomainError("button.invalid")
    await _ask_line(ctx, ctx.edit, draft, Subject(workstation=stations[index]))


@handler()
async def no_subject_button(ctx: Ctx) -> None:
    (draft_id,) = button_ids(ctx, 1, skip=2)
    draft = await _draft_at(ctx, draft_id, SUBJECT)
    await _ask_line(ctx, ctx.edit, draft, subject.NOTHING)


@handler()
async def line_button(ctx: Ctx) -> None:
    draft_id, stopped = button_ids(ctx, 2, skip=2)
    draft = await _draft_at(ctx, draft_id, LINE)
    if stopped not in (0, 1):
        raise DomainError("button.invalid")
    _ask_details(ctx, ctx.edit, draft, bool(stopped))


@handler()
async def submit_button(ctx: Ctx) -> None:
    (draft_id,) = button_ids(ctx, 1, skip=2)
    draft = await _draft_at(ctx, draft_id, DETAILS)
    data = conversation.answers(draft)
    if not await conversation.finish(ctx.session, draft, ctx.scope.now):
        raise DomainError("exception.flow_gone")
    about = Subject.from_data(data)
    reported = await andon.report(
        ctx.session, ctx.me, kind=data["kind"], subject=about,
        line_stopped=bool(data.get("line_stopped")), comment=data.get("comment"),
        photo_file_id=data.get("photo"), now=ctx.scope.now, rules=ctx.services.rules)
    draft.ref_id = reported.exception.id
    lines = [await subject.describe(ctx.session, about)]
    if reported.blocked_tasks:
        lines.append(("exception.reported_blocked", {"tasks": reported.blocked_tasks}))
    if reported.responsible:
        lines.append(("exception.reported_called", {"people": ", ".join(reported.responsible)}))
    if reported.groups:
        lines.append(("exception.reported_groups", {"groups": reported.groups}))
    exception = reported.exception
    ctx.edit("exception.reported", lines=lines, code=reported.code, kind=exception.kind,
             severity=exception.severity)
    ctx.answer("exception.reported", code=reported.code, kind=exception.kind,
               severity=exception.severity)


@handler()
async def cancel_button(ctx: Ctx) -> None:
    (draft_id,) = button_ids(ctx, 1, skip=2)
    draft = await _draft_at(ctx, draft_id)
    await conversation.finish(ctx.session, draft, ctx.scope.now, InputStatus.cancelled)
    ctx.edit("exception.cancelled")
    ctx.answer("exception.cancelled")


# --- answers typed or photographed ---------------------------------------------------------


@on_text(FLOW)
async def typed(ctx: Ctx, draft: InputDraft, text: str) -> bool:
    if draft.stage == SUBJECT:
        about = await _typed_subject(ctx, text)
        if about is None:
            ctx.reply("exception.subject_hint")
        else:
            await _ask_line(ctx, ctx.reply, draft, about)
    elif draft.stage == LINE:
        word = text.strip().lower()
        if word in YES | NO:
            _ask_details(ctx, ctx.reply, draft, word in YES)
        else:
            ctx.reply("exception.line_hint")
    elif draft.stage == DETAILS:
        _add_comment(ctx, draft, as_typed(ctx))
        ctx.reply("exception.comment_added", buttons=_details_buttons(draft))
    else:
        ctx.reply("exception.answer_buttons")
    return True


async def _typed_subject(ctx: Ctx, text: str) -> Subject | None:
    code = parse_typed_label(text)
    if code is not None:
        return await subject.of_code(ctx.session, code)
    return await subject.of_typed_workstation(ctx.session, text)


def _add_comment(ctx: Ctx, draft: InputDraft, text: str | None) -> None:
    """Several messages make one comment."""
    if not text or not text.strip():
        return
    before = conversation.answers(draft).get("comment")
    comment = andon.check_comment(f"{before}\n{text}" if before else text)
    conversation.advance(draft, DETAILS, ctx.scope.now, comment=comment)


@on_photo(FLOW)
async def photographed(ctx: Ctx, draft: InputDraft, scan: Scan) -> bool:
    message = ctx.update.effective_message
    if draft.stage == SUBJECT:
        codes = _card_codes(scan)
        if codes:
            await _ask_line(ctx, ctx.reply, draft, await subject.of_code(ctx.session, codes[0]))
        else:
            ctx.reply("exception.subject_no_code")
    elif draft.stage == DETAILS:
        if message is None or not message.photo:
            ctx.reply("exception.photo_not_document")
            return True
        _add_comment(ctx, draft, message.caption)
        conversation.advance(draft, DETAILS, ctx.scope.now, photo=scan.file_id)
        ctx.reply("exception.photo_added", buttons=_details_buttons(draft))
    else:
        ctx.reply("exception.answer_buttons")
    return True


def _card_codes(scan: Scan) -> list[LabelCode | ReworkCode]:
    """Work-order and rework codes read in the photo (anything that does not parse is not a
    card)."""
    codes: list[LabelCode | ReworkCode] = []
    for text in scan.texts:
        try:
            codes.append(parse_label(text))
        except DomainError:
            continue
    return codes


# --- handling an exception -----------------------------------------------------------------


def _privately(ctx: Ctx, key: str, buttons: list[list[Button]] | None = None,
               lines: list[tuple[str, dict[str, Any]]] | None = None, **params: Any) -> None:
    """To the person who tapped, in private, even when they tapped in a group."""
    enqueue(ctx.session, ctx.user_id, Notice(key, params, buttons or [], lines or []),
            lang=ctx.lang, priority=Priority.reply)


@handler()
async def acknowledge_button(ctx: Ctx) -> None:
    (exception_id,) = button_ids(ctx, 1, skip=2)
    exception = await andon.acknowledge(ctx.session, ctx.me, exception_id, now=ctx.scope.now,
                                        rules=ctx.services.rules)
    code = andon.exception_code(exception.id)
    ctx.answer("exception.acknowledged_short", code=code)
    if not ctx.in_group:  # in a group the post shows it
        ctx.reply("exception.you_acknowledged", buttons=action_buttons(exception), code=code)


@handler()
async def resolve_button(ctx: Ctx) -> None:
    (exception_id,) = button_ids(ctx, 1, skip=2)
    resolved = await andon.resolve(ctx.session, ctx.me, exception_id, now=ctx.scope.now,
                                   rules=ctx.services.rules)
    code = andon.exception_code(exception_id)
    ctx.answer("exception.resolved_short", code=code)
    lines = ([("exception.released_tasks", {"tasks": resolved.released_tasks})]
             if resolved.released_tasks else [])
    # The optional note on what was done is the resolver's next message in private, unless
    # they are in the middle of something else (a QC decision...).
    if await conversation.open_input(ctx.session, ctx.me, ctx.scope.now) is None:
        await conversation.start_input(ctx.session, ctx.me, chat_id=ctx.user_id, kind=NOTE,
                                       stage="note", now=ctx.scope.now, ref_id=exception_id)
        lines.append(("exception.note_invite", {}))
    _privately(ctx, "exception.you_resolved", lines=lines, code=code)


@on_text(NOTE)
async def note(ctx: Ctx, draft: InputDraft, text: str) -> bool:
    if draft.ref_id is None or parse_typed_label(text) is not None or looks_numeric(text):
        # A card code or quantities: work being reported, not a note.
        await conversation.finish(ctx.session, draft, ctx.scope.now, InputStatus.cancelled)
        return False
    await andon.add_note(ctx.session, ctx.me, draft.ref_id, as_typed(ctx), now=ctx.scope.now,
                         rules=ctx.services.rules)
    await conversation.finish(ctx.session, draft, ctx.scope.now)
    ctx.reply("exception.note_saved", code=andon.exception_code(draft.ref_id))
    return True


@handler()
async def fixed_button(ctx: Ctx) -> None:
    (exception_id,) = button_ids(ctx, 1, skip=2)
    await andon.confirm_fixed(ctx.session, ctx.me, exception_id, now=ctx.scope.now,
                              rules=ctx.services.rules)
    code = andon.exception_code(exception_id)
    ctx.edit("exception.closed_by_you", code=code)
    ctx.answer("exception.closed_by_you", code=code)


@handler()
async def not_fixed_button(ctx: Ctx) -> None:
    (exception_id,) = button_ids(ctx, 1, skip=2)
    await andon.reject_fix(ctx.session, ctx.me, exception_id, now=ctx.scope.now,
                           rules=ctx.services.rules)
    code = andon.exception_code(exception_id)
    ctx.edit("exception.reopened_by_you", code=code)
    ctx.answer("exception.reopened_by_you", code=code)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers (called by routes.register before the catch-alls)."""
    application.add_handler(CommandHandler("exception", start, filters=filters.ChatType.PRIVATE))
    buttons = {
        "t": start_from_task, "k": kind_button, "w": work_order_button,
        "s": workstation_button, "n": no_subject_button, "l": line_button, "y": submit_button,
        "x": cancel_button, "a": acknowledge_button, "r": resolve_button, "c": fixed_button,
        "u": not_fixed_button,
    }
    for action, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=rf"^e:{action}:"))
