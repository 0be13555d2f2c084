"""Messages for QC inspections and rework: {key: {"zh": ..., "en": ...}}, merged into bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- held for inspection (to inspectors and QC groups)
    "qc.pending": {
        "zh": "🔍 待质检：工单 {work_order} · 工序 {seq} {operation}\n"
              "{worker} 报良品 {quantity} 件（{reported_at}）。检验后请判定：",
        "en": "🔍 QC needed: work order {work_order} · operation {seq} {operation}\n"
              "{worker} reported {quantity} good ({reported_at}). Inspect them, then decide:",
    },
    "qc.pending_rework": {
        "zh": "🔍 返工复检：返工单 {rework}（工单 {work_order} · 工序 {seq} {operation}）\n"
              "{worker} 返工完成 {quantity} 件（{reported_at}）。复检后请判定：",
        "en": "🔍 Rework to re-inspect: {rework} (work order {work_order} · operation {seq} "
              "{operation})\n{worker} reworked {quantity} pieces ({reported_at}). Inspect them, "
              "then decide:",
    },
    "qc.waiting": {
        "zh": "⏰ 质检还没判定：工单 {work_order} · 工序 {seq} {operation}，{worker} 的 {quantity} 件"
              "（{reported_at} 报工）在等检验，下道工序也在等。",
        "en": "⏰ Still waiting for QC: work order {work_order} · operation {seq} {operation}, "
              "{quantity} pieces by {worker} (reported {reported_at}); the next operation is "
              "waiting for them too.",
    },
    "qc.post_passed": {
        "zh": "✅ 全部合格 {quantity} 件 — {inspector}，{decided_at}",
        "en": "✅ All {quantity} passed — {inspector}, {decided_at}",
    },
    "qc.post_failed": {
        "zh": "❌ 已判定：合格 {passed}，返工 {rework}，报废 {scrap}（{reason}）— {inspector}，{decided_at}",
        "en": "❌ Decided: {passed} passed, {rework} rework, {scrap} scrap ({reason}) — "
              "{inspector}, {decided_at}",
    },
    "qc.rework_line": {
        "zh": "🔧 返工单 {rework_code} 交给 {worker} 返工",
        "en": "🔧 Rework {rework_code}, assigned to {worker}",
    },
    "qc.post_withdrawn": {
        "zh": "↩️ {worker} 在 {decided_at} 撤回了这次报工，不用检验了。",
        "en": "↩️ {worker} took this report back at {decided_at}; nothing to inspect.",
    },
    # --- to the worker
    "qc.report_held": {
        "zh": "✅ 已记录：{work_order} {operation} 良品 {good}，报废 {scrap}。\n"
              "这道工序是质检点：这 {good} 件质检合格后才流转到下道工序、计入工资。\n{undo_until_at} 前可撤销。",
        "en": "✅ Recorded: {work_order} {operation}, {good} good, {scrap} scrap.\nThis operation "
              "is a QC checkpoint: the {good} pieces move on (and count for wages) once QC "
              "passes them.\nUndo possible until {undo_until_at}.",
    },
    "qc.result_passed": {
        "zh": "✅ 质检合格：工单 {work_order} · {operation} 您报的 {quantity} 件全部合格（质检 {inspector}），"
              "已流转到下道工序。",
        "en": "✅ QC passed: all {quantity} pieces you reported on {work_order} · {operation} "
              "(inspector {inspector}); they move on to the next operation.",
    },
    "qc.result_failed": {
        "zh": "质检结果：工单 {work_order} · {operation} 您报的 {quantity} 件：合格 {passed}，返工 {rework}，"
              "报废 {scrap}。原因：{reason}（质检 {inspector}）。",
        "en": "QC result for the {quantity} pieces you reported on {work_order} · {operation}: "
              "{passed} passed, {rework} rework, {scrap} scrap. Reason: {reason} (inspector "
              "{inspector}).",
    },
    # --- deciding
    "qc.passed_short": {"zh": "已判定合格 {n} 件", "en": "Passed: {n}"},
    "qc.decided_short": {"zh": "已判定", "en": "Decided"},
    "qc.asked": {"zh": "请按提示回答", "en": "See the question"},
    "qc.continue_in_private": {"zh": "请到与机器人的私聊里继续判定",
                               "en": "Continue in your private chat with the bot"},
    "qc.ask_reject": {
        "zh": "不合格：工单 {work_order} · 工序 {seq} {operation}，{worker} 的 {quantity} 件。\n"
              "全部返工还是全部报废？也可以输入「返工数 报废数」，例如 3 2。",
        "en": "Reject: work order {work_order} · operation {seq} {operation}, {quantity} pieces "
              "by {worker}.\nAll to rework, or all scrap? Or type rework and scrap, e.g. 3 2.",
    },
    "qc.ask_split": {
        "zh": "分批判定：工单 {work_order} · 工序 {seq} {operation}，{worker} 的 {quantity} 件。\n"
              "请输入「合格数 返工数 报废数」，合计 {quantity}，例如 45 3 2。",
        "en": "Split: work order {work_order} · operation {seq} {operation}, {quantity} pieces "
              "by {worker}.\nType pass, rework and scrap adding up to {quantity}, e.g. 45 3 2.",
    },
    "qc.ask_reason": {
        "zh": "合格 {passed}，返工 {rework}，报废 {scrap}。请选择缺陷原因（或输入原因名称）：",
        "en": "{passed} pass, {rework} rework, {scrap} scrap. Pick the defect reason (or type "
              "its name):",
    },
    "qc.ask_photo": {
        "zh": "原因：{reason}。可以发一张缺陷照片，或点「不拍照，完成」。",
        "en": "Reason: {reason}. Send a photo of the defect, or tap \"No photo, done\".",
    },
    "qc.decided": {
        "zh": "✅ 已判定：工单 {work_order} · 工序 {seq} {operation}（{worker}）：合格 {passed}，"
              "返工 {rework}，报废 {scrap}，原因：{reason}。",
        "en": "✅ Decided: work order {work_order} · operation {seq} {operation} ({worker}): "
              "{passed} passed, {rework} rework, {scrap} scrap, reason: {reason}.",
    },
    "qc.decided_pass": {
        "zh": "✅ 已判定：工单 {work_order} · 工序 {seq} {operation}（{worker}）{quantity} 件全部合格。",
        "en": "✅ Decided: work order {work_order} · operation {seq} {operation} ({worker}): "
              "all {quantity} passed.",
    },
    "qc.cancelled": {"zh": "已取消，没有判定。", "en": "Cancelled; nothing decided."},
    "qc.already_decided": {
        "zh": "这批已由 {by} 在 {decided_at} 判定过了（合格 {passed}，返工 {rework}，报废 {scrap}），"
              "不会重复判定。",
        "en": "{by} already decided this at {decided_at} ({passed} passed, {rework} rework, "
              "{scrap} scrap); it is not decided twice.",
    },
    "qc.withdrawn": {"zh": "工人已撤回这次报工，不用检验了。",
                     "en": "The worker took this report back; nothing to inspect."},
    "qc.unknown": {"zh": "找不到这条质检记录。", "en": "That inspection does not exist."},
    "qc.reason_missing": {"zh": "请选择缺陷原因。", "en": "Please pick the defect reason."},
    "qc.split_sum": {
        "zh": "合计 {total} 件，但这批是 {quantity} 件：数量加起来必须等于 {quantity}。",
        "en": "That adds up to {total}, but the batch is {quantity}: the numbers must add up "
              "to {quantity}.",
    },
    "qc.usage_reject": {
        "zh": "请输入两个数：返工数 报废数，合计 {quantity}，例如 {quantity} 0；或点上面的按钮。",
        "en": "Type two numbers, rework and scrap, adding up to {quantity} (e.g. {quantity} "
              "0), or tap a button above.",
    },
    "qc.usage_split": {
        "zh": "请输入三个数：合格数 返工数 报废数，合计 {quantity}，例如 45 3 2。",
        "en": "Type three numbers, pass rework scrap, adding up to {quantity}, e.g. 45 3 2.",
    },
    "qc.unknown_reason": {
        "zh": "「{reason}」不在缺陷原因列表里。请点按钮，或输入其中一个：{choices}",
        "en": "\"{reason}\" is not on the list of defect reasons. Tap a button, or type one "
              "of: {choices}",
    },
    "qc.flow_stale": {"zh": "这次判定已经结束或过期了。请在质检消息上重新点按钮。",
                      "en": "That decision is finished or expired. Tap the button on the QC "
                            "message again."},
    # --- reporting rules this part adds
    "report.task_blocked": {
        "zh": "工单 {work_order} 的「{operation}」正在停线（有未解决的异常），暂时不能报工。异常解决后再报。",
        "en": "{operation} on {work_order} is stopped (an open line-stop exception), so it "
              "cannot take reports now. Report once the exception is resolved.",
    },
    "undo.inspected": {"zh": "不能撤销：质检已经判定了这次报工。请联系班组长。",
                       "en": "Cannot undo: QC has already decided this report. Ask your "
                             "supervisor."},
    # --- rework
    "rework.assigned": {
        "zh": "🔧 返工单 {code} 交给您：工单 {work_order} · 工序 {seq} {operation}，{quantity} 件，"
              "原因：{reason}。\n返工好后点「报返工」，或输入 {code}。",
        "en": "🔧 Rework {code} is yours: work order {work_order} · operation {seq} "
              "{operation}, {quantity} pieces, reason: {reason}.\nWhen they are reworked, tap "
              "Report or type {code}.",
    },
    "rework.created": {
        "zh": "🔧 新返工单 {code}：工单 {work_order} · 工序 {seq} {operation}，{quantity} 件（{reason}），"
              "由 {assignee} 返工。",
        "en": "🔧 New rework {code}: work order {work_order} · operation {seq} {operation}, "
              "{quantity} pieces ({reason}), assigned to {assignee}.",
    },
    "rework.card": {
        "zh": "🔧 返工单 {code} · 工单 {work_order} · 工序 {seq} {operation}\n"
              "返工 {quantity} 件，原因：{reason}，还有 {left} 件待报。\n"
              "请选择返工好的数量，或输入数字（如 3，或 2 1 表示好 2 件、报废 1 件）：",
        "en": "🔧 Rework {code} · work order {work_order} · operation {seq} {operation}\n"
              "{quantity} pieces, reason: {reason}; {left} still to report.\nTap how many are "
              "reworked, or type it (3, or 2 1 for 2 good and 1 scrap):",
    },
    "rework.recorded": {
        "zh": "✅ 已记录返工 {code}：好 {good} 件，报废 {scrap} 件。好的要复检，合格后才流转。"
              "还有 {left} 件待报。\n{undo_until_at} 前可撤销。",
        "en": "✅ Rework {code} recorded: {good} reworked, {scrap} scrap. The reworked pieces "
              "are inspected again and move on once passed. {left} still to report.\nUndo "
              "possible until {undo_until_at}.",
    },
    "rework.unknown": {"zh": "找不到返工单 {code}。", "en": "There is no rework task {code}."},
    "rework.not_yours": {
        "zh": "返工单 {code} 分配给了 {assignee}，不是您。如需改派请联系班组长。",
        "en": "Rework {code} is assigned to {assignee}, not you. Ask your supervisor to "
              "reassign it.",
    },
    "rework.nothing_left": {
        "zh": "返工单 {code} 没有待报的数量了（{pending} 件在等复检）。",
        "en": "Nothing left to report on rework {code} ({pending} pieces wait for "
              "re-inspection).",
    },
    "rework.over_limit": {
        "zh": "不能报 {amount} 件：返工单 {code} 只剩 {left} 件待报。什么都没有记录。",
        "en": "Cannot report {amount}: rework {code} has only {left} pieces left. Nothing was "
              "recorded.",
    },
    "rework.choose_assignee": {"zh": "把返工单 {code} 改派给谁？",
                               "en": "Who should take rework {code}?"},
    "rework.no_candidates": {
        "zh": "没有其他人能接返工单 {code}（需要有这道工序的技能，或被分配到这个任务）。",
        "en": "Nobody else can take rework {code} (it needs the operation's skill or an "
              "assignment to the task).",
    },
    "rework.cannot_take": {
        "zh": "这个人不能接返工单 {code}（需要有这道工序的技能，或被分配到这个任务）。",
        "en": "That person cannot take rework {code} (it needs the operation's skill or an "
              "assignment to the task).",
    },
    "rework.already_done": {"zh": "返工单 {code} 已经完成，不能改派。",
                            "en": "Rework {code} is done; it cannot be reassigned."},
    "rework.reassigned": {"zh": "返工单 {code} 已从 {previous} 改派给 {assignee}。",
                          "en": "Rework {code} reassigned from {previous} to {assignee}."},
    "rework.reassigned_short": {"zh": "已改派给 {assignee}", "en": "Reassigned to {assignee}"},
    "rework.taken_over": {
        "zh": "返工单 {code}（工单 {work_order} · {operation}）已由 {by} 改派给 {assignee}，您不用再做了。",
        "en": "Rework {code} ({work_order} · {operation}) was reassigned by {by} to "
              "{assignee}; you no longer need to do it.",
    },
    # --- buttons
    "btn.qc_pass": {"zh": "✅ 全部合格 {n}", "en": "✅ Pass all {n}"},
    "btn.qc_reject": {"zh": "❌ 不合格…", "en": "❌ Reject…"},
    "btn.qc_split": {"zh": "✂️ 分批判定…", "en": "✂️ Split…"},
    "btn.qc_all_rework": {"zh": "全部返工 {n}", "en": "All rework: {n}"},
    "btn.qc_all_scrap": {"zh": "全部报废 {n}", "en": "All scrap: {n}"},
    "btn.qc_no_photo": {"zh": "不拍照，完成", "en": "No photo, done"},
    "btn.rework_report": {"zh": "🔧 报返工 {code}", "en": "🔧 Report rework {code}"},
    "btn.rework_reassign": {"zh": "改派 {code}", "en": "Reassign {code}"},
    "btn.rework_to": {"zh": "{name}（{person}）", "en": "{name} ({person})"},
}

# Labels of enumerated values, by the parameter name they localise (e.g. "kind").
LABELS: dict[str, dict[str, dict[str, str]]] = {}
