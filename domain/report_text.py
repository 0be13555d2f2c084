"""Reading a report typed the way people talk, in Chinese or English, whatever the reader's
language:

    做了30 坏2 毛刺 · 30好 2废 · 良品30 报废2 原因毛刺 · 合格30，不良2（毛刺） · 完成三十
    done 30 scrap 2 burr · 30 good 2 bad · good 30, scrap 2 (burr)

The rules, in order:
- The card's plain formats (`30`, `30 2`, `30 2 毛刺`: good, scrap, reason) have no keyword and
  read as they always did (domain/quantity_text.py); they are recorded without a confirmation.
- Otherwise a number belongs to the keyword right next to it, before or after it (良品30, 30好,
  good 30, 30 good); written together beats separated (in `做了30 坏2` the 30 is 做了's). A
  defect reason of the factory's list next to a number counts it as scrap (毛刺2个).
- The reason is what follows 原因 / 因为 / reason / because (so it comes last), else the words
  left over. Words naming exactly one of the factory's reasons give that reason; other words
  are kept as typed.
- Chinese numerals (三十, 两百五, 一百零五) are read next to a keyword only (完成三十, 坏了两个);
  elsewhere they are words, so a reason such as 有一点划痕 stays a reason.
- Whole pieces only: a decimal, a sign, an exponent, a fraction or more than MAX_QUANTITY is
  refused with the text typed, never rounded or clamped. The plain format, recorded at once,
  also refuses numbers that could be misread: 012, 1,000.
- Whatever could be read two ways is a Question, with the readings to pick from where there are
  few; it is never guessed. A text with no number in it is no report at all (None).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.errors import DomainError
from domain.factory_settings import DEFAULT_REASONS, Reason
from domain.payload import normalize_text
from domain.quantity_text import parse_quantities
from domain.reporting import MAX_QUANTITY

GOOD_WORDS = ("良品", "合格品", "合格", "正品", "良好", "完好", "做好", "做完", "做了", "完成", "完工",
              "好", "良", "ok", "done", "good", "made", "finished", "completed", "complete",
              "passed", "pass")
SCRAP_WORDS = ("报废", "废品", "不良品", "不良", "不合格", "次品", "坏品", "损坏", "破损", "不好", "坏",
               "废", "ng", "scrap", "scrapped", "scraps", "bad", "defects", "defective", "defect",
               "rejects", "rejected", "reject", "failed", "fail", "broken")
REASON_WORDS = ("原因", "因为", "由于", "理由", "reason", "because", "due to", "caused by", "cause")
# Glue people put between the parts ("30 good and 2 bad", "一共做了30个"); never a reason alone.
NOISE_WORDS = ("一共", "总共", "共", "还有", "另外", "以及", "和", "及", "了", "的", "个", "件", "and",
               "plus", "with", "of", "pcs", "pieces", "piece", "pc")
_MEASURE = r"(?:\s*(?:个|件|只|片|套|根|条|块|支|台)|\s*(?:pcs|pieces|piece|pc)(?![a-z]))?"
_SEPARATORS = set(" \t\r\n,;:!?()[]{}<>\"'`~|/\\+=*&#@^_-.，、。；：！？（）【】《》「」『』“”‘’…·—")
_STRIP = "".join(_SEPARATORS)

MAX_TEXT = 300  # longer than any report; read as no report at all
MAX_NUMBERS = 6  # more numbers than any report has: asked, not searched for a reading

_DIGITS = re.compile(r"[0-9]+" + _MEASURE)
# Not whole pieces: 3.5, -5, 1e9, ½ (1⁄2 once normalised); checked before a number is read.
_NOT_WHOLE = re.compile(r"[0-9]+(?:\.[0-9]+)?e[+-]?[0-9]+|[0-9]+\.[0-9]+|[0-9]+\u2044[0-9]+"
                        r"|(?<![0-9a-z.])[-−][0-9]+")
# The plain format's numbers (`30 2`), and what makes one unclear: a leading zero (012: a code's
# digits?) or a thousands separator (1,000: a thousand, or good 1 and scrap 0?).
_PLAIN_HEAD = re.compile(r"[0-9]+(?:[\s,，、/+]+[0-9]+)?")
_UNCLEAR = re.compile(r"(?<![0-9])0[0-9]|[0-9],[0-9]{3}(?![0-9])")
_CN = re.compile(r"[零〇一二两三四五六七八九十百千万]+" + _MEASURE)
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_ZERO = "零〇"
# "because of burrs", "原因是毛刺": the words that lead into the reason are not part of it.
_REST_LEAD = re.compile(r"^(?:(?:是|为|of|is|was|are)(?![a-z])[\s:：]*)+", re.IGNORECASE)
_MARKER_AT_START = re.compile(
    r"^(?:原因|因为|由于|理由|reason|because|due\s+to|caused\s+by|cause)(?![a-z])[\s:：]*",
    re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """A report read from the text: what the confirmation card shows."""

    good: int
    scrap: int = 0
    reason: str | None = None  # a configured reason's code, or the words as typed
    listed: bool = False  # the reason is on the factory's list
    plain: bool = False  # the card's plain format: recorded at once, as always


@dataclass(frozen=True)
class Question:
    """The text could be read more than one way, or lacks a part: ask, never guess.

    kind: which (which number is good, which scrap), good_missing (scrap but no good),
    scrap_missing (a scrap word or a reason but no scrap count), two_good / two_scrap (one part
    given twice), two_reasons (one reason per report). `options` are (good, scrap) readings to
    pick from."""

    kind: str
    options: tuple[tuple[int, int], ...] = ()
    numbers: tuple[int, ...] = ()
    good: int | None = None
    scrap: int | None = None
    reason: str | None = None
    listed: bool = False
    reasons: tuple[str, ...] = ()  # two_reasons: the codes named


@dataclass(frozen=True)
class _Rest:
    """What follows 原因 / reason: the reason as typed, and the factory's reasons it names."""

    text: str = ""
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Token:
    kind: str  # num cn good scrap reason because noise word bad big
    start: int
    end: int
    value: int = 0
    code: str = ""  # a reason's code


