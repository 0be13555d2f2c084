"""Wages in chat: /me, /clockin, /clockout, /team, /adjust and /clockfix.

/me shows today's payslip lines one by one (operation, pieces × rate = amount; undos, hours,
adjustments) and the month's subtotals, so a worker can check every number by hand; pieces
waiting for QC and an open clock-in are shown, not paid. A supervisor sees their team with
/team, fixes a forgotten clock-out with /clockfix (or the reminder's Fix button), and enters a
bonus or deduction with /adjust, which moves no money before its confirmation card is tapped.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from domain import adjustments, clocking, conversation, periods, wages
from domain.clocking import Closed
from domain.errors import DomainError
from domain.models import InputDraft, Role
from domain.notifications import Button
from domain.payload import parse_typed_label
from domain.periods import Period, local_date
from domain.wages import NO_TEAM, PayLine, Payslip
from handlers.telegram.common import Ctx, button_ids, handler
from handlers.telegram.conversation import cancel_card, on_text

ADJUST = "adjust"  # an adjustment waiting for its confirmation
LEFT_AT = "clock_left_at"  # a worker answering a forgotten clock-out with the time they left
FIX = "clock_fix"  # a supervisor typing the clock-out a worker forgot
UNDO_WORDS = ("undo", "reverse", "撤销", "撤回")
# A /team message lists this many people at most (the export has everyone).
TEAM_LIMIT = 60
Line = tuple[str, dict[str, Any]]


def _zone(ctx: Ctx) -> ZoneInfo:
    return ZoneInfo(ctx.services.rules.timezone)


def _today(ctx: Ctx) -> date:
    return local_date(ctx.scope.now, _zone(ctx))


def _args(ctx: Ctx) -> list[str]:
    return list(ctx.telegram.args or [])


def _period(ctx: Ctx, text: str) -> Period | None:
    """The period typed after a command; None when nothing was typed."""
    if not text.strip():
        return None
    try:
        return periods.parse(text, _today(ctx))
    except ValueError:
        raise DomainError("wages.bad_period", text=text) from None


def _trailing_period(ctx: Ctx, args: list[str]) -> tuple[list[str], Period | None]:
    """`/team 装配一组 lastmonth`: the words before the period, and the period if one ends it."""
    if args:
        try:
            return args[:-1], periods.parse(args[-1], _today(ctx))
        except ValueError:
            pass
    return args, None


# --- numbers as people check them ------------------------------------------------------------


def amount(value: Decimal) -> str:
    return f"{value:.2f}"


def signed(value: Decimal) -> str:
    return f"{value:+.2f}"


def rate(value: Decimal) -> str:
    """0.3500 → 0.35, 0.0350 → 0.035, 18.5 → 18.50: the digits that matter, cents at least."""
    text = format(value.normalize(), "f")
    decimals = text.partition(".")[2]
    return f"{value:.2f}" if len(decimals) <= 2 else text


def pay_line(line: PayLine) -> Line:
    if line.kind == "hourly":
        return ("wages.line_hourly", {"subject": line.subject, "minutes_seconds": line.minutes * 60,
                                      "rate": rate(line.rate), "amount": amount(line.amount)})
    if line.kind == "adjustment":
        return ("wages.line_adjustment", {"id": line.refs[0], "subject": line.subject,
                                          "amount": signed(line.amount)})
    return (f"wages.line_{line.kind}", {"subject": line.subject, "quantity": int(line.quantity),
                                        "rate": rate(line.rate), "amount": amount(line.amount)})


def hours(minutes: int) -> int | str:
    """For a `_seconds` param: the time, or a dash when there is none (not "0 s")."""
    return minutes * 60 if minutes else "—"


def _operation(code: str | None, name: str | None) -> str:
    return f"{name}（{code}）" if name and code else code or name or "—"


def _summary(slip: Payslip) -> list[Line]:
    """The period's subtotals by kind and operation, its adjustments one by one, its total."""
    lines: list[Line] = []
    for sub in wages.subtotals(slip.lines):
        if sub.kind == "hourly":
            lines.append(("wages.sub_hourly", {"minutes_seconds": sub.minutes * 60,
                                               "rate": rate(sub.rate),
                                               "amount": amount(sub.amount)}))
        else:
            lines.append((f"wages.sub_{sub.kind}", {
                "operation": _operation(sub.operation_code, sub.operation_name),
                "quantity": int(sub.quantity), "rate": rate(sub.rate),
                "amount": amount(sub.amount)}))
    lines += [("wages.sub_adjustment", {"id": x.refs[0], "day": x.day.isoformat(),
                                        "subject": x.subject, "amount": signed(x.amount)})
              for x in slip.lines if x.kind == "adjustment"]
    if not slip.lines:
        lines.append(("wages.nothing", {}))
    lines.append(("wages.period_total", {"period": slip.period.label,
                                         "amount": amount(slip.total)}))
    return lines


