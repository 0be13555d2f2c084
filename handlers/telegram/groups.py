"""Group chats: the bot asks to be linked when added, `/link` and `/unlink` by a manager,
links ended when the bot is removed and carried over when a group becomes a supergroup.

An unlinked group hears nothing from the bot but the answers to /link; a linked one is told
that the other commands work in private (routes.py sends them here).
"""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from domain import groups
from domain.errors import DomainError
from domain.models import Priority, Role
from domain.notifications import Button, Notice, enqueue
from handlers.telegram.common import Ctx, handler, record_refusal
from handlers.telegram.scope import Services, current_scope

GROUPS = filters.ChatType.GROUPS
_IN = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)
_OUT = (ChatMember.LEFT, ChatMember.BANNED)


def _purpose_args(ctx: Ctx) -> list[str]:
    return list(ctx.telegram.args or [])


def _team_arg(args: list[str]) -> str | None:
    """`/link status 装配一组`: the live status of that team (names may hold spaces)."""
    return " ".join(args[1:]) or None


@handler(role=None)
async def link(ctx: Ctx) -> None:
    """/link <purpose> links the group; /link alone shows the choices."""
    args = _purpose_args(ctx)
    if not args:
        groups.check_linker(ctx.person)
        await _show_choices(ctx, edit=False)
        return
    purpose = args[0].lower()
    done = await groups.link(ctx.session, chat_id=ctx.chat_id, purpose=purpose,
                             title=ctx.update.effective_chat.title, person=ctx.person,
                             telegram_user_id=ctx.user_id, now=ctx.scope.now,
                             team=_team_arg(args))
    ctx.reply("group.linked" if done else "group.already_linked", purpose=purpose,
              name=ctx.me.name)


@handler(role=None)
async def unlink(ctx: Ctx) -> None:
    args = _purpose_args(ctx)
    if not args:
        groups.check_linker(ctx.person)
        ctx.reply("group.unlink_usage", choices=", ".join(groups.PURPOSES))
        return
    purpose = args[0].lower()
    done = await groups.unlink(ctx.session, chat_id=ctx.chat_id, purpose=purpose,
                               person=ctx.person, telegram_user_id=ctx.user_id,
                               team=_team_arg(args))
    ctx.reply("group.unlinked" if done else "group.not_linked", purpose=purpose,
              name=ctx.me.name)


@handler(role=Role.manager)
async def link_button(ctx: Ctx) -> None:
    """g:l:<purpose> links, g:u:<purpose> unlinks; the choices message shows the new state."""
    _, action, purpose = (ctx.update.callback_query.data or "").split(":", 2)
    if action not in ("l", "u") or purpose not in groups.PURPOSES:
        raise DomainError("button.invalid")
    if action == "l":
        done = await groups.link(ctx.session, chat_id=ctx.chat_id, purpose=purpose,
                                 title=ctx.update.effective_chat.title, person=ctx.person,
                                 telegram_user_id=ctx.user_id, now=ctx.scope.now)
        ctx.answer("group.linked_short" if done else "group.already_linked_short",
                   purpose=purpose)
    else:
        done = await groups.unlink(ctx.session, chat_id=ctx.chat_id, purpose=purpose,
                                   person=ctx.person, telegram_user_id=ctx.user_id)
        ctx.answer("group.unlinked_short" if done else "group.not_linked_short",
                   purpose=purpose)
    if done:
        ctx.reply("group.linked" if action == "l" else "group.unlinked", purpose=purpose,
                  name=ctx.me.name)
    await _show_choices(ctx, edit=True)


async def _show_choices(ctx: Ctx, *, edit: bool) -> None:
    linked = await groups.links_of(ctx.session, ctx.chat_id)
    buttons = [[Button("btn.group_unlink" if p in linked else "btn.group_link",
                       f"g:{'u' if p in linked else 'l'}:{p}", {"purpose": p})]
               for p in groups.PURPOSES]
    lines = [("group.current", {"purpose": p}) for p in linked] or [("group.current_none", {})]
    (ctx.edit if edit else ctx.reply)("group.choose", buttons=buttons, lines=lines)


@handler(role=None)
async def link_in_private(ctx: Ctx) -> None:
    ctx.reply("group.link_in_group")


@handler(role=None)
async def private_command(ctx: Ctx) -> None:
    """One of our private chat's commands sent in a group. A linked group is told where it
    works; a group never linked hears nothing from the bot but the answers to /link (anyone
    may add a bot to any group), and the attempt is only audited."""
    if not await groups.links_of(ctx.session, ctx.chat_id):
        record_refusal(ctx, DomainError("group.not_linked"), "private_command")
        return
    if ctx.person is None:
        raise DomainError("auth.unregistered")
    message = ctx.update.effective_message
    command = (message.text or "").split()[0].split("@")[0] if message else ""
    raise DomainError("command.private_only", command=command)


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to, or removed from, a chat (my_chat_member)."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    scope = current_scope.get()
    services: Services = context.application.bot_data["services"]
    chat = change.chat
    old, new = change.old_chat_member.status, change.new_chat_member.status
    actor = change.from_user.id if change.from_user else None
    if new in _IN and old in _OUT:
        await groups.bot_added(scope.session, chat.id)
        if chat.type != chat.PRIVATE:
            # One message, in the factory's language, asking a manager to link the group.
            enqueue(scope.session, chat.id, Notice("group.hello"),
                    lang=services.rules.default_language, priority=Priority.reply)
    elif new in _OUT and old in _IN and chat.type != chat.PRIVATE:
        await groups.bot_removed(scope.session, chat.id, status=new, telegram_user_id=actor)


async def migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The group became a supergroup: Telegram tells both the old chat and the new one."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await groups.migrated(current_scope.get().session, old, new)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this module's handlers (called by routes.register before the catch-alls)."""
    application.add_handler(CommandHandler("link", link, filters=GROUPS))
    application.add_handler(CommandHandler("unlink", unlink, filters=GROUPS))
    application.add_handler(CommandHandler(["link", "unlink"], link_in_private,
                                           filters=filters.ChatType.PRIVATE))
    application.add_handler(CallbackQueryHandler(link_button, pattern=r"^g:[lu]:[a-z]+$"))
    application.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migration))
