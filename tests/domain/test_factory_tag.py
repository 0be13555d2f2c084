"""The factory tag 厂标: printed in every card's codes, so another factory's WO-000123 is refused.

The grammar (GD1:K7QF/WO-000123:20), the check against this installation's tag, and the tag
itself: drawn once, by whichever process comes first, kept by the settings import."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from domain.db import make_engine, make_sessionmaker
from domain.errors import DomainError
from domain.factory_settings import (
    FACTORY_TAG_KEY,
    check_label_factory,
    factory_tag,
    set_factory_tag,
    stored_factory_tag,
)
from domain.masterdata import SheetRow, import_master_data
from domain.migrate import upgrade
from domain.models import AuditEvent, FactorySetting
from domain.payload import (
    TAG_ALPHABET,
    TAG_LENGTH,
    LabelCode,
    ReworkCode,
    check_factory,
    format_payload,
    is_factory_tag,
    new_factory_tag,
    parse_label,
    parse_payload,
    parse_typed_label,
)
from tests import databases

ROOT = Path(__file__).resolve().parents[2]
tags = st.text(TAG_ALPHABET, min_size=TAG_LENGTH, max_size=TAG_LENGTH)
numbers = st.integers(1, 999_999)
sequences = st.none() | st.integers(1, 9999)


# --- the grammar -----------------------------------------------------------------------------


def test_a_tagged_payload_names_the_work_order_and_the_factory():
    assert format_payload("WO-000123", 20, factory="K7QF") == "GD1:K7QF/WO-000123:20"
    assert format_payload("WO-000123", factory="K7QF") == "GD1:K7QF/WO-000123"
    assert format_payload("RW-000007", factory="K7QF") == "GD1:K7QF/RW-000007"
    code = parse_label("GD1:K7QF/WO-000123:20")
    assert code == LabelCode("WO-000123", 20) and code.factory == "K7QF"
    rework = parse_label("GD1:K7QF/RW-000007")
    assert rework == ReworkCode("RW-000007") and rework.factory == "K7QF"
    # The code's own payload keeps the tag it was read with.
    assert code.payload == "GD1:K7QF/WO-000123:20" and rework.payload == "GD1:K7QF/RW-000007"


def test_untagged_payloads_read_as_before():
    """Typed codes, tests and cards printed before tags carry none."""
    assert format_payload("WO-000123", 20) == "GD1:WO-000123:20"
    code = parse_label("GD1:WO-000123:20")
    assert code == LabelCode("WO-000123", 20) and code.factory is None
    assert parse_label("GD1:RW-000007").factory is None


@given(number=numbers, seq=sequences, tag=st.none() | tags)
def test_every_printed_payload_reads_back(number, seq, tag):
    work_order = f"WO-{number:06d}"
    text = format_payload(work_order, seq, factory=tag)
    code = parse_label(text)
    assert isinstance(code, LabelCode)
    assert (code.work_order, code.operation_seq, code.factory) == (work_order, seq, tag)
    assert code.payload == text
    rework = parse_label(format_payload(f"RW-{number:06d}", factory=tag))
    assert isinstance(rework, ReworkCode) and (rework.code, rework.factory) == (
        f"RW-{number:06d}", tag)


@given(tag=tags)
def test_printed_payloads_stay_in_the_qr_alphanumeric_set(tag):
    alphanumeric = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert set(format_payload("WO-999999", 9999, factory=tag)) <= alphanumeric


@pytest.mark.parametrize("text", [
    "GD1:k7qf/WO-000123",      # lower case is not what is printed
    "GD1:K7Q/WO-000123",       # too short
    "GD1:K7QFF/WO-000123",     # too long
    "GD1:K0QF/WO-000123",      # 0, O, 1, I, L... are never drawn
    "GD1:KIQF/WO-000123",
    "GD1:/WO-000123",
    "GD1:K7QFWO-000123",       # no separator
    "GD1:WO-000123/K7QF",      # the tag goes first
    "GD1:K7QF/WO-000123:020",
    "GD1:K7QF/RW-000000",
    "GD1:K7QF/RW-000007:20",
    "GD1:K7QF:WO-000123",
])
def test_malformed_tags_are_refused(text):
    with pytest.raises(DomainError) as refused:
        parse_label(text)
    assert refused.value.key == "label.invalid"


def test_format_refuses_what_it_could_not_read_back():
    for bad in ("k7qf", "K0QF", "K7Q", ""):
        with pytest.raises(ValueError):
            format_payload("WO-000123", factory=bad)
    with pytest.raises(DomainError):
        parse_payload("GD1:K7QF/RW-000007")  # work-order codes only, as before


def test_typed_codes_keep_the_tag_for_the_check():
    for typed in ("GD1:K7QF/WO-000123:20", "gd1:k7qf/wo-123:20", "K7QF/WO-123/20",
                  "ｇｄ１：Ｋ７ＱＦ／ＷＯ－１２３：２０", " K7QF / wo 123 : 20 "):
        code = parse_typed_label(typed)
        assert code == LabelCode("WO-000123", 20) and code.factory == "K7QF", typed
    rework = parse_typed_label("k7qf/rw-7")
    assert rework == ReworkCode("RW-000007") and rework.factory == "K7QF"
    # A tag outside the alphabet is still read as a tag: the check refuses it as not ours,
    # rather than the code being taken for one of ours.
    assert parse_typed_label("AB12/WO-1").factory == "AB12"
    assert parse_typed_label("WO-123").factory is None
    assert parse_typed_label("WO-000123 20") is None  # a quantity after a space, as before


def test_new_tags_are_drawn_from_the_alphabet():
    drawn = {new_factory_tag() for _ in range(200)}
    assert all(is_factory_tag(tag) for tag in drawn)
    assert len(drawn) > 190  # random, not a constant


# --- the check ---------------------------------------------------------------------------------


def test_only_another_factorys_tag_is_refused():
    check_factory(parse_label("GD1:K7QF/WO-000123"), "K7QF")
    check_factory(parse_label("GD1:WO-000123"), "K7QF")  # a card printed before tags
    check_factory(parse_typed_label("WO-123"), None)
    with pytest.raises(DomainError) as refused:
        check_factory(parse_label("GD1:X9YA/WO-000123:20"), "K7QF")
    assert refused.value.key == "label.other_factory"
    assert refused.value.params == {"factory": "X9YA", "ours": "K7QF"}
    with pytest.raises(DomainError):  # no tag of our own yet: no tagged card is ours
        check_factory(parse_label("GD1:K7QF/RW-000007"), None)


async def test_the_check_reads_this_installations_tag(session):
    ours = await factory_tag(session)
    other = next(t for t in ("K7QF", "X9YA") if t != ours)
    await check_label_factory(session, parse_label(format_payload("WO-000001", factory=ours)))
    await check_label_factory(session, parse_label("GD1:WO-000001"))
    for code in (parse_label(format_payload("WO-000001", 10, factory=other)),
                 parse_label(format_payload("RW-000001", factory=other)),
                 parse_typed_label(f"{other}/wo-1")):
        with pytest.raises(DomainError) as refused:
            await check_label_factory(session, code)
        assert refused.value.params == {"factory": other, "ours": ours}


# --- the tag itself --------------------------------------------------------------------------


async def test_the_tag_is_drawn_once_and_kept(sessions):
    async with sessions() as s:
        assert await stored_factory_tag(s) is None  # nothing drawn before it is needed
    async with sessions() as s, s.begin():
        tag = await factory_tag(s)
    assert is_factory_tag(tag)
    async with sessions() as s, s.begin():
        assert await factory_tag(s) == tag
        assert await s.scalar(select(func.count()).select_from(FactorySetting)) == 1


async def test_two_processes_drawing_at_once_keep_one_tag(tmp_path):
    """The second waits for the first's insert, finds the key taken, and reads the winner."""
    url = databases.url_for(tmp_path / "tag.db")
    first_engine, second_engine = make_engine(url), make_engine(url)
    try:
        await upgrade(first_engine)
        first, second = make_sessionmaker(first_engine)(), make_sessionmaker(second_engine)()
        async with first, second:
            await first.begin()
            drawn_first = await factory_tag(first)  # inserted, not yet committed
            racing = asyncio.create_task(_draw(second))
            await asyncio.sleep(0.3)
            assert not racing.done()  # held up by the first's uncommitted row (or lock)
            await first.commit()
            assert await racing == drawn_first
        async with make_sessionmaker(first_engine)() as s:
            assert await s.scalar(select(func.count()).select_from(FactorySetting)) == 1
    finally:
        await first_engine.dispose()
        await second_engine.dispose()


