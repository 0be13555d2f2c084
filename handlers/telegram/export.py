"""/export [period]: the Excel workbook of a period, sent back as a document.

The file is not made here: the reply describes it (attachment kind "export") and the sender
makes it when sending, so the update's transaction stays short however big the month was.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram.ext import Application, CommandHandler, filters

from domain.models import Priority, Role
from domain.notifications import Notice, enqueue
from domain.periods import local_date
from domain.records import export_request
from handlers.telegram.common import Ctx, handler


@handler(role=Role.supervisor)
async def export(ctx: Ctx) -> None:
    today = local_date(ctx.scope.now, ZoneInfo(ctx.services.rules.timezone))
    request = export_request(ctx.me, " ".join(ctx.telegram.args or []), today)
    period = request.period
    ctx.reply("export.making", period=period.label)
    lines: list[tuple[str, dict[str, str]]] = []
    if request.team:
        lines.append(("export.scope_team", {"team": request.team}))
    elif request.team == "":
        lines.append(("export.scope_no_team", {}))
    enqueue(ctx.session, ctx.chat_id, Notice(
        "export.ready", {"period": period.label, "start": period.start, "end": period.end},
        lines=lines, attachment={"kind": "export", "from": period.start.isoformat(),
                                 "to": period.end.isoformat(), "team": request.team}),
        lang=ctx.lang, priority=Priority.reply)


def register(application: Application) -> None:  # type: ignore[type-arg]
    # Private only: wages are not for a group.
    application.add_handler(CommandHandler("export", export, filters=filters.ChatType.PRIVATE))