def canonical(good: int, scrap: int = 0, reason: str | None = None, lang: str = "zh") -> str:
    """The one way to write a report that always reads back to itself: 良品30 报废2 原因毛刺 /
    good 30 scrap 2 reason burr (the reason only with scrap)."""
    zh = lang == "zh"
    parts = [f"良品{good}" if zh else f"good {good}"]
    if scrap:
        parts.append(f"报废{scrap}" if zh else f"scrap {scrap}")
        if reason:
            parts.append(f"原因{reason}" if zh else f"reason {reason}")
    return " ".join(parts)


def read_report(text: str,
                reasons: Sequence[Reason] = DEFAULT_REASONS) -> Reading | Question | None:
    """Read a typed report; None when it is no report at all. Refuses (DomainError) numbers
    that are not whole pieces or too large."""
    text = normalize_text(text or "")
    if not text or len(text) > MAX_TEXT:
        return None
    lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    words = _word_pattern(_reason_key(reasons))
    tokens, rest = _tokenize(lowered, text, words)
    if rest.text and not any(t.kind in ("num", "cn", "bad", "big") for t in tokens):
        # 原因是毛刺 做了30: the reason came first; read it all as words.
        tokens, rest = _tokenize(lowered, text, words, reason_last=False)
    if not any(t.kind in ("good", "scrap") for t in tokens):
        return _without_keywords(text, tokens, rest, reasons)
    for token in tokens:
        if token.kind in ("bad", "big"):
            _refuse(token, text)
    return _with_keywords(text, tokens, rest)


# --- no keyword: the plain formats, or numbers among words ---------------------------------


def _without_keywords(text: str, tokens: list[_Token], rest: _Rest,
                      reasons: Sequence[Reason]) -> Reading | Question | None:
    try:
        plain = parse_quantities(text)
    except DomainError:
        for token in tokens:
            if token.kind in ("bad", "big"):
                _refuse(token, text)  # 3.5, -5, 1e9, a number of twenty digits
        numbers = tuple(t.value for t in tokens if t.kind == "num")
        if not numbers:
            return None
        reason, listed, _ = _reason(text, tokens, rest, bound=set())
        return _which(numbers, reason, listed)
    if plain.good > MAX_QUANTITY or plain.scrap > MAX_QUANTITY:
        raise DomainError("report.too_large", limit=MAX_QUANTITY)
    head = _PLAIN_HEAD.match(text)
    if head and _UNCLEAR.search(head.group()):  # recorded at once: it must not be a guess
        raise DomainError("qty.unclear", text=head.group()[:20])
    reason = _MARKER_AT_START.sub("", plain.reason or "").strip() or None
    code = _listed_code(reason, reasons) if reason else None
    return Reading(plain.good, plain.scrap, code or reason, code is not None, plain=True)