async def _draw(session) -> str:
    async with session.begin():
        return await factory_tag(session)


async def test_a_tag_can_be_adopted_and_is_audited(session):
    drawn = await factory_tag(session)
    adopted = "K7QF" if drawn != "K7QF" else "X9YA"
    assert await set_factory_tag(session, adopted.lower()) == adopted
    assert await factory_tag(session) == adopted
    event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "factory_tag.set"))
    assert event is not None and json.loads(event.detail) == {"before": drawn, "after": adopted}
    for bad in ("K0QF", "K7Q", "K7QF/"):
        with pytest.raises(DomainError) as refused:
            await set_factory_tag(session, bad)
        assert refused.value.key == "label.bad_factory_tag"
    assert await factory_tag(session) == adopted


async def test_importing_the_settings_sheet_keeps_the_tag(sessions):
    """The sheet replaces the settings people set; the drawn tag is not one of them."""
    async with sessions() as s, s.begin():
        tag = await factory_tag(s)
    rows = [SheetRow("settings", 2, {"key": "rework_pay", "value": "paid"})]
    async with sessions() as s, s.begin():
        result = await import_master_data(s, {"settings": rows})
    assert result.to_dict()["settings"]["settings"]["removed"] == 0
    async with sessions() as s:
        values = dict((await s.execute(select(FactorySetting.key, FactorySetting.value))).all())
    assert values == {FACTORY_TAG_KEY: tag, "rework_pay": "paid"}


# --- the command -------------------------------------------------------------------------------


def gongdan(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(tmp_path / "cli.db"),
           "GONGDAN_LANGUAGE": "en"}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)


def test_the_command_shows_the_tag_and_adopts_one(tmp_path):
    first = gongdan(tmp_path, "factory-tag")
    assert first.returncode == 0, first.stderr
    tag = first.stdout.strip()
    assert is_factory_tag(tag)
    assert gongdan(tmp_path, "factory-tag").stdout.strip() == tag  # drawn once, kept
    adopted = "K7QF" if tag != "K7QF" else "X9YA"
    assert gongdan(tmp_path, "factory-tag", "--set", adopted.lower()).stdout.strip() == adopted
    refused = gongdan(tmp_path, "factory-tag", "--set", "K0QF")
    assert refused.returncode == 1 and "is not a factory tag" in refused.stderr
    assert gongdan(tmp_path, "factory-tag").stdout.strip() == adopted
