"""Messages for wages, clocking and adjustments: {key: {"zh": ..., "en": ...}}, merged into
bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- /me: my output and earnings
    "wages.me_header": {"zh": "💰 {name}（{code}）· {wage_mode}",
                        "en": "💰 {name} ({code}) · {wage_mode}"},
    "wages.me_today": {"zh": "\n📅 今天 {day}：", "en": "\n📅 Today, {day}:"},
    "wages.me_day": {"zh": "\n📅 {day}：", "en": "\n📅 {day}:"},
    "wages.me_period": {"zh": "\n📆 {period}：", "en": "\n📆 {period}:"},
    "wages.line_piece": {"zh": "• {subject}：{quantity} 件 × {rate} = {amount}",
                         "en": "• {subject}: {quantity} pcs × {rate} = {amount}"},
    "wages.line_rework": {"zh": "• 🔧 返工 {subject}：{quantity} 件 × {rate} = {amount}",
                          "en": "• 🔧 rework {subject}: {quantity} pcs × {rate} = {amount}"},
    "wages.line_void": {"zh": "• ↩️ 撤销 {subject}：{quantity} 件 × {rate} = {amount}",
                        "en": "• ↩️ undone {subject}: {quantity} pcs × {rate} = {amount}"},
    "wages.line_hourly": {"zh": "• ⏱ 计时 {subject}：{minutes_seconds} × {rate}/小时 = {amount}",
                          "en": "• ⏱ hours {subject}: {minutes_seconds} × {rate}/h = {amount}"},
    "wages.line_adjustment": {"zh": "• ✍️ 调整 #{id} {subject}：{amount}",
                              "en": "• ✍️ adjustment #{id} {subject}: {amount}"},
    "wages.day_none": {"zh": "（还没有计入工资的记录）", "en": "(nothing booked yet)"},
    "wages.day_total": {"zh": "当天合计 {amount} 元", "en": "Day total {amount}"},
    "wages.day_sum": {"zh": "• {day}：{amount} 元", "en": "• {day}: {amount}"},
    "wages.sub_piece": {"zh": "• 计件 {operation}：{quantity} 件，单价 {rate}，{amount} 元",
                        "en": "• pieces {operation}: {quantity} pcs at {rate}, {amount}"},
    "wages.sub_rework": {"zh": "• 返工 {operation}：{quantity} 件，单价 {rate}，{amount} 元",
                         "en": "• rework {operation}: {quantity} pcs at {rate}, {amount}"},
    "wages.sub_void": {"zh": "• 撤销 {operation}：{quantity} 件，单价 {rate}，{amount} 元",
                       "en": "• undone {operation}: {quantity} pcs at {rate}, {amount}"},
    "wages.sub_hourly": {"zh": "• 计时：{minutes_seconds}，时薪 {rate}，{amount} 元",
                         "en": "• hours: {minutes_seconds} at {rate}/h, {amount}"},
    "wages.sub_adjustment": {"zh": "• 调整 #{id}（{day}）{subject}：{amount} 元",
                             "en": "• adjustment #{id} ({day}) {subject}: {amount}"},
    "wages.period_total": {"zh": "{period} 合计 {amount} 元", "en": "{period} total {amount}"},
    "wages.nothing": {"zh": "（这个期间没有计入工资的记录）",
                      "en": "(nothing booked in this period)"},
    "wages.pending_qc": {"zh": "⏳ 待质检 {count} 件：质检合格当天计入工资。",
                         "en": "⏳ {count} pcs waiting for QC: paid on the day QC passes them."},
    "wages.open_clock": {"zh": "🕘 {since_at} 上班打卡，还没有下班打卡：下班打卡后才计入工时。",
                         "en": "🕘 Clocked in at {since_at}, not out yet: the hours count once "
                               "you clock out."},
    "wages.hourly_note": {"zh": "计时工资：按打卡工时计薪；报工计入产量，不计件。",
                          "en": "Hourly pay: you are paid for clocked hours; your reports count "
                                "for output, not pay."},
    "wages.rule_note": {
        "zh": "说明：每笔记在发生当天（质检合格的件记在判定当天），每行四舍五入到分；撤销和调整"
              "另起一行，不改以前的记录。",
        "en": "How it is counted: each item on the day it happened (pieces held for QC on the "
              "day QC passed them), each line rounded to the cent; undos and adjustments are "
              "lines of their own and never change earlier ones.",
    },
    "wages.bad_period": {
        "zh": "看不懂「{text}」。可以写：今天、昨天、本周、上周、本月、上月、2026-11-21、"
              "2026-11 或 2026-11-01..2026-11-15。",
        "en": "I cannot read \"{text}\". Try: today, yesterday, week, lastweek, month, "
              "lastmonth, 2026-11-21, 2026-11 or 2026-11-01..2026-11-15.",
    },
    # --- /team
    "wages.team_header": {"zh": "👥 {team} · {period}：{people} 人",
                          "en": "👥 {team} · {period}: {people} people"},
    "wages.team_person": {"zh": "• {name}（{code}）：{pieces} 件，{minutes_seconds}，{amount} 元",
                          "en": "• {name} ({code}): {pieces} pcs, {minutes_seconds}, {amount}"},
    "wages.team_total": {
        "zh": "合计：{pieces} 件，工时 {minutes_seconds}；计件 {piece_amount}，计时 "
              "{hourly_amount}，调整 {adjustments}，总计 {total} 元",
        "en": "Total: {pieces} pcs, {minutes_seconds}; pieces {piece_amount}, hours "
              "{hourly_amount}, adjustments {adjustments}, total {total}",
    },
    "wages.teams_header": {"zh": "👥 各班组 · {period}：", "en": "👥 Teams · {period}:"},
    "wages.team_line": {"zh": "• {team}：{people} 人，{pieces} 件，{minutes_seconds}，{total} 元",
                        "en": "• {team}: {people} people, {pieces} pcs, {minutes_seconds}, "
                              "{total}"},
    "wages.teams_hint": {"zh": "发送 /team 班组名 [期间] 查看每个人；/export 导出工资表。",
                         "en": "Send /team TEAM [period] for each person; /export for the wage "
                               "sheet."},
    "wages.team_more": {"zh": "……还有 {count} 人，请用 /export 导出查看全部。",
                        "en": "…and {count} more: /export has everyone."},
    "wages.team_unknown": {"zh": "班组「{team}」这个期间没有人。",
                           "en": "Team \"{team}\" has nobody in this period."},
    "wages.team_not_yours": {"zh": "您只能查看自己班组（{team}）的产量和工资。",
                             "en": "You can see your own team ({team}) only."},
    "wages.not_your_team": {"zh": "{name}（{code}）不是您班组的人，不能操作。请联系其班组长或厂长。",
                            "en": "{name} ({code}) is not in your team. Ask their supervisor or "
                                  "a manager."},
    "wages.unknown_person": {"zh": "找不到工号 {code}。", "en": "No person with code {code}."},
    # --- clocking
    "clock.in_done": {"zh": "✅ 上班打卡：{since_at}。下班时发送 /clockout。",
                      "en": "✅ Clocked in at {since_at}. Send /clockout when you leave."},
    "clock.in_shift": {"zh": "班次「{shift}」{start}–{end}。", "en": "Shift {shift}, {start}–{end}."},
    "clock.in_closes": {"zh": "工时按班次计：{closes_at} 班次结束时自动下班打卡。",
                        "en": "Hours follow the shift: you are clocked out at its end, "
                              "{closes_at}."},
    "clock.out_done": {"zh": "✅ 下班打卡：{span}，共 {minutes_seconds}。",
                       "en": "✅ Clocked out: {span}, {minutes_seconds}."},
    "clock.out_paid": {"zh": "计时工资：{minutes_seconds} × {rate}/小时 = {amount} 元，记入 {day}。",
                       "en": "Hourly pay: {minutes_seconds} × {rate}/h = {amount}, booked on "
                             "{day}."},
    "clock.out_unpaid": {"zh": "您是计件工资：打卡工时只作考勤记录，不计工资。",
                         "en": "You are paid by the piece: clocked hours are kept for attendance, "
                               "not paid."},
    "clock.already_in": {"zh": "您已经在 {since_at} 上班打卡了，还没有下班打卡。下班时请发送 /clockout。",
                         "en": "You already clocked in at {since_at} and have not clocked out. "
                               "Send /clockout when you leave."},
    "clock.not_in": {"zh": "您现在没有上班打卡记录，不能下班打卡。上班时请先发送 /clockin。",
                     "en": "You are not clocked in, so there is nothing to clock out. Send "
                           "/clockin when you start."},
    "clock.out_before_in": {
        "zh": "下班时间不能早于上班打卡时间（{since_at}）。请输入正确的时间，例如 17:30；跨天请带日期，"
              "例如 11-20 17:30。",
        "en": "The clock-out cannot be before the clock-in ({since_at}). Give the right time, "
              "e.g. 17:30, with the date if it was another day: 11-20 17:30.",
    },
    "clock.in_future": {"zh": "{out_at} 还没到，下班时间不能填将来的时间。",
                        "en": "{out_at} has not come yet: a clock-out cannot be in the future."},
    "clock.too_long": {
        "zh": "从上班打卡 {since_at} 到 {out_at} 超过 24 小时，请核对时间。",
        "en": "From the clock-in at {since_at} to {out_at} is more than 24 hours. Check the time.",
    },
    "clock.bad_time": {"zh": "看不懂「{text}」这个时间。请这样写：17:30，或带日期：11-20 17:30。",
                       "en": "I cannot read the time \"{text}\". Write it like 17:30, or with the "
                             "date: 11-20 17:30."},
    "clock.fix_own": {"zh": "不能修正自己的打卡：请自己发送 /clockout 下班时间，或请其他班组长、厂长修正。",
                      "en": "You cannot fix your own clock-out: send /clockout with the time "
                            "yourself, or ask another supervisor or a manager."},
    "clock.unknown_entry": {"zh": "找不到这条打卡记录。", "en": "That clock entry does not exist."},
    "clock.already_closed": {"zh": "{name} 的这次打卡已经下班打卡了（{out_at}，{by}）。",
                             "en": "{name}'s entry is already clocked out ({out_at}, {by})."},
    "clock.nothing_open": {"zh": "{name}（{code}）现在没有未下班的打卡记录。",
                           "en": "{name} ({code}) has no open clock entry."},
    "clock.forgot": {
        "zh": "⏰ 您 {since_at} 上班打卡后还没有下班打卡。如果已经下班，请点下面的按钮输入下班时间，"
              "或发送 /clockout 17:30（您下班的时间）。下班打卡之前，这段工时不计工资。",
        "en": "⏰ You clocked in at {since_at} and have not clocked out. If you have left, tap "
              "the button and give the time you left, or send /clockout 17:30 (your time). "
              "These hours are not paid until the clock-out is recorded.",
    },
    "clock.forgot_team": {
        "zh": "⏰ {name}（{code}）{since_at} 上班打卡后一直没有下班打卡，这段工时不计工资。"
              "请问清下班时间后点「修正」，或发送 /clockfix {code} 17:30 原因。",
        "en": "⏰ {name} ({code}) clocked in at {since_at} and has not clocked out; those hours "
              "are not paid. Find out when they left, then tap Fix, or send /clockfix {code} "
              "17:30 reason.",
    },
    "clock.btn_left_at": {"zh": "🕔 我几点下班…", "en": "🕔 I left at…"},
    "clock.btn_fix": {"zh": "✏️ 修正 {name} 的下班时间", "en": "✏️ Fix {name}'s clock-out"},
    "clock.ask_left_at": {
        "zh": "您 {since_at} 上班打卡。请输入下班时间，例如 17:30（跨天请带日期：11-20 17:30）。",
        "en": "You clocked in at {since_at}. Type the time you left, e.g. 17:30 (with the date "
              "if it was another day: 11-20 17:30).",
    },
    "clock.ask_fix": {
        "zh": "{name}（{code}）{since_at} 上班打卡。请输入下班时间和原因，例如：17:30 忘记打卡",
        "en": "{name} ({code}) clocked in at {since_at}. Type the clock-out time and a reason, "
              "e.g.: 17:30 forgot to clock out",
    },
    "clock.asked": {"zh": "请输入时间", "en": "Type the time"},
    "clock.fixed": {
        "zh": "✅ 已修正：{name}（{code}）{span}，共 {minutes_seconds}，记入今天的工资。已通知本人。",
        "en": "✅ Fixed: {name} ({code}) {span}, {minutes_seconds}, booked today. They have been "
              "told.",
    },
    "clock.fixed_notice": {
        "zh": "✏️ {by} 修正了您的下班打卡：{span}，共 {minutes_seconds}（原因：{note}）。工时记入今天的工资。",
        "en": "✏️ {by} recorded your clock-out: {span}, {minutes_seconds} (reason: {note}). The "
              "hours are booked today.",
    },
    "clock.closed_by_shift": {
        "zh": "🕔 班次结束，已自动下班打卡：{span}，按班次计 {minutes_seconds}。",
        "en": "🕔 The shift ended; you are clocked out: {span}, {minutes_seconds} paid by the "
              "shift.",
    },
    "clock.fix_usage": {"zh": "用法：/clockfix 工号 下班时间 [原因]，例如 /clockfix W01 17:30 忘记打卡",
                        "en": "Usage: /clockfix CODE TIME [reason], e.g. /clockfix W01 17:30 "
                              "forgot"},
    # --- adjustments
    "adjust.usage": {
        "zh": "用法：\n/adjust 工号 金额 原因 — 例如 /adjust W01 +200 全勤奖，/adjust W01 -50 损坏工具\n"
              "/adjust undo 编号 原因 — 撤销一笔调整（编号见 /me）",
        "en": "Usage:\n/adjust CODE AMOUNT REASON — e.g. /adjust W01 +200 full attendance, "
              "/adjust W01 -50 broken tool\n/adjust undo ID REASON — reverse an adjustment (the "
              "ID is shown in /me)",
    },
    "adjust.confirm": {
        "zh": "请确认工资调整：\n{name}（{code}）{amount} 元\n原因：{note}\n确认后记入今天，并通知本人。",
        "en": "Confirm the wage adjustment:\n{name} ({code}) {amount}\nReason: {note}\nIt is "
              "booked today and the person is told.",
    },
    "adjust.confirm_undo": {
        "zh": "请确认撤销调整 #{id}：\n{name}（{code}）原来 {original} 元（{original_note}），"
              "撤销记一笔 {amount} 元\n原因：{note}",
        "en": "Confirm reversing adjustment #{id}:\n{name} ({code}) had {original} "
              "({original_note}); the reversal books {amount}\nReason: {note}",
    },
    "adjust.btn_confirm": {"zh": "✅ 确认", "en": "✅ Confirm"},
    "adjust.btn_cancel": {"zh": "取消", "en": "Cancel"},
    "adjust.done": {
        "zh": "✅ 已记录调整 #{id}：{name}（{code}）{amount} 元，原因：{note}。已通知本人。",
        "en": "✅ Adjustment #{id} recorded: {name} ({code}) {amount}, reason: {note}. They have "
              "been told.",
    },
    "adjust.undone": {
        "zh": "✅ 已撤销调整 #{original}：记一笔 #{id} {amount} 元，原因：{note}。已通知本人。",
        "en": "✅ Adjustment #{original} reversed by #{id} ({amount}), reason: {note}. They have "
              "been told.",
    },
    "adjust.done_short": {"zh": "已记录", "en": "Recorded"},
    "adjust.cancelled": {"zh": "已取消，没有调整任何工资。", "en": "Cancelled; no wage was changed."},
    "adjust.expired": {"zh": "这张确认卡已失效（已确认、已取消或超过 30 分钟）。请重新发送 /adjust。",
                       "en": "That confirmation is no longer open (confirmed, cancelled or older "
                             "than 30 minutes). Send /adjust again."},
    "adjust.notice": {
        "zh": "💰 工资调整 #{id}：{amount} 元，原因：{note}（{by} 录入）。发送 /me 查看明细。",
        "en": "💰 Wage adjustment #{id}: {amount}, reason: {note} (entered by {by}). Send /me "
              "for the details.",
    },
    "adjust.reversed_notice": {
        "zh": "💰 工资调整 #{original} 已撤销：记一笔 {amount} 元，原因：{note}（{by}）。",
        "en": "💰 Wage adjustment #{original} was reversed: {amount} booked, reason: {note} "
              "({by}).",
    },
    "adjust.bad_amount": {"zh": "金额「{text}」不对。请写成 +200 或 -50.5（单位：元）。",
                          "en": "\"{text}\" is not an amount. Write it like +200 or -50.5."},
    "adjust.zero": {"zh": "调整金额不能为 0。", "en": "The amount cannot be 0."},
    "adjust.cents": {"zh": "金额「{text}」最多两位小数（到分）。",
                     "en": "\"{text}\" has more than two decimals (cents)."},
    "adjust.too_large": {"zh": "金额太大：单笔调整不能超过 {limit} 元，请核对金额。",
                         "en": "Too large: one adjustment is at most {limit}. Check the amount."},
    "adjust.reason_needed": {"zh": "必须写明原因，例如：/adjust W01 +200 全勤奖",
                             "en": "A reason is required, e.g. /adjust W01 +200 full attendance"},
    "adjust.reason_too_long": {"zh": "原因太长（最多 {limit} 字）。",
                               "en": "The reason is too long (at most {limit} characters)."},
    "adjust.own": {"zh": "不能给自己调整工资，请由上级录入。",
                   "en": "You cannot adjust your own wage; ask your superior."},
    "adjust.unknown": {"zh": "找不到调整 #{id}。", "en": "There is no adjustment #{id}."},
    "adjust.is_reversal": {"zh": "#{id} 是对 #{original} 的撤销，不能再撤销；如需要请重新录入一笔调整。",
                           "en": "#{id} reverses #{original} and cannot be reversed itself; "
                                 "enter a new adjustment instead."},
    "adjust.already_reversed": {"zh": "调整 #{id} 已经被 {by} 在 {when_at} 撤销过了。",
                                "en": "Adjustment #{id} was already reversed by {by} at "
                                      "{when_at}."},
}

# Labels by parameter name: a param called e.g. "kind" is rendered through LABELS["kind"].
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "wage_mode": {
        "piece": {"zh": "计件", "en": "piece rate"},
        "hourly": {"zh": "计时", "en": "hourly"},
        "mixed": {"zh": "计件 + 计时", "en": "piece rate + hourly"},
    },
}