def _listed_code(text: str, reasons: Sequence[Reason]) -> str | None:
    wanted = text.casefold()
    return next((r.code for r in reasons
                 if wanted in (r.code.casefold(), r.name_zh.casefold(), r.name_en.casefold())),
                None)


def _which(numbers: tuple[int, ...], reason: str | None, listed: bool) -> Question:
    """Which is good and which is scrap? With one or two numbers, both readings are offered."""
    options: tuple[tuple[int, int], ...] = ()
    if len(numbers) == 1:
        options = ((numbers[0], 0), (0, numbers[0]))
    elif len(numbers) == 2:
        a, b = numbers
        options = ((a, b), (b, a)) if a != b else ((a, b),)
    return Question("which", options, numbers, reason=reason, listed=listed)


# --- keywords: bind each number to the keyword next to it ----------------------------------

_PARTNERS = ("good", "scrap", "reason")


def _with_keywords(text: str, tokens: list[_Token], rest: _Rest) -> Reading | Question | None:
    seq = [t for t in tokens if t.kind != "noise"]
    nums = [i for i, t in enumerate(seq) if t.kind in ("num", "cn")]
    if not nums:
        return None
    # Asked about: the numbers in digits (Chinese numerals too when there are none).
    digits = tuple(seq[i].value for i in nums if seq[i].kind == "num") or tuple(
        seq[i].value for i in nums)
    if len(nums) > MAX_NUMBERS:
        reason, listed, _ = _reason(text, tokens, rest, bound=set())
        return _which(digits, reason, listed)
    best = _best_bindings(seq, nums)
    outcomes = {_outcome(seq, nums, choice) for choice in best}
    if len(outcomes) > 1:  # as likely one way as the other
        reason, listed, _ = _reason(text, tokens, rest, bound=set())
        return _which(digits, reason, listed)
    choice = best[0]
    bound = {id(seq[i]) for i, c in zip(nums, choice, strict=True) if c is not None}
    bound |= {id(seq[c]) for c in choice if c is not None}
    if not any(seq[i].kind == "num" or id(seq[i]) in bound for i in nums):
        return None  # Chinese numerals alone, next to no keyword: words, not a report
    if any(seq[i].kind == "num" and id(seq[i]) not in bound for i in nums):
        reason, listed, _ = _reason(text, tokens, rest, bound=set())
        return _which(digits, reason, listed)
    goods = [seq[i].value for i, c in zip(nums, choice, strict=True)
             if c is not None and seq[c].kind == "good"]
    scraps = [seq[i].value for i, c in zip(nums, choice, strict=True)
              if c is not None and seq[c].kind in ("scrap", "reason")]
    reason, listed, codes = _reason(text, tokens, rest, bound=bound)
    good = goods[0] if len(goods) == 1 else None
    scrap = scraps[0] if len(scraps) == 1 else None
    if len(goods) > 1:
        return Question("two_good", tuple((g, scrap or 0) for g in goods) if len(scraps) <= 1
                        else (), tuple(goods), scrap=scrap, reason=reason, listed=listed)
    if len(scraps) > 1:
        return Question("two_scrap", tuple((good, s) for s in scraps) if good is not None
                        else (), tuple(scraps), good=good, reason=reason, listed=listed)
    if len(codes) > 1:
        return Question("two_reasons", good=good, scrap=scrap, reasons=tuple(codes))
    if good is None:
        assert scrap is not None
        return Question("good_missing", ((0, scrap),), (scrap,), scrap=scrap, reason=reason,
                        listed=listed)
    scrap_word = any(t.kind == "scrap" and id(t) not in bound for t in seq)
    if scrap is None and (scrap_word or reason):
        return Question("scrap_missing", ((good, 0),), (good,), good=good, reason=reason,
                        listed=listed)
    return Reading(good, scrap or 0, reason if scrap else None, listed and bool(scrap))


