"""Which update goes to which handler."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.errors import DomainError
from handlers.telegram import (
    assign,
    board,
    changes,
    dispatch,
    exceptions,
    export,
    groups,
    kpis,
    live_status,
    materials,
    people,
    qc,
    report,
    start,
    summary,
    tasks,
    wages,
)
from handlers.telegram.common import Ctx, handler

PRIVATE = filters.ChatType.PRIVATE


@handler()
async def report_hint(ctx: Ctx) -> None:
    ctx.reply("report.how")


@handler(role=None)
async def edited_message(ctx: Ctx) -> None:
    """A message edited after it was read is not read again: a report in it would count twice
    (a correction is an undo and a new report)."""
    raise DomainError("message.edited")


@handler()
async def forwarded(ctx: Ctx) -> None:
    """A forwarded report may be someone else's (a colleague's message in a group): counted
    under the forwarder's name it would pay twice for one piece of work."""
    raise DomainError("message.forwarded")


# What a worker may send that is no report: each is answered, not left in silence.
SPOKEN = filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE
UNSUPPORTED = (SPOKEN | filters.Sticker.ALL | filters.VIDEO | filters.ANIMATION
               | filters.LOCATION | filters.VENUE | filters.CONTACT | filters.POLL
               | filters.Dice.ALL | filters.GAME | filters.STORY)


@handler()
async def unsupported(ctx: Ctx) -> None:
    raise DomainError("message.voice" if SPOKEN.check_update(ctx.update)
                      else "message.unsupported")


@handler(role=None)
async def unknown_command(ctx: Ctx) -> None:
    raise DomainError("command.unknown" if ctx.person else "start.need_invite")


@handler(role=None)
async def unknown_button(ctx: Ctx) -> None:
    """Data no button of ours carries (stale, or forged): refused like any other press, so in
    a group only the presser sees why."""
    raise DomainError("button.invalid")


def _commands(application: Application) -> set[str]:  # type: ignore[type-arg]
    return {name for handlers in application.handlers.values() for each in handlers
            if isinstance(each, CommandHandler) for name in each.commands}


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE,
                                           edited_message))
    commands = {
        "start": start.start,
        "help": start.help_command,
        "lang": start.lang,
        "tasks": tasks.my_tasks,
        "report": report_hint,
        "status": tasks.status,
        "invite": people.invite,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    for module in (qc, exceptions, groups, wages, kpis, summary, export, board, assign, dispatch,
                   changes, materials, live_status, people):
        module.register(application)
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, unknown_command))
    # Every other command of ours sent in a group (the group ones are registered above).
    application.add_handler(CommandHandler(sorted(_commands(application)), groups.private_command,
                                           filters=groups.GROUPS))
    application.add_handler(MessageHandler(PRIVATE & filters.FORWARDED, forwarded))
    application.add_handler(
        MessageHandler(PRIVATE & (filters.PHOTO | filters.Document.ALL), report.photo))
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT, report.text))
    application.add_handler(MessageHandler(PRIVATE & UNSUPPORTED, unsupported))

    buttons = {
        r"^q:": report.quantity_button,
        r"^s:": report.scrap_button,
        r"^r:": report.reason_button,
        r"^ff:": report.freeform_button,
        r"^x:": report.cancel_button,
        r"^u:": report.undo_button,
        r"^t:list$": tasks.my_tasks,
        r"^t:\d": report.task_button,
        r"^c:": report.code_button,
        r"^l:": start.lang_button,
    }
    for pattern, callback in buttons.items():
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(CallbackQueryHandler(unknown_button))
