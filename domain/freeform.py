"""Free-form reports: a report typed the way people talk is confirmed before it is recorded.

`read` turns the text into a Reading, a Question or nothing (domain/report_text.py, with the
factory's defect reasons). A Reading in the card's plain format (`30 2 毛刺`) is recorded at once,
as always. Any other Reading is `propose`d: after the checks recording would make, the open card
(ReportDraft) moves to stage "confirm" holding the good, scrap and reason, and the worker
confirms, changes or cancels. A Question is `ask`ed on the same card (stage "confirm" with no
quantity yet) and answered by picking one of the readings offered, or by typing again.

Confirming and picking record through reporting.submit_quantity, so every rule of reporting
applies and the card is used once: a double tap or a redelivered update records once. A card
superseded meanwhile (a newer scan, a plan change) refuses, as every card does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import reporting
from domain.defects import reason_label
from domain.errors import DomainError
from domain.factory_settings import FactorySettings, load_settings
from domain.models import DraftStage, DraftStatus, Person, ReportDraft
from domain.report_text import Question, Reading, canonical, read_report
from domain.reporting import NeedsReason, Recorded, TaskCard, check_quantities
from domain.rules import FactoryRules


@dataclass(frozen=True)
class Proposal:
    """A confirmation card: what will be recorded on Confirm."""

    draft_id: int
    card: TaskCard
    good: int
    scrap: int
    reason: str | None  # as it will be stored: a configured reason's code, or the text typed
    listed: bool  # the reason is on the factory's list
    reason_name: Any  # for a notice: a listed reason's {"zh", "en"}, the text typed, or ""


@dataclass(frozen=True)
class Asked:
    """A question about a typed report, on its card."""

    draft_id: int
    card: TaskCard
    question: Question
    options: tuple[tuple[int, int], ...]  # the (good, scrap) readings the card can take
    reason_name: Any
    example: dict[str, str]  # the report written out in full, to type instead: {"zh", "en"}
    reasons: dict[str, str]  # two_reasons: the reasons named, {"zh", "en"}


async def read(session: AsyncSession, text: str) -> Reading | Question | None:
    """Read a typed report with the factory's defect reasons (None: no report at all)."""
    return read_report(text, (await load_settings(session)).defect_reasons)


async def propose(session: AsyncSession, person: Person, draft_id: int, reading: Reading, *,
                  now: datetime, rules: FactoryRules) -> Proposal:
    """Put a reading on the open card for confirmation, refusing now what recording would."""
    check_quantities(reading.good, reading.scrap)
    card = await reporting.check_open_card(session, person, draft_id,
                                           amount=reading.good + reading.scrap, now=now,
                                           rules=rules)
    reason = reading.reason if reading.scrap else None
    draft = await _draft(session, draft_id)
    draft.stage = DraftStage.confirm
    draft.good_qty, draft.scrap_qty, draft.reason = reading.good, reading.scrap, reason
    settings = await load_settings(session)
    return Proposal(draft_id, card, reading.good, reading.scrap, reason,
                    reading.listed and reason is not None, reason_label(settings, reason))


async def ask(session: AsyncSession, person: Person, draft_id: int, question: Question, *,
              now: datetime, rules: FactoryRules) -> Asked:
    """Ask about a typed report on its card. Only readings the card can take are offered; when
    every reading offered is refused, the refusal is the answer."""
    card = await reporting.check_open_card(session, person, draft_id, amount=None, now=now,
                                           rules=rules)
    candidates = list(question.options)
    left = min(card.remaining, card.limit) if card.remaining else card.limit
    if question.kind == "good_missing" and question.scrap and left > question.scrap:
        candidates.append((left - question.scrap, question.scrap))  # the rest of the card good
    options: list[tuple[int, int]] = []
    refusal: DomainError | None = None
    for good, scrap in candidates:
        try:
            check_quantities(good, scrap)
            await reporting.check_open_card(session, person, draft_id, amount=good + scrap,
                                            now=now, rules=rules)
        except DomainError as refused:  # the checks change nothing
            refusal = refusal or refused
            continue
        options.append((good, scrap))
    if refusal is not None and not options:
        raise refusal
    draft = await _draft(session, draft_id)
    draft.stage = DraftStage.confirm
    draft.good_qty = draft.scrap_qty = None  # a question is open: a pick answers it
    draft.reason = question.reason
    settings = await load_settings(session)
    return Asked(draft_id, card, question, tuple(options),
                 reason_label(settings, question.reason),
                 _example(settings, question, options, left),
                 _names(settings, question.reasons))


