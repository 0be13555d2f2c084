"""The dispatch suggestion 排产建议 and rush orders 插单 in chat.

/dispatch [team] (supervisors: their own team; managers: the whole floor or a named team) shows
the suggestion a page at a time, grouped per workstation or skill, with Accept all, Edit (pick a
line, then the person) and Discard. Buttons say `dp:<action>:<plan>:<version>...`: a tap on an
older version or on a decided plan is refused by the domain.

/rush WO-000123 or /rush PRODUCT QTY DUE [customer] (managers) shows the preview: which other
work orders become late, by how much, and when the rush finishes; Confirm / Cancel say
`ru:y:<input>` / `ru:n:<input>`, a one-shot input, so a double tap applies it once.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from domain import conversation, rush
from domain.assignment import team_label
from domain.dispatch import plans
from domain.errors import DomainError
from domain.models import DispatchPlan, Role
from domain.notifications import Button
from handlers.telegram.common import Ctx, button_ids, handler
from handlers.telegram.conversation import cancel_card

PAGE = 15  # lines per page: well under Telegram's 4096 characters
IMPACTS_SHOWN = 20
Line = tuple[str, dict[str, Any]]


# --- /dispatch ---------------------------------------------------------------------------------


@handler(role=Role.supervisor)
async def dispatch(ctx: Ctx) -> None:
    asked = " ".join(ctx.telegram.args or []).strip() or None
    team = plans.scope_for(ctx.me, asked)
    plan = await plans.suggest(ctx.session, actor=ctx.me, team=team, now=ctx.scope.now,
                               rules=ctx.services.rules)
    await _show(ctx, plan, 0, edit=False)


async def _show(ctx: Ctx, plan: DispatchPlan, page: int, *, edit: bool,
                picking: bool = False) -> None:
    rows = await plans.rows_of(ctx.session, plan)
    say = ctx.edit if edit else ctx.reply
    if not rows:
        say("dispatch.empty", scope=team_label(plan.team))
        return
    pages = (len(rows) + PAGE - 1) // PAGE
    page = min(max(page, 0), pages - 1)
    shown = rows[page * PAGE:(page + 1) * PAGE]
    lines: list[Line] = [("dispatch.header_note", {})]
    group = None
    for row in shown:
        name = row.line.workstation or row.operation_code
        if name != group:
            lines.append(("dispatch.group", {"group": name}))
            group = name
        lines.append(_line(row))
    ref = f"{plan.id}:{plan.version}"
    if picking:
        buttons = [[Button("dispatch.btn_line", f"dp:l:{ref}:{row.line.id}",
                           {"work_order": row.work_order, "seq": row.seq})
                    for row in shown[i:i + 2]] for i in range(0, len(shown), 2)]
        buttons.append([Button("dispatch.btn_back", f"dp:p:{ref}:{page}")])
        say("dispatch.pick_line", buttons=buttons, lines=lines, plan=plan.id)
        return
    paging = []
    if page > 0:
        paging.append(Button("dispatch.btn_prev", f"dp:p:{ref}:{page - 1}"))
    if page + 1 < pages:
        paging.append(Button("dispatch.btn_next", f"dp:p:{ref}:{page + 1}"))
    buttons = [[Button("dispatch.btn_accept", f"dp:a:{ref}"),
                Button("dispatch.btn_edit", f"dp:e:{ref}:{page}"),
                Button("dispatch.btn_discard", f"dp:d:{ref}")]]
    if paging:
        buttons.append(paging)
    say("dispatch.header", buttons=buttons, lines=lines, plan=plan.id, version=plan.version,
        scope=team_label(plan.team), tasks=len(rows),
        late=sum(1 for r in rows if r.line.late_seconds > 0),
        problems=sum(1 for r in rows if r.line.person_id is None), page=page + 1, pages=pages)


def _line(row: plans.Row) -> Line:
    params: dict[str, Any] = {"position": row.line.position, "work_order": row.work_order,
                              "seq": row.seq, "operation": row.operation,
                              "quantity": row.line.quantity}
    if row.person is None:
        return "dispatch.line_nobody", {**params, "skill": row.operation_code}
    person = row.person.name + (" 📌" if row.line.pinned else "")
    params |= {"person": person, "start_at": row.line.planned_start,
               "end_at": row.line.planned_end}
    if row.line.late_seconds > 0:
        return "dispatch.line_late", {**params, "late_seconds": row.line.late_seconds}
    return "dispatch.line", params


@handler(role=Role.supervisor)
async def page_button(ctx: Ctx) -> None:
    """dp:p:<plan>:<version>:<page> — another page (or back from picking)."""
    plan_id, version, page = button_ids(ctx, 3, skip=2)
    plan = await plans.opened(ctx.session, plan_id, version, ctx.me)
    await _show(ctx, plan, page, edit=True)
    ctx.answer("dispatch.page", page=page + 1)


@handler(role=Role.supervisor)
async def edit_button(ctx: Ctx) -> None:
    """dp:e:<plan>:<version>:<page> — pick the line to change on this page."""
    plan_id, version, page = button_ids(ctx, 3, skip=2)
    plan = await plans.opened(ctx.session, plan_id, version, ctx.me)
    await _show(ctx, plan, page, edit=True, picking=True)
    ctx.answer("dispatch.pick_short")


@handler(role=Role.supervisor)
async def line_button(ctx: Ctx) -> None:
    """dp:l:<plan>:<version>:<line> — the people the line's task could go to."""
    plan_id, version, line_id = button_ids(ctx, 3, skip=2)
    row, offered = await plans.candidates(ctx.session, plan_id=plan_id, version=version,
                                          line_id=line_id, actor=ctx.me)
    line = row.line
    ref = f"{plan_id}:{version}"
    others = [c for c in offered if c.person.id != line.person_id]
    lines: list[Line] = [_candidate(c) for c in others] or [("dispatch.no_candidates", {})]
    buttons = [[_person_button(f"dp:w:{ref}:{line.id}:{c.person.id}", c)] for c in others[:10]]
    buttons.append([Button("dispatch.btn_back", f"dp:p:{ref}:0")])
    ctx.edit("dispatch.pick_person", buttons=buttons, lines=lines, work_order=row.work_order,
             seq=row.seq, operation=row.operation, quantity=line.quantity,
             person=row.person.name if row.person else {"zh": "没人", "en": "nobody"})
    ctx.answer("dispatch.pick_short")


