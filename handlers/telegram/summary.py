"""/summary [date|yesterday|week|2026-W47|...]: the summary with its chart, on demand.

Supervisors and up ask in private; in a group linked for management anyone of them may ask and
the summary is posted there, in the factory's language. Any other group hears nothing.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram.ext import Application, CommandHandler, filters

from domain import groups, summary
from domain.errors import DomainError
from domain.models import Priority, Role
from domain.notifications import enqueue
from domain.periods import local_date
from handlers.telegram.common import Ctx, handler, record_refusal

ASKER = Role.supervisor
GROUP_PURPOSE = "management"


@handler(role=ASKER)
async def in_private(ctx: Ctx) -> None:
    await _summary(ctx)


@handler(role=None)
async def in_group(ctx: Ctx) -> None:
    if GROUP_PURPOSE not in await groups.links_of(ctx.session, ctx.chat_id):
        record_refusal(ctx, DomainError("summary.group_not_linked"), "summary")  # heard by none
        return
    if ctx.person is None:
        raise DomainError("auth.unregistered")
    if not ctx.person.has_role(ASKER):
        raise DomainError("auth.forbidden", needed=ASKER.value)
    await _summary(ctx)


async def _summary(ctx: Ctx) -> None:
    zone = ZoneInfo(ctx.services.rules.timezone)
    period = summary.period_for(" ".join(ctx.telegram.args or []),
                                local_date(ctx.scope.now, zone))
    built = await summary.build(ctx.session, period, zone, ctx.scope.now)
    enqueue(ctx.session, ctx.chat_id, summary.notice(built), lang=ctx.chat_lang,
            priority=Priority.reply)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("summary", in_private,
                                           filters=filters.ChatType.PRIVATE))
    application.add_handler(CommandHandler("summary", in_group, filters=filters.ChatType.GROUPS))
