"""Assignment 派工 and claiming 认领 in chat.

    /assign WO-000123 20 W01 W02    put those people on operation 20
    /assign WO-000123 20 team A     every active worker of team A skilled in the operation
    /assign WO-000123 20            the task card with the team to pick from (each with their
                                    load), ticked on tap, applied with Done
    /assign WO-000123               which operation? (buttons), then the picker
    /unassign WO-000123 20 W01      take someone off (they are told)
    /open WO-000123 20 [team A]     open for claiming: eligible workers get a Claim button

The operation may be written 20, #20, WO-000123:20 or as the label GD1:WO-000123:20.

The picker keeps no state on the server: each person's button carries the selection as it
will be after the tap (a bit mask over the picker's list) and the list's fingerprint, so a
tap re-draws the same card and a tap on a card drawn from an older list is refused. Callback
data: as:o:<task> picker, as:t:<task>:<fp>:<mask> toggle, as:d:<task>:<fp>:<mask> Done,
as:c:<task> open for claiming, as:x:<task> close; cl:<task> claim.
"""

from __future__ import annotations

import re
from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from domain import assignment, claiming
from domain.assignment import Changed, Picker, TaskView
from domain.errors import DomainError
from domain.models import Person, Role
from domain.notifications import Button
from domain.payload import LabelCode, parse_typed_label
from handlers.telegram.common import Ctx, button_ids, handler

_SEQ = re.compile(r"^#?(\d{1,4})$")
_PICK = re.compile(r"^as:[td]:([0-9]{1,11}):([0-9a-f]{4}):([0-9a-f]{1,16})$")
TEAM_WORDS = ("team", "班组")
Line = tuple[str, dict[str, Any]]


# --- reading the command -------------------------------------------------------------------


def _target(ctx: Ctx, usage: str) -> tuple[str, int | None, list[str]]:
    """The work order, the operation's sequence if written, and the words after them."""
    args = list(ctx.telegram.args or [])
    code = parse_typed_label(args[0]) if args else None
    if not isinstance(code, LabelCode):
        raise DomainError(usage)
    seq, rest = code.operation_seq, args[1:]
    if seq is None and rest:
        written = _SEQ.match(rest[0])
        label = parse_typed_label(rest[0]) if written is None else None
        if written is not None:
            seq, rest = int(written[1]), rest[1:]
        elif isinstance(label, LabelCode) and label.work_order == code.work_order:
            seq, rest = label.operation_seq, rest[1:]
    return code.work_order, seq, rest


def _team(ctx: Ctx, rest: list[str]) -> str | None:
    """`team A` (or `班组 A`): the team named; `team` alone: the supervisor's own."""
    if not rest or rest[0].lower() not in TEAM_WORDS:
        return None
    return " ".join(rest[1:]) or (ctx.me.team or "")


async def _one_task(ctx: Ctx, work_order: str, seq: int | None, *, ask: str,
                    named: bool) -> TaskView | None:
    """The task meant. With several open operations and no sequence: when people or a team
    were named, say which operations there are; else ask with buttons (`ask` is the button's
    action) and return None."""
    found = await assignment.find_task(ctx.session, work_order, seq)
    if not isinstance(found, list):
        return found
    if named:
        raise DomainError("assign.seq_needed", work_order=work_order,
                          operations="、".join(f"{v.seq} {v.operation}" for v in found))
    ctx.reply("assign.choose_operation", work_order=work_order, buttons=[
        [Button("assign.btn_operation", f"as:{ask}:{v.task_id}",
                {"seq": v.seq, "operation": v.operation, "count": len(v.assignees)})]
        for v in found])
    return None


# --- commands ------------------------------------------------------------------------------