def _day(slip: Payslip, day: date, today: date) -> list[Line]:
    booked = slip.on(day)
    lines: list[Line] = [("wages.me_today" if day == today else "wages.me_day",
                          {"day": day.isoformat()})]
    lines += [pay_line(x) for x in booked] or [("wages.day_none", {})]
    if booked:
        lines.append(("wages.day_total", {"amount": amount(sum(
            (x.amount for x in booked), Decimal("0.00")))}))
    return lines


# --- /me -------------------------------------------------------------------------------------


@handler()
async def me(ctx: Ctx) -> None:
    """/me [period]: today line by line and this month summed up, or the period asked for."""
    today = _today(ctx)
    asked = _period(ctx, " ".join(_args(ctx)))
    slip = await wages.payslip(ctx.session, ctx.me, asked or Period.month(today), _zone(ctx))
    lines: list[Line] = []
    if asked is None or asked.days == 1:
        lines += _day(slip, asked.start if asked else today, today)
    if asked is None or asked.days > 1:
        lines.append(("wages.me_period", {"period": slip.period.label}))
        if asked is not None:
            lines += [("wages.day_sum", {"day": day.isoformat(), "amount": amount(total)})
                      for day, total in wages.day_totals(slip)]
        lines += _summary(slip)
    if slip.pending_qc_pieces:
        lines.append(("wages.pending_qc", {"count": slip.pending_qc_pieces}))
    if slip.open_clock_since:
        lines.append(("wages.open_clock", {"since_at": slip.open_clock_since}))
    if slip.wage_mode == "hourly":
        lines.append(("wages.hourly_note", {}))
    lines.append(("wages.rule_note", {}))
    ctx.reply("wages.me_header", lines=lines, name=slip.name, code=slip.person_code,
              wage_mode=slip.wage_mode)


# --- /team -----------------------------------------------------------------------------------


@handler(role=Role.supervisor)
async def team(ctx: Ctx) -> None:
    """/team [TEAM] [period]: a supervisor's own team, a manager's any team or all of them."""
    args, period = _trailing_period(ctx, _args(ctx))
    period = period or Period.month(_today(ctx))
    asked = " ".join(args).strip() or None
    zone = _zone(ctx)
    if ctx.me.has_role(Role.manager) and asked is None:
        await _all_teams(ctx, period, zone)
        return
    name = wages.team_in_view(ctx.me, asked)
    run = await wages.wage_run(ctx.session, period, zone, team=name)
    if not run:
        raise DomainError("wages.team_unknown", team=name or NO_TEAM)
    lines: list[Line] = [("wages.team_person", {
        "name": s.name, "code": s.person_code,
        "pieces": s.pieces, "minutes_seconds": hours(s.hourly_minutes),
        "amount": amount(s.total)}) for s in run[:TEAM_LIMIT]]
    if len(run) > TEAM_LIMIT:
        lines.append(("wages.team_more", {"count": len(run) - TEAM_LIMIT}))
    for total in wages.team_totals(run):  # one: they are all of this team
        lines.append(("wages.team_total", _team_figures(total)))
    ctx.reply("wages.team_header", lines=lines, team=name or NO_TEAM, period=period.label,
              people=len(run))


async def _all_teams(ctx: Ctx, period: Period, zone: ZoneInfo) -> None:
    totals = wages.team_totals(await wages.wage_run(ctx.session, period, zone))
    lines: list[Line] = [("wages.team_line", {"team": t.team or NO_TEAM, "people": t.people,
                                              **_team_figures(t)}) for t in totals]
    lines.append(("wages.teams_hint", {}))
    ctx.reply("wages.teams_header", lines=lines, period=period.label)


def _team_figures(total: wages.TeamTotal) -> dict[str, Any]:
    return {"pieces": total.pieces, "minutes_seconds": hours(round(total.hours * 60)),
            "piece_amount": amount(total.piece_amount),
            "hourly_amount": amount(total.hourly_amount),
            "adjustments": signed(total.adjustments), "total": amount(total.total)}


# --- clocking --------------------------------------------------------------------------------


