"""Every command and button the bot routes, read from handlers/telegram/routes.py itself, with
the role each handler declares (handlers/telegram/common.handler) and the command menus of
bot/render.py: a command or button added tomorrow is thrown at the wrong people at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.render import commands_for
from domain.models import ROLE_RANK, Role
from handlers.telegram import routes


@dataclass(frozen=True)
class Route:
    name: str  # the command, or the callback data pattern
    callback: Callable[..., Any]

    @property
    def role(self) -> Role | None:
        return getattr(self.callback, "required_role", Role.worker)

    @property
    def above_worker(self) -> bool:
        return self.role is not None and ROLE_RANK[self.role] > ROLE_RANK[Role.worker]


def _application() -> Application:  # type: ignore[type-arg]
    application = Application.builder().token("1:routes").updater(None).build()
    routes.register(application)
    return application


_HANDLERS = [h for group in _application().handlers.values() for h in group]


def _message(command: str, chat_type: str) -> Update:
    chat = {"id": 1 if chat_type == "private" else -1, "type": chat_type}
    return Update.de_json({"update_id": 1, "message": {
        "message_id": 1, "date": 0, "chat": chat, "text": f"/{command}",
        "from": {"id": 1, "is_bot": False, "first_name": "x"},
        "entities": [{"type": "bot_command", "offset": 0, "length": len(command) + 1}]}}, None)


def command_route(command: str, chat_type: str = "private") -> Route:
    """The handler that takes `/command` in this kind of chat (the first whose filters pass)."""
    update = _message(command, chat_type)
    for each in _HANDLERS:
        if isinstance(each, CommandHandler) and command in each.commands \
                and each.filters.check_update(update):
            return Route(command, each.callback)
    raise LookupError(f"/{command} is not routed in a {chat_type} chat")


COMMANDS = sorted({name for h in _HANDLERS if isinstance(h, CommandHandler) for name in h.commands})
BUTTONS = [Route(h.pattern.pattern, h.callback) for h in _HANDLERS
           if isinstance(h, CallbackQueryHandler) and isinstance(h.pattern, re.Pattern)]


def menu(role: str | None) -> set[str]:
    return {c.command for c in commands_for(role, "en")}


def beyond_a_worker() -> list[str]:
    """Every command a worker may not use: its handler wants more than a worker, or it is on a
    supervisor's or manager's menu and not on the worker's (the rule is then the domain's)."""
    higher = (menu("supervisor") | menu("manager")) - menu("worker")
    return [c for c in COMMANDS
            if command_route(c).above_worker
            or (c in higher and command_route(c).role is not None)]


def sample_data(pattern: str, harvested: list[str]) -> list[str]:
    """Callback data for a button family: what the bot really showed, else data of the pattern's
    shape with ids that exist nowhere (99999999)."""
    seen = [d for d in harvested if re.match(pattern, d)]
    return seen[:1] or synthesized(pattern)[:1]


def synthesized(pattern: str) -> list[str]:
    """Data matching `pattern`, each number an id that exists nowhere, in the shapes our
    buttons take: the bare prefix, then one to three numbers after it."""
    body = pattern.removeprefix("^")
    closed = body.endswith("$")
    body = body.removesuffix("$")
    body = re.sub(r"\(([^|()]+)(?:\|[^()]*)?\)", r"\1", body)  # (ra|sa) → ra
    body = re.sub(r"\[(.)[^\]]*\](\+|\{[^}]*\})?", r"\1", body)  # [lu] → l, [a-z]+ → a
    body = re.sub(r"\\d(\+|\{[^}]*\})?", "99999999", body)
    if closed:
        return [body]
    base = body.rstrip(":")
    shapes = [base, f"{base}:99999999", f"{base}:99999999:99999999",
              f"{base}:99999999:99999999:99999999", f"{base}:99999999:abcd:99999999"]
    return [s for s in shapes if re.match(pattern, s)]