async def confirm(session: AsyncSession, person: Person, draft_id: int, good: int, scrap: int,
                  *, key: str, now: datetime, rules: FactoryRules) -> Recorded | NeedsReason:
    """Record what the confirmation card showed (the button carries it: an older card of the
    same draft is refused, not recorded with newer figures)."""
    draft = await _open_of(session, person, draft_id)
    if draft is not None and (draft.stage != DraftStage.confirm
                              or (draft.good_qty, draft.scrap_qty) != (good, scrap)):
        raise DomainError("ff.changed")
    return await reporting.submit_quantity(
        session, person, draft_id, good=good, scrap=scrap,
        reason=draft.reason if draft is not None else None, key=key, now=now, rules=rules)


async def pick(session: AsyncSession, person: Person, draft_id: int, good: int, scrap: int, *,
               key: str, now: datetime, rules: FactoryRules) -> Recorded | NeedsReason:
    """Record the reading picked from a question's buttons (the button is the confirmation)."""
    draft = await _open_of(session, person, draft_id)
    if draft is not None and (draft.stage != DraftStage.confirm or draft.good_qty is not None):
        raise DomainError("ff.changed")
    return await reporting.submit_quantity(
        session, person, draft_id, good=good, scrap=scrap,
        reason=draft.reason if draft is not None and scrap else None, key=key, now=now,
        rules=rules)


async def change(session: AsyncSession, person: Person, draft_id: int, *, now: datetime,
                 rules: FactoryRules) -> TaskCard:
    """Back to the card: the worker types the report again or taps a quantity."""
    card = await reporting.check_open_card(session, person, draft_id, amount=None, now=now,
                                           rules=rules)
    draft = await _draft(session, draft_id)
    draft.stage = DraftStage.quantity
    draft.good_qty = draft.scrap_qty = None
    draft.reason = None
    return card


async def _open_of(session: AsyncSession, person: Person, draft_id: int) -> ReportDraft | None:
    """The person's own card if still open; otherwise submit_quantity gives the refusal (used,
    superseded, not theirs)."""
    draft = await session.get(ReportDraft, draft_id)
    if draft is None or draft.person_id != person.id or draft.status != DraftStatus.open:
        return None
    return draft


async def _draft(session: AsyncSession, draft_id: int) -> ReportDraft:
    draft = await session.get(ReportDraft, draft_id)
    assert draft is not None  # checked open by reporting.check_open_card
    return draft


def _example(settings: FactorySettings, question: Question, options: list[tuple[int, int]],
             left: int) -> dict[str, str]:
    """The report written out in full (report_text.canonical), in each language: what to
    type instead of picking."""
    if question.kind == "scrap_missing":
        good, scrap = question.good or 0, 2  # how a scrap count is written
    elif options:
        good, scrap = options[-1] if question.kind == "good_missing" else options[0]
    else:  # nothing to pick: the numbers typed, in the order typed
        numbers = (*question.numbers, max(left - 2, 1), 2)
        good = question.good if question.good is not None else numbers[0]
        scrap = question.scrap if question.scrap is not None else numbers[1]
    code = question.reason or (question.reasons[0] if question.reasons else None)
    configured = settings.reason(code) if code else None
    return {lang: canonical(good, scrap, configured.names[lang] if configured else code, lang)
            for lang in ("zh", "en")}


def _names(settings: FactorySettings, codes: tuple[str, ...]) -> dict[str, str]:
    found = [settings.reason(code) for code in codes]
    return {"zh": "、".join(r.name_zh if r else c for r, c in zip(found, codes, strict=True)),
            "en": ", ".join(r.name_en if r else c for r, c in zip(found, codes, strict=True))}
