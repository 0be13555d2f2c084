"""Which update goes to which handler."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

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
async def unknown_command(ctx: Ctx) -> None:
    ctx.reply("command.unknown" if ctx.person else "start.need_invite")


@handler(role=None)
async def unknown_button(ctx: Ctx) -> None:
    if not ctx.in_group:  # a group hears nothing of one person's stale button
        ctx.reply("button.invalid")
    ctx.answer("button.invalid")


def register(application: Application) -> None:  # type: ignore[type-arg]
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
                   changes, materials, live_status):
        module.register(application)
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(PRIVATE & (filters.PHOTO | filters.Document.ALL), report.photo))
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT, report.text))

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
