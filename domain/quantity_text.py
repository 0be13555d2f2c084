"""Reading the quantities a worker types: `30`, `30 2`, `30 2 burr`, full-width digits too.

Only whole, non-negative numbers of pieces. Anything else (`3.5`, `-5`, `1e9`) is refused with a
reason rather than guessed: a wrong number becomes a wrong wage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import DomainError
from domain.payload import normalize_text

_NUMBER = re.compile(r"^\d{1,9}$")
_SEPARATORS = re.compile(r"[\s,，、/+]+")


@dataclass(frozen=True)
class TypedQuantity:
    good: int
    scrap: int = 0
    reason: str | None = None


def looks_numeric(text: str) -> bool:
    token = _SEPARATORS.split(normalize_text(text), maxsplit=1)[0]
    return bool(re.match(r"^[-+]?[\d.,]", token))


def parse_quantities(text: str) -> TypedQuantity:
    tokens = [t for t in _SEPARATORS.split(normalize_text(text)) if t]
    if not tokens:
        raise DomainError("qty.empty")
    numbers: list[int] = []
    for token in tokens[:2]:
        if _NUMBER.match(token):
            numbers.append(int(token))
        elif numbers:
            break  # the reason starts here
        else:
            raise DomainError("qty.not_whole", text=token[:20])
    reason = " ".join(tokens[len(numbers):]).strip() or None
    if reason is not None and len(numbers) < 2:
        raise DomainError("qty.not_whole", text=tokens[len(numbers)][:20])
    good = numbers[0]
    scrap = numbers[1] if len(numbers) > 1 else 0
    return TypedQuantity(good, scrap, reason[:100] if reason else None)
