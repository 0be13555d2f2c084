"""Routes a person's typed text or photo to the multi-step flow waiting for it, if any.

A flow registers a step per input kind (`domain.models.InputDraft.kind`). A step returns False
when the message is not an answer to its question (say, a work-order code typed while a QC
split waits for quantities): the message then goes on to ordinary reporting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from domain import conversation
from domain.errors import DomainError
from domain.models import InputDraft, InputStatus
from handlers.telegram.common import Ctx, button_ids
from handlers.telegram.scan import Scan

TextStep = Callable[[Ctx, InputDraft, str], Awaitable[bool]]
PhotoStep = Callable[[Ctx, InputDraft, Scan], Awaitable[bool]]

_TEXT: dict[str, TextStep] = {}
_PHOTO: dict[str, PhotoStep] = {}


def on_text(kind: str) -> Callable[[TextStep], TextStep]:
    def register(step: TextStep) -> TextStep:
        _TEXT[kind] = step
        return step
    return register


def on_photo(kind: str) -> Callable[[PhotoStep], PhotoStep]:
    def register(step: PhotoStep) -> PhotoStep:
        _PHOTO[kind] = step
        return step
    return register


def as_typed(ctx: Ctx) -> str:
    """The message exactly as the person wrote it (steps get it normalised for parsing:
    full-width digits and punctuation folded); free text such as a comment keeps its own."""
    message = ctx.update.effective_message
    return (message.text or message.caption or "").strip() if message else ""


async def dispatch_text(ctx: Ctx, text: str) -> bool:
    draft = await conversation.open_input(ctx.session, ctx.me, ctx.scope.now)
    step = _TEXT.get(draft.kind) if draft is not None else None
    return step is not None and draft is not None and await step(ctx, draft, text)


async def dispatch_photo(ctx: Ctx, scan: Scan) -> bool:
    draft = await conversation.open_input(ctx.session, ctx.me, ctx.scope.now)
    step = _PHOTO.get(draft.kind) if draft is not None else None
    return step is not None and draft is not None and await step(ctx, draft, scan)


async def cancel_card(ctx: Ctx, kind: str, *, gone: str, cancelled: str) -> None:
    """A Cancel button (`xx:n:<draft id>`) on a card waiting in an InputDraft of this kind: the
    draft ends once as cancelled and the card says so; a card no longer waiting is refused with
    `gone`."""
    (draft_id,) = button_ids(ctx, 1, skip=2)
    draft = await conversation.get_input(ctx.session, ctx.me, draft_id, kind, ctx.scope.now)
    if draft is None or not await conversation.finish(ctx.session, draft, ctx.scope.now,
                                                      InputStatus.cancelled):
        raise DomainError(gone)
    ctx.edit(cancelled)
    ctx.answer(cancelled)
