"""Method registry and helpers shared by the Bot API method implementations."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import CHAT_NOT_FOUND, bad_request, forbidden, migrated
from .media import FileRec, extension, guess_mime, photo_variants
from .models import ChatState, SimEvent, SimMessage
from .params import Params, Upload

if TYPE_CHECKING:
    from .server import LocalBotApi

# lower-case name -> (canonical name, implementation(server, params))
METHODS: dict[str, tuple[str, Callable[..., Any]]] = {}


def method(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        for name in names:
            METHODS[name.lower()] = (name, func)
        return func

    return register


# ---------------------------------------------------------------------------- chats

def lookup_chat(server: LocalBotApi, chat_id: int | str | None) -> ChatState:
    if isinstance(chat_id, str):
        for chat in server.chats.values():
            if chat.username and f"@{chat.username}".lower() == chat_id.lower():
                return chat
        raise bad_request(CHAT_NOT_FOUND)
    chat = server.chats.get(chat_id)  # type: ignore[arg-type]
    if chat is None:
        raise bad_request(CHAT_NOT_FOUND)
    if chat.migrated_to is not None:
        raise migrated(chat.migrated_to)
    return chat


def chat_for_send(server: LocalBotApi, p: Params, key: str = "chat_id") -> ChatState:
    """The target chat of a sending method, with Telegram's 400/403 refusals."""
    chat = lookup_chat(server, p.chat_id(key))
    if chat.type == "private":
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        if not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
    else:
        kind = "group chat" if chat.type == "group" else f"{chat.type} chat"
        if chat.blocked or chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if chat.bot_status == "left":
            raise forbidden(f"bot is not a member of the {kind}")
    return chat


def get_message(chat: ChatState, message_id: int | None, missing: str) -> SimMessage:
    msg = chat.messages.get(message_id) if message_id is not None else None
    if msg is None or msg.deleted:
        raise bad_request(missing)
    return msg


# --------------------------------------------------------------------- reply markup

def _utf8len(text: str) -> int:
    return len(text.encode("utf-8"))


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or any(not isinstance(r, list) for r in rows):
            raise bad_request("can't parse inline keyboard button: field \"inline_keyboard\" "
                              "must be an Array of Arrays")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request("can't parse inline keyboard button: Text must be "
                                      "non-empty")
                data = button.get("callback_data")
                actions = [k for k in button if k != "text"]
                if not actions:
                    raise bad_request("can't parse inline keyboard button: Text buttons are "
                                      "unallowed in the inline keyboard")
                if data is not None and not (1 <= _utf8len(str(data)) <= 64):
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                    raise bad_request("BUTTON_URL_INVALID")
        return markup
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or any(not isinstance(r, list) for r in rows):
            raise bad_request("can't parse keyboard button: field \"keyboard\" must be an "
                              "Array of Arrays")
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
        return markup
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def reply_target(chat: ChatState, p: Params) -> SimMessage | None:
    params = p.json("reply_parameters")
    mid = p.int("reply_to_message_id")
    allow = p.bool("allow_sending_without_reply")
    if isinstance(params, dict):
        mid = params.get("message_id", mid)
        allow = bool(params.get("allow_sending_without_reply", allow))
        if params.get("chat_id") not in (None, chat.id):
            raise bad_request("message to be replied not found")
    if mid is None:
        return None
    msg = chat.messages.get(int(mid))
    if msg is None or msg.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return msg


# ------------------------------------------------------------------------- messages

def new_message(server: LocalBotApi, chat: ChatState, *, outgoing: bool,
                sender: dict[str, Any], **fields: Any) -> SimMessage:
    msg = SimMessage(chat_id=chat.id, message_id=chat.next_message_id, date=server.now(),
                     outgoing=outgoing, sender=sender, chat=chat.api_chat(), **fields)
    chat.next_message_id += 1
    chat.messages[msg.message_id] = msg
    if outgoing:
        chat.bot_messages.append(msg)
        server.stats["messages_sent"] += 1
        markup = msg.reply_markup or {}
        if "keyboard" in markup:
            chat.keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.keyboard = None
        chat.notify()
        server.emit(SimEvent("send", "out", chat.id, chat.display_name, server.bot_username,
                             _describe(msg), msg.buttons, msg.message_id))
    return msg


