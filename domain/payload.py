"""The label payload printed on travel cards, and the typed code workers enter by hand.

The printed payload is short, uppercase and versioned so that it fits a small QR code in
alphanumeric mode (version 1-2) and a Code128 barcode:

    GD1:WO-000123        the work order (the card's main code)
    GD1:WO-000123:20     one operation of it (sequence 20), for per-operation codes
    GD1:RW-000007        a rework task 返工单 (pieces QC sent back), printed on its own card
    GD1:K7QF/WO-000123   the same with the factory tag 厂标 of the installation that printed it

Two factories both have a WO-000123: the factory tag (four characters, drawn once per
installation, see domain/factory_settings.py) keeps another factory's card from reporting
against ours. Printed cards carry it; a code without one (typed, or a card printed before tags)
is read as ours. `check_factory` refuses a tag that is not ours.

`parse_label` accepts exactly what `format_payload` writes; anything else is rejected with a
reason, because a decoder can misread a code and we must never act on a code that does not parse.
`parse_typed_label` is the lenient twin for people typing the code printed under the barcode.
`parse_payload` / `parse_typed_code` read work-order codes only.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from domain.errors import DomainError

VERSION = "GD1"
# Factory tags are drawn from characters nobody misreads on a card (no 0/O, 1/I/L, 2/Z, 5/S,
# 8/B), all in the QR code's alphanumeric set, like the rest of the payload.
TAG_ALPHABET = "346789ACDEFGHJKMNPQRTUVWXY"
TAG_LENGTH = 4
_TAG = rf"[{TAG_ALPHABET}]{{{TAG_LENGTH}}}"
_WORK_ORDER = r"WO-\d{6}"
_REWORK = r"RW-\d{6}"
# ASCII: a decoded code with other digits (٠, １) is not one we printed.
_PAYLOAD = re.compile(rf"^{VERSION}:(?:({_TAG})/)?({_WORK_ORDER})(?::(\d{{1,4}}))?$", re.ASCII)
_REWORK_PAYLOAD = re.compile(rf"^{VERSION}:(?:({_TAG})/)?({_REWORK})$", re.ASCII)
# What people type. A space never separates the operation: in "WO-000123 20" the 20 is a
# quantity. Any four letters or digits before a "/" are read as a factory tag, so a mistyped
# tag is refused as not ours rather than misunderstood.
_TYPED_TAG = r"(?:GD1:)?\s*(?:([A-Z0-9]{4})\s*/\s*)?"
_TYPED = re.compile(rf"^{_TYPED_TAG}(WO)\s*-?\s*(\d{{1,6}})(?:\s*[:/#]\s*(\d{{1,4}}))?$")
_TYPED_REWORK = re.compile(rf"^{_TYPED_TAG}RW\s*-?\s*(\d{{1,6}})$")


@dataclass(frozen=True)
class LabelCode:
    work_order: str
    operation_seq: int | None = None
    # The factory tag the code carried, None when it had none. It says where the card came
    # from, not which work order it names: codes compare equal without it.
    factory: str | None = field(default=None, compare=False)

    @property
    def payload(self) -> str:
        return format_payload(self.work_order, self.operation_seq, factory=self.factory)


@dataclass(frozen=True)
class ReworkCode:
    """A rework task's code, RW-000007: reported like a work order, inspected again."""

    code: str
    factory: str | None = field(default=None, compare=False)

    @property
    def payload(self) -> str:
        return format_payload(self.code, factory=self.factory)


def work_order_code(number: int) -> str:
    return f"WO-{number:06d}"


def rework_code(number: int) -> str:
    return f"RW-{number:06d}"


def is_factory_tag(text: str) -> bool:
    return re.fullmatch(_TAG, text) is not None


def new_factory_tag() -> str:
    """A fresh random tag: 26**4, about 457,000, so two factories rarely share one."""
    return "".join(secrets.choice(TAG_ALPHABET) for _ in range(TAG_LENGTH))


def format_payload(code: str, operation_seq: int | None = None, *,
                   factory: str | None = None) -> str:
    """The printed payload of a work order (optionally one operation of it) or a rework task,
    with the factory tag when one is given."""
    if factory is not None and not is_factory_tag(factory):
        raise ValueError(f"not a factory tag: {factory!r}")
    head = f"{VERSION}:{factory}/" if factory else f"{VERSION}:"
    if re.fullmatch(_REWORK, code) and operation_seq is None:
        return head + code
    if not re.fullmatch(_WORK_ORDER, code):
        raise ValueError(f"not a work order code: {code!r}")
    if operation_seq is None:
        return head + code
    if not 0 < operation_seq < 10000:
        raise ValueError(f"operation sequence out of range: {operation_seq}")
    return f"{head}{code}:{operation_seq}"


def parse_label(text: str) -> LabelCode | ReworkCode:
    """Parse any decoded label payload (work order or rework task); DomainError otherwise."""
    match = _REWORK_PAYLOAD.match(text or "")
    if match:
        if int(match.group(2)[3:]) == 0:
            raise DomainError("label.invalid", reason="malformed")
        return ReworkCode(match.group(2), factory=match.group(1))
    return parse_payload(text)


def parse_payload(text: str) -> LabelCode:
    """Parse a decoded work-order payload; raise DomainError('label.invalid') with the reason."""
    if not text:
        raise DomainError("label.invalid", reason="empty")
    if not text.startswith("GD"):
        raise DomainError("label.invalid", reason="foreign")
    if not text.startswith(VERSION + ":"):
        raise DomainError("label.invalid", reason="version")
    match = _PAYLOAD.match(text)
    if not match:
        raise DomainError("label.invalid", reason="malformed")
    factory, work_order, seq = match.groups()
    if seq is not None and (seq.startswith("0") or int(seq) == 0):
        raise DomainError("label.invalid", reason="malformed")
    return LabelCode(work_order, int(seq) if seq else None, factory=factory)


def check_factory(code: LabelCode | ReworkCode, ours: str | None) -> None:
    """Refuse a code tagged by another factory (`ours`: this installation's tag, None before
    it has one). An untagged code passes: typed by hand, or printed before tags."""
    if code.factory is not None and code.factory != ours:
        raise DomainError("label.other_factory", factory=code.factory, ours=ours or "—")


def normalize_text(text: str) -> str:
    """Full-width digits and letters to ASCII, zero-width characters removed, whitespace trimmed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.strip()


def parse_typed_code(text: str) -> LabelCode | None:
    """Lenient reading of a code typed by a person: 'wo-123', 'WO-000123:20', 'GD1:WO-000123',
    'GD1:K7QF/WO-000123:20' (the factory tag is kept for `check_factory`).

    Returns None when the text does not look like a code at all (so the caller can try other
    readings); a well-formed code is returned normalised.
    """
    text = normalize_text(text).upper()
    match = _TYPED.match(text)
    if not match:
        return None
    factory, _, number_text, seq_text = match.groups()
    number = int(number_text)
    if number == 0:
        return None
    seq = int(seq_text) if seq_text else None
    if seq == 0:
        return None
    return LabelCode(work_order_code(number), seq, factory=factory)


def parse_typed_label(text: str) -> LabelCode | ReworkCode | None:
    """`parse_typed_code`, or a typed rework code: 'rw-7', 'RW-000007', 'GD1:K7QF/RW-000007'."""
    match = _TYPED_REWORK.match(normalize_text(text).upper())
    if match:
        number = int(match.group(2))
        return ReworkCode(rework_code(number), factory=match.group(1)) if number else None
    return parse_typed_code(text)
