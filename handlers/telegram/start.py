"""Registration with an invite, language, help."""

from __future__ import annotations

from domain import registration
from domain.models import Role
from domain.notifications import Button, enqueue_commands
from handlers.telegram.common import Ctx, handler


@handler(role=None)
async def start(ctx: Ctx) -> None:
    args = ctx.telegram.args or []
    if not args:
        if ctx.person is None:
            ctx.reply("start.need_invite")
        else:
            ctx.reply("start.welcome_back", name=ctx.person.name, role=ctx.person.role)
            help_for(ctx)
        return
    person = await registration.redeem_invite(
        ctx.session, args[0][:64], ctx.user_id, now=ctx.scope.now, language=ctx.lang
    )
    ctx.person = person
    ctx.lang = person.language or ctx.lang
    ctx.reply("start.registered", name=person.name, code=person.code, role=person.role)
    enqueue_commands(ctx.session, ctx.chat_id, role=person.role, lang=ctx.lang)
    help_for(ctx)


@handler(role=None)
async def help_command(ctx: Ctx) -> None:
    if ctx.person is None:
        ctx.reply("start.need_invite")
    else:
        help_for(ctx)


def help_for(ctx: Ctx) -> None:
    person = ctx.person
    if person is not None and person.has_role(Role.supervisor):
        ctx.reply("help.supervisor")
    elif person is not None and person.has_role(Role.qc):
        ctx.reply("help.qc")
    else:
        ctx.reply("help.worker")


@handler(role=None)
async def lang(ctx: Ctx) -> None:
    args = [a.lower() for a in (ctx.telegram.args or [])]
    if args and args[0] in ("zh", "en", "中文", "english"):
        choose(ctx, "zh" if args[0] in ("zh", "中文") else "en")
        return
    ctx.reply("lang.choose", buttons=[[Button("lang.zh", "l:zh"), Button("lang.en", "l:en")]])


@handler(role=None)
async def lang_button(ctx: Ctx) -> None:
    data = ctx.update.callback_query.data if ctx.update.callback_query else ""
    choose(ctx, (data or "").removeprefix("l:"))


def choose(ctx: Ctx, language: str) -> None:
    if ctx.person is None:
        # Strangers have no row to keep it in; their Telegram language applies until they register.
        ctx.lang = language if language in ("zh", "en") else ctx.lang
        ctx.reply("lang.unregistered")
        return
    registration.set_language(ctx.session, ctx.person, language)
    ctx.lang = language
    ctx.reply("lang.set")
    enqueue_commands(ctx.session, ctx.chat_id, role=ctx.person.role, lang=language)
    if ctx.update.callback_query:
        ctx.answer("lang.set")
