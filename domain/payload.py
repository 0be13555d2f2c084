"""The label payload printed on travel cards, and the typed code workers enter by hand.

The printed payload is short, uppercase and versioned so that it fits a small QR code in
alphanumeric mode (version 1-2) and a Code128 barcode:

    GD1:WO-000123        the work order (the card's main code)
    GD1:WO-000123:20     one operation of it (sequence 20), for per-operation codes
    GD1:RW-000007        a rework task 返工单 (pieces QC sent back), printed on its own card

`parse_label` accepts exactly what `format_payload` writes; anything else is rejected with a
reason, because a decoder can misread a code and we must never act on a code that does not parse.
`parse_typed_label` is the lenient twin for people typing the code printed under the barcode.
`parse_payload` / `parse_typed_code` read work-order codes only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from domain.errors import DomainError

VERSION = "GD1"
_WORK_ORDER = r"WO-\d{6}"
_REWORK = r"RW-\d{6}"
_PAYLOAD = re.compile(rf"^{VERSION}:({_WORK_ORDER})(?::(\d{{1,4}}))?$")
_REWORK_PAYLOAD = re.compile(rf"^{VERSION}:({_REWORK})$")
# A space never separates the operation: in "WO-000123 20" the 20 is a quantity.
_TYPED = re.compile(r"^(?:GD1:)?\s*(WO)\s*-?\s*(\d{1,6})(?:\s*[:/#]\s*(\d{1,4}))?$")
_TYPED_REWORK = re.compile(r"^(?:GD1:)?\s*RW\s*-?\s*(\d{1,6})$")


@dataclass(frozen=True)
class LabelCode:
    work_order: str
    operation_seq: int | None = None

    @property
    def payload(self) -> str:
        return format_payload(self.work_order, self.operation_seq)


@dataclass(frozen=True)
class ReworkCode:
    """A rework task's code, RW-000007: reported like a work order, inspected again."""

    code: str

    @property
    def payload(self) -> str:
        return format_payload(self.code)


def work_order_code(number: int) -> str:
    return f"WO-{number:06d}"


def rework_code(number: int) -> str:
    return f"RW-{number:06d}"


def format_payload(code: str, operation_seq: int | None = None) -> str:
    """The printed payload of a work order (optionally one operation of it) or a rework task."""
    if re.fullmatch(_REWORK, code) and operation_seq is None:
        return f"{VERSION}:{code}"
    if not re.fullmatch(_WORK_ORDER, code):
        raise ValueError(f"not a work order code: {code!r}")
    if operation_seq is None:
        return f"{VERSION}:{code}"
    if not 0 < operation_seq < 10000:
        raise ValueError(f"operation sequence out of range: {operation_seq}")
    return f"{VERSION}:{code}:{operation_seq}"


def parse_label(text: str) -> LabelCode | ReworkCode:
    """Parse any decoded label payload (work order or rework task); DomainError otherwise."""
    match = _REWORK_PAYLOAD.match(text or "")
    if match:
        if int(match.group(1)[3:]) == 0:
            raise DomainError("label.invalid", reason="malformed")
        return ReworkCode(match.group(1))
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
    seq = match.group(2)
    if seq is not None and (seq.startswith("0") or int(seq) == 0):
        raise DomainError("label.invalid", reason="malformed")
    return LabelCode(match.group(1), int(seq) if seq else None)


def normalize_text(text: str) -> str:
    """Full-width digits and letters to ASCII, zero-width characters removed, whitespace trimmed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.strip()


def parse_typed_code(text: str) -> LabelCode | None:
    """Lenient reading of a code typed by a person: 'wo-123', 'WO-000123:20', 'GD1:WO-000123'.

    Returns None when the text does not look like a code at all (so the caller can try other
    readings); a well-formed code is returned normalised.
    """
    text = normalize_text(text).upper()
    match = _TYPED.match(text)
    if not match:
        return None
    number = int(match.group(2))
    if number == 0:
        return None
    seq = int(match.group(3)) if match.group(3) else None
    if seq == 0:
        return None
    return LabelCode(work_order_code(number), seq)


def parse_typed_label(text: str) -> LabelCode | ReworkCode | None:
    """`parse_typed_code`, or a typed rework code: 'rw-7', 'RW-000007', 'GD1:RW-000007'."""
    match = _TYPED_REWORK.match(normalize_text(text).upper())
    if match:
        number = int(match.group(1))
        return ReworkCode(rework_code(number)) if number else None
    return parse_typed_code(text)
