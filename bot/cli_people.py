"""`gongdan person` commands: who is in the factory, and removing someone who left.

    gongdan person list [--all]       active people (--all: those removed too)
    gongdan person remove CODE        they lose the bot and the API at once; their past stays
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from bot.config import Settings


def add_commands(sub: Any) -> None:
    """Add this module's subcommands to the `gongdan` parser."""
    person = sub.add_parser("person", help="the factory's people: list, remove someone who left")
    actions = person.add_subparsers(dest="person_action", required=True)
    listing = actions.add_parser("list", help="code, name, role, team, state, Telegram bound")
    listing.add_argument("--all", action="store_true", help="those removed too")
    remove = actions.add_parser("remove", help="remove someone who left: off their open tasks, "
                                               "invites voided, their tokens revoked")
    remove.add_argument("code", help="their code (工号)")


async def cmd_person(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import _with_session

    async def work(session: Any) -> int:
        if args.person_action == "remove":
            return await _remove(session, args.code, settings)
        from domain.registration import people

        for p in await people(session, removed=args.all):
            print("\t".join([p.code, p.name, p.role, p.team or "-",
                             "active" if p.active else "removed",
                             "telegram" if p.telegram_user_id else "-"]))
        return 0

    return await _with_session(settings, work)


async def _remove(session: Any, code: str, settings: Settings) -> int:
    from bot.i18n import render_text
    from domain import people_removal
    from domain.models.base import utcnow
    from domain.registration import person_by_code

    person = await person_by_code(session, code)
    removal = await people_removal.remove(session, person.id, actor=None, now=utcnow())
    lang, zone = settings.language, settings.zone
    print(render_text("remove.done", lang, {"name": person.name, "code": person.code,
                                            **removal.held.params()}, zone))
    for key, params in removal.held.lines():
        print(render_text(key, lang, params, zone))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Any], Awaitable[int]]] = {
    "person": cmd_person,
}
