"""QC decisions and rework in chat.

The inspectors' buttons (Pass all / Reject… / Split…) work in a private chat and in a QC group;
whatever follows a tap (questions, confirmations, refusals) goes to the person's private chat,
so a group sees only its post change. Reject… and Split… continue there as a short conversation:
quantities, a defect reason, an optional photo. The rework card's Report button opens a task
card for the rework; supervisors hand a rework task to someone else with Reassign.
"""

from __future__ import annotations

import re
from typing import Any

from telegram.ext import Application, CallbackQueryHandler

from domain import qc, reporting
from domain import rework as rework_tasks
from domain.errors import DomainError
from domain.models import InputDraft, Priority, ReportSource, Role
from domain.notifications import Button, Notice, enqueue
from domain.payload import parse_typed_label
from domain.qc import Decision, Question
from handlers.telegram import conversation
from handlers.telegram.common import Ctx, handler
from handlers.telegram.report import show_card
from handlers.telegram.scan import Scan


def _say(ctx: Ctx, key: str, buttons: list[list[Button]] | None = None,
         lines: list[tuple[str, dict[str, Any]]] | None = None, **params: Any) -> None:
    """Tell the person in their private chat (a private chat's id is the user's id), also when
    they tapped in a group: the group sees only its post change."""
    enqueue(ctx.session, ctx.user_id, Notice(key, params, buttons or [], lines or []),
            lang=ctx.lang, priority=Priority.reply)


def _ints(ctx: Ctx, pattern: str) -> list[int]:
    """The ids in callback data matching `pattern` exactly; forged data is refused."""
    data = ctx.update.callback_query.data if ctx.update.callback_query else None
    match = re.fullmatch(pattern, data or "")
    if match is None:
        raise DomainError("button.invalid")
    return [int(group) for group in match.groups()]


_ID = r"([0-9]{1,11})"  # ASCII digits, as our buttons write them


# --- the inspectors' buttons -----------------------------------------------------------------


@handler(role=Role.qc)
async def pass_button(ctx: Ctx) -> None:
    (inspection_id,) = _ints(ctx, rf"qc:p:{_ID}")
    decision = await qc.pass_all(ctx.session, ctx.me, inspection_id, now=ctx.scope.now,
                                 rules=ctx.services.rules)
    # The message with the button is edited to show the decision (domain.qc edits them all).
    ctx.answer("qc.passed_short", n=decision.passed)


async def _begin(ctx: Ctx, mode: str) -> None:
    (inspection_id,) = _ints(ctx, rf"qc:{mode[0]}:{_ID}")
    question = await qc.begin(ctx.session, ctx.me, inspection_id, mode, chat_id=ctx.user_id,
                              now=ctx.scope.now)
    ask(ctx, question)
    ctx.answer("qc.continue_in_private" if ctx.in_group else "qc.asked")


@handler(role=Role.qc)
async def reject_button(ctx: Ctx) -> None:
    await _begin(ctx, "reject")


@handler(role=Role.qc)
async def split_button(ctx: Ctx) -> None:
    await _begin(ctx, "split")


def ask(ctx: Ctx, question: Question) -> None:
    draft = question.draft_id
    cancel = Button("btn.cancel", f"qc:x:{draft}")
    if question.stage == "reject":
        _say(ctx, "qc.ask_reject", buttons=[
            [Button("btn.qc_all_rework", f"qc:ra:{draft}", {"n": question.params["quantity"]}),
             Button("btn.qc_all_scrap", f"qc:sa:{draft}", {"n": question.params["quantity"]})],
            [cancel]], **question.params)
    elif question.stage == "split":
        _say(ctx, "qc.ask_split", buttons=[[cancel]], **question.params)
    elif question.stage == "reason":
        reasons = [Button("text.bilingual", f"qc:d:{draft}:{r.code}", r.names)
                   for r in question.reasons]
        _say(ctx, "qc.ask_reason", buttons=[reasons[i:i + 3] for i in range(0, len(reasons), 3)]
                  + [[cancel]], **question.params)
    else:
        _say(ctx, "qc.ask_photo", buttons=[[Button("btn.qc_no_photo", f"qc:n:{draft}"), cancel]],
                  **question.params)


def decided(ctx: Ctx, decision: Decision) -> None:
    """Confirm a decision to the inspector; a supervisor may hand the rework to someone else."""
    buttons = []
    if decision.rework_task_id is not None and ctx.me.has_role(Role.supervisor):
        buttons = [[Button("btn.rework_reassign", f"rw:a:{decision.rework_task_id}",
                           {"code": decision.rework_code})]]
    key = "qc.decided_pass" if decision.passed == decision.quantity else "qc.decided"
    _say(ctx, key, buttons=buttons, lines=decision.lines, **decision.params)
    ctx.answer("qc.decided_short")


def _next(ctx: Ctx, outcome: Question | Decision) -> None:
    if isinstance(outcome, Decision):
        decided(ctx, outcome)
    else:
        ask(ctx, outcome)
        ctx.answer("qc.asked")


# --- answering in the private chat -----------------------------------------------------------


async def _settled(ctx: Ctx, draft: InputDraft) -> bool:
    """Someone else decided meanwhile: say who, and end this conversation."""
    settled = await qc.close_if_decided(ctx.session, draft, ctx.scope.now)
    if settled is not None:
        _say(ctx, settled.key, **settled.params)
    return settled is not None


