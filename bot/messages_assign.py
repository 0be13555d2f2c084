"""Texts of assignment 派工, claiming 认领 and partial flow 流转, in zh and en."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- the card an assigned person gets (domain/assignment.py)
    "assign.card": {
        "zh": "📋 新派工：工单 {work_order} · {product}\n工序 {seq} {operation}\n"
              "计划 {planned}｜已到 {arrived}｜交期 {due}\n标签码：{label}\n"
              "有件到了就可以报工：点下方按钮，或拍流转卡、输入标签码。",
        "en": "📋 New task for you: work order {work_order} · {product}\nOperation {seq} "
              "{operation}\nPlanned {planned} | arrived {arrived} | due {due}\nLabel code: "
              "{label}\nReport once pieces are here: tap below, photograph the card or type "
              "the label code.",
    },
    "assign.planned_start": {"zh": "计划开工：{start_at}", "en": "Planned start: {start_at}"},
    "assign.planned_end": {"zh": "计划完工：{end_at}", "en": "Planned end: {end_at}"},
    "assign.by": {"zh": "派工人：{name}", "en": "Assigned by {name}"},
    "assign.btn_report": {"zh": "报工", "en": "Report"},
    "assign.removed": {
        "zh": "ℹ️ 工单 {work_order} 工序 {seq} {operation} 已不再派给您（{by} 调整了派工）。"
              "之前的任务卡作废，请不要再按它报工。",
        "en": "ℹ️ Work order {work_order}, operation {seq} {operation} is no longer yours "
              "({by} changed the assignment). Do not report on its old card.",
    },
    # --- refusals
    "assign.unknown_person": {"zh": "找不到工号 {code}。", "en": "No person with code {code}."},
    "assign.team_nobody": {
        "zh": "班组 {team} 没有会「{operation}」（技能 {skill}）的在职工人，没有派工。",
        "en": "Team {team} has no active worker skilled in {operation} ({skill}); nothing "
              "was assigned.",
    },
    "assign.all_done": {"zh": "工单 {work_order} 的工序都已完成，不需要派工。",
                        "en": "Every operation of {work_order} is done; nothing to assign."},
    "assign.work_order_closed": {
        "zh": "工单 {work_order} 当前为「{status}」，不能派工。",
        "en": "Work order {work_order} is {status}; it takes no assignments.",
    },
    "assign.task_done": {"zh": "工单 {work_order} 工序 {seq} {operation} 已完工，不能再派工。",
                         "en": "Work order {work_order}, operation {seq} {operation} is done; "
                               "it takes no assignments."},
    "assign.not_allowed": {"zh": "只有班组长和厂长可以派工。",
                           "en": "Only supervisors and managers assign tasks."},
    "assign.not_your_team": {
        "zh": "{name}（{code}）不是您班组（{team}）的人，不能派工或撤下。请联系其班组长或厂长。",
        "en": "{name} ({code}) is not in your team ({team}); you cannot assign or remove "
              "them. Ask their supervisor or a manager.",
    },
    "assign.team_not_yours": {"zh": "您只能给自己的班组（{team}）派工。",
                              "en": "You can assign your own team ({team}) only."},
    "assign.inactive": {"zh": "{name}（{code}）已停用，不能派工。",
                        "en": "{name} ({code}) is inactive and cannot take tasks."},
    "assign.no_skill": {
        "zh": "{name}（{code}）没有「{operation}」的技能（{skill}），不能派工。"
              "如需派给他，请先在人员资料里加上技能 {skill}。",
        "en": "{name} ({code}) is not skilled in {operation} ({skill}) and cannot be "
              "assigned. Add the skill {skill} to their record first.",
    },
    "assign.usage": {
        "zh": "用法：\n/assign 工单 工序 工号… 例如 /assign WO-000123 20 W01 W02\n"
              "/assign 工单 工序 team 班组 派给整个班组会这道工序的人\n"
              "/assign 工单 工序 打开任务卡，从班组里点选人员（显示每人手上的活）\n"
              "工序可写 20、#20 或标签码 GD1:WO-000123:20。",
        "en": "Usage:\n/assign WORK_ORDER OPERATION CODE… e.g. /assign WO-000123 20 W01 W02\n"
              "/assign WORK_ORDER OPERATION team NAME: everyone of the team skilled in it\n"
              "/assign WORK_ORDER OPERATION: the task card, pick people of your team (each "
              "with their current load)\nThe operation may be 20, #20 or the label "
              "GD1:WO-000123:20.",
    },
    "assign.unassign_usage": {
        "zh": "用法：/unassign 工单 工序 工号…，例如 /unassign WO-000123 20 W01",
        "en": "Usage: /unassign WORK_ORDER OPERATION CODE…, e.g. /unassign WO-000123 20 W01",
    },
    "assign.open_usage": {
        "zh": "用法：/open 工单 工序 [team 班组]，例如 /open WO-000123 20：会这道工序的工人都会收到"
              "「认领」按钮，先点先得。",
        "en": "Usage: /open WORK_ORDER OPERATION [team NAME], e.g. /open WO-000123 20: every "
              "worker skilled in it gets a Claim button; the first tap wins.",
    },
    "assign.seq_needed": {
        "zh": "工单 {work_order} 有多道未完工序，请写明工序号。可选：{operations}",
        "en": "Work order {work_order} has several open operations; say which one: "
              "{operations}",
    },
    "assign.choose_operation": {"zh": "工单 {work_order}：给哪道工序派工？",
                                "en": "Work order {work_order}: which operation?"},
    "assign.btn_operation": {"zh": "{seq} {operation}（已派 {count} 人）",
                             "en": "{seq} {operation} ({count} assigned)"},
    "assign.not_on_task": {"zh": "{names} 不在工单 {work_order} 工序 {seq} {operation} 上，没有变化。",
                           "en": "{names} are not on {work_order}, operation {seq} "
                                 "{operation}; nothing changed."},
    "assign.unassigned": {"zh": "已从工单 {work_order} 工序 {seq} {operation} 撤下：{names}（已通知本人）。",
                          "en": "Taken off {work_order}, operation {seq} {operation}: {names} "
                                "(they were told)."},
    # --- the supervisor's picker
    "assign.picker": {
        "zh": "📋 工单 {work_order} · {product}\n工序 {seq} {operation}\n"
              "计划 {planned}｜已到 {arrived}｜交期 {due}\n标签码：{label}\n当前负责：{assignees}",
        "en": "📋 Work order {work_order} · {product}\nOperation {seq} {operation}\n"
              "Planned {planned} | arrived {arrived} | due {due}\nLabel code: {label}\n"
              "Assigned now: {assignees}",
    },
    "assign.picker_hint": {
        "zh": "点人名勾选（✓），再点「完成」。括号里是每人手上未完成的任务数和剩余标准工时。",
        "en": "Tap names to tick them (✓), then Done. In brackets: each person's open tasks "
              "and standard time left.",
    },
    "assign.picker_nobody": {
        "zh": "您的班组里没有会这道工序（技能 {skill}）的在职人员。",
        "en": "Nobody active in your team is skilled in this operation ({skill}).",
    },
    "assign.picker_open": {"zh": "🙋 这道工序正在开放认领。",
                           "en": "🙋 This task is open for claiming."},
    "assign.btn_person": {"zh": "{mark}{name}（{tasks} 个任务，约 {load_seconds}）",
                          "en": "{mark}{name} ({tasks} tasks, ~{load_seconds})"},
    "assign.btn_person_free": {"zh": "{mark}{name}（空闲）", "en": "{mark}{name} (free)"},
    "assign.btn_done": {"zh": "✅ 完成", "en": "✅ Done"},
    "assign.btn_open": {"zh": "🙋 开放认领", "en": "🙋 Open for claiming"},
    "assign.btn_close": {"zh": "关闭", "en": "Close"},
    "assign.picker_changed": {"zh": "人员名单有变化，已刷新，请重新选择",
                              "en": "The list changed; refreshed, please pick again"},
    "assign.picker_shown": {"zh": "请选择人员", "en": "Pick people"},
    "assign.picker_toggled": {"zh": "已更新", "en": "Updated"},
    "assign.picker_closed": {"zh": "已关闭，派工没有变化。", "en": "Closed; nothing changed."},
    "assign.opened_short": {"zh": "已开放认领", "en": "Open for claiming"},
    "assign.outcome": {"zh": "✅ 派工已更新：工单 {work_order} 工序 {seq} {operation}",
                       "en": "✅ Assignment updated: {work_order}, operation {seq} {operation}"},
    "assign.outcome_unchanged": {
        "zh": "工单 {work_order} 工序 {seq} {operation}：派工没有变化。",
        "en": "{work_order}, operation {seq} {operation}: the assignment is unchanged.",
    },
    "assign.outcome_added": {"zh": "新派：{names}（已发任务卡）",
                             "en": "Assigned: {names} (task card sent)"},
    "assign.outcome_unregistered": {"zh": "⚠️ {names} 还没注册机器人，收不到任务卡。",
                                    "en": "⚠️ {names} not registered with the bot yet: no card "
                                          "sent."},
    "assign.outcome_kept": {"zh": "原本就在任务上：{names}", "en": "Already on it: {names}"},
    "assign.outcome_removed": {"zh": "已撤下：{names}（已通知）",
                               "en": "Taken off: {names} (told)"},
    "assign.outcome_short": {"zh": "派工已保存", "en": "Assignment saved"},
    # --- claiming
    "claim.offer": {
        "zh": "🙋 可认领：工单 {work_order} · {product}\n工序 {seq} {operation}\n"
              "计划 {planned}｜已到 {arrived}｜交期 {due}\n先点先得，点「认领」就归您。",
        "en": "🙋 Up for claiming: work order {work_order} · {product}\nOperation {seq} "
              "{operation}\nPlanned {planned} | arrived {arrived} | due {due}\nFirst tap "
              "wins: tap Claim and it is yours.",
    },
    "claim.btn": {"zh": "🙋 认领", "en": "🙋 Claim 认领"},
    "claim.card": {
        "zh": "✅ 认领成功，这个任务归您了：工单 {work_order} · {product}\n工序 {seq} {operation}\n"
              "计划 {planned}｜已到 {arrived}｜交期 {due}\n标签码：{label}",
        "en": "✅ Claimed, the task is yours: work order {work_order} · {product}\nOperation "
              "{seq} {operation}\nPlanned {planned} | arrived {arrived} | due {due}\nLabel "
              "code: {label}",
    },
    "claim.offer_won": {"zh": "✅ 您已认领：工单 {work_order} 工序 {seq} {operation}。",
                        "en": "✅ You claimed {work_order}, operation {seq} {operation}."},
    "claim.offer_taken": {"zh": "工单 {work_order} 工序 {seq} {operation} 已被 {name} 认领。",
                          "en": "{work_order}, operation {seq} {operation} was claimed by "
                                "{name}."},
    "claim.offer_assigned": {
        "zh": "工单 {work_order} 工序 {seq} {operation} 已派给 {names}，不再开放认领。",
        "en": "{work_order}, operation {seq} {operation} was assigned to {names}; no longer "
              "open for claiming.",
    },
    "claim.claimed_notice": {
        "zh": "🙋 {name} 认领了工单 {work_order} 工序 {seq} {operation}。",
        "en": "🙋 {name} claimed {work_order}, operation {seq} {operation}.",
    },
    "claim.opened": {
        "zh": "🙋 已开放认领：工单 {work_order} 工序 {seq} {operation}（{team}），已通知 {count} 人：{names}。"
              "第一个点「认领」的人得到这个任务。",
        "en": "🙋 Open for claiming: {work_order}, operation {seq} {operation} ({team}); "
              "{count} people offered: {names}. The first to tap Claim gets it.",
    },
    "claim.won_short": {"zh": "认领成功", "en": "Claimed"},
    "claim.already_open": {
        "zh": "工单 {work_order} 工序 {seq} {operation} 已经在开放认领中。",
        "en": "{work_order}, operation {seq} {operation} is already open for claiming.",
    },
    "claim.nobody": {
        "zh": "范围（{team}）内没有可以认领的人：需要会「{operation}」（技能 {skill}）、在职、已注册、尚未派到这道工序的工人。",
        "en": "Nobody can claim it ({team}): it takes an active, registered worker skilled "
              "in {operation} ({skill}) not already on the task.",
    },
    "claim.no_skill": {"zh": "您没有「{operation}」的技能（{skill}），不能认领。",
                       "en": "You are not skilled in {operation} ({skill}); you cannot claim "
                             "it."},
    "claim.other_team": {"zh": "这个任务只开放给班组 {team} 认领。",
                         "en": "This task is open to team {team} only."},
    "claim.already_yours": {"zh": "工单 {work_order} 工序 {seq} {operation} 已经是您的了。",
                            "en": "{work_order}, operation {seq} {operation} is already "
                                  "yours."},
    "claim.taken": {"zh": "慢了一步：工单 {work_order} 工序 {seq} {operation} 已被 {name} 认领。",
                    "en": "Too late: {work_order}, operation {seq} {operation} was claimed by "
                          "{name}."},
    "claim.closed": {"zh": "工单 {work_order} 工序 {seq} {operation} 已不再开放认领。",
                     "en": "{work_order}, operation {seq} {operation} is no longer open for "
                           "claiming."},
    # --- partial flow (domain/partial_flow.py)
    "flow.ready": {
        "zh": "📦 工单 {work_order} 有 {pieces} 件已到「{operation}」（工序 {seq}，计划 {planned} 件），"
              "可以开工了。",
        "en": "📦 {pieces} pieces of {work_order} are ready for {operation} (operation "
              "{seq}, of planned {planned}). You can start.",
    },
    "flow.btn_report": {"zh": "报工", "en": "Report"},
    # --- who may report (domain/reporting.py)
    "report.assigned_to_others": {
        "zh": "工单 {work_order} 的「{operation}」已派给 {names}，只有他们能报工。如需调整请联系班组长。",
        "en": "{operation} on {work_order} is assigned to {names}; only they report it. Ask "
              "your supervisor to change that.",
    },
}
LABELS: dict[str, dict[str, dict[str, str]]] = {}
