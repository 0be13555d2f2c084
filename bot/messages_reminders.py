"""Messages for reminders and escalation steps: {key: {"zh": ..., "en": ...}}, merged into bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "reminder.task_not_started": {
        "zh": "⏰ 工单 {work_order} 工序 {seq} {operation} 计划 {planned_at} 开工，现在还没有开始"
              "（计划 {planned} 件）。",
        "en": "⏰ Work order {work_order}, operation {seq} {operation} was planned to start at "
              "{planned_at} and has not started ({planned} planned).",
    },
    "reminder.task_overdue": {
        "zh": "⏰ 工单 {work_order} 工序 {seq} {operation} 已超过完工时间 {due_at}，"
              "良品 {good}/{planned}。",
        "en": "⏰ Work order {work_order}, operation {seq} {operation} is past its due time "
              "{due_at}: {good} of {planned} good.",
    },
    "reminder.task_people": {"zh": "负责：{names}", "en": "Assigned: {names}"},
    "reminder.caught_up": {
        "zh": "（系统离线期间有 {count} 次提醒到期，已合并为这一条。）",
        "en": "({count} earlier reminder step(s) fell due while the system was down; "
              "folded into this one.)",
    },
    "reminder.btn_report": {"zh": "去报工", "en": "Report now"},
    "reminder.shift_unreported": {
        "zh": "⏰ 班次「{shift_name}」将于 {end_at} 结束。您扫了这些流转卡，但还没有报工：",
        "en": "⏰ Shift {shift_name} ends at {end_at}. You scanned these cards but have not "
              "reported them yet:",
    },
    "reminder.unreported_card": {"zh": "· 工单 {work_order} 工序 {seq} {operation}",
                                 "en": "· work order {work_order}, operation {seq} {operation}"},
    "reminder.unreported_hint": {
        "zh": "点下面的按钮报工；如果刚扫的卡还开着，也可以直接输入数量（如 30）。",
        "en": "Tap a button below to report, or just type the quantity (e.g. 30) for the card "
              "you scanned last.",
    },
    "reminder.btn_report_card": {"zh": "报工 {work_order} 工序 {seq}",
                                 "en": "Report {work_order} op {seq}"},
    "reminder.shift_unreported_team": {
        "zh": "⏰ 班次「{shift_name}」（{end_at} 结束）有 {count} 人扫卡后未报工：",
        "en": "⏰ Shift {shift_name} (ends {end_at}): {count} person(s) scanned cards without "
              "reporting:",
    },
    "reminder.unreported_person": {
        "zh": "· {name}（{code}）：工单 {work_order} 工序 {seq} {operation}",
        "en": "· {name} ({code}): work order {work_order}, operation {seq} {operation}",
    },
}

# Labels of enumerated values, by the parameter name they localise (e.g. "kind").
LABELS: dict[str, dict[str, dict[str, str]]] = {}