def _person_button(data: str, candidate: plans.Candidate) -> Button:
    if not candidate.load.tasks:
        return Button("dispatch.btn_person_free", data, {"name": candidate.person.name})
    return Button("dispatch.btn_person", data, {"name": candidate.person.name,
                                                "tasks": candidate.load.tasks,
                                                "load_seconds": candidate.load.minutes * 60})


def _candidate(candidate: plans.Candidate) -> Line:
    params = {"name": candidate.person.name, "tasks": candidate.load.tasks,
              "load_seconds": candidate.load.minutes * 60}
    if candidate.busy_until is None:
        return "dispatch.person_free", params
    return "dispatch.person_busy", {**params, "busy_at": candidate.busy_until}


@handler(role=Role.supervisor)
async def person_button(ctx: Ctx) -> None:
    """dp:w:<plan>:<version>:<line>:<person> — pin the task to this person, recompute."""
    plan_id, version, line_id, person_id = button_ids(ctx, 4, skip=2)
    plan = await plans.repin(ctx.session, plan_id=plan_id, version=version, line_id=line_id,
                             person_id=person_id, actor=ctx.me, now=ctx.scope.now,
                             rules=ctx.services.rules)
    await _show(ctx, plan, 0, edit=True)
    ctx.answer("dispatch.edited")


@handler(role=Role.supervisor)
async def accept_button(ctx: Ctx) -> None:
    """dp:a:<plan>:<version> — every line becomes an assignment with planned times."""
    plan_id, version = button_ids(ctx, 2, skip=2)
    done = await plans.accept(ctx.session, plan_id=plan_id, version=version, actor=ctx.me,
                              now=ctx.scope.now, rules=ctx.services.rules)
    if done.again:
        ctx.answer("dispatch.accepted_again")
        return
    ctx.edit("dispatch.accepted", plan=done.plan.id, assigned=done.assigned, timed=done.timed,
             told=done.told)
    ctx.answer("dispatch.accepted_short")


@handler(role=Role.supervisor)
async def discard_button(ctx: Ctx) -> None:
    """dp:d:<plan>:<version>"""
    plan_id, version = button_ids(ctx, 2, skip=2)
    plan = await plans.discard(ctx.session, plan_id=plan_id, version=version, actor=ctx.me,
                               now=ctx.scope.now)
    ctx.edit("dispatch.discarded", plan=plan.id)
    ctx.answer("dispatch.discarded", plan=plan.id)


