"""The one wrapper every handler goes through: who is asking, in which language, with what role.

It resolves the person from the Telegram account, picks the language for this update, checks the
role, runs the handler in a savepoint, and turns a refused rule (DomainError) into a clear reply
in the user's language, an audit entry for the refusal, and no change at all.

In a group the group is not told about one person's refusal: a button pressed by someone who
may not press it is answered in the callback's alert, which only that person sees (a refused
rule also reaches a registered person in private). What the bot posts into a group it writes
in the factory's language; callback answers stay in the presser's own.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from domain import audit
from domain.errors import DomainError
from domain.models import OutboxMessage, Person, Priority, Role
from domain.notifications import Button, Notice, enqueue
from domain.registration import person_for_account
from handlers.telegram.scope import Services, UpdateScope, current_scope

log = logging.getLogger(__name__)


def language_of(person: Person | None, telegram_code: str | None, default: str) -> str:
    """The person's own setting, else what their Telegram app says, else the factory's."""
    if person is not None and person.language in ("zh", "en"):
        return person.language
    if telegram_code:
        return "zh" if telegram_code.lower().startswith("zh") else "en"
    return default


@dataclass
class Ctx:
    update: Update
    telegram: ContextTypes.DEFAULT_TYPE
    scope: UpdateScope
    services: Services
    person: Person | None
    lang: str
    chat_id: int
    user_id: int
    prepared: Any = None
    chat_type: str = "private"

    @property
    def in_group(self) -> bool:
        return self.chat_type != "private"

    @property
    def chat_lang(self) -> str:
        """The language of what is posted into this chat: a group reads the factory's."""
        return self.services.rules.default_language if self.in_group else self.lang

    @property
    def session(self) -> Any:
        return self.scope.session

    @property
    def me(self) -> Person:
        assert self.person is not None, "handler declared no role but needs a person"
        return self.person

    def reply(self, key: str, buttons: list[list[Button]] | None = None,
              lines: list[tuple[str, dict[str, Any]]] | None = None,
              secret: tuple[str, ...] = (), **params: Any) -> OutboxMessage:
        """Queue a reply; the queued message is returned (to track a task card it shows).
        `secret` names params the outbox forgets once the reply is sent."""
        return self._enqueue(Notice(key, params, buttons or [], lines or [],
                                    secret=list(secret)), None)

    def edit(self, key: str, buttons: list[list[Button]] | None = None,
             lines: list[tuple[str, dict[str, Any]]] | None = None,
             **params: Any) -> OutboxMessage:
        """Replace the message whose button was pressed (falls back to a new message)."""
        query = self.update.callback_query
        message_id = query.message.message_id if query and query.message else None
        return self._enqueue(Notice(key, params, buttons or [], lines or []), message_id)

    def _enqueue(self, notice: Notice, edit_message_id: int | None) -> OutboxMessage:
        return enqueue(self.session, self.chat_id, notice, lang=self.chat_lang, priority=Priority.reply,
                edit_message_id=edit_message_id)

    def answer(self, key: str, **params: Any) -> None:
        self.scope.callback_answer = (Notice(key, params), self.lang)

    def alert(self, key: str, **params: Any) -> None:
        """Answer the callback with a pop-up the presser has to dismiss (only they see it)."""
        self.answer(key, **params)
        self.scope.extra["alert"] = True


Handler = Callable[[Ctx], Awaitable[None]]
Prepare = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]


def handler(
    role: Role | None = Role.worker, prepare: Prepare | None = None
) -> Callable[[Handler], Callable[..., Awaitable[None]]]:
    """Wrap a handler. role=None lets strangers in (registration, /lang, /help).

    `prepare` does slow I/O (downloading and decoding a photo) before the first database
    statement, so the update's transaction does not hold the write lock meanwhile.
    """

    def wrap(fn: Handler) -> Callable[..., Awaitable[None]]:
        @functools.wraps(fn)
        async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            scope = current_scope.get()
            services: Services = context.application.bot_data["services"]
            user = update.effective_user
            chat = update.effective_chat
            if user is None or chat is None:
                return
            update = without_nul(update, context)
            try:
                prepared = await prepare(update, context) if prepare else None
            except Exception as error:  # Telegram away (getFile): the processor tries it again
                scope.failure = error
                raise
            person = await person_for_account(scope.session, user.id)
            lang = language_of(person, user.language_code, services.rules.default_language)
            ctx = Ctx(update, context, scope, services, person, lang, chat.id, user.id, prepared,
                      chat.type)
            if role is not None and not _allowed(ctx, role, fn.__name__):
                return
            try:
                async with scope.session.begin_nested():
                    await fn(ctx)
            except DomainError as error:
                refuse(ctx, error, fn.__name__)
            except Exception as error:  # the processor rolls back and retries the update
                scope.failure = error
                raise

        callback.required_role = role  # type: ignore[attr-defined]  # who may: tests list them
        return callback

    return wrap