@handler(role=Role.supervisor)
async def assign_command(ctx: Ctx) -> None:
    work_order, seq, rest = _target(ctx, "assign.usage")
    view = await _one_task(ctx, work_order, seq, ask="o", named=bool(rest))
    if view is None:
        return
    if not rest:
        _show_picker(ctx, await assignment.picker(ctx.session, view.task_id, ctx.me))
        return
    team = _team(ctx, rest)
    people = (await assignment.team_members(ctx.session, view.task_id, team, actor=ctx.me)
              if team is not None else await assignment.people_by_codes(ctx.session, rest))
    added = await assignment.assign(ctx.session, view.task_id, people, actor=ctx.me,
                                    now=ctx.scope.now)
    ids = {p.id for p in added}
    _outcome(ctx, Changed(view, added, [], [p for p in people if p.id not in ids]), edit=False)


@handler(role=Role.supervisor)
async def unassign_command(ctx: Ctx) -> None:
    work_order, seq, rest = _target(ctx, "assign.unassign_usage")
    if seq is None or not rest:
        raise DomainError("assign.unassign_usage")
    view = await assignment.find_task(ctx.session, work_order, seq)
    assert not isinstance(view, list)
    people = await assignment.people_by_codes(ctx.session, rest)
    removed = await assignment.unassign(ctx.session, view.task_id, people, actor=ctx.me,
                                        now=ctx.scope.now)
    if not removed:
        raise DomainError("assign.not_on_task", names=_names(people), **_where(view))
    ctx.reply("assign.unassigned", names=_names(removed), **_where(view))


@handler(role=Role.supervisor)
async def open_command(ctx: Ctx) -> None:
    work_order, seq, rest = _target(ctx, "assign.open_usage")
    team = _team(ctx, rest)
    if rest and team is None:
        raise DomainError("assign.open_usage")
    view = await _one_task(ctx, work_order, seq, ask="c", named=team is not None)
    if view is not None:
        await _open(ctx, view.task_id, team)


async def _open(ctx: Ctx, task_id: int, team: str | None) -> None:
    opened = await claiming.open_for_claim(ctx.session, task_id, actor=ctx.me,
                                             now=ctx.scope.now, team=team)
    ctx.reply("claim.opened", count=len(opened.offered), names=_names(opened.offered),
              team=assignment.team_label(opened.team), **_where(opened.view))


# --- the picker ----------------------------------------------------------------------------


def _show_picker(ctx: Ctx, picker: Picker, mask: int | None = None, *,
                 edit: bool = False) -> None:
    """The task card for the supervisor, one button per person (✓ when picked)."""
    view, fp, task = picker.view, picker.fingerprint, picker.view.task_id
    if mask is None:
        mask = sum(1 << i for i, c in enumerate(picker.people) if c.assigned)
    rows: list[list[Button]] = []
    for i, candidate in enumerate(picker.people):
        load = candidate.load
        params = {"mark": "✓ " if mask >> i & 1 else "", "name": candidate.person.name,
                  "tasks": load.tasks, "load_seconds": load.minutes * 60}
        rows.append([Button("assign.btn_person" if load.tasks else "assign.btn_person_free",
                            f"as:t:{task}:{fp}:{mask ^ (1 << i):x}", params)])
    rows.append([Button("assign.btn_done", f"as:d:{task}:{fp}:{mask:x}"),
                 Button("assign.btn_open", f"as:c:{task}"),
                 Button("assign.btn_close", f"as:x:{task}")])
    lines: list[Line] = view.plan_lines()
    if view.open_for_claim:
        lines.append(("assign.picker_open", {}))
    lines.append(("assign.picker_hint" if picker.people else "assign.picker_nobody",
                  {"skill": view.operation_code}))
    params = {**view.params(), "assignees": _names(view.assignees)}
    if edit:
        ctx.edit("assign.picker", buttons=rows, lines=lines, **params)
    else:
        ctx.reply("assign.picker", buttons=rows, lines=lines, **params)


def _pick_data(ctx: Ctx) -> tuple[int, str, int]:
    data = ctx.update.callback_query.data if ctx.update.callback_query else None
    match = _PICK.match(data or "")
    if match is None:
        raise DomainError("button.invalid")
    return int(match[1]), match[2], int(match[3], 16)


async def _current_picker(ctx: Ctx) -> tuple[Picker, int] | None:
    """The picker the tap was made on, or None (it was re-drawn: the list changed)."""
    task_id, fp, mask = _pick_data(ctx)
    picker = await assignment.picker(ctx.session, task_id, ctx.me)
    if picker.fingerprint != fp or mask >> len(picker.people):
        _show_picker(ctx, picker, edit=True)
        ctx.answer("assign.picker_changed")
        return None
    return picker, mask


