"""Texts of the dispatch suggestion and rush orders, in zh and en."""

from __future__ import annotations

_TASK = "{work_order} #{seq} {operation}"

MESSAGES: dict[str, dict[str, str]] = {
    # --- /dispatch: the suggestion, a page at a time
    "dispatch.header": {
        "zh": "🗓 排产建议 #{plan}（第 {version} 版）· {scope}\n"
              "{tasks} 个任务，{late} 个会延期，{problems} 个没人能做。第 {page}/{pages} 页",
        "en": "🗓 Dispatch suggestion #{plan} (version {version}) · {scope}\n"
              "{tasks} tasks, {late} late, {problems} nobody can do. Page {page}/{pages}",
    },
    "dispatch.header_note": {
        "zh": "按优先级和交期排序；时间为预计开工–完工。",
        "en": "By priority and due date; times are planned start–end.",
    },
    "dispatch.empty": {
        "zh": "🗓 {scope}目前没有需要排产的任务（已下达、未完工、还有件要做的工序）。",
        "en": "🗓 Nothing to plan for {scope}: no released, unfinished task with pieces left.",
    },
    "dispatch.group": {"zh": "\n🏭 {group}", "en": "\n🏭 {group}"},
    "dispatch.line": {
        "zh": "{position}. " + _TASK + " ×{quantity} → {person}  {start_at}–{end_at}",
        "en": "{position}. " + _TASK + " ×{quantity} → {person}  {start_at}–{end_at}",
    },
    "dispatch.line_late": {
        "zh": "{position}. " + _TASK + " ×{quantity} → {person}  {start_at}–{end_at}"
              "  🔴⚠️ 延期 {late_seconds}",
        "en": "{position}. " + _TASK + " ×{quantity} → {person}  {start_at}–{end_at}"
              "  🔴⚠️ late by {late_seconds}",
    },
    "dispatch.line_nobody": {
        "zh": "{position}. " + _TASK + " ×{quantity} → ❗没有会「{skill}」的在岗工人，无法排产",
        "en": "{position}. " + _TASK + " ×{quantity} → ❗nobody active is skilled in {skill}: "
              "not planned",
    },
    "dispatch.btn_accept": {"zh": "✅ 全部接受", "en": "✅ Accept all"},
    "dispatch.btn_edit": {"zh": "✏️ 调整", "en": "✏️ Edit"},
    "dispatch.btn_discard": {"zh": "🗑 放弃", "en": "🗑 Discard"},
    "dispatch.btn_prev": {"zh": "◀️ 上一页", "en": "◀️ Previous"},
    "dispatch.btn_next": {"zh": "下一页 ▶️", "en": "Next ▶️"},
    "dispatch.btn_back": {"zh": "↩️ 返回", "en": "↩️ Back"},
    "dispatch.btn_line": {"zh": "{work_order} #{seq}", "en": "{work_order} #{seq}"},
    "dispatch.btn_person": {
        "zh": "{name} · {tasks} 个任务 · {load_seconds}",
        "en": "{name} · {tasks} tasks · {load_seconds}",
    },
    "dispatch.btn_person_free": {"zh": "{name} · 手上没活", "en": "{name} · holds nothing"},
    "dispatch.pick_line": {
        "zh": "✏️ 排产建议 #{plan}：要把哪个任务改派给别人？",
        "en": "✏️ Suggestion #{plan}: which task goes to someone else?",
    },
    "dispatch.pick_person": {
        "zh": "✏️ " + _TASK + " ×{quantity}，现排给 {person}。\n改派给谁？（按手上任务量排序，"
              "后面是在本建议里排到几点）",
        "en": "✏️ " + _TASK + " ×{quantity}, now planned for {person}.\nGive it to whom? "
              "(least loaded first; then until when this plan keeps them busy)",
    },
    "dispatch.person_busy": {
        "zh": "· {name}：手上 {tasks} 个任务（{load_seconds}），本建议排到 {busy_at}",
        "en": "· {name}: holds {tasks} tasks ({load_seconds}), busy in this plan until {busy_at}",
    },
    "dispatch.person_free": {
        "zh": "· {name}：手上 {tasks} 个任务（{load_seconds}），本建议里还没有活",
        "en": "· {name}: holds {tasks} tasks ({load_seconds}), nothing in this plan yet",
    },
    "dispatch.no_candidates": {
        "zh": "没有别的在岗工人会这道工序。",
        "en": "Nobody else active is skilled in this operation.",
    },
    "dispatch.page": {"zh": "第 {page} 页", "en": "Page {page}"},
    "dispatch.pick_short": {"zh": "请选择", "en": "Choose one"},
    "dispatch.edited": {"zh": "已改派，建议已重新计算", "en": "Reassigned; the plan was recomputed"},
    "dispatch.accepted": {
        "zh": "✅ 排产建议 #{plan} 已接受：{assigned} 个任务派给了新的人，{timed} 个任务定了计划时间，"
              "{told} 人收到计划变更通知。提醒会按新的计划时间走。",
        "en": "✅ Suggestion #{plan} accepted. Tasks assigned to someone new: {assigned}; tasks "
              "given planned times: {timed}; people told of a change: {told}. Reminders follow "
              "the new times.",
    },
    "dispatch.accepted_short": {"zh": "已接受", "en": "Accepted"},
    "dispatch.accepted_again": {"zh": "这个建议已经接受过了", "en": "This suggestion was already accepted"},
    "dispatch.discarded": {
        "zh": "🗑 排产建议 #{plan} 已放弃，什么都没改。",
        "en": "🗑 Suggestion #{plan} discarded; nothing changed.",
    },
    # --- refusals
    "dispatch.team_not_yours": {
        "zh": "您只能给自己的班组（{team}）排产。",
        "en": "You can plan your own team ({team}) only.",
    },
    "dispatch.not_yours": {
        "zh": "这个排产建议不是您班组的，不能操作。",
        "en": "This suggestion is not your team's.",
    },
    "dispatch.gone": {"zh": "找不到这个排产建议。", "en": "That suggestion no longer exists."},
    "dispatch.decided": {
        "zh": "排产建议 #{plan} 已{decision}，按钮已失效。需要的话请重新发 /dispatch。",
        "en": "Suggestion #{plan} was {decision}; its buttons no longer work. Send /dispatch "
              "again if needed.",
    },
    "dispatch.stale": {
        "zh": "排产建议 #{plan} 已经改过了，这是旧版本的按钮。请用最新的那条消息。",
        "en": "Suggestion #{plan} changed since; this button belongs to an older version. Use "
              "the latest message.",
    },
    "dispatch.task_gone": {
        "zh": "这个任务已经不需要排产了（已完工或工单状态变了）。请重新发 /dispatch。",
        "en": "That task no longer needs planning (done, or its work order changed). Send "
              "/dispatch again.",
    },
    "dispatch.not_candidate": {
        "zh": "这个人不能做这个任务（不在本班组、不会这道工序或已停用）。",
        "en": "That person cannot take this task (not in the team, not skilled, or inactive).",
    },
    # --- lines of a change message (domain/changes.py sends them)
    "dispatch.change_moved": {
        "zh": "🕒 " + _TASK + " ×{quantity}：改为 {start_at}–{end_at}（原 {was_start_at}–{was_end_at}）",
        "en": "🕒 " + _TASK + " ×{quantity}: now {start_at}–{end_at} (was {was_start_at}–"
              "{was_end_at})",
    },
    "dispatch.change_timed": {
        "zh": "🕒 " + _TASK + " ×{quantity}：计划 {start_at}–{end_at}",
        "en": "🕒 " + _TASK + " ×{quantity}: planned {start_at}–{end_at}",
    },
    "dispatch.change_taken": {
        "zh": "➖ " + _TASK + "：改派给 {name}，不用您做了",
        "en": "➖ " + _TASK + ": given to {name}, no longer yours",
    },
    "dispatch.change_given": {
        "zh": "➕ " + _TASK + " ×{quantity}：派给您，{start_at}–{end_at}",
        "en": "➕ " + _TASK + " ×{quantity}: now yours, {start_at}–{end_at}",
    },
    "dispatch.change_team": {
        "zh": "· " + _TASK + " ×{quantity} → {name}，{start_at}–{end_at}（原 {was}）",
        "en": "· " + _TASK + " ×{quantity} → {name}, {start_at}–{end_at} (was {was})",
    },

    # --- /rush: the preview, then Confirm / Cancel
    "rush.usage": {
        "zh": "插单用法：\n/rush WO-000123 —— 已有工单提到最高优先级\n"
              "/rush 产品编码 数量 交期 [客户] —— 新建插单，例如 /rush PCB-A 200 2026-12-05 华强\n"
              "确认前会先显示哪些工单会因此延期。",
        "en": "Rush orders:\n/rush WO-000123 — an existing work order jumps to the top priority\n"
              "/rush PRODUCT QTY DUE [customer] — a new rush order, e.g. /rush PCB-A 200 "
              "2026-12-05 Acme\nBefore confirming you see which work orders it makes late.",
    },
    "rush.unknown_work_order": {"zh": "找不到工单 {work_order}。", "en": "No work order {work_order}."},
    "rush.not_open": {
        "zh": "工单 {work_order} 状态为{status}，不能插单（只有已下达或生产中的工单可以）。",
        "en": "Work order {work_order} is {status}: only released or in-progress work can be "
              "rushed.",
    },
    "rush.already": {"zh": "工单 {work_order} 已经是插单（最高优先级）。",
                     "en": "Work order {work_order} is already a rush order."},
    "rush.unknown_product": {"zh": "未知产品 {value}。", "en": "Unknown product {value}."},
    "rush.bad_quantity": {"zh": "数量要写正整数（写的是 {value}）。",
                          "en": "The quantity must be a whole number above 0 (got {value})."},
    "rush.bad_due": {"zh": "交期要写成 2026-12-05 这样的日期（写的是 {value}）。",
                     "en": "Write the due date like 2026-12-05 (got {value})."},
    "rush.bad_customer": {"zh": "客户名太长（最多 {max} 个字）。",
                          "en": "The customer name is too long (at most {max} characters)."},
    "rush.no_operations": {"zh": "产品 {product} 没有工艺路线，不能生产。",
                           "en": "Product {product} has no routing to make it by."},
    "rush.preview": {
        "zh": "⚡ 插单预览：工单 {work_order} 提到最高优先级（交期 {due}）",
        "en": "⚡ Rush preview: work order {work_order} to the top priority (due {due})",
    },
    "rush.preview_new": {
        "zh": "⚡ 插单预览：新订单 {product} × {quantity}，客户 {customer}，交期 {due}，最高优先级",
        "en": "⚡ Rush preview: a new order of {product} × {quantity} for {customer}, due {due}, "
              "top priority",
    },
    "rush.finish": {"zh": "插单预计 {finish_at} 完工，能按期交付。",
                    "en": "The rush should finish at {finish_at}, on time."},
    "rush.finish_late": {
        "zh": "插单预计 {finish_at} 完工，仍会延期 {late_seconds}。",
        "en": "The rush should finish at {finish_at}, still late by {late_seconds}.",
    },
    "rush.unplanned": {
        "zh": "❗插单有 {count} 道工序没有会做的在岗工人，完工时间算不出来。",
        "en": "❗{count} of the rush's operations have nobody active skilled in them: no "
              "finish time can be planned.",
    },
    "rush.impacts": {"zh": "\n因此会延期的其他工单（{count} 个）：",
                     "en": "\nOther work orders it makes late ({count}):"},
    "rush.impact_new": {"zh": "🔴 {work_order} 延期 {late_seconds}（原本按期）",
                        "en": "🔴 {work_order} late by {late_seconds} (was on time)"},
    "rush.impact_more": {"zh": "🔴 {work_order} 延期 {late_seconds}（原本延期 {was_seconds}）",
                         "en": "🔴 {work_order} late by {late_seconds} (was {was_seconds} late)"},
    "rush.impacts_more": {"zh": "…另有 {count} 个", "en": "…and {count} more"},
    "rush.no_impact": {"zh": "\n✅ 没有其他工单因此延期。",
                       "en": "\n✅ No other work order becomes late."},
    "rush.ask": {"zh": "\n确认插单吗？确认后受影响的工人和班组长会收到通知。",
                 "en": "\nConfirm the rush? The affected workers and supervisors will be told."},
    "rush.btn_confirm": {"zh": "⚡ 确认插单", "en": "⚡ Confirm"},
    "rush.btn_cancel": {"zh": "取消", "en": "Cancel"},
    "rush.confirmed": {
        "zh": "⚡ 插单已确认：工单 {work_order} 现在是最高优先级。{moved} 个任务重新安排，{told} 人已收到通知。",
        "en": "⚡ Rush confirmed: work order {work_order} now has the top priority. Tasks "
              "replanned: {moved}; people told: {told}.",
    },
    "rush.done_short": {"zh": "已确认插单", "en": "Rush confirmed"},
    "rush.cancelled": {"zh": "已取消插单，什么都没改。", "en": "Rush cancelled; nothing changed."},
    "rush.expired": {
        "zh": "这个插单预览已失效（已处理或超过 30 分钟）。请重新发 /rush。",
        "en": "This rush preview is no longer valid (handled, or older than 30 minutes). Send "
              "/rush again.",
    },
}

LABELS: dict[str, dict[str, dict[str, str]]] = {
    "decision": {
        "accepted": {"zh": "接受", "en": "accepted"},
        "discarded": {"zh": "放弃", "en": "discarded"},
        "superseded": {"zh": "被新的建议取代", "en": "superseded by a newer one"},
    },
}
