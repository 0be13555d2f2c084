"""`gongdan factory-tag`: the factory tag 厂标 printed in every card's codes (GD1:K7QF/WO-000123).

It is drawn once per installation; a card carrying another tag is refused by the bot. `--set`
adopts a tag, e.g. the old installation's when the factory starts again without a backup.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from bot.config import Settings


def add_commands(sub: Any) -> None:
    """Add this module's subcommands to the `gongdan` parser."""
    tag = sub.add_parser("factory-tag", help="the factory tag printed on this installation's "
                                             "travel cards")
    tag.add_argument("--set", metavar="TAG", dest="new_tag",
                     help="adopt this tag instead (cards printed with the current one stop "
                          "working)")


async def cmd_factory_tag(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import _with_session
    from domain.factory_settings import factory_tag, set_factory_tag

    async def work(session: Any) -> int:
        if args.new_tag is None:
            print(await factory_tag(session))
        else:
            print(await set_factory_tag(session, args.new_tag))
        return 0

    return await _with_session(settings, work)


COMMANDS: dict[str, Callable[[argparse.Namespace, Any], Awaitable[int]]] = {
    "factory-tag": cmd_factory_tag,
}
