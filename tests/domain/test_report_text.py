"""Reading free-form reports: real phrasings in zh and en, the questions, and properties."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.factory_settings import DEFAULT_REASONS, Reason
from domain.report_text import Question, Reading, canonical, chinese_number, read_report
from domain.reporting import MAX_QUANTITY


def R(good, scrap=0, reason=None, *, plain=False, listed=None):  # noqa: N802
    if listed is None:
        listed = reason is not None and any(r.code == reason for r in DEFAULT_REASONS)
    return Reading(good, scrap, reason, listed, plain)


def Q(kind, *options):  # noqa: N802
    return kind, tuple(options)


PHRASINGS = [
    # Chinese, the way people type it after scanning
    ("做了30 坏2 毛刺", R(30, 2, "burr")),
    ("30好 2废", R(30, 2)),
    ("良品30 报废2 原因毛刺", R(30, 2, "burr")),
    ("合格30，不良2（毛刺）", R(30, 2, "burr")),
    ("做了30坏2毛刺", R(30, 2, "burr")),
    ("30件合格 2件不良", R(30, 2)),
    ("合格 30 件，不良 2 件，毛刺", R(30, 2, "burr")),
    ("做了30，报废2个，毛刺", R(30, 2, "burr")),
    ("完成30个，其中2个不良，原因尺寸不良", R(30, 2, "dimension")),
    ("今天做了30个，坏了2个，毛刺", R(30, 2, "burr")),
    ("良品：30，报废：2，原因：毛刺", R(30, 2, "burr")),
    ("做了30 毛刺2个", R(30, 2, "burr")),
    ("毛刺2 做了30", R(30, 2, "burr")),
    ("原因是毛刺 做了30 坏2", R(30, 2, "burr")),
    ("做了30个 坏了两个 有一点划痕", R(30, 2, "有一点划痕")),
    ("做了30 坏2 划伤", R(30, 2, "划伤")),
    ("做了３０ 坏２", R(30, 2)),  # full-width digits
    ("完成三十", R(30)),
    ("做了一百 坏三", R(100, 3)),
    ("两百五好", R(250)),
    ("做了30", R(30)),
    ("做了0 坏2 毛刺", R(0, 2, "burr")),
    # English
    ("done 30 scrap 2 burr", R(30, 2, "burr")),
    ("30 good 2 bad", R(30, 2)),
    ("good 30, scrap 2 (burr)", R(30, 2, "burr")),
    ("30 ok 2 ng", R(30, 2)),
    ("OK30 NG2", R(30, 2)),
    ("made 30, 2 scrapped", R(30, 2)),
    ("30 done, 2 defective (burr)", R(30, 2, "burr")),
    ("finished 30 with 2 rejects, reason dimension", R(30, 2, "dimension")),
    ("30 good and 2 bad because of burrs", R(30, 2, "burr")),
    ("done 30 scrap 2 reason: bad solder", R(30, 2, "bad solder")),
    ("Good: 30 Bad: 2", R(30, 2)),
    ("Done 30", R(30)),
    # the card's plain formats: as they always read, recorded without a confirmation
    ("30", R(30, plain=True)),
    ("30 2", R(30, 2, plain=True)),
    ("30 2 burr", R(30, 2, "burr", plain=True)),
    ("30 2 毛刺", R(30, 2, "burr", plain=True)),
    ("30 2 原因毛刺", R(30, 2, "burr", plain=True)),
    ("30 2 划伤", R(30, 2, "划伤", plain=True)),
    ("２８ ２", R(28, 2, plain=True)),
    # ambiguous: asked, with the readings to pick from
    ("30 2 坏", Q("which", (30, 2), (2, 30))),
    ("30 2 bad", Q("which", (30, 2), (2, 30))),
    ("30 毛刺 2", Q("which", (30, 2), (2, 30))),
    ("做了 30 坏", Q("which", (30, 0), (0, 30))),
    ("做了30 坏2 5", Q("which")),
    ("坏2", Q("good_missing", (0, 2))),
    ("scrap 2", Q("good_missing", (0, 2))),
    ("报废2 毛刺", Q("good_missing", (0, 2))),
    ("做了30 坏", Q("scrap_missing", (30, 0))),
    ("done 30 (burr)", Q("scrap_missing", (30, 0))),
    ("done 30 bad", Q("which", (30, 0), (0, 30))),
    ("做了30 毛刺", Q("scrap_missing", (30, 0))),
    ("做了30 良品20", Q("two_good", (30, 0), (20, 0))),
    ("good 30 good 20 scrap 1", Q("two_good", (30, 1), (20, 1))),
    ("做了30 坏2 坏3", Q("two_scrap", (30, 2), (30, 3))),
    ("做了30 坏2 毛刺 尺寸不良", Q("two_reasons")),
    # no report at all: the usual hint
    ("你好", None),
    ("好的", None),
    ("hello", None),
    ("see you tomorrow", None),
    ("原因毛刺", None),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS, ids=[t for t, _ in PHRASINGS])
def test_phrasings(text, expected):
    got = read_report(text)
    if isinstance(expected, tuple):
        assert isinstance(got, Question), got
        assert (got.kind, got.options) == expected
    else:
        assert got == expected


def test_there_are_forty_real_phrasings_in_both_languages():
    latin = [t for t, _ in PHRASINGS if t.isascii()]
    assert len(PHRASINGS) >= 40 and len(latin) >= 15 and len(PHRASINGS) - len(latin) >= 25


def test_questions_keep_the_reason_and_the_numbers():
    which = read_report("30 毛刺 2")
    assert (which.numbers, which.reason, which.listed) == ((30, 2), "burr", True)
    missing = read_report("做了30 坏 划伤")
    assert (missing.kind, missing.good, missing.reason, missing.listed) == (
        "scrap_missing", 30, "划伤", False)
    two = read_report("做了30 坏2 毛刺 尺寸不良")
    assert (two.good, two.scrap, two.reasons) == (30, 2, ("burr", "dimension"))


@pytest.mark.parametrize(("text", "shown"), [
    ("3.5", "3.5"), ("-5", "-5"), ("1e9", "1e9"),  # refused as the plain format always was
    ("做了3.5", "3.5"), ("坏-2", "-2"), ("done 1e9", "1e9"), ("good 30 scrap -2", "-2"),
    ("良品30.5 报废2", "30.5"),
])
def test_not_whole_pieces_are_refused_with_what_was_typed(text, shown):
    with pytest.raises(DomainError) as refused:
        read_report(text)
    assert (refused.value.key, refused.value.params) == ("qty.not_whole", {"text": shown})


@pytest.mark.parametrize("text", ["做了2000000", "good 99999999999999999999", "坏1000001"])
def test_huge_numbers_are_refused(text):
    with pytest.raises(DomainError) as refused:
        read_report(text)
    assert (refused.value.key, refused.value.params) == ("report.too_large",
                                                         {"limit": MAX_QUANTITY})


def test_the_factorys_own_reasons_are_recognised():
    reasons = (Reason("scratch", "划伤", "scratch"), Reason("crack", "裂纹", "crack"))
    assert read_report("做了30 坏2 划伤", reasons) == Reading(30, 2, "scratch", True)
    assert read_report("done 30 2 cracked", reasons) == Question(
        "which", ((30, 2), (2, 30)), (30, 2), reason="cracked")
    assert read_report("做了30 坏2 毛刺", reasons) == Reading(30, 2, "毛刺", False)  # not theirs


@pytest.mark.parametrize(("text", "value"), [
    ("十", 10), ("十二", 12), ("二十五", 25), ("三十", 30), ("两百", 200), ("两百五", 250),
    ("一百零五", 105), ("一千零五十", 1050), ("三万", 30000), ("三万五", 35000), ("零", 0),
    ("三五", None), ("十十", None), ("百", None), ("万", None), ("零五", None),
])
def test_chinese_numerals(text, value):
    assert chinese_number(text) == value


def test_chinese_numerals_away_from_a_keyword_are_words():
    assert read_report("三十 二") is None
    assert read_report("做了30 坏2 有一点划痕") == Reading(30, 2, "有一点划痕", False)


# --- properties ----------------------------------------------------------------------------

FRAGMENTS = ["做了", "完成", "好", "良品", "合格", "坏", "废", "报废", "不良", "原因", "毛刺", "尺寸不良",
             "done", "good", "ok", "scrap", "bad", "ng", "reason", "burr", "and", "个", "了",
             "三十", "两", "十", "万", "0", "2", "30", "100", "1000001", "3.5", "-", "-2", ".",
             "e9", "1e9", ",", "，", "(", "（", " ", "  ", ":", "划伤", "x", "ß", "İ", "\u200b",
             "３０", "WO-000001"]


def check_sane(result):
    if result is None:
        return
    if isinstance(result, Reading):
        figures = [result.good, result.scrap]
    else:
        assert isinstance(result, Question)
        figures = [n for option in result.options for n in option] + list(result.numbers)
        figures += [n for n in (result.good, result.scrap) if n is not None]
    for n in figures:
        assert type(n) is int and 0 <= n <= MAX_QUANTITY


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_is_read_or_refused_never_crashes(text):
    try:
        check_sane(read_report(text))
    except DomainError:
        pass


@settings(max_examples=600)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join))
def test_report_like_text_gives_whole_pieces_in_range(text):
    try:
        check_sane(read_report(text))
    except DomainError as refused:
        assert refused.key in ("qty.not_whole", "qty.unclear", "report.too_large")


FREE_REASON = st.text(alphabet="xyzqjkw划伤裂纹锈斑 ", min_size=1, max_size=20).map(str.strip).filter(
    lambda s: s and "  " not in s)
LISTED = st.sampled_from([(r.code, name) for r in DEFAULT_REASONS
                          for name in (r.code, r.name_zh, r.name_en)])


@given(good=st.integers(0, MAX_QUANTITY), scrap=st.integers(0, MAX_QUANTITY),
       reason=st.one_of(st.none(), FREE_REASON, LISTED), lang=st.sampled_from(["zh", "en"]))
def test_the_canonical_rendering_reads_back_to_itself(good, scrap, reason, lang):
    code, name = reason if isinstance(reason, tuple) else (reason, reason)
    text = canonical(good, scrap, name, lang)
    expected = Reading(good, scrap, code if scrap else None,
                       isinstance(reason, tuple) and scrap > 0)
    assert read_report(text) == expected


@given(good=st.integers(0, MAX_QUANTITY), scrap=st.integers(0, MAX_QUANTITY))
def test_the_plain_format_reads_as_before(good, scrap):
    assert read_report(f"{good} {scrap}") == Reading(good, scrap, None, False, plain=True)