def _best_bindings(seq: list[_Token], nums: list[int]) -> list[tuple[int | None, ...]]:
    """Every way of giving each number the keyword before it, after it, or none, each keyword
    taken once; the best: fewest numbers left over, then fewest keywords left without a number,
    then fewest pairs written apart, then fewest Chinese numerals left as words."""
    def partner(j: int) -> int | None:
        return j if 0 <= j < len(seq) and seq[j].kind in _PARTNERS else None

    choices = [sorted({None, partner(i - 1), partner(i + 1)}, key=lambda c: -1 if c is None else c)
               for i in nums]
    scored: list[tuple[tuple[int, int, int, int], tuple[int | None, ...]]] = []
    keywords = [j for j, t in enumerate(seq) if t.kind in ("good", "scrap")]
    for choice in itertools.product(*choices):
        taken = [c for c in choice if c is not None]
        if len(taken) != len(set(taken)):
            continue
        loose_digits = sum(1 for i, c in zip(nums, choice, strict=True)
                           if c is None and seq[i].kind == "num")
        loose_cn = sum(1 for i, c in zip(nums, choice, strict=True)
                       if c is None and seq[i].kind == "cn")
        idle = sum(1 for j in keywords if j not in taken)
        apart = sum(1 for i, c in zip(nums, choice, strict=True)
                    if c is not None and _apart(seq[min(i, c)], seq[max(i, c)]))
        scored.append(((loose_digits, idle, apart, loose_cn), choice))
    top = min(score for score, _ in scored)
    return [choice for score, choice in scored if score == top]


def _apart(left: _Token, right: _Token) -> bool:
    return right.start > left.end