@handler(role=Role.supervisor)
async def operation_button(ctx: Ctx) -> None:
    (task_id,) = button_ids(ctx, 1, skip=2)
    _show_picker(ctx, await assignment.picker(ctx.session, task_id, ctx.me), edit=True)
    ctx.answer("assign.picker_shown")


@handler(role=Role.supervisor)
async def toggle_button(ctx: Ctx) -> None:
    current = await _current_picker(ctx)
    if current is not None:
        _show_picker(ctx, *current, edit=True)
        ctx.answer("assign.picker_toggled")


@handler(role=Role.supervisor)
async def done_button(ctx: Ctx) -> None:
    current = await _current_picker(ctx)
    if current is None:
        return
    picker, mask = current
    chosen = [c.person for i, c in enumerate(picker.people) if mask >> i & 1]
    changed = await assignment.choose(ctx.session, picker.view.task_id, chosen,
                                      [c.person for c in picker.people], actor=ctx.me,
                                      now=ctx.scope.now)
    _outcome(ctx, changed, edit=True)


@handler(role=Role.supervisor)
async def open_button(ctx: Ctx) -> None:
    (task_id,) = button_ids(ctx, 1, skip=2)
    await _open(ctx, task_id, None)
    ctx.answer("assign.opened_short")


@handler(role=Role.supervisor)
async def close_button(ctx: Ctx) -> None:
    button_ids(ctx, 1, skip=2)  # as:x:<task>: closing changes nothing, but only our data closes
    ctx.edit("assign.picker_closed")
    ctx.answer("assign.picker_closed")


def _outcome(ctx: Ctx, changed: Changed, *, edit: bool) -> None:
    """What the assignment did, for the supervisor."""
    lines: list[Line] = []
    if changed.added:
        lines.append(("assign.outcome_added", {"names": _names(changed.added)}))
        unreachable = [p for p in changed.added if p.telegram_user_id is None]
        if unreachable:
            lines.append(("assign.outcome_unregistered", {"names": _names(unreachable)}))
    if changed.kept:
        lines.append(("assign.outcome_kept", {"names": _names(changed.kept)}))
    if changed.removed:
        lines.append(("assign.outcome_removed", {"names": _names(changed.removed)}))
    key = "assign.outcome" if changed.added or changed.removed else "assign.outcome_unchanged"
    if edit:
        ctx.edit(key, lines=lines, **_where(changed.view))
    else:
        ctx.reply(key, lines=lines, **_where(changed.view))
    if ctx.update.callback_query:
        ctx.answer("assign.outcome_short")


# --- claiming ------------------------------------------------------------------------------


@handler()
async def claim_button(ctx: Ctx) -> None:
    """Claim 认领: the first tap wins (the offer is edited, the card follows); a later tap is
    refused with who took it."""
    (task_id,) = button_ids(ctx, 1)
    claimed = await claiming.claim(ctx.session, task_id, ctx.me, now=ctx.scope.now)
    ctx.answer("claim.won_short", **_where(claimed.view))


# --- helpers -------------------------------------------------------------------------------


def _where(view: TaskView) -> dict[str, Any]:
    return {"work_order": view.work_order, "seq": view.seq, "operation": view.operation}


def _names(people: Any) -> str:
    names = [p.name if isinstance(p, Person) else str(p) for p in people]
    return "、".join(names) if names else "—"


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Commands and buttons of this part."""
    private = filters.ChatType.PRIVATE
    for name, callback in (("assign", assign_command), ("unassign", unassign_command),
                           ("open", open_command)):
        application.add_handler(CommandHandler(name, callback, filters=private))
    buttons = {
        r"^as:o:": operation_button,
        r"^as:t:": toggle_button,
        r"^as:d:": done_button,
        r"^as:c:": open_button,
        r"^as:x:": close_button,
        r"^cl:\d": claim_button,
    }
    for pattern, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
