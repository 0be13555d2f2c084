"""Messages for the daily / weekly summary 日报 and its chart, merged into bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- the summary message
    "summary.title_day": {"zh": "📊 日报 {period}", "en": "📊 Daily summary {period}"},
    "summary.title_week": {"zh": "📊 周报 {period}（{first} 至 {last}）",
                           "en": "📊 Weekly summary {period} ({first} to {last})"},
    "summary.title_month": {"zh": "📊 月报 {period}", "en": "📊 Monthly summary {period}"},
    "summary.title_range": {"zh": "📊 汇总 {period}", "en": "📊 Summary {period}"},
    "summary.as_of": {"zh": "截至 {as_of_at}", "en": "As of {as_of_at}"},
    "summary.output": {
        "zh": "📦 产出：良品 {good} 件，计划 {plan} 件，达成 {rate}",
        "en": "📦 Output: {good} good pieces, plan {plan}, {rate} achieved"},
    "summary.output_so_far": {
        "zh": "📦 产出：良品 {good} 件；计划 {plan} 件，到此时应完成 {plan_so_far} 件，达成 {rate}",
        "en": "📦 Output: {good} good pieces; plan {plan}, {plan_so_far} due by now, "
              "{rate} achieved"},
    "summary.output_unplanned": {"zh": "📦 产出：良品 {good} 件，计划 –",
                                 "en": "📦 Output: {good} good pieces, plan –"},
    "summary.finished": {"zh": "🏁 完工（末道工序合格）：{finished} 件",
                         "en": "🏁 Finished (passed the last operation): {finished}"},
    "summary.finished_planned": {
        "zh": "🏁 完工（末道工序合格）：{finished} 件，计划 {plan} 件",
        "en": "🏁 Finished (passed the last operation): {finished}, plan {plan}"},
    "summary.kpis_header": {"zh": "📈 关键指标（目标｜{summary_versus}）：",
                            "en": "📈 Key figures (target | {summary_versus}):"},
    "summary.kpi": {
        "zh": "{met} {kpi} {value}{summary_unit}（目标 {goal}{summary_unit}）"
              "{arrow}{delta} {summary_trend}",
        "en": "{met} {kpi} {value}{summary_unit} (target {goal}{summary_unit}) "
              "{arrow}{delta} {summary_trend}"},
    "summary.kpi_first": {
        "zh": "{met} {kpi} {value}{summary_unit}（目标 {goal}{summary_unit}）",
        "en": "{met} {kpi} {value}{summary_unit} (target {goal}{summary_unit})"},
    "summary.kpi_p90": {
        "zh": "{met} {kpi} 中位 {value}{summary_unit}，P90 {p90}{summary_unit}"
              "（目标 {goal}{summary_unit}）{arrow}{delta} {summary_trend}",
        "en": "{met} {kpi} median {value}{summary_unit}, p90 {p90}{summary_unit} "
              "(target {goal}{summary_unit}) {arrow}{delta} {summary_trend}"},
    "summary.kpi_p90_first": {
        "zh": "{met} {kpi} 中位 {value}{summary_unit}，P90 {p90}{summary_unit}"
              "（目标 {goal}{summary_unit}）",
        "en": "{met} {kpi} median {value}{summary_unit}, p90 {p90}{summary_unit} "
              "(target {goal}{summary_unit})"},
    "summary.kpi_none": {"zh": "{met} {kpi} –（目标 {goal}{summary_unit}）",
                         "en": "{met} {kpi} – (target {goal}{summary_unit})"},
    "summary.late_none": {"zh": "⏰ 没有逾期工单", "en": "⏰ No late work orders"},
    "summary.late_header": {"zh": "⏰ 逾期工单 {count} 个：", "en": "⏰ Late work orders: {count}"},
    "summary.late_order": {
        "zh": "· {work_order} {product}：交期 {due}，已逾期 {days} 天（完工 {finished}/{quantity}）",
        "en": "· {work_order} {product}: due {due}, {days} d late ({finished}/{quantity} "
              "finished)"},
    "summary.due_today": {
        "zh": "· {work_order} {product}：{due} 到期，尚未完工（完工 {finished}/{quantity}）",
        "en": "· {work_order} {product}: due {due}, not done yet ({finished}/{quantity} "
              "finished)"},
    "summary.more": {"zh": "…另有 {count} 项", "en": "…and {count} more"},
    "summary.exceptions_none": {"zh": "🚨 没有未处理完的异常", "en": "🚨 No open exceptions"},
    "summary.exceptions_header": {"zh": "🚨 未处理完的异常 {count} 个：",
                                  "en": "🚨 Open exceptions: {count}"},
    "summary.exception": {
        "zh": "· {stop}{code} {kind}，{exception_status}，已过 {age_seconds}",
        "en": "· {stop}{code} {kind}, {exception_status}, open {age_seconds}"},
    "summary.exception_escalated": {
        "zh": "· {stop}{code} {kind}，{exception_status}，已过 {age_seconds}，已升级到第 {level} 级",
        "en": "· {stop}{code} {kind}, {exception_status}, open {age_seconds}, escalated to "
              "level {level}"},
    "summary.defects_none": {"zh": "🔍 没有不良记录", "en": "🔍 No defects recorded"},
    "summary.defects_header": {
        "zh": "🔍 不良：报废 {scrap} 件，返工 {rework} 件。主要原因：",
        "en": "🔍 Defects: {scrap} scrapped, {rework} sent to rework. Top reasons:"},
    "summary.defect": {"zh": "· {reason}：{total} 件（报废 {scrap}，返工 {rework}）",
                       "en": "· {reason}: {total} ({scrap} scrapped, {rework} rework)"},
    "summary.defect_unspecified": {
        "zh": "· 未注明原因：{total} 件（报废 {scrap}，返工 {rework}）",
        "en": "· no reason given: {total} ({scrap} scrapped, {rework} rework)"},
    # --- /summary
    "summary.bad_period": {
        "zh": "看不懂「{text}」。可以这样写：/summary（今天）、/summary 昨天、/summary 本周、"
              "/summary 上周、/summary 本月、/summary 2026-11-21、/summary 11-21、"
              "/summary 2026-W47、/summary 2026-11",
        "en": "I cannot read \"{text}\" as a date. Try: /summary (today), /summary yesterday, "
              "/summary week, /summary lastweek, /summary month, /summary 2026-11-21, "
              "/summary 11-21, /summary 2026-W47, /summary 2026-11"},
    "summary.future": {"zh": "{period} 还没开始，没有可汇总的数据。",
                       "en": "{period} has not started yet: nothing to sum up."},
    "summary.too_long": {"zh": "一次最多汇总 {days} 天，请缩短时间段。",
                         "en": "A summary covers at most {days} days; choose a shorter period."},
    # --- the chart (bot/charts.py)
    "summary.chart_title_day": {"zh": "日报 {period}", "en": "Daily summary {period}"},
    "summary.chart_title_week": {"zh": "周报 {period}", "en": "Weekly summary {period}"},
    "summary.chart_title_month": {"zh": "月报 {period}", "en": "Monthly summary {period}"},
    "summary.chart_title_range": {"zh": "汇总 {period}", "en": "Summary {period}"},
    "summary.chart_as_of": {"zh": "截至 {time}", "en": "as of {time}"},
    "summary.chart_output_hour": {"zh": "每小时良品与累计计划", "en": "Good pieces per hour vs plan"},
    "summary.chart_output_day": {"zh": "每日良品与累计计划", "en": "Good pieces per day vs plan"},
    "summary.chart_per_hour": {"zh": "每小时良品", "en": "good per hour"},
    "summary.chart_per_day": {"zh": "每日良品", "en": "good per day"},
    "summary.chart_cumulative": {"zh": "累计良品", "en": "cumulative good"},
    "summary.chart_plan": {"zh": "累计计划", "en": "cumulative plan"},
    "summary.chart_pieces": {"zh": "件", "en": "pieces"},
    "summary.chart_cumulative_axis": {"zh": "累计（件）", "en": "cumulative (pieces)"},
    "summary.chart_hour": {"zh": "时", "en": "hour"},
    "summary.chart_date": {"zh": "日期", "en": "date"},
    "summary.chart_defects": {"zh": "不良原因（件）", "en": "Defects by reason (pieces)"},
    "summary.chart_scrap": {"zh": "报废", "en": "scrap"},
    "summary.chart_rework": {"zh": "返工", "en": "rework"},
    "summary.chart_no_output": {"zh": "暂无产出，也没有计划", "en": "No output and no plan"},
    "summary.chart_no_defects": {"zh": "没有不良记录", "en": "No defects recorded"},
    "summary.chart_unspecified": {"zh": "未注明", "en": "no reason"},
}
# Labels by parameter name: a param called e.g. "kind" is rendered through LABELS["kind"].
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "summary_unit": {"%": {"zh": "%", "en": "%"}, "h": {"zh": "小时", "en": " h"}},
    "summary_trend": {"better": {"zh": "好转", "en": "better"},
                      "worse": {"zh": "变差", "en": "worse"},
                      "flat": {"zh": "持平", "en": "no change"}},
    "summary_versus": {"day": {"zh": "较前一天", "en": "vs the day before"},
                       "week": {"zh": "较上周", "en": "vs last week"},
                       "month": {"zh": "较上月", "en": "vs last month"},
                       "range": {"zh": "较上一时段", "en": "vs the period before"}},
}
