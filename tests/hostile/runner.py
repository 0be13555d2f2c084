"""Throwing one case at the bot and judging what came back (see corpus.py for the rules)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.botapi_server.models import CallbackAnswer, SimMessage
from bot.botapi_server.sim import SimGroup, SimUser
from bot.demo import wait_until_settled
from tests.hostile import forge
from tests.hostile.corpus import FACTORY_LANG, Case
from tests.hostile.probe import (
    Outcome,
    Refusal,
    Snapshot,
    errors_logged,
    mark,
    outcome,
    rendered,
    snapshot,
)
from tests.hostile.shop import Shop

SETTLE = 30.0  # seconds; a ceiling (a decompression bomb is refused on its header at once)


async def settle(shop: Shop, timeout: float = SETTLE) -> None:
    """Every update processed and every answer handed to the Bot API, looked at every 10 ms:
    hundreds of cases run one after the other."""
    await wait_until_settled(shop.api, shop.bot, timeout, every=0.01)


@dataclass
class Thrown:
    case: Case
    user: SimUser
    view: SimUser | SimGroup
    before: Snapshot
    after: Snapshot
    outcome: Outcome
    answer: CallbackAnswer | None


def view_of(shop: Shop, case: Case) -> SimUser | SimGroup:
    return shop.user(case.who) if case.where == "private" else shop.chat(case.where)


async def open_card(shop: Shop, user: SimUser) -> None:
    """The sender scans WO-000001: a card asks how many (a draft is open)."""
    await user.send_text("WO-000001")
    await user.wait_message(lambda m: "WO-000001" in m.content and bool(m.buttons))
    await settle(shop)


async def open_split(shop: Shop, inspector: SimUser) -> None:
    """The inspector taps Split… on the victim's pending inspection: it asks pass rework scrap."""
    pressed = forge.press_forged(inspector, inspector, f"qc:s:{shop.ids['pending_qc']}")
    await inspector.wait_answer(pressed)
    await settle(shop)


async def throw(shop: Shop, case: Case) -> Thrown:
    user, view = shop.user(case.who), view_of(shop, case)
    await settle(shop)
    if case.before == "card":
        await open_card(shop, user)
    elif case.before == "split":
        await open_split(shop, user)
    original = None
    if case.edited_from is not None:  # read (and answered) before the case begins
        original = await user.send_text(case.edited_from)
        await settle(shop)
    for each in (user, view):
        each.drain()
    before = await snapshot(shop, case.moves)
    since = await mark(shop)
    callback = await act(shop, case, user, view, original)
    # A callback is answered just after its update commits: wait for that too.
    answer = await view.wait_answer(callback, SETTLE) if callback else None
    await settle(shop)
    return Thrown(case, user, view, before, await snapshot(shop, case.moves),
                  await outcome(shop, since), answer)


async def act(shop: Shop, case: Case, user: SimUser, view: SimUser | SimGroup,
              original: SimMessage | None = None) -> str | None:
    """Send the case's input (as an edit of `original` when given); the callback query id
    when it is a press."""
    in_group = isinstance(view, SimGroup)
    if case.data is not None:
        return forge.press_forged(view, user, case.data.format(**shop.ids))
    if case.file is not None:
        data, caption = case.file(), case.caption
        if case.as_photo:
            await (view.send_photo(user, data, caption) if in_group
                   else user.send_photo(data, caption))
        else:
            await (view.send_document(user, data, case.filename, case.mime, caption) if in_group
                   else user.send_document(data, case.filename, case.mime, caption))
        return None
    if case.other is not None:
        await user.send_other(case.other, case.text)
        return None
    assert case.text is not None
    if original is not None:
        await user.edit_text(original, case.text)
    elif case.text.startswith("/"):
        command, _, arg = case.text.partition(" ")
        await (view.command(user, command, arg or None) if in_group
               else user.command(command, arg or None))
    else:
        await (view.send_text(user, case.text) if in_group else user.send_text(case.text))
    return None


def told_key(thrown: Thrown, refusal: Refusal) -> str:
    """The key the refused person was told: a stranger's press in a group is told to register
    in private."""
    if (refusal.reason == "unregistered" and thrown.case.data is not None
            and isinstance(thrown.view, SimGroup)):
        return "group.not_registered"
    return refusal.key


def judge(shop: Shop, thrown: Thrown, logged: list[logging.LogRecord]) -> None:
    """Everything the corpus promises, with the evidence in the message when it fails."""
    case, out = thrown.case, thrown.outcome
    evidence = f"{case.id}: replies={out.replies} refusals={out.refusals} answer={thrown.answer}"
    assert not out.failures, f"{evidence}; failed updates {out.failures}"
    assert not errors_logged(logged), f"{evidence}; errors logged {errors_logged(logged)}"
    assert thrown.before.changed(thrown.after) == {}, f"{evidence}; changed tables"
    mine = {thrown.user.id, thrown.view.chat.id}
    assert all(r.chat_id in mine for r in out.replies), f"{evidence}; someone else was told"
    if case.silent:
        assert not out.replies, evidence
        assert not (thrown.answer and thrown.answer.text), evidence
        assert [r.telegram_id for r in out.refusals] == [thrown.user.id], evidence
        return
    if not case.refused:
        assert not out.refusals, evidence
        assert any(r.key == case.expect and r.lang == case.lang for r in out.replies), evidence
        return
    assert len(out.refusals) == 1, evidence
    refusal = out.refusals[0]
    assert refusal.telegram_id == thrown.user.id, evidence
    key = told_key(thrown, refusal)
    if case.expect is not None:
        assert key == case.expect, evidence
    _check_told(shop, thrown, refusal, key, evidence)


def _check_told(shop: Shop, thrown: Thrown, refusal: Refusal, key: str, evidence: str) -> None:
    case, out = thrown.case, thrown.outcome
    pressed_in_group = case.data is not None and isinstance(thrown.view, SimGroup)
    if pressed_in_group:  # only the presser sees why: the alert (and a private word)
        assert not out.to(thrown.view.chat.id), f"{evidence}; the group was told"
        assert thrown.answer is not None and thrown.answer.show_alert, evidence
        assert thrown.answer.text == rendered(shop, key, case.lang, refusal.params)[:200], \
            evidence
        return
    lang = FACTORY_LANG if isinstance(thrown.view, SimGroup) else case.lang
    assert any(r.chat_id == thrown.view.chat.id and r.key == key and r.lang == lang
               for r in out.replies), f"{evidence}; no {key} in {lang}"
    if case.data is not None:
        assert thrown.answer is not None, evidence
        assert thrown.answer.text == rendered(shop, key, case.lang, refusal.params)[:200], \
            evidence

