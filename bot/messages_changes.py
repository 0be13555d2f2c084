"""Texts of work-order changes, acknowledgements and outdated task cards, in zh and en."""

from __future__ import annotations

_TASK = "{work_order} #{seq} {operation}"

MESSAGES: dict[str, dict[str, str]] = {
    # domain/task_cards.py: an older card edited when the plan changed.
    "card.outdated": {
        "zh": "⚠️ 此卡片已过期：工单 {work_order} 的计划已变更。请点下方按钮查看最新卡片，不要按旧卡片干活。",
        "en": "⚠️ This card is outdated: the plan of work order {work_order} changed. Tap below "
              "for the current card; do not work from this one.",
    },
    "btn.current_card": {"zh": "查看最新卡片", "en": "Current card"},

    # --- the one message each affected person gets (domain/changes.py) ---
    "change.notice": {"zh": "📢 计划变更（{change}）· {by}", "en": "📢 Plan change ({change}) · {by}"},
    "change.task.quantity": {"zh": _TASK + "：计划数量 {old} → {new}",
                             "en": _TASK + ": planned quantity {old} → {new}"},
    "change.task.due_date": {"zh": _TASK + "：交期 {old} → {new}",
                             "en": _TASK + ": due {old} → {new}"},
    "change.task.priority": {"zh": _TASK + "：优先级 {old} → {new}",
                             "en": _TASK + ": priority {old} → {new}"},
    "change.task.hold": {"zh": _TASK + "：已暂停，暂停期间不能报工",
                         "en": _TASK + ": on hold, no reports until it resumes"},
    "change.task.resume": {"zh": _TASK + "：已恢复，可以继续生产和报工",
                           "en": _TASK + ": resumed, work and report as before"},
    "change.task.cancel": {"zh": _TASK + "：已取消，请停止生产",
                           "en": _TASK + ": cancelled, stop working on it"},
    "change.work_order.quantity": {"zh": "{work_order}：计划数量 {old} → {new}",
                                   "en": "{work_order}: planned quantity {old} → {new}"},
    "change.work_order.due_date": {"zh": "{work_order}：交期 {old} → {new}",
                                   "en": "{work_order}: due {old} → {new}"},
    "change.work_order.priority": {"zh": "{work_order}：优先级 {old} → {new}",
                                   "en": "{work_order}: priority {old} → {new}"},
    "change.work_order.hold": {"zh": "{work_order}：已暂停", "en": "{work_order}: on hold"},
    "change.work_order.resume": {"zh": "{work_order}：已恢复", "en": "{work_order}: resumed"},
    "change.work_order.cancel": {"zh": "{work_order}：已取消", "en": "{work_order}: cancelled"},
    "change.note": {"zh": "原因：{note}", "en": "Reason: {note}"},
    "change.person": {"zh": "· {name}（{code}）{tasks}", "en": "· {name} ({code}) {tasks}"},
    "change.more": {"zh": "…另有 {count} 人", "en": "…and {count} more"},
    "change.btn_ack": {"zh": "✅ 确认收到", "en": "✅ Acknowledge"},
    "change.acknowledged": {"zh": "✅ 已于 {time} 确认", "en": "✅ Acknowledged at {time}"},
    "change.acknowledged_short": {"zh": "已确认 {time}", "en": "Acknowledged at {time}"},
    "change.already_acknowledged": {"zh": "已于 {time} 确认过", "en": "Already acknowledged at {time}"},
    "change.unknown_notice": {"zh": "找不到这条变更通知。", "en": "That change message no longer exists."},
    "change.not_yours": {"zh": "这条变更通知是发给别人的，只有收件人能确认。",
                         "en": "That change message is someone else's; only they can acknowledge it."},

    # --- the reminder (change_unacknowledged) ---
    "change.remind": {"zh": "⏰ 您还没确认这条计划变更（{since_at}）：",
                      "en": "⏰ You have not acknowledged this plan change yet ({since_at}):"},
    "change.remind_team": {
        "zh": "⏰ {name}（{code}）还没确认工单 {work_order} 的计划变更（{change}，{since_at}）。请当面告知。",
        "en": "⏰ {name} ({code}) has not acknowledged the plan change of work order "
              "{work_order} ({change}, {since_at}). Please tell them in person.",
    },

    # --- a planner's change in chat (handlers/telegram/changes.py) ---
    "change.confirm": {"zh": "请确认变更工单 {work_order}（{change}）：",
                       "en": "Confirm the change of work order {work_order} ({change}):"},
    "change.reaches": {"zh": "确认后将通知 {count} 人：{names}",
                       "en": "On confirm, {count} people will be told: {names}"},
    "change.reaches_nobody": {"zh": "确认后没有人需要通知（没有人在做这张工单）。",
                              "en": "On confirm nobody needs to be told (nobody works on it)."},
    "change.btn_confirm": {"zh": "✅ 确认变更", "en": "✅ Confirm"},
    "change.btn_discard": {"zh": "✖ 放弃", "en": "✖ Discard"},
    "change.applied": {"zh": "✅ 已变更工单 {work_order}（{change}），已通知 {count} 人。",
                       "en": "✅ Work order {work_order} changed ({change}); {count} people told."},
    "change.discarded": {"zh": "已放弃，工单没有变更。", "en": "Discarded; the work order is unchanged."},
    "change.done_short": {"zh": "已变更", "en": "Changed"},
    "change.expired": {"zh": "这张确认卡已失效，请重新发起变更。",
                       "en": "That confirmation card has expired; please start the change again."},
    "change.usage": {
        "zh": "用法：/change 工单号 qty 数量，或 /change 工单号 due 交期\n"
              "例如 /change WO-000123 qty 300，/change WO-000123 due 11-30",
        "en": "Usage: /change WORK_ORDER qty QUANTITY, or /change WORK_ORDER due DATE\n"
              "e.g. /change WO-000123 qty 300, /change WO-000123 due 11-30",
    },
    "change.usage_state": {"zh": "用法：/{command} 工单号 [原因]，例如 /{command} WO-000123 缺料",
                           "en": "Usage: /{command} WORK_ORDER [reason], e.g. /{command} "
                                 "WO-000123 material short"},
    "change.bad_code": {"zh": "「{text}」不是工单号（例如 WO-000123）。",
                        "en": "\"{text}\" is not a work order code (e.g. WO-000123)."},
    "change.bad_quantity": {"zh": "「{text}」不是有效数量（1 到 {limit} 的整数）。",
                            "en": "\"{text}\" is not a valid quantity (a whole number 1 to {limit})."},
    "change.bad_date": {"zh": "「{text}」不是日期，请写 2026-11-30 或 11-30。",
                        "en": "\"{text}\" is not a date; write 2026-11-30 or 11-30."},
    "change.closed": {"zh": "工单 {work_order} 状态为「{status}」，不能再变更。",
                      "en": "Work order {work_order} is {status}; it can no longer change."},
    "change.same": {"zh": "工单 {work_order} 已经是这个值，没有变更。",
                    "en": "Work order {work_order} already has that value; nothing changes."},
    "change.below_reported": {
        "zh": "不能改为 {quantity}：工单 {work_order} 已有工序报工 {reported} 件（含良品、报废、待检和返工），数量不能少于它。",
        "en": "Cannot set {quantity}: an operation of work order {work_order} has already "
              "reported {reported} pieces (good, scrap, waiting for QC, at rework); the quantity "
              "cannot be less.",
    },
    "change.due_in_past": {"zh": "交期 {due} 已经过去了。", "en": "The due date {due} is in the past."},
    "change.cannot_hold": {"zh": "工单 {work_order} 状态为「{status}」，不能暂停。",
                           "en": "Work order {work_order} is {status}; it cannot be put on hold."},
    "change.not_on_hold": {"zh": "工单 {work_order} 状态为「{status}」，不是暂停状态。",
                           "en": "Work order {work_order} is {status}, not on hold."},
    "change.cannot_cancel": {"zh": "工单 {work_order} 状态为「{status}」，不能取消。",
                             "en": "Work order {work_order} is {status}; it cannot be cancelled."},
    "change.changed_meanwhile": {
        "zh": "工单 {work_order} 在您确认前已被变更，请重新发起，以便看到最新的影响。",
        "en": "Work order {work_order} changed before you confirmed; start again to see the "
              "current impact.",
    },
}
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "change": {
        "rush": {"zh": "插单", "en": "rush order"},
        "quantity": {"zh": "数量变更", "en": "quantity"},
        "due_date": {"zh": "交期变更", "en": "due date"},
        "priority": {"zh": "优先级变更", "en": "priority"},
        "hold": {"zh": "暂停", "en": "hold"},
        "resume": {"zh": "恢复", "en": "resume"},
        "cancel": {"zh": "取消", "en": "cancel"},
        "replan": {"zh": "计划调整", "en": "replan"},
    },
}
