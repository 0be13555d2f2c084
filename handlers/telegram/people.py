"""Supervisors bring people in: invites from chat."""

from __future__ import annotations

from domain import registration
from domain.models import Role
from handlers.telegram.common import Ctx, handler


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
