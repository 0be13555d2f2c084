"""Properties of the parsers every typed and scanned text goes through (no bot, no database):
they refuse only with DomainError, and nothing they accept is a quantity that is not a whole,
positive number of pieces once the reporting rules (domain.reporting.check_quantities) apply."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.payload import LabelCode, ReworkCode, parse_label, parse_typed_label
from domain.quantity_text import parse_quantities
from domain.report_text import Reading, read_report
from domain.reporting import MAX_QUANTITY, check_quantities

ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=400)
FRAGMENTS = ("30", "2", "0", "00", "-", "+", ".", ",", "e", "E", "9" * 12, "１", "０", "٣", "²",
             "½", " ", "　", "，", "、", "/", "良品", "报废", "good", "scrap", "毛刺", "原因", "三十",
             "WO-", "GD1:", "RW-", ":", "\u200b", "\u202e", "\x00")
NUMBERISH = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map("".join)
PIECES = st.integers(1, MAX_QUANTITY)


def _read(text: str) -> Reading | None:
    """What recording would do with the text: the reading, checked as reporting checks it;
    None when it is no report, a question, or refused (with DomainError and nothing else)."""
    try:
        reading = read_report(text)
        if not isinstance(reading, Reading):
            return None
        check_quantities(reading.good, reading.scrap)
    except DomainError:
        return None
    return reading


def _whole_pieces(reading: Reading) -> None:
    for figure in (reading.good, reading.scrap):
        assert type(figure) is int and 0 <= figure <= MAX_QUANTITY
    assert reading.good + reading.scrap > 0


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(ANY_TEXT, NUMBERISH))
def test_a_typed_report_is_whole_positive_pieces_or_refused(text: str):
    reading = _read(text)
    if reading is not None:
        _whole_pieces(reading)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(ANY_TEXT, NUMBERISH))
def test_the_plain_quantities_refuse_only_with_domain_errors(text: str):
    try:
        typed = parse_quantities(text)
    except DomainError:
        return
    assert typed.good >= 0 and typed.scrap >= 0


@given(number=st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f != int(f)),
    st.integers(max_value=-1), st.integers(min_value=MAX_QUANTITY + 1)))
def test_a_number_that_is_not_whole_pieces_is_never_recorded(number: float | int):
    for text in (str(number), f"{number} 1", f"良品{number}", f"good {number}"):
        assert _read(text) is None, text


@given(pieces=PIECES)
def test_whole_pieces_read_as_themselves_in_ascii_and_full_width(pieces: int):
    wide = str(pieces).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    for text in (str(pieces), wide, f"{pieces} 0"):
        assert read_report(text) == Reading(pieces, 0, plain=True), text


@given(pieces=st.integers(1000, MAX_QUANTITY), zeros=st.integers(1, 3))
def test_numbers_that_could_be_misread_are_refused_not_guessed(pieces: int, zeros: int):
    for text in (f"{pieces:,}", "0" * zeros + str(pieces % 1000 + 1)):
        try:
            read_report(text)
        except DomainError as refused:
            assert refused.key == "qty.unclear", text
        else:
            raise AssertionError(f"{text!r} was read")


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(ANY_TEXT, NUMBERISH, st.from_regex(r"GD1:(WO|RW)-\d{1,8}(:\d{1,5})?")))
def test_labels_parse_to_codes_that_print_back_or_are_refused(text: str):
    try:
        code = parse_label(text)
    except DomainError:
        code = None
    if code is not None:
        assert parse_label(code.payload) == code
        _sane(code)
    typed = parse_typed_label(text)  # lenient: a code, or None for "not a code at all"
    if typed is not None:
        assert parse_label(typed.payload) == typed
        _sane(typed)
        assert int(_number(typed)[3:]) > 0  # a typed WO-0 is no code


def _number(code: LabelCode | ReworkCode) -> str:
    return code.code if isinstance(code, ReworkCode) else code.work_order


def _sane(code: LabelCode | ReworkCode) -> None:
    text = _number(code)
    assert text.isascii() and text[3:].isdigit() and len(text) == 9
    if isinstance(code, LabelCode) and code.operation_seq is not None:
        assert 0 < code.operation_seq < 10000


@given(text=ANY_TEXT)
def test_no_control_or_invisible_character_survives_into_a_label(text: str):
    typed = parse_typed_label(text)
    if typed is not None:
        assert all(unicodedata.category(c)[0] not in "CZ" for c in typed.payload)
