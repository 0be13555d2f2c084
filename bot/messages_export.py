"""Messages for the Excel export, and the words inside the workbook (sheet names, headers,
statuses), merged into bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "export.making": {
        "zh": "正在生成 {period} 的 Excel 报表，请稍候…",
        "en": "Making the Excel export for {period}, one moment…",
    },
    "export.ready": {
        "zh": "📊 Excel 报表 {period}（{start} 至 {end}）\n"
              "报工、质检、返工、异常、工资、工资汇总、指标各一张表，可用 Excel 或 WPS 打开。",
        "en": "📊 Excel export {period} ({start} to {end})\n"
              "Reports, inspections, rework, exceptions, wages, wage sheet and KPIs, one sheet "
              "each; opens in Excel or WPS.",
    },
    "export.scope_team": {
        "zh": "\n报工、质检、返工和工资只含班组「{team}」。",
        "en": "\nReports, inspections, rework and wages of team {team} only.",
    },
    "export.scope_no_team": {
        "zh": "\n报工、质检、返工和工资只含未分班组的人员。",
        "en": "\nReports, inspections, rework and wages of the people without a team only.",
    },
    "export.usage": {
        "zh": "用法：/export [期间]，默认本月至今。例如：/export 上月、/export 本周、"
              "/export 2026-11、/export 2026-11-01..2026-11-15",
        "en": "Usage: /export [period], this month so far by default. For example: /export "
              "lastmonth, /export week, /export 2026-11, /export 2026-11-01..2026-11-15",
    },
    "export.too_long": {
        "zh": "期间太长（{days} 天）：聊天里最多导出 {limit} 天。更长的期间请在服务器上运行 "
              "gongdan export --from … --to …",
        "en": "That period is too long ({days} days): a chat export covers {limit} days at "
              "most. For longer periods run gongdan export --from … --to … on the server.",
    },
}

# Words inside the workbook, by group (bot.i18n.label(group, value, lang)).
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "export_sheet": {
        "reports": {"zh": "报工", "en": "Reports"},
        "inspections": {"zh": "质检", "en": "Inspections"},
        "rework": {"zh": "返工", "en": "Rework"},
        "exceptions": {"zh": "异常", "en": "Exceptions"},
        "wages": {"zh": "工资", "en": "Wages"},
        "wage_sheet": {"zh": "工资汇总", "en": "Wage sheet"},
        "team_wages": {"zh": "班组工资", "en": "Team wages"},
        "kpis": {"zh": "指标", "en": "KPIs"},
        "ranking": {"zh": "人效排名", "en": "Output ranking"},
        "about": {"zh": "说明", "en": "About"},
    },
    "export_column": {
        "id": {"zh": "编号", "en": "ID"},
        "reported_at": {"zh": "报工时间", "en": "Reported at"},
        "work_order": {"zh": "工单", "en": "Work order"},
        "product": {"zh": "产品", "en": "Product"},
        "seq": {"zh": "工序号", "en": "Op. no."},
        "operation_code": {"zh": "工序编码", "en": "Op. code"},
        "operation": {"zh": "工序", "en": "Operation"},
        "rework_code": {"zh": "返工单", "en": "Rework task"},
        "person_code": {"zh": "工号", "en": "Person code"},
        "name": {"zh": "姓名", "en": "Name"},
        "team": {"zh": "班组", "en": "Team"},
        "good": {"zh": "良品", "en": "Good"},
        "scrap": {"zh": "报废", "en": "Scrap"},
        "scrap_reason": {"zh": "报废原因", "en": "Scrap reason"},
        "accepted": {"zh": "计件良品", "en": "Accepted"},
        "piece_rate": {"zh": "计件单价", "en": "Piece rate"},
        "minutes": {"zh": "用时（分钟）", "en": "Minutes"},
        "source": {"zh": "报工方式", "en": "Source"},
        "status": {"zh": "状态", "en": "Status"},
        "accepted_at": {"zh": "计件时间", "en": "Accepted at"},
        "voided_at": {"zh": "作废时间", "en": "Voided at"},
        "void_reason": {"zh": "作废原因", "en": "Void reason"},
        "corrects": {"zh": "更正报工", "en": "Corrects"},
        "created_at": {"zh": "送检时间", "en": "Sent at"},
        "decided_at": {"zh": "判定时间", "en": "Decided at"},
        "report_id": {"zh": "报工编号", "en": "Report ID"},
        "quantity": {"zh": "数量", "en": "Quantity"},
        "passed": {"zh": "合格", "en": "Passed"},
        "rework": {"zh": "返工", "en": "Rework"},
        "defect_reason": {"zh": "缺陷原因", "en": "Defect reason"},
        "inspector": {"zh": "质检员", "en": "Inspector"},
        "reinspected_rework": {"zh": "复检返工单", "en": "Re-inspected rework"},
        "created_rework": {"zh": "生成返工单", "en": "Rework created"},
        "note": {"zh": "备注", "en": "Note"},
        "rework_created_at": {"zh": "创建时间", "en": "Created at"},
        "inspection_id": {"zh": "质检编号", "en": "Inspection ID"},
        "caused_by": {"zh": "责任人", "en": "Caused by"},
        "assignee": {"zh": "返工人", "en": "Assigned to"},
        "pending_qc": {"zh": "待质检", "en": "Pending QC"},
        "returned": {"zh": "再返工", "en": "Sent back again"},
        "outstanding": {"zh": "未完成", "en": "Outstanding"},
        "done_at": {"zh": "完成时间", "en": "Done at"},
        "exception_reported_at": {"zh": "上报时间", "en": "Reported at"},
        "kind": {"zh": "类型", "en": "Kind"},
        "severity": {"zh": "级别", "en": "Severity"},
        "line_stopped": {"zh": "停线", "en": "Line stopped"},
        "workstation": {"zh": "工位", "en": "Workstation"},
        "reporter": {"zh": "上报人", "en": "Reported by"},
        "comment": {"zh": "说明", "en": "Comment"},
        "acknowledged_at": {"zh": "响应时间", "en": "Acknowledged at"},
        "acknowledged_by": {"zh": "响应人", "en": "Acknowledged by"},
        "ack_hours": {"zh": "响应用时（小时）", "en": "Hours to acknowledge"},
        "resolved_at": {"zh": "解决时间", "en": "Resolved at"},
        "resolved_by": {"zh": "解决人", "en": "Resolved by"},
        "resolve_hours": {"zh": "解决用时（小时）", "en": "Hours to resolve"},
        "resolution": {"zh": "处理结果", "en": "Resolution"},
        "closed_at": {"zh": "关闭时间", "en": "Closed at"},
        "downtime_hours": {"zh": "停机（小时）", "en": "Downtime (h)"},
        "wage_mode": {"zh": "计薪方式", "en": "Wage mode"},
        "day": {"zh": "日期", "en": "Day"},
        "line_kind": {"zh": "类别", "en": "Kind"},
        "subject": {"zh": "内容", "en": "Item"},
        "rate": {"zh": "单价", "en": "Rate"},
        "amount": {"zh": "金额", "en": "Amount"},
        "refs": {"zh": "依据编号", "en": "Records"},
        "people": {"zh": "人数", "en": "People"},
        "pieces": {"zh": "计件数", "en": "Pieces"},
        "hours": {"zh": "工时", "en": "Hours"},
        "piece_amount": {"zh": "计件工资", "en": "Piece wages"},
        "hourly_amount": {"zh": "计时工资", "en": "Hourly wages"},
        "adjustments": {"zh": "奖惩调整", "en": "Adjustments"},
        "total": {"zh": "应发合计", "en": "Total"},
        "pending_qc_pieces": {"zh": "待质检（件）", "en": "Pending QC (pcs)"},
        "open_clock_since": {"zh": "未打下班卡（上班时间）", "en": "Clocked in since"},
        "scope": {"zh": "范围", "en": "Scope"},
        "kpi": {"zh": "指标", "en": "KPI"},
        "value": {"zh": "数值", "en": "Value"},
        "target": {"zh": "目标", "en": "Target"},
        "met": {"zh": "达标", "en": "On target"},
        "p90": {"zh": "P90", "en": "P90"},
        "numerator": {"zh": "分子", "en": "Numerator"},
        "denominator": {"zh": "分母", "en": "Denominator"},
        "rank": {"zh": "排名", "en": "Rank"},
        "standard_hours": {"zh": "标准工时（小时）", "en": "Standard hours"},
        "item": {"zh": "项目", "en": "Item"},
        "content": {"zh": "内容", "en": "Value"},
    },
    "export_word": {
        "total": {"zh": "合计", "en": "Total"},
        "factory": {"zh": "全厂", "en": "Factory"},
        "no_team": {"zh": "（无班组）", "en": "(no team)"},
        "all_teams": {"zh": "全部", "en": "all"},
        "yes": {"zh": "是", "en": "yes"},
        "no": {"zh": "否", "en": "no"},
        "none": {"zh": "–", "en": "–"},
        "period": {"zh": "期间", "en": "Period"},
        "from": {"zh": "开始日期", "en": "From"},
        "to": {"zh": "结束日期", "en": "To"},
        "timezone": {"zh": "时区", "en": "Time zone"},
        "made_at": {"zh": "生成时间", "en": "Made at"},
        "times": {"zh": "时间说明", "en": "Times"},
        "times_note": {"zh": "所有时间均为工厂当地时间", "en": "All times are factory local time"},
        "wages_note_title": {"zh": "工资说明", "en": "Wages"},
        "wages_note": {
            "zh": "每笔工资记在发生的那一天：计件在良品被接受（或质检合格）的当天，作废在作废当天记负数，"
                  "计时在下班打卡（或补卡）当天，调整在录入当天；每行金额单独四舍五入到分。",
            "en": "Each wage item is booked on the day it happens: pieces when accepted (or "
                  "passed by QC), a void as a negative line on the day of the void, hours when "
                  "the clock-out is recorded, an adjustment when entered; each line is rounded "
                  "to the cent once.",
        },
        "details_title": {"zh": "明细", "en": "Records"},
        "details_note": {
            "zh": "文件超过 Telegram 的 50 MB 上限，报工、质检、返工和异常明细未包含。"
                  "完整报表请在服务器上运行 gongdan export。",
            "en": "The file would exceed Telegram's 50 MB limit, so the reports, inspections, "
                  "rework and exceptions sheets are left out. For the full workbook run "
                  "gongdan export on the server.",
        },
        "totals_note_title": {"zh": "合计行", "en": "Totals"},
        "totals_note": {
            "zh": "合计行是 SUBTOTAL 公式：筛选后只合计显示的行。",
            "en": "Totals rows are SUBTOTAL formulas: with a filter on, they add up the rows "
                  "shown.",
        },
    },
    "export_report_status": {
        "accepted": {"zh": "已接受", "en": "accepted"},
        "pending_qc": {"zh": "待质检", "en": "pending QC"},
        "rejected": {"zh": "已拒收", "en": "rejected"},
        "voided": {"zh": "已作废", "en": "voided"},
    },
    "export_inspection_status": {
        "pending": {"zh": "待判定", "en": "pending"},
        "passed": {"zh": "合格", "en": "passed"},
        "failed": {"zh": "不合格", "en": "failed"},
        "voided": {"zh": "已撤销", "en": "withdrawn"},
    },
    "export_rework_status": {
        "open": {"zh": "待返工", "en": "open"},
        "in_progress": {"zh": "返工中", "en": "in progress"},
        "done": {"zh": "已完成", "en": "done"},
    },
    "export_source": {
        "photo-scan": {"zh": "拍卡", "en": "photo"},
        "typed": {"zh": "输入", "en": "typed"},
        "button": {"zh": "按钮", "en": "button"},
    },
    "export_wage_mode": {
        "piece": {"zh": "计件", "en": "piece"},
        "hourly": {"zh": "计时", "en": "hourly"},
        "mixed": {"zh": "计件+计时", "en": "mixed"},
    },
    "export_line_kind": {
        "piece": {"zh": "计件", "en": "piece"},
        "rework": {"zh": "返工", "en": "rework"},
        "void": {"zh": "作废冲减", "en": "void"},
        "hourly": {"zh": "计时", "en": "hourly"},
        "adjustment": {"zh": "奖惩调整", "en": "adjustment"},
    },
}
