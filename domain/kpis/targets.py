"""Targets 目标: what the factory aims for, from its settings (`target:<kpi>` rows, defaults in
domain/factory_settings.py DEFAULT_TARGETS).

Rates are percentages, response times hours. Downtime's target is hours per year: a period
gets its share, target × days / 365 (60 h a year is 0.16 h a day, 4.93 h in a 30-day month).
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

from domain.factory_settings import FactorySettings
from domain.kpis.figures import Kpi
from domain.periods import Period

YEAR_DAYS = Decimal(365)
CENTI = Decimal("0.01")


def target_for(settings: FactorySettings, name: str, period: Period) -> Decimal | None:
    target = settings.target(name)
    if target is None or name != "downtime":
        return target
    return (target * period.days / YEAR_DAYS).quantize(CENTI, ROUND_HALF_UP)


def with_targets(kpis: dict[str, Kpi], settings: FactorySettings,
                 period: Period) -> dict[str, Kpi]:
    return {name: dataclasses.replace(kpi, target=target_for(settings, name, period))
            for name, kpi in kpis.items()}
