"""Texts of the pinned live status, in zh and en."""

from __future__ import annotations

# An operation's line: good/planned, then what applies (pending QC, scrap).
_OP = {"zh": "  {mark}{seq} {operation} {good}/{planned}",
       "en": "  {mark}{seq} {operation} {good}/{planned}"}

MESSAGES: dict[str, dict[str, str]] = {
    "live.title_floor": {"zh": "📊 全车间 今日进度（{updated_at} 更新）",
                         "en": "📊 Whole floor, today (updated {updated_at})"},
    "live.title_team": {"zh": "📊 {team} 今日进度（{updated_at} 更新）",
                        "en": "📊 {team}, today (updated {updated_at})"},
    "live.output": {"zh": "今日产出 {good} 件 / 计划 {planned} 件（{percent}%），报废 {scrap} 件",
                    "en": "Output today {good} / plan {planned} pcs ({percent}%), scrap {scrap}"},
    "live.output_unplanned": {"zh": "今日产出 {good} 件，报废 {scrap} 件（今日没有排计划）",
                              "en": "Output today {good} pcs, scrap {scrap} (nothing planned "
                                    "today)"},
    "live.work_order": {"zh": "\n{mark}{work_order} {product} ×{quantity}，交期 {due}",
                        "en": "\n{mark}{work_order} {product} ×{quantity}, due {due}"},
    "live.op": _OP,
    "live.op_qc": {"zh": _OP["zh"] + "，待检 {pending_qc}",
                   "en": _OP["en"] + ", pending QC {pending_qc}"},
    "live.op_scrap": {"zh": _OP["zh"] + "，报废 {scrap}", "en": _OP["en"] + ", scrap {scrap}"},
    "live.op_qc_scrap": {"zh": _OP["zh"] + "，待检 {pending_qc}，报废 {scrap}",
                         "en": _OP["en"] + ", pending QC {pending_qc}, scrap {scrap}"},
    "live.more": {"zh": "\n……另有 {count} 个工单未列出", "en": "\n… {count} more work orders not listed"},
    "live.none": {"zh": "\n今天还没有工单。", "en": "\nNo work orders today."},
    "live.legend": {"zh": "\n良品/计划 · ✅完成 ⚠️逾期 ⛔停线 ⏸暂停",
                    "en": "\ngood/planned · ✅ done ⚠️ late ⛔ line stop ⏸ on hold"},
    "live.unknown_team": {"zh": "没有叫「{team}」的班组。现有班组：{teams}",
                          "en": "There is no team \"{team}\". Teams: {teams}"},
}

LABELS: dict[str, dict[str, dict[str, str]]] = {
    "purpose": {"status": {"zh": "实时进度", "en": "live status"}},
}
