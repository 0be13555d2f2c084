"""Bot API methods about messages, files and callback queries."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from .errors import NOT_MODIFIED, QUERY_TOO_OLD, bad_request, forbidden
from .markup import format_text, u16len
from .media import MAX_DOWNLOAD, FileRec
from .methods_common import (
    chat_for_send,
    check_reply_markup,
    get_message,
    lookup_chat,
    method,
    new_message,
    record_edit,
    reply_target,
    resolve_input_file,
    store_document,
    store_photo,
)
from .models import CallbackAnswer, ChatState, SimEvent, SimMessage
from .params import Params, Upload

if TYPE_CHECKING:
    from .server import LocalBotApi

MAX_TEXT = 4096
MAX_CAPTION = 1024


def _text(p: Params, key: str, mode_key: str, entities_key: str, *, caption: bool):
    raw = p.str(key)
    if raw is None or not raw.strip():
        if caption:
            return None, [], raw
        raise bad_request("message text is empty")
    text, entities = format_text(raw, p.str(mode_key), p.json(entities_key))
    if not text and not caption:
        raise bad_request("message text is empty")
    if u16len(text) > (MAX_CAPTION if caption else MAX_TEXT):
        raise bad_request("message caption is too long" if caption else "message is too long")
    return text, entities, raw


@method("sendMessage")
def send_message(server: LocalBotApi, p: Params) -> dict[str, Any]:
    chat = chat_for_send(server, p)
    text, entities, raw = _text(p, "text", "parse_mode", "entities", caption=False)
    markup = check_reply_markup(p.json("reply_markup"))
    reply = reply_target(chat, p)
    msg = new_message(server, chat, outgoing=True, sender=server.bot_user(), text=text,
                      entities=entities, raw_text=raw, parse_mode=p.str("parse_mode"),
                      reply_markup=markup, reply_to=reply)
    return msg.to_api()


def _send_media(server: LocalBotApi, p: Params, key: str) -> dict[str, Any]:
    chat = chat_for_send(server, p)
    caption, caption_entities, raw = _text(p, "caption", "parse_mode", "caption_entities",
                                           caption=True)
    markup = check_reply_markup(p.json("reply_markup"))
    reply = reply_target(chat, p)
    src = resolve_input_file(server, p, key)
    fields: dict[str, Any] = {}
    if key == "photo":
        if isinstance(src, Upload):
            if len(src.data) > 10 * 1024 * 1024:
                raise bad_request("file is too big")
            try:
                fields["photo"] = store_photo(server, src.data)
            except ValueError:
                raise bad_request("IMAGE_PROCESS_FAILED") from None
        elif src.kind != "photo":
            raise bad_request("can't use file of type Document as Photo")
        else:
            fields["photo"] = server.photo_sets.get(src.file_id, [src])
    else:
        if isinstance(src, Upload):
            fields["document"] = store_document(server, src.data, src.filename or "document",
                                                src.content_type)
        else:
            fields["document"] = src
    msg = new_message(server, chat, outgoing=True, sender=server.bot_user(), caption=caption,
                      caption_entities=caption_entities, raw_text=raw,
                      parse_mode=p.str("parse_mode"), reply_markup=markup, reply_to=reply,
                      **fields)
    return msg.to_api()


@method("sendPhoto")
def send_photo(server: LocalBotApi, p: Params) -> dict[str, Any]:
    return _send_media(server, p, "photo")


@method("sendDocument")
def send_document(server: LocalBotApi, p: Params) -> dict[str, Any]:
    return _send_media(server, p, "document")


# ----------------------------------------------------------------------------- edits

def _edit_target(server: LocalBotApi, p: Params) -> tuple[ChatState, SimMessage]:
    if p.str("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = lookup_chat(server, p.chat_id())
    if chat.type == "private" and chat.blocked:
        raise forbidden("bot was blocked by the user")
    msg = get_message(chat, p.int("message_id"), "message to edit not found")
    if not msg.outgoing:
        raise bad_request("message can't be edited")
    return chat, msg


def _same_markup(a: Any, b: Any) -> bool:
    def norm(m: Any) -> str:
        if not m or "inline_keyboard" not in m or not m["inline_keyboard"]:
            return ""
        return json.dumps(m["inline_keyboard"], sort_keys=True)

    return norm(a) == norm(b)


def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup and "inline_keyboard" in markup else None


@method("editMessageText")
def edit_message_text(server: LocalBotApi, p: Params) -> dict[str, Any]:
    chat, msg = _edit_target(server, p)
    if msg.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities, raw = _text(p, "text", "parse_mode", "entities", caption=False)
    markup = check_reply_markup(p.json("reply_markup"), inline_only=True)
    if text == msg.text and entities == msg.entities and _same_markup(markup, msg.reply_markup):
        raise bad_request(NOT_MODIFIED)
    before = msg.snapshot()
    msg.text, msg.entities, msg.raw_text, msg.parse_mode = text, entities, raw, p.str("parse_mode")
    msg.reply_markup = markup
    record_edit(server, chat, msg, before)
    return msg.to_api()


@method("editMessageCaption")
def edit_message_caption(server: LocalBotApi, p: Params) -> dict[str, Any]:
    chat, msg = _edit_target(server, p)
    if msg.text is not None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities, raw = _text(p, "caption", "parse_mode", "caption_entities", caption=True)
    markup = check_reply_markup(p.json("reply_markup"), inline_only=True)
    if (caption == msg.caption and entities == msg.caption_entities
            and _same_markup(markup, msg.reply_markup)):
        raise bad_request(NOT_MODIFIED)
    before = msg.snapshot()
    msg.caption, msg.caption_entities, msg.raw_text = caption, entities, raw
    msg.parse_mode = p.str("parse_mode")
    msg.reply_markup = markup
    record_edit(server, chat, msg, before)
    return msg.to_api()


@method("editMessageReplyMarkup")
def edit_message_reply_markup(server: LocalBotApi, p: Params) -> dict[str, Any]:
    chat, msg = _edit_target(server, p)
    markup = check_reply_markup(p.json("reply_markup"), inline_only=True)
    if _same_markup(markup, _inline(msg.reply_markup)):
        raise bad_request(NOT_MODIFIED)
    before = msg.snapshot()
    msg.reply_markup = markup
    record_edit(server, chat, msg, before)
    return msg.to_api()


def _delete(server: LocalBotApi, chat: ChatState, msg: SimMessage) -> None:
    if not msg.outgoing and chat.type != "private" and chat.bot_status not in (
            "administrator", "creator"):
        raise bad_request("message can't be deleted")
    msg.deleted = True
    chat.notify()
    server.emit(SimEvent("delete", "out", chat.id, chat.display_name, server.bot_username,
                         msg.content, [], msg.message_id))


@method("deleteMessage")
def delete_message(server: LocalBotApi, p: Params) -> bool:
    chat = lookup_chat(server, p.chat_id())
    msg = get_message(chat, p.int("message_id"), "message to delete not found")
    _delete(server, chat, msg)
    return True


@method("deleteMessages")
def delete_messages(server: LocalBotApi, p: Params) -> bool:
    chat = lookup_chat(server, p.chat_id())
    for mid in p.json("message_ids", []) or []:
        msg = chat.messages.get(int(mid))
        if msg is not None and not msg.deleted:
            _delete(server, chat, msg)
    return True


def _source(server: LocalBotApi, p: Params) -> SimMessage:
    src_chat = lookup_chat(server, p.chat_id("from_chat_id"))
    return get_message(src_chat, p.int("message_id"), "message to forward not found")


@method("forwardMessage")
def forward_message(server: LocalBotApi, p: Params) -> dict[str, Any]:
    chat = chat_for_send(server, p)
    src = _source(server, p)
    origin = {"type": "user", "sender_user": src.sender, "date": src.date}
    msg = new_message(server, chat, outgoing=True, sender=server.bot_user(), text=src.text,
                      entities=list(src.entities), caption=src.caption,
                      caption_entities=list(src.caption_entities), photo=src.photo,
                      document=src.document, raw_text=src.raw_text,
                      extra={"forward_origin": origin, "forward_date": src.date})
    return msg.to_api()


@method("copyMessage")
def copy_message(server: LocalBotApi, p: Params) -> dict[str, Any]:
    chat = chat_for_send(server, p)
    src = _source(server, p)
    caption, caption_entities = src.caption, list(src.caption_entities)
    if "caption" in p:
        caption, caption_entities, _ = _text(p, "caption", "parse_mode", "caption_entities",
                                             caption=True)
    msg = new_message(server, chat, outgoing=True, sender=server.bot_user(), text=src.text,
                      entities=list(src.entities), caption=caption,
                      caption_entities=caption_entities, photo=src.photo,
                      document=src.document, raw_text=src.raw_text,
                      reply_markup=check_reply_markup(p.json("reply_markup")),
                      reply_to=reply_target(chat, p))
    return {"message_id": msg.message_id}


@method("answerCallbackQuery")
def answer_callback_query(server: LocalBotApi, p: Params) -> bool:
    cid = p.str("callback_query_id") or ""
    rec = server.callbacks.get(cid)
    ttl = server.callback_query_ttl
    if rec is None or rec.answer is not None or (
            ttl is not None and time.monotonic() - rec.created > ttl):
        raise bad_request(QUERY_TOO_OLD)
    text = p.str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    rec.answer = CallbackAnswer(text, p.bool("show_alert"), p.str("url"),
                                p.int("cache_time", 0) or 0)
    chat = server.chats.get(rec.chat_id)
    if chat is not None:
        chat.notify()
        shown = (text or "") + (" (alert)" if rec.answer.show_alert else "")
        server.emit(SimEvent("answer", "out", chat.id, chat.display_name, server.bot_username,
                             shown, [], rec.message_id, rec.data))
    return True


@method("getFile")
def get_file(server: LocalBotApi, p: Params) -> dict[str, Any]:
    rec: FileRec | None = server.files.get(p.str("file_id") or "")
    if rec is None:
        raise bad_request("invalid file_id")
    if rec.file_size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {"file_id": rec.file_id, "file_unique_id": rec.file_unique_id,
            "file_size": rec.file_size, "file_path": rec.file_path}


CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice",
                "upload_voice", "upload_document", "choose_sticker", "find_location",
                "record_video_note", "upload_video_note"}


@method("sendChatAction")
def send_chat_action(server: LocalBotApi, p: Params) -> bool:
    chat = chat_for_send(server, p)
    action = p.str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    chat.notify()
    server.emit(SimEvent("action", "out", chat.id, chat.display_name, server.bot_username,
                         action))
    return True


@method("pinChatMessage")
def pin_chat_message(server: LocalBotApi, p: Params) -> bool:
    chat = lookup_chat(server, p.chat_id())
    msg = get_message(chat, p.int("message_id"), "message to pin not found")
    chat.pinned.append(msg.message_id)
    return True


@method("unpinChatMessage")
def unpin_chat_message(server: LocalBotApi, p: Params) -> bool:
    chat = lookup_chat(server, p.chat_id())
    mid = p.int("message_id")
    if mid is None:
        chat.pinned = chat.pinned[:-1]
    else:
        chat.pinned = [m for m in chat.pinned if m != mid]
    return True


@method("unpinAllChatMessages")
def unpin_all_chat_messages(server: LocalBotApi, p: Params) -> bool:
    lookup_chat(server, p.chat_id()).pinned = []
    return True