def _outcome(seq: list[_Token], nums: list[int],
             choice: tuple[int | None, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    goods = tuple(seq[i].value for i, c in zip(nums, choice, strict=True)
                  if c is not None and seq[c].kind == "good")
    scraps = tuple(seq[i].value for i, c in zip(nums, choice, strict=True)
                   if c is not None and seq[c].kind != "good")
    return goods, scraps


# --- the reason ----------------------------------------------------------------------------


def _reason(text: str, tokens: list[_Token], rest: _Rest,
            bound: set[int]) -> tuple[str | None, bool, list[str]]:
    """(reason, on the factory's list, the distinct reasons of the list it names). The words
    left over (runs of words, reasons not bound to a number, Chinese numerals read as words)
    and what follows 原因/reason; one of the factory's reasons when they name exactly one."""
    runs: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind in ("word", "noise") or (token.kind in ("reason", "cn")
                                               and id(token) not in bound):
            runs[-1].append(token)
        elif runs[-1]:
            runs.append([])
    parts: list[str] = []
    for run in runs:
        while run and run[0].kind == "noise":
            run.pop(0)
        while run and run[-1].kind == "noise":
            run.pop()
        if run:
            parts.append(text[run[0].start:run[-1].end])
    if rest.text:
        parts.append(rest.text)
    codes: list[str] = []
    for code in (*(t.code for t in tokens if t.kind == "reason"), *rest.codes):
        if code not in codes:
            codes.append(code)
    if len(codes) == 1:
        return codes[0], True, codes
    typed = " ".join(parts)[:100].strip()
    return typed or None, False, codes


# --- tokens --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _word_pattern(reasons: tuple[tuple[str, str, str], ...]) -> tuple[re.Pattern[str],
                                                                       dict[str, tuple[str, str]]]:
    """One pattern for every keyword, glue word and reason name, longest first (尺寸不良 before
    不良); a keyword wins over a reason of the same name. Latin words match whole words only."""
    meaning: dict[str, tuple[str, str]] = {}
    for code, *names in reasons:
        for name in (code, *names):
            name = " ".join(name.lower().split())
            if name:
                meaning.setdefault(name, ("reason", code))
    for kind, words in (("good", GOOD_WORDS), ("scrap", SCRAP_WORDS),
                        ("because", REASON_WORDS), ("noise", NOISE_WORDS)):
        for word in words:
            meaning[word] = (kind, "")
    alternatives = []
    for word in sorted(meaning, key=len, reverse=True):
        body = r"\s+".join(re.escape(part) for part in word.split())
        if re.match(r"[a-z0-9]", word):
            body = rf"(?<![a-z]){body}"
        if re.search(r"[a-z0-9]$", word):
            plural = "(?:s|es)?" if meaning[word][0] == "reason" else ""  # burrs
            body = rf"{body}{plural}(?![a-z])"
        alternatives.append(body)
    return re.compile("|".join(alternatives)), meaning


def _reason_key(reasons: Sequence[Reason]) -> tuple[tuple[str, str, str], ...]:
    return tuple((r.code, r.name_zh, r.name_en) for r in reasons)


def _tokenize(lowered: str, text: str, words: tuple[re.Pattern[str], dict[str, tuple[str, str]]],
              reason_last: bool = True) -> tuple[list[_Token], _Rest]:
    """The tokens up to 原因/reason, and what follows it (the reason, as typed); with
    reason_last=False 原因/reason is a glue word and every token is read."""
    pattern, meaning = words
    tokens: list[_Token] = []
    word_start: int | None = None
    pos = 0

    def close_word(end: int) -> None:
        nonlocal word_start
        if word_start is not None:
            tokens.append(_Token("word", word_start, end))
            word_start = None

    while pos < len(lowered):
        negative = _NOT_WHOLE.match(lowered, pos) if lowered[pos] in "-−" else None
        if negative:  # -5: a sign, not a separator
            close_word(pos)
            tokens.append(_Token("bad", pos, negative.end()))
            pos = negative.end()
            continue
        if lowered[pos] in _SEPARATORS or lowered[pos].isspace():
            close_word(pos)
            pos += 1
            continue
        found = _next_token(lowered, pos, pattern, meaning)
        if found is None:
            if word_start is None:
                word_start = pos
            pos += 1
            continue
        close_word(pos)
        if found.kind == "because" and not reason_last:
            found = _Token("noise", found.start, found.end)
        if found.kind == "because":
            rest = _REST_LEAD.sub("", text[found.end:].strip(_STRIP)).strip(_STRIP)
            after, _ = _tokenize(lowered[found.end:], text[found.end:], words)
            return tokens, _Rest(rest, tuple(t.code for t in after if t.kind == "reason"))
        tokens.append(found)
        pos = found.end
    close_word(len(lowered))
    return tokens, _Rest()


def _next_token(lowered: str, pos: int, pattern: re.Pattern[str],
                meaning: dict[str, tuple[str, str]]) -> _Token | None:
    bad = _NOT_WHOLE.match(lowered, pos)
    if bad:
        return _Token("bad", pos, bad.end())
    digits = _DIGITS.match(lowered, pos)
    if digits:
        number = re.match(r"[0-9]+", digits.group()).group()  # type: ignore[union-attr]
        if len(number.lstrip("0")) > len(str(MAX_QUANTITY)) or int(number) > MAX_QUANTITY:
            return _Token("big", pos, digits.end())
        return _Token("num", pos, digits.end(), int(number))
    word = pattern.match(lowered, pos)
    if word:
        said = " ".join(word.group().split())
        kind, code = meaning.get(said) or meaning.get(said[:-2]) or meaning[said[:-1]]  # burrs
        return _Token(kind, pos, word.end(), code=code)
    numeral = _CN.match(lowered, pos)
    if numeral:
        value = chinese_number(re.sub(r"[^零〇一二两三四五六七八九十百千万]", "", numeral.group()))
        if value is not None and value <= MAX_QUANTITY:
            return _Token("cn", pos, numeral.end(), value)
    return None


def _refuse(token: _Token, text: str) -> None:
    if token.kind == "big":
        raise DomainError("report.too_large", limit=MAX_QUANTITY)
    raise DomainError("qty.not_whole", text=text[token.start:token.end][:20])


# --- Chinese numerals ----------------------------------------------------------------------


def chinese_number(text: str) -> int | None:
    """三十 → 30, 二十五 → 25, 两百 → 200, 一百零五 → 105, 两百五 → 250, 三万 → 30000; None when
    it is not a number written the usual way (三五, 十十)."""
    if not text:
        return None
    if "万" in text:
        high, _, low = text.partition("万")
        if "万" in low:
            return None
        top = _cn_section(high) if high else None
        if top is None:
            return None
        if not low:
            return top * 10000
        if len(low) == 1 and low in _CN_DIGITS:  # 三万五: 35000
            return top * 10000 + _CN_DIGITS[low] * 1000
        below = _cn_section(low.lstrip(_CN_ZERO) if low[0] in _CN_ZERO else low)
        return None if below is None else top * 10000 + below
    return _cn_section(text)


def _cn_section(text: str) -> int | None:
    """A number below 10000."""
    value, digit, last_unit, zero = 0, None, 10000, False
    for char in text:
        if char in _CN_ZERO:
            if digit is not None or value == 0:
                return None if len(text) > 1 else 0
            zero = True
        elif char in _CN_DIGITS:
            if digit is not None:
                return None  # 三五
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            unit = _CN_UNITS[char]
            if unit >= last_unit or (zero and digit is None):
                return None
            if digit is None:
                if unit != 10 or value:
                    return None  # only a leading 十 stands alone (十二)
                digit = 1
            value += digit * unit
            digit, last_unit, zero = None, unit, False
        else:
            return None
    if digit is not None:
        # 两百五 is 250 (the unit below is understood); 一百零五 is 105.
        value += digit if zero or last_unit == 10000 else digit * last_unit // 10
    return value
