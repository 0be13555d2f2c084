"""Bot API methods about the bot itself, updates/webhooks, commands and chats."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .methods_common import chat_for_send, lookup_chat, member_json, method
from .params import Params
from .webhook import allowed_url

if TYPE_CHECKING:
    from .server import LocalBotApi


@method("getMe")
def get_me(server: LocalBotApi, p: Params) -> dict[str, Any]:
    return {**server.bot_user(), "can_join_groups": True,
            "can_read_all_group_messages": not server.privacy_mode,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False}


@method("logOut", "close")
def log_out(server: LocalBotApi, p: Params) -> bool:
    return True


@method("getUpdates")
async def get_updates(server: LocalBotApi, p: Params) -> list[dict[str, Any]]:
    return await server.updates.get_updates(p)


def _drop_pending(server: LocalBotApi, p: Params) -> None:
    if p.bool("drop_pending_updates"):
        queue = server.updates
        server.stats["updates_confirmed"] += len(queue.queue)
        queue.queue.clear()
        queue.forced.clear()
        queue.wake()


_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


@method("setWebhook")
async def set_webhook(server: LocalBotApi, p: Params) -> bool:
    url = p.str("url") or ""
    if url and not allowed_url(url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.str("secret_token") or None
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.int("max_connections", 40) or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = p.json("allowed_updates")
    if allowed is not None:
        server.updates.allowed = list(allowed)
    _drop_pending(server, p)
    if url:
        await server.start_webhook(url, secret, max_connections)
    else:  # an empty URL removes the webhook, as deleteWebhook does
        await server.stop_webhook()
    return True


@method("deleteWebhook")
async def delete_webhook(server: LocalBotApi, p: Params) -> bool:
    await server.stop_webhook()
    _drop_pending(server, p)
    return True


@method("getWebhookInfo")
def get_webhook_info(server: LocalBotApi, p: Params) -> dict[str, Any]:
    out: dict[str, Any] = {"url": server.webhook.get("url", ""), "has_custom_certificate": False,
                           "pending_update_count": len(server.updates.pending())}
    if server.webhook.get("url"):
        out["max_connections"] = server.webhook.get("max_connections") or 40
        for key in ("last_error_date", "last_error_message"):
            if key in server.webhook:
                out[key] = server.webhook[key]
    if server.updates.allowed:
        out["allowed_updates"] = server.updates.allowed
    return out


# -------------------------------------------------------------------------- commands

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


def _command_key(p: Params) -> tuple[str, str]:
    scope = p.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    if "chat_id" in scope and isinstance(scope["chat_id"], str) and \
            scope["chat_id"].lstrip("-").isdigit():
        scope["chat_id"] = int(scope["chat_id"])
    lang = p.str("language_code") or ""
    if lang and not re.fullmatch(r"[a-z]{2}", lang):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), lang


@method("setMyCommands")
def set_my_commands(server: LocalBotApi, p: Params) -> bool:
    commands = p.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    clean = []
    for cmd in commands:
        name = str((cmd or {}).get("command", "")).lstrip("/")
        desc = str((cmd or {}).get("description", ""))
        if not _COMMAND_RE.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(desc) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": name, "description": desc})
    key = _command_key(p)
    if clean:
        server.commands_store[key] = clean
    else:
        server.commands_store.pop(key, None)
    return True


@method("getMyCommands")
def get_my_commands(server: LocalBotApi, p: Params) -> list[dict[str, str]]:
    return list(server.commands_store.get(_command_key(p), []))


@method("deleteMyCommands")
def delete_my_commands(server: LocalBotApi, p: Params) -> bool:
    server.commands_store.pop(_command_key(p), None)
    return True


@method("setMyDescription", "setMyShortDescription", "setMyName")
def set_my_text(server: LocalBotApi, p: Params) -> bool:
    for key in ("description", "short_description", "name"):
        if key in p.values:
            server.bot_settings[(key, p.str("language_code") or "")] = p.str(key) or ""
    return True


@method("getMyDescription")
def get_my_description(server: LocalBotApi, p: Params) -> dict[str, str]:
    return {"description": server.bot_settings.get(("description", p.str("language_code") or ""),
                                                   "")}


@method("getMyShortDescription")
def get_my_short_description(server: LocalBotApi, p: Params) -> dict[str, str]:
    key = ("short_description", p.str("language_code") or "")
    return {"short_description": server.bot_settings.get(key, "")}


@method("setChatMenuButton")
def set_chat_menu_button(server: LocalBotApi, p: Params) -> bool:
    chat_id = p.chat_id(required=False)
    button = p.json("menu_button") or {"type": "default"}
    if chat_id is None:
        server.bot_settings["menu_button"] = button
    else:
        lookup_chat(server, chat_id).menu_button = button
    return True


@method("getChatMenuButton")
def get_chat_menu_button(server: LocalBotApi, p: Params) -> dict[str, Any]:
    chat_id = p.chat_id(required=False)
    if chat_id is not None:
        chat = lookup_chat(server, chat_id)
        if chat.menu_button:
            return chat.menu_button
    return server.bot_settings.get("menu_button") or {"type": "default"}


# ----------------------------------------------------------------------------- chats

@method("getChat")
def get_chat(server: LocalBotApi, p: Params) -> dict[str, Any]:
    return lookup_chat(server, p.chat_id()).full_info()


def _user_dict(server: LocalBotApi, user_id: int) -> dict[str, Any]:
    if user_id == server.bot_id:
        return server.bot_user()
    sim = server.users.get(user_id)
    if sim is None:
        raise bad_request("user not found")
    return sim.to_dict()


@method("getChatMember")
def get_chat_member(server: LocalBotApi, p: Params) -> dict[str, Any]:
    chat = lookup_chat(server, p.chat_id())
    user_id = p.int("user_id", required=True)
    user = _user_dict(server, user_id)  # type: ignore[arg-type]
    if chat.type == "private":
        if user_id == server.bot_id:
            return member_json(user, "kicked" if chat.blocked else "member")
        if user_id != chat.id:
            raise bad_request("user not found")
        return member_json(user, "member")
    if user_id == server.bot_id:
        return member_json(user, chat.bot_status)
    return member_json(user, chat.members.get(user_id, "left"))  # type: ignore[arg-type]


@method("getChatAdministrators")
def get_chat_administrators(server: LocalBotApi, p: Params) -> list[dict[str, Any]]:
    chat = lookup_chat(server, p.chat_id())
    out = [member_json(_user_dict(server, uid), status) for uid, status in chat.members.items()
           if status in ("creator", "administrator")]
    if chat.bot_status == "administrator":
        out.append(member_json(server.bot_user(), "administrator"))
    return out


@method("getChatMemberCount")
def get_chat_member_count(server: LocalBotApi, p: Params) -> int:
    chat = lookup_chat(server, p.chat_id())
    if chat.type == "private":
        return 2
    active = [s for s in chat.members.values() if s not in ("left", "kicked")]
    return len(active) + (1 if chat.bot_status not in ("left", "kicked") else 0)


@method("leaveChat")
def leave_chat(server: LocalBotApi, p: Params) -> bool:
    chat = chat_for_send(server, p)
    if chat.type != "private":
        chat.bot_status = "left"
    return True