NUL = "\x00"


def without_nul(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Update:
    """The update with every NUL character replaced by U+FFFD. Nobody types one, and
    PostgreSQL's text refuses it: in a forged message it would fail every statement it reached
    (a lookup, a reason stored). U+FFFD keeps the entities' UTF-16 offsets and shows where."""
    raw = update.to_dict()
    cleaned = _replace_nul(raw)
    if cleaned == raw:
        return update
    if context.args:
        context.args = [arg.replace(NUL, "\ufffd") for arg in context.args]
    return Update.de_json(cleaned, context.bot)


def _replace_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, "\ufffd")
    if isinstance(value, list):
        return [_replace_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _replace_nul(item) for key, item in value.items()}
    return value


def _allowed(ctx: Ctx, role: Role, action: str) -> bool:
    if ctx.person is None:
        audit.record(ctx.session, "refused", actor_telegram_id=ctx.user_id, action_name=action,
                     reason="unregistered", **_where(ctx))
        _tell(ctx, "group.not_registered" if _pressed_in_group(ctx) else "auth.unregistered")
        return False
    if not ctx.person.has_role(role):
        audit.record(ctx.session, "refused", actor_person_id=ctx.person.id,
                     actor_telegram_id=ctx.user_id, action_name=action, reason="role",
                     needed=role.value, **_where(ctx))
        _tell(ctx, "auth.forbidden", needed=role.value)
        return False
    return True


def refuse(ctx: Ctx, error: DomainError, action: str) -> None:
    record_refusal(ctx, error, action)
    if _pressed_in_group(ctx) and ctx.person is not None and ctx.person.telegram_user_id:
        # Why a tap changed nothing (someone else decided first...) stays readable in private.
        enqueue(ctx.session, ctx.person.telegram_user_id, Notice(error.key, error.params),
                lang=ctx.lang, priority=Priority.reply)
    _tell(ctx, error.key, **error.params)


def record_refusal(ctx: Ctx, error: DomainError, action: str) -> None:
    """The audit row of a refusal; on its own for one the chat is not told of (a group the bot
    was never linked to hears nothing)."""
    audit.record(ctx.session, "refused", actor_person_id=ctx.person.id if ctx.person else None,
                 actor_telegram_id=ctx.user_id, action_name=action, reason=error.key,
                 params=error.params, **_where(ctx))


def _where(ctx: Ctx) -> dict[str, int]:
    """Which group a refusal happened in, for the audit trail."""
    return {"group_chat_id": ctx.chat_id} if ctx.in_group else {}


def _pressed_in_group(ctx: Ctx) -> bool:
    return ctx.in_group and ctx.update.callback_query is not None


def _tell(ctx: Ctx, key: str, **params: Any) -> None:
    """A refusal: a reply in the chat (and the callback's answer); a button pressed in a group
    gets the alert only."""
    if _pressed_in_group(ctx):
        ctx.alert(key, **params)
        return
    ctx.reply(key, **params)
    if ctx.update.callback_query:
        ctx.answer(key, **params)


def button_ids(ctx: Ctx, count: int, *, skip: int = 1) -> list[int]:
    """The numeric parts of callback data after `skip` words (`q:12:30`, `e:ack:7`); forged
    data is refused (our buttons write ASCII digits only: not ¹, not １)."""
    data = ctx.update.callback_query.data if ctx.update.callback_query else None
    parts = (data or "").split(":")[skip:]
    if len(parts) != count or not all(p.isascii() and p.isdigit() and len(p) < 12
                                      for p in parts):
        raise DomainError("button.invalid")
    return [int(p) for p in parts]