@handler()
async def clockin(ctx: Ctx) -> None:
    done = await clocking.clock_in(ctx.session, ctx.me, now=ctx.scope.now, key=ctx.scope.key,
                                   rules=ctx.services.rules)
    lines: list[Line] = []
    if done.shift is not None:
        zone = _zone(ctx)
        lines.append(("clock.in_shift", {"shift": done.shift.shift.name,
                                         "start": f"{done.shift.start.astimezone(zone):%H:%M}",
                                         "end": f"{done.shift.end.astimezone(zone):%H:%M}"}))
    if done.closes_at is not None:
        lines.append(("clock.in_closes", {"closes_at": done.closes_at}))
    ctx.reply("clock.in_done", lines=lines, since_at=done.entry.clock_in_at)


@handler()
async def clockout(ctx: Ctx) -> None:
    """/clockout, or /clockout 17:30 with the time one left (after a reminder)."""
    given = " ".join(_args(ctx)).strip() or None
    closed = await clocking.clock_out(ctx.session, ctx.me, now=ctx.scope.now, key=ctx.scope.key,
                                      rules=ctx.services.rules, at=given)
    _clocked_out(ctx, closed)


def _clocked_out(ctx: Ctx, closed: Closed) -> None:
    zone = _zone(ctx)
    assert closed.entry.closed_at is not None
    if closed.paid:
        extra: Line = ("clock.out_paid", {
            "minutes_seconds": closed.minutes * 60, "rate": rate(closed.rate),
            "amount": amount(closed.amount),
            "day": local_date(closed.entry.closed_at, zone).isoformat()})
    else:
        extra = ("clock.out_unpaid", {})
    ctx.reply("clock.out_done", lines=[extra], span=wages.clock_span(closed.entry, zone),
              minutes_seconds=closed.minutes * 60)


@handler()
async def left_at_button(ctx: Ctx) -> None:
    """ck:o:<entry>: the worker answers a forgotten clock-out reminder with the time they left."""
    (entry_id,) = button_ids(ctx, 1, skip=2)
    entry = await clocking.open_entry(ctx.session, ctx.me)
    if entry is None or entry.id != entry_id:
        raise DomainError("clock.not_in")
    await conversation.start_input(ctx.session, ctx.me, chat_id=ctx.chat_id, kind=LEFT_AT,
                                   stage="time", now=ctx.scope.now, ref_id=entry.id)
    ctx.reply("clock.ask_left_at", since_at=entry.clock_in_at)
    ctx.answer("clock.asked")


@on_text(LEFT_AT)
async def left_at_typed(ctx: Ctx, draft: InputDraft, text: str) -> bool:
    if parse_typed_label(text) is not None:
        return False  # a card code: reporting's
    closed = await clocking.clock_out(ctx.session, ctx.me, now=ctx.scope.now, key=ctx.scope.key,
                                      rules=ctx.services.rules, at=text, entry_id=draft.ref_id)
    await conversation.finish(ctx.session, draft, ctx.scope.now)
    _clocked_out(ctx, closed)
    return True


@handler(role=Role.supervisor)
async def clockfix(ctx: Ctx) -> None:
    """/clockfix CODE TIME [reason]"""
    args = _args(ctx)
    if len(args) < 2:
        ctx.reply("clock.fix_usage")
        return
    out, reason = clocking.split_time(" ".join(args[1:]))
    closed = await clocking.fix_clock_out(ctx.session, ctx.me, out=out, reason=reason,
                                          now=ctx.scope.now, key=ctx.scope.key,
                                          rules=ctx.services.rules, person_code=args[0])
    _fixed(ctx, closed)


@handler(role=Role.supervisor)
async def fix_button(ctx: Ctx) -> None:
    """ck:f:<entry>: the reminder's Fix button; the supervisor types the time next."""
    (entry_id,) = button_ids(ctx, 1, skip=2)
    entry, person = await clocking.entry_to_fix(ctx.session, ctx.me, entry_id)
    await conversation.start_input(ctx.session, ctx.me, chat_id=ctx.user_id, kind=FIX,
                                   stage="time", now=ctx.scope.now, ref_id=entry.id)
    ctx.reply("clock.ask_fix", name=person.name, code=person.code, since_at=entry.clock_in_at)
    ctx.answer("clock.asked")


@on_text(FIX)
async def fix_typed(ctx: Ctx, draft: InputDraft, text: str) -> bool:
    if parse_typed_label(text) is not None:
        return False
    out, reason = clocking.split_time(text)
    closed = await clocking.fix_clock_out(ctx.session, ctx.me, out=out, reason=reason,
                                          now=ctx.scope.now, key=ctx.scope.key,
                                          rules=ctx.services.rules, entry_id=draft.ref_id)
    await conversation.finish(ctx.session, draft, ctx.scope.now)
    _fixed(ctx, closed)
    return True