@conversation.on_text(qc.INPUT_KIND)
async def typed(ctx: Ctx, draft: InputDraft, text: str) -> bool:
    if parse_typed_label(text) is not None or draft.stage == "photo":
        return False  # a card code is reporting's; the photo question takes a photo or a tap
    if await _settled(ctx, draft):
        return True
    if draft.stage == "reason":
        ask(ctx, await qc.give_reason(ctx.session, ctx.me, draft, text, now=ctx.scope.now))
    else:
        _next(ctx, await qc.give_typed(ctx.session, ctx.me, draft, text, now=ctx.scope.now,
                                       rules=ctx.services.rules))
    return True


@conversation.on_photo(qc.INPUT_KIND)
async def photo(ctx: Ctx, draft: InputDraft, scan: Scan) -> bool:
    if draft.stage != "photo" or scan.file_id is None:
        return False
    if not await _settled(ctx, draft):
        decided(ctx, await qc.give_photo(ctx.session, ctx.me, draft, scan.file_id,
                                         now=ctx.scope.now, rules=ctx.services.rules))
    return True


async def _draft(ctx: Ctx, pattern: str) -> tuple[InputDraft, list[int]]:
    draft_id, *rest = _ints(ctx, pattern)
    return await qc.open_question(ctx.session, ctx.me, draft_id, ctx.scope.now), rest


@handler(role=Role.qc)
async def all_button(ctx: Ctx) -> None:
    data = ctx.update.callback_query.data if ctx.update.callback_query else ""
    outcome = "rework" if (data or "").startswith("qc:ra:") else "scrap"
    draft, _ = await _draft(ctx, rf"qc:(?:ra|sa):{_ID}")
    if not await _settled(ctx, draft):
        _next(ctx, await qc.give_all(ctx.session, ctx.me, draft, outcome, now=ctx.scope.now,
                                     rules=ctx.services.rules))


@handler(role=Role.qc)
async def reason_button(ctx: Ctx) -> None:
    data = ctx.update.callback_query.data if ctx.update.callback_query else ""
    match = re.fullmatch(rf"qc:d:{_ID}:([\w-]{{1,32}})", data or "")
    if match is None:
        raise DomainError("button.invalid")
    draft = await qc.open_question(ctx.session, ctx.me, int(match[1]), ctx.scope.now)
    if not await _settled(ctx, draft):
        ask(ctx, await qc.give_reason(ctx.session, ctx.me, draft, match[2], now=ctx.scope.now))
        ctx.answer("qc.asked")


@handler(role=Role.qc)
async def no_photo_button(ctx: Ctx) -> None:
    draft, _ = await _draft(ctx, rf"qc:n:{_ID}")
    if not await _settled(ctx, draft):
        decided(ctx, await qc.give_photo(ctx.session, ctx.me, draft, None, now=ctx.scope.now,
                                         rules=ctx.services.rules))


@handler(role=Role.qc)
async def cancel_button(ctx: Ctx) -> None:
    (draft_id,) = _ints(ctx, rf"qc:x:{_ID}")
    await qc.cancel(ctx.session, ctx.me, draft_id, ctx.scope.now)
    ctx.edit("qc.cancelled")
    ctx.answer("qc.cancelled")


# --- rework ----------------------------------------------------------------------------------


@handler()
async def rework_report_button(ctx: Ctx) -> None:
    # The button is on the rework card in the assignee's private chat.
    (rework_id,) = _ints(ctx, rf"rw:r:{_ID}")
    opened = await reporting.open_rework_card(ctx.session, ctx.me, rework_id, chat_id=ctx.chat_id,
                                              source=ReportSource.button,
                                              rules=ctx.services.rules)
    await show_card(ctx, opened)
    ctx.answer("card.opened")


@handler(role=Role.supervisor)
async def reassign_button(ctx: Ctx) -> None:
    (rework_id,) = _ints(ctx, rf"rw:a:{_ID}")
    found, people = await rework_tasks.candidates(ctx.session, rework_id)
    if not people:
        raise DomainError("rework.no_candidates", code=found.code)
    _say(ctx, "rework.choose_assignee", code=found.code, buttons=[
        [Button("btn.rework_to", f"rw:to:{found.id}:{p.id}", {"name": p.name, "person": p.code})]
        for p in people])
    ctx.answer("qc.asked")


@handler(role=Role.supervisor)
async def reassign_to_button(ctx: Ctx) -> None:
    # The choice was offered in the supervisor's private chat: that message shows the outcome.
    rework_id, person_id = _ints(ctx, rf"rw:to:{_ID}:{_ID}")
    done = await rework_tasks.reassign(ctx.session, ctx.me, rework_id, person_id,
                                       now=ctx.scope.now, rules=ctx.services.rules)
    ctx.edit("rework.reassigned", code=done.code, previous=done.previous,
             assignee=done.assignee)
    ctx.answer("rework.reassigned_short", assignee=done.assignee)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers (called by routes.register before the catch-alls)."""
    buttons = {
        r"^qc:p:": pass_button,
        r"^qc:r:": reject_button,
        r"^qc:s:": split_button,
        r"^qc:(ra|sa):": all_button,
        r"^qc:d:": reason_button,
        r"^qc:n:": no_photo_button,
        r"^qc:x:": cancel_button,
        r"^rw:r:": rework_report_button,
        r"^rw:a:": reassign_button,
        r"^rw:to:": reassign_to_button,
    }
    for pattern, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