def _describe(msg: SimMessage) -> str:
    if msg.photo:
        return f"(photo) {msg.caption or ''}".rstrip()
    if msg.document:
        return f"(file {msg.file_name}) {msg.caption or ''}".rstrip()
    return msg.content


def record_edit(server: LocalBotApi, chat: ChatState, msg: SimMessage,
                before: SimMessage) -> None:
    msg.history.append(before)
    msg.edit_date = server.now()
    chat.edits.append(msg.snapshot())
    chat.notify()
    server.emit(SimEvent("edit", "out", chat.id, chat.display_name, server.bot_username,
                         _describe(msg), msg.buttons, msg.message_id))


# ---------------------------------------------------------------------------- files

def _file_ids(server: LocalBotApi, prefix: str, data: bytes) -> tuple[str, str]:
    seq = server.next_seq()
    digest = hashlib.sha1(data).hexdigest()[:16]
    return f"{prefix}{seq:06d}{digest}", f"AQAD{digest[:10]}{seq}"


def store_file(server: LocalBotApi, data: bytes, kind: str, *, file_name: str | None = None,
               mime_type: str | None = None, width: int | None = None,
               height: int | None = None) -> FileRec:
    file_id, unique = _file_ids(server, "AgAC" if kind == "photo" else "BQAC", data)
    n = len(server.files)
    if kind == "photo":
        path = f"photos/file_{n}.jpg"
    else:
        path = f"documents/file_{n}{extension(file_name, mime_type)}"
    rec = FileRec(file_id, unique, data, path, kind, mime_type, file_name, width, height)
    server.files[file_id] = rec
    server.files_by_path[path] = rec
    return rec


def store_photo(server: LocalBotApi, data: bytes) -> list[FileRec]:
    """Store a photo as Telegram does: several PhotoSize entries, largest last."""
    variants = photo_variants(data, server.photo_max_side)
    sizes = [store_file(server, blob, "photo", mime_type="image/jpeg", width=w, height=h)
             for blob, w, h in variants]
    for rec in sizes:
        server.photo_sets[rec.file_id] = sizes
    return sizes


def store_document(server: LocalBotApi, data: bytes, file_name: str | None,
                   mime_type: str | None) -> FileRec:
    return store_file(server, data, "document", file_name=file_name,
                      mime_type=guess_mime(file_name, mime_type))


def resolve_input_file(server: LocalBotApi, p: Params, key: str) -> Upload | FileRec:
    value = p.input_file(key)
    if value is None:
        raise bad_request(f"there is no {key} in the request")
    if isinstance(value, Upload):
        return value
    if value.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    rec = server.files.get(value)
    if rec is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return rec


ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True,
    "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
    "can_invite_users": True, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False, "can_pin_messages": True, "can_manage_topics": False,
}
RESTRICTED_RIGHTS = {
    "is_member": True, "can_change_info": False, "can_invite_users": False,
    "can_pin_messages": False, "can_send_messages": False, "can_send_polls": False,
    "can_send_other_messages": False, "can_add_web_page_previews": False,
    "can_manage_topics": False, "until_date": 0, "can_send_audios": False,
    "can_send_documents": False, "can_send_photos": False, "can_send_videos": False,
    "can_send_video_notes": False, "can_send_voice_notes": False, "can_edit_tag": False,
    "can_react_to_messages": False,
}


def member_json(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember object PTB can parse for the given status."""
    out: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        out["is_anonymous"] = False
    elif status == "administrator":
        out.update(ADMIN_RIGHTS)
    elif status == "restricted":
        out.update(RESTRICTED_RIGHTS)
    elif status == "kicked":
        out["until_date"] = 0
    elif status not in ("member", "left"):
        raise ValueError(f"unknown chat member status {status!r}")
    return out
