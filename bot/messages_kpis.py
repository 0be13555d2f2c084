"""Messages for kpis: {key: {"zh": ..., "en": ...}}, merged into bot/catalog.py."""

from __future__ import annotations

_USAGE_ZH = ("用法：/kpi [时间] [范围]\n"
             "时间：today 今天、yesterday 昨天、week 本周、lastweek 上周、month 本月、lastmonth 上月、"
             "2026-11-21、2026-W47、2026-11、2026-11-01..2026-11-15\n"
             "范围：team 班组名、worker 工号、operation 工序编码、product 产品编码（不写为全厂）\n"
             "例：/kpi week team 装配一组")
_USAGE_EN = ("Usage: /kpi [period] [scope]\n"
             "Period: today, yesterday, week, lastweek, month, lastmonth, 2026-11-21, 2026-W47, "
             "2026-11, 2026-11-01..2026-11-15\n"
             "Scope: team NAME, worker CODE, operation CODE, product CODE (none: the whole "
             "factory)\n"
             "Example: /kpi week team Assembly-1")


def _rate(zh: str, en: str, better: str, zh_of: str, en_of: str) -> dict[str, str]:
    """A percentage KPI's line: value, target, mark, and what it is a share of."""
    sign = "≥" if better == "higher" else "≤"
    return {"zh": f"{zh}：{{value}}%（目标 {sign}{{target}}%）{{mark}} {zh_of}",
            "en": f"{en}: {{value}}% (target {sign}{{target}}%) {{mark}} {en_of}"}


def _response(zh: str, en: str, zh_done: str, en_done: str) -> dict[str, str]:
    return {"zh": f"{zh}：中位 {{value}} 小时，P90 {{p90}} 小时（目标 ≤{{target}} 小时）{{mark}} "
                  f"{zh_done} {{numerator}}/{{denominator}}",
            "en": f"{en}: median {{value}} h, p90 {{p90}} h (target ≤{{target}} h) {{mark}} "
                  f"{en_done} {{numerator}}/{{denominator}}"}


MESSAGES: dict[str, dict[str, str]] = {
    "kpi.header": {"zh": "📊 关键指标 · {period} · {kpi_scope} {name}",
                   "en": "📊 KPIs · {period} · {kpi_scope} {name}"},
    "kpi.header_factory": {"zh": "📊 关键指标 · {period} · 全厂",
                           "en": "📊 KPIs · {period} · whole factory"},
    "kpi.line.task_on_time": _rate("任务准时率", "Task on-time", "higher",
                                   "{numerator}/{denominator} 个任务", "{numerator}/{denominator} tasks"),
    "kpi.line.reporting_timeliness": _rate("报工及时率", "Reporting on time", "higher",
                                           "{numerator}/{denominator} 条报工",
                                           "{numerator}/{denominator} reports"),
    "kpi.line.response_ack": _response("异常响应", "Exception response", "已响应", "answered"),
    "kpi.line.response_resolve": _response("异常解决", "Exception resolution", "已解决",
                                           "resolved"),
    "kpi.line.rework_rate": _rate("返工率", "Rework rate", "lower",
                                  "{numerator}/{denominator} 件", "{numerator}/{denominator} pcs"),
    "kpi.line.downtime": {"zh": "停机时长：{value} 小时（目标 ≤{target} 小时）{mark} "
                                "停线 {denominator} 次",
                          "en": "Downtime: {value} h (target ≤{target} h) {mark} "
                                "line stops: {denominator}"},
    "kpi.line.first_pass_yield": _rate("一次合格率", "First-pass yield", "higher",
                                       "{numerator}/{denominator} 件",
                                       "{numerator}/{denominator} pcs"),
    "kpi.line.scrap_rate": _rate("报废率", "Scrap rate", "lower", "{numerator}/{denominator} 件",
                                 "{numerator}/{denominator} pcs"),
    "kpi.line.delivery_on_time": _rate("交付准时率", "Delivery on time", "higher",
                                       "{numerator}/{denominator} 张工单",
                                       "{numerator}/{denominator} work orders"),
    "kpi.line_none": {"zh": "{kpi}：–（目标 {target}）", "en": "{kpi}: – (target {target})"},
    "kpi.ranking_header": {"zh": "\n🏆 人效排名（按标准工时）", "en": "\n🏆 Output ranking (standard hours)"},
    "kpi.ranking_row": {"zh": "{rank}. {name}（{code}）良品 {good} 件 · {hours} 小时 · 报废 {scrap}",
                        "en": "{rank}. {name} ({code}) good {good} · {hours} h · scrap {scrap}"},
    "kpi.ranking_none": {"zh": "（本期没有入账的良品）", "en": "(no accepted pieces in this period)"},
    "kpi.bad_period": {"zh": f"看不懂时间「{{text}}」。\n{_USAGE_ZH}",
                       "en": f"I can't read the period \"{{text}}\".\n{_USAGE_EN}"},
    "kpi.scope_key_missing": {"zh": f"请在「{{kpi_scope}}」后写上名称或编码。\n{_USAGE_ZH}",
                              "en": f"Name the {{kpi_scope}} after the word.\n{_USAGE_EN}"},
    "kpi.unknown_scope": {"zh": "没有找到{kpi_scope}「{name}」，请检查后重试。",
                          "en": "No {kpi_scope} \"{name}\" found. Check it and try again."},
    "kpi.bad_scope": {"zh": f"不支持的范围「{{kind}}」。\n{_USAGE_ZH}",
                      "en": f"Unknown scope \"{{kind}}\".\n{_USAGE_EN}"},
}

# Labels by parameter name: a param called e.g. "kind" is rendered through LABELS["kind"].
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "kpi_scope": {"factory": {"zh": "全厂", "en": "whole factory"},
                  "team": {"zh": "班组", "en": "team"},
                  "worker": {"zh": "工人", "en": "worker"},
                  "operation": {"zh": "工序", "en": "operation"},
                  "product": {"zh": "产品", "en": "product"}},
    # KPI names, for any message with a `kpi` parameter (the summary and the export too).
    "kpi": {"task_on_time": {"zh": "任务准时率", "en": "Task on-time"},
            "reporting_timeliness": {"zh": "报工及时率", "en": "Reporting on time"},
            "response_ack": {"zh": "异常响应", "en": "Exception response"},
            "response_resolve": {"zh": "异常解决", "en": "Exception resolution"},
            "rework_rate": {"zh": "返工率", "en": "Rework rate"},
            "downtime": {"zh": "停机时长", "en": "Downtime"},
            "first_pass_yield": {"zh": "一次合格率", "en": "First-pass yield"},
            "scrap_rate": {"zh": "报废率", "en": "Scrap rate"},
            "delivery_on_time": {"zh": "交付准时率", "en": "Delivery on time"}},
}
