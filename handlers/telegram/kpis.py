"""/kpi [period] [team|worker|operation|product NAME]: the key figures with their targets and
the top of the output ranking (supervisors and up)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, CommandHandler, filters

from domain import kpis
from domain.kpis.figures import shown
from domain.models import Role
from domain.periods import local_date
from handlers.telegram.common import Ctx, handler

RANKING_SHOWN = 5
MARKS = {True: "✅", False: "⚠️", None: ""}


def _target(kpi: kpis.Kpi) -> dict[str, str] | str:
    """"≥98%" / "≤12 小时" in the reader's language (for a line without a value)."""
    if kpi.target is None:
        return "–"
    sign = "≥" if kpi.better == "higher" else "≤"
    number = shown(kpi.target)
    if kpi.unit == "%":
        return f"{sign}{number}%"
    return {"zh": f"{sign}{number} 小时", "en": f"{sign}{number} h"}


def kpi_line(kpi: kpis.Kpi) -> tuple[str, dict[str, Any]]:
    if kpi.value is None:
        return "kpi.line_none", {"kpi": kpi.name, "target": _target(kpi)}
    return f"kpi.line.{kpi.name}", {
        "value": shown(kpi.value), "p90": shown(kpi.p90) if kpi.p90 is not None else "–",
        "target": shown(kpi.target) if kpi.target is not None else "–",
        "mark": MARKS[kpi.met], "numerator": shown(kpi.numerator),
        "denominator": shown(kpi.denominator)}


def ranking_lines(rows: list[kpis.OutputRow]) -> list[tuple[str, dict[str, Any]]]:
    lines: list[tuple[str, dict[str, Any]]] = [("kpi.ranking_header", {})]
    if not rows:
        return [*lines, ("kpi.ranking_none", {})]
    return lines + [("kpi.ranking_row", {"rank": r.rank, "name": r.name, "code": r.person_code,
                                         "good": r.good, "scrap": r.scrap,
                                         "hours": shown(r.standard_hours)})
                    for r in rows[:RANKING_SHOWN]]


@handler(role=Role.supervisor)
async def kpi(ctx: Ctx) -> None:
    zone = ZoneInfo(ctx.services.rules.timezone)
    today = local_date(ctx.scope.now, zone)
    period, scope = kpis.parse_request(list(ctx.telegram.args or []), today)
    await kpis.check_scope(ctx.session, scope)
    figures = await kpis.compute(ctx.session, period, zone, scope, now=ctx.scope.now)
    ranking = await kpis.output_ranking(ctx.session, period, zone, scope)
    lines = [kpi_line(figures[name]) for name in kpis.KPI_NAMES] + ranking_lines(ranking)
    if scope.kind == "factory":
        ctx.reply("kpi.header_factory", lines=lines, period=period.label)
    else:
        ctx.reply("kpi.header", lines=lines, period=period.label, kpi_scope=scope.kind,
                  name=scope.key)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add this module's commands and buttons."""
    application.add_handler(CommandHandler("kpi", kpi, filters=filters.ChatType.PRIVATE))
