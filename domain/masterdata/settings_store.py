"""Writing the settings sheets: each sheet in the file replaces its table, absent ones stay.

Rows are matched by their natural key (a reason's code, a ladder's ladder/kind/severity/step,
a shift's name and team...), so importing the same file again changes nothing and ids stay
stable. A defect reason left out is deactivated rather than deleted: past reports and
inspections still name it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.factory_settings import FACTORY_TAG_KEY
from domain.masterdata.rows import FactorySettingsData
from domain.models import (
    Base,
    DefectReason,
    FactorySetting,
    LadderStep,
    Person,
    Responsibility,
    Shift,
)


@dataclass(frozen=True)
class Replaced:
    """What re-importing one settings sheet did to its table."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


async def store_settings(session: AsyncSession, data: FactorySettingsData,
                         actor_person_id: int | None) -> dict[str, Replaced]:
    """Replace the tables of the sheets the file has; returns what changed, by sheet."""
    done: dict[str, Replaced] = {}
    if data.defect_reasons is not None:
        done["defect_reasons"] = await _replace(
            session, "defect_reasons", DefectReason, lambda r: r.code,
            {r.code: {"name_zh": r.name_zh, "name_en": r.name_en, "sort": r.sort,
                      "active": True} for r in data.defect_reasons},
            actor_person_id, remove=_deactivate, current=lambda r: r.active)
    if data.responsibles is not None:
        await session.flush()  # people created by this import get their ids
        codes = dict((await session.execute(select(Person.id, Person.code))).all())
        people = {code: person_id for person_id, code in codes.items()}
        done["responsibles"] = await _replace(
            session, "responsibles", Responsibility, lambda r: (r.kind, codes[r.person_id]),
            {(r.kind, r.person): {"person_id": people[r.person]} for r in data.responsibles},
            actor_person_id, new=lambda key, values: Responsibility(kind=key[0], **values))
    if data.ladders is not None:
        done["ladders"] = await _replace(
            session, "ladders", LadderStep,
            lambda s: (s.ladder, s.match, s.severity, s.step_no),
            {(s.ladder, s.match, s.severity, s.step_no):
             {"delay_seconds": s.delay_seconds, "target": s.target} for s in data.ladders},
            actor_person_id,
            new=lambda key, values: LadderStep(ladder=key[0], match=key[1], severity=key[2],
                                               step_no=key[3], **values))
    if data.shifts is not None:
        done["shifts"] = await _replace(
            session, "shifts", Shift, lambda s: (s.name, s.team),
            {(s.name, s.team): {"weekdays": s.weekdays, "start": s.start, "end": s.end}
             for s in data.shifts},
            actor_person_id,
            new=lambda key, values: Shift(name=key[0], team=key[1], **values))
    if data.settings is not None:
        done["settings"] = await _replace(
            session, "settings", FactorySetting, lambda s: s.key,
            {s.key: {"value": s.value} for s in data.settings}, actor_person_id,
            current=lambda row: row.key != FACTORY_TAG_KEY)  # drawn, not imported: kept
    return done


Model = TypeVar("Model", bound=Base)


async def _delete(session: AsyncSession, row: Any) -> None:
    await session.delete(row)


async def _deactivate(session: AsyncSession, row: Any) -> None:
    row.active = False


async def _replace(
    session: AsyncSession, sheet: str, model: type[Model], key_of: Callable[[Model], Hashable],
    wanted: Mapping[Hashable, dict[str, Any]], actor_person_id: int | None, *,
    new: Callable[[Any, dict[str, Any]], Model] | None = None,
    remove: Callable[[AsyncSession, Model], Any] = _delete,
    current: Callable[[Model], bool] = lambda row: True,
) -> Replaced:
    """Make the table hold exactly `wanted` ({natural key: column values})."""
    existing = {key_of(row): row for row in (await session.scalars(select(model))).all()}
    created, updated, removed = [], {}, []
    unchanged = 0
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            session.add(new(key, values) if new else model(**_key_columns(model, key), **values))
            created.append(key)
            continue
        changes = {name: [getattr(row, name), value] for name, value in values.items()
                   if getattr(row, name) != value}
        for name, (_, value) in changes.items():
            setattr(row, name, value)
        if changes:
            updated[_text(key)] = changes
        else:
            unchanged += 1
    for key, row in existing.items():
        if key not in wanted and current(row):
            await remove(session, row)
            removed.append(key)
    await session.flush()
    result = Replaced(len(created), len(updated), unchanged, len(removed))
    if result.changed:
        audit.record(session, "settings.imported", actor_person_id=actor_person_id,
                     sheet=sheet, created=[_text(k) for k in created], updated=updated,
                     removed=[_text(k) for k in removed])
    return result


def _key_columns(model: type[Base], key: Hashable) -> dict[str, Any]:
    """The natural key as columns, for tables whose key is one column."""
    column = {DefectReason: "code", FactorySetting: "key"}[model]
    return {column: key}


def _text(key: Hashable) -> str:
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)
