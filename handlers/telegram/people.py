"""People in and out of the factory from chat: supervisors bring people in (invites), managers
remove those who left (/remove CODE, then a confirm button)."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from domain import people_removal, registration
from domain.errors import DomainError
from domain.models import Person, Role
from domain.notifications import Button
from handlers.telegram.common import Ctx, button_ids, handler


@handler(role=Role.supervisor)
async def invite(ctx: Ctx) -> None:
    args = ctx.telegram.args or []
    if not args:
        ctx.reply("invite.usage")
        return
    role = args[1].lower() if len(args) > 1 else Role.worker.value
    issued = await registration.issue_invite(
        ctx.session, args[0].upper()[:32], role, now=ctx.scope.now, rules=ctx.services.rules,
        actor=ctx.me)
    ctx.reply("invite.issued", name=issued.person_name, code=issued.code, role=issued.role,
              link=f"https://t.me/{ctx.services.bot_username}?start={issued.code}",
              expires_at=issued.expires_at)


@handler(role=Role.manager)
async def remove_command(ctx: Ctx) -> None:
    """What removing them would take away, with a button to confirm (the rules are checked
    now and again on the tap)."""
    args = ctx.telegram.args or []
    if len(args) != 1:
        ctx.reply("remove.usage")
        return
    person, held = await people_removal.preview(ctx.session, args[0], actor=ctx.me,
                                                now=ctx.scope.now)
    named = {"name": person.name, "code": person.code}
    ctx.reply("remove.confirm", lines=held.lines(), role=person.role, **named,
              **held.params(), buttons=[[
                  Button("remove.btn_confirm", f"pr:y:{person.id}", {"code": person.code}),
                  Button("remove.btn_cancel", f"pr:n:{person.id}")]])


@handler(role=Role.manager)
async def confirm_button(ctx: Ctx) -> None:
    [person_id] = button_ids(ctx, 1, skip=2)
    removal = await people_removal.remove(ctx.session, person_id, actor=ctx.me,
                                          now=ctx.scope.now)
    person = removal.person
    ctx.edit("remove.done", lines=removal.held.lines(), name=person.name, code=person.code,
             **removal.held.params())
    ctx.answer("remove.done_short", code=person.code)


@handler(role=Role.manager)
async def cancel_button(ctx: Ctx) -> None:
    [person_id] = button_ids(ctx, 1, skip=2)
    person = await ctx.session.get(Person, person_id)
    if person is None:
        raise DomainError("button.invalid")
    ctx.edit("remove.cancelled", name=person.name, code=person.code)
    ctx.answer("remove.cancelled", name=person.name, code=person.code)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Private chats only: who leaves is no business of a group."""
    application.add_handler(CommandHandler("remove", remove_command,
                                           filters=filters.ChatType.PRIVATE))
    application.add_handler(CallbackQueryHandler(confirm_button, pattern=r"^pr:y:\d+$"))
    application.add_handler(CallbackQueryHandler(cancel_button, pattern=r"^pr:n:\d+$"))