def _fixed(ctx: Ctx, closed: Closed) -> None:
    ctx.reply("clock.fixed", name=closed.person.name, code=closed.person.code,
              span=wages.clock_span(closed.entry, _zone(ctx)),
              minutes_seconds=closed.minutes * 60)


# --- adjustments -----------------------------------------------------------------------------


@handler(role=Role.supervisor)
async def adjust(ctx: Ctx) -> None:
    """/adjust CODE AMOUNT REASON, or /adjust undo ID REASON: a card to confirm, nothing yet."""
    args = _args(ctx)
    if len(args) >= 2 and args[0].casefold() in UNDO_WORDS:
        if not args[1].lstrip("#").isdecimal() or len(args[1]) > 12:
            ctx.reply("adjust.usage")
            return
        proposal = await adjustments.propose_reversal(ctx.session, ctx.me,
                                                      int(args[1].lstrip("#")),
                                                      " ".join(args[2:]))
        original = proposal.reverses
        assert original is not None
        draft = await _draft(ctx, undo=original.id, reason=proposal.reason)
        ctx.reply("adjust.confirm_undo", buttons=_confirm_buttons(draft), id=original.id,
                  name=proposal.person.name, code=proposal.person.code,
                  original=signed(original.amount), original_note=original.reason,
                  amount=signed(proposal.amount), note=proposal.reason)
        return
    if len(args) < 2:
        ctx.reply("adjust.usage")
        return
    proposal = await adjustments.propose(ctx.session, ctx.me, args[0],
                                         adjustments.parse_amount(args[1]), " ".join(args[2:]))
    draft = await _draft(ctx, code=proposal.person.code, name=proposal.person.name,
                         amount=str(proposal.amount), reason=proposal.reason)
    ctx.reply("adjust.confirm", buttons=_confirm_buttons(draft), name=proposal.person.name,
              code=proposal.person.code, amount=signed(proposal.amount), note=proposal.reason)


async def _draft(ctx: Ctx, **data: Any) -> InputDraft:
    return await conversation.start_input(ctx.session, ctx.me, chat_id=ctx.chat_id, kind=ADJUST,
                                          stage="confirm", now=ctx.scope.now, **data)


def _confirm_buttons(draft: InputDraft) -> list[list[Button]]:
    return [[Button("adjust.btn_confirm", f"adj:y:{draft.id}"),
             Button("adjust.btn_cancel", f"adj:n:{draft.id}")]]


@handler(role=Role.supervisor)
async def confirm_button(ctx: Ctx) -> None:
    (draft_id,) = button_ids(ctx, 1, skip=2)
    key = f"adj:{draft_id}"  # one entry per card, however often it is tapped
    draft = await conversation.get_input(ctx.session, ctx.me, draft_id, ADJUST, ctx.scope.now)
    if draft is None or not await conversation.finish(ctx.session, draft, ctx.scope.now):
        if await adjustments.by_key(ctx.session, key) is not None:
            ctx.answer("adjust.done_short")  # a double tap: recorded by the first
            return
        raise DomainError("adjust.expired")
    data = conversation.answers(draft)
    rules = ctx.services.rules
    if "undo" in data:
        row = await adjustments.reverse(ctx.session, ctx.me, int(data["undo"]), data["reason"],
                                        now=ctx.scope.now, key=key, rules=rules)
        ctx.edit("adjust.undone", id=row.id, original=row.reverses_id, amount=signed(row.amount),
                 note=row.reason)
    else:
        row = await adjustments.adjust(ctx.session, ctx.me, data["code"], Decimal(data["amount"]),
                                       data["reason"], now=ctx.scope.now, key=key, rules=rules)
        ctx.edit("adjust.done", id=row.id, name=data.get("name", ""), code=data["code"],
                 amount=signed(row.amount), note=row.reason)
    ctx.answer("adjust.done_short")


@handler(role=Role.supervisor)
async def cancel_button(ctx: Ctx) -> None:
    await cancel_card(ctx, ADJUST, gone="adjust.expired", cancelled="adjust.cancelled")


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this module's commands and buttons."""
    private = filters.ChatType.PRIVATE
    commands = {"me": me, "team": team, "clockin": clockin, "clockout": clockout,
                "clockfix": clockfix, "adjust": adjust}
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    buttons = {r"^ck:o:": left_at_button, r"^ck:f:": fix_button, r"^adj:y:": confirm_button,
               r"^adj:n:": cancel_button}
    for pattern, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
