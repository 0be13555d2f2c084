"""Hypothesis through the real bot: random texts and random callback data from a worker who
can report nothing (no skill, no task) and from a stranger. Whatever arrives, the bot answers
in the sender's language, crashes nowhere, changes no domain table, and audits what it
refuses; afterwards it still takes a normal report."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.hostile import forge
from tests.hostile.probe import CONVERSATION, errors_logged, mark, outcome, rendered, snapshot
from tests.hostile.routes_map import BUTTONS, synthesized
from tests.hostile.runner import settle
from tests.hostile.shop import Shop

pytestmark = pytest.mark.asyncio(loop_scope="module")

FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

ANY_CHAR = st.characters(exclude_categories=("Cs",))  # Telegram carries no lone surrogate
FRAGMENTS = ("WO-000001", "wo-1", "WO-999999", "GD1:", "GD1:WO-000002:10", "RW-000001", "30",
             "2", "0", "-5", "3.5", "1e9", "０１２", "1,000", "½", "9" * 25, "良品", "报废",
             "做了", "坏", "good", "scrap", "毛刺", "burr", "原因", "because", " ", "，", ":",
             "/", "#", "\u200b", "\u202e", "\x00", "\x1b", "😀", "三十", "两百五")
REPORTISH = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=10).map("".join)
TEXTS = st.one_of(st.text(ANY_CHAR, min_size=1, max_size=200), REPORTISH,
                  st.text(ANY_CHAR, min_size=4097, max_size=4500))
PREFIXES = sorted({shape.rsplit(":", 1)[0] + ":" for route in BUTTONS
                   for shape in synthesized(route.name)[:1]})
NUMBERS = st.one_of(st.integers(-10, 10 ** 13), st.sampled_from(["", "１", "²", "0x1f", "1e3"]))
DATA = st.one_of(
    st.text(ANY_CHAR, min_size=1, max_size=64),
    st.tuples(st.sampled_from(PREFIXES), st.text(ANY_CHAR, max_size=20)).map("".join),
    st.tuples(st.sampled_from(PREFIXES), NUMBERS, st.sampled_from(["", ":"]), NUMBERS)
    .map(lambda parts: "".join(map(str, parts))),
).filter(lambda data: 0 < len(data.encode()) <= 64)  # what Telegram carries


def _people(shop: Shop):
    return (("idle", shop.idle, "zh"), ("stranger", shop.stranger, "en"))


@FUZZ
@given(text=TEXTS, who=st.sampled_from(["idle", "stranger"]))
async def test_random_text_is_refused_in_the_senders_language(shop: Shop, text: str, who: str,
                                                              caplog):
    assume(not text.lstrip().startswith("/"))  # commands: tests/hostile/test_roles.py
    user, lang = shop.user(who), {"idle": "zh", "stranger": "en"}[who]
    caplog.clear()
    before, since = await snapshot(shop), await mark(shop)
    await user.send_text(text)
    await settle(shop)
    out, after = await outcome(shop, since), await snapshot(shop)
    evidence = f"{text!r}: {out}"
    assert not out.failures and not errors_logged(caplog.records), evidence
    assert before.changed(after) == {}, evidence
    # Nothing this person types can be work: each text is one refusal, told in their language.
    assert len(out.refusals) == 1 and out.refusals[0].telegram_id == user.id, evidence
    assert [(r.chat_id, r.key, r.lang) for r in out.replies] == [
        (user.id, out.refusals[0].key, lang)], evidence


@FUZZ
@given(data=DATA, who=st.sampled_from(["idle", "stranger"]))
async def test_random_callback_data_changes_nothing(shop: Shop, data: str, who: str, caplog):
    assume(data not in ("l:en", "l:zh") and not data.startswith("e:t:"))  # legitimate taps
    user, lang = shop.user(who), {"idle": "zh", "stranger": "en"}[who]
    caplog.clear()
    before, since = await snapshot(shop, CONVERSATION), await mark(shop)
    answer = await user.wait_answer(forge.press_forged(user, user, data))  # the spinner stops
    await settle(shop)
    out, after = await outcome(shop, since), await snapshot(shop, CONVERSATION)
    evidence = f"{data!r}: {out} answer={answer}"
    assert not out.failures and not errors_logged(caplog.records), evidence
    assert before.changed(after) == {}, evidence
    assert all(r.chat_id == user.id and r.lang == lang for r in out.replies), evidence
    for refusal in out.refusals:
        assert refusal.telegram_id == user.id, evidence
        assert any(r.key == refusal.key for r in out.replies), evidence
        assert answer.text == rendered(shop, refusal.key, lang, refusal.params)[:200], evidence


async def test_after_the_fuzzing_a_normal_report_is_recorded(shop: Shop):
    await settle(shop)
    shop.zh.drain()
    await shop.zh.send_text("WO-000002 3")
    done = await shop.zh.wait_message("已记录", timeout=10)
    assert "WO-000002" in done.text and "良品 3" in done.text
