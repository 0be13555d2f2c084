"""The shop-floor board from chat (managers, in private: the link is a key to the board).

/board [days] [name]   a fresh link (token) for a TV, valid 365 days unless said
/board list            every board link and its state
/board revoke NO       revoke one: screens using it stop within seconds
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram.ext import Application, CommandHandler, filters

from domain import access_tokens
from domain.models import Role
from handlers.telegram.common import Ctx, handler

LIST_LIMIT = 20


@handler(role=Role.manager)
async def board_command(ctx: Ctx) -> None:
    args = ctx.telegram.args or []
    action = args[0].lower() if args else ""
    if action in ("list", "列表"):
        await _list(ctx)
    elif action in ("revoke", "撤销"):
        await _revoke(ctx, args[1:])
    elif action and not action.isdecimal():  # "²" is a digit int() cannot read
        ctx.reply("board.usage")
    else:
        await _issue(ctx, int(action) if action else access_tokens.DEFAULT_DAYS,
                     " ".join(args[1:]))


async def _issue(ctx: Ctx, days: int, label: str) -> None:
    base = ctx.services.board_url
    if not base:
        ctx.reply("board.not_served")
        return
    issued = await access_tokens.issue(ctx.session, now=ctx.scope.now, days=days,
                                       label=label or None, actor=ctx.me,
                                       holder=ctx.me)  # theirs: it goes dark when they leave
    lines = [("board.label_line", {"label": issued.label})] if issued.label else []
    ctx.reply("board.link", lines=lines, secret=("link_zh", "link_en"), id=issued.id,
              until=_day(ctx, issued.expires_at),
              link_zh=access_tokens.board_link(base, issued.token, "zh"),
              link_en=access_tokens.board_link(base, issued.token, "en"))


async def _revoke(ctx: Ctx, args: list[str]) -> None:
    if len(args) != 1 or not args[0].isdecimal() or len(args[0]) > 12:
        ctx.reply("board.usage")
        return
    info = await access_tokens.revoke(ctx.session, int(args[0]), now=ctx.scope.now,
                                      actor=ctx.me)
    ctx.reply("board.revoked", id=info.id, label=info.label or "–")


async def _list(ctx: Ctx) -> None:
    tokens = (await access_tokens.listing(ctx.session))[:LIST_LIMIT]
    if not tokens:
        ctx.reply("board.list_empty")
        return
    now = ctx.scope.now
    ctx.reply("board.list_header", lines=[("board.list_line", {
        "id": t.id, "label": t.label or "–", "by": t.created_by or "–",
        "token_state": ("revoked" if t.revoked_at is not None
                        else "active" if t.active(now) else "expired"),
        "until": _day(ctx, t.expires_at) if t.expires_at else "–",
    }) for t in tokens])


def _day(ctx: Ctx, instant: datetime) -> str:
    """A date a year away reads better with its year than as MM-DD HH:MM."""
    return instant.astimezone(ZoneInfo(ctx.services.rules.timezone)).strftime("%Y-%m-%d")


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Private chats only: a link posted in a group would open the board to everyone there."""
    application.add_handler(CommandHandler("board", board_command,
                                           filters=filters.ChatType.PRIVATE))