# --- /rush -------------------------------------------------------------------------------------


@handler(role=Role.manager)
async def rush_command(ctx: Ctx) -> None:
    args = list(ctx.telegram.args or [])
    if not args:
        ctx.reply("rush.usage")
        return
    asked = await rush.request(ctx.session, args)
    preview = await rush.preview(ctx.session, asked, now=ctx.scope.now, rules=ctx.services.rules)
    draft = await conversation.start_input(ctx.session, ctx.me, chat_id=ctx.chat_id,
                                           kind=rush.PREVIEW, stage="confirm", now=ctx.scope.now,
                                           **asked.data())
    key, params = _preview_head(preview)
    ctx.reply(key, lines=[*_preview_lines(preview), ("rush.ask", {})], buttons=[[
        Button("rush.btn_confirm", f"ru:y:{draft.id}"),
        Button("rush.btn_cancel", f"ru:n:{draft.id}")]], **params)


def _preview_head(preview: rush.Preview) -> Line:
    due = preview.due_date.isoformat()
    if preview.work_order is not None:
        return "rush.preview", {"work_order": preview.work_order, "due": due}
    asked = preview.rush
    return "rush.preview_new", {"product": asked.product, "quantity": asked.quantity,
                                "customer": asked.customer, "due": due}


def _preview_lines(preview: rush.Preview) -> list[Line]:
    lines: list[Line] = []
    if preview.unplanned:
        lines.append(("rush.unplanned", {"count": preview.unplanned}))
    elif preview.late_seconds > 0:
        lines.append(("rush.finish_late", {"finish_at": preview.finish,
                                           "late_seconds": preview.late_seconds}))
    elif preview.finish is not None:
        lines.append(("rush.finish", {"finish_at": preview.finish}))
    if not preview.impacts:
        return [*lines, ("rush.no_impact", {})]
    lines.append(("rush.impacts", {"count": len(preview.impacts)}))
    for impact in preview.impacts[:IMPACTS_SHOWN]:
        if impact.was_late_seconds:
            lines.append(("rush.impact_more", {"work_order": impact.work_order,
                                               "late_seconds": impact.late_seconds,
                                               "was_seconds": impact.was_late_seconds}))
        else:
            lines.append(("rush.impact_new", {"work_order": impact.work_order,
                                              "late_seconds": impact.late_seconds}))
    if len(preview.impacts) > IMPACTS_SHOWN:
        lines.append(("rush.impacts_more", {"count": len(preview.impacts) - IMPACTS_SHOWN}))
    return lines


@handler(role=Role.manager)
async def rush_confirm(ctx: Ctx) -> None:
    """ru:y:<input> — apply the rush, once however often it is tapped."""
    (draft_id,) = button_ids(ctx, 1, skip=2)
    draft = await conversation.get_input(ctx.session, ctx.me, draft_id, rush.PREVIEW,
                                         ctx.scope.now)
    if draft is None or not await conversation.finish(ctx.session, draft, ctx.scope.now):
        if await rush.was_confirmed(ctx.session, ctx.me, draft_id):
            ctx.answer("rush.done_short")  # a double tap: the first one did it
            return
        raise DomainError("rush.expired")
    done = await rush.confirm(ctx.session, rush.Rush.of(conversation.answers(draft)),
                              actor=ctx.me, now=ctx.scope.now, rules=ctx.services.rules,
                              key=f"rush:{draft_id}")
    ctx.edit("rush.confirmed", lines=_preview_lines(done.preview),
             work_order=done.work_order.code, moved=done.moved, told=done.told)
    ctx.answer("rush.done_short")


@handler(role=Role.manager)
async def rush_cancel(ctx: Ctx) -> None:
    """ru:n:<input> — nothing happens."""
    await cancel_card(ctx, rush.PREVIEW, gone="rush.expired", cancelled="rush.cancelled")


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons of this part."""
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("dispatch", dispatch, filters=private))
    application.add_handler(CommandHandler("rush", rush_command, filters=private))
    buttons = {
        r"^dp:p:": page_button,
        r"^dp:e:": edit_button,
        r"^dp:l:": line_button,
        r"^dp:w:": person_button,
        r"^dp:a:": accept_button,
        r"^dp:d:": discard_button,
        r"^ru:y:": rush_confirm,
        r"^ru:n:": rush_cancel,
    }
    for pattern, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
