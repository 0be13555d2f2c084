"""Messages for exceptions (andon): {key: {"zh": ..., "en": ...}}, merged into bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- reporting, step by step
    "exception.ask_kind": {"zh": "⚠️ 报告异常：是哪一类问题？",
                           "en": "⚠️ Report an exception: what kind of problem?"},
    "exception.kind_button": {"zh": "{kind}", "en": "{kind}"},
    "exception.ask_subject": {
        "zh": "类型：{kind}。涉及哪个工单或工位？\n拍流转卡、输入工单号（如 WO-000123）或工位名，或从下面选择：",
        "en": "Kind: {kind}. Which work order or workstation is it about?\nPhotograph the "
              "card, type the work order (e.g. WO-000123) or the workstation, or pick one:",
    },
    "exception.btn_work_order": {"zh": "工单 {work_order}", "en": "Work order {work_order}"},
    "exception.btn_workstation": {"zh": "工位 {workstation}", "en": "Workstation {workstation}"},
    "exception.btn_no_subject": {"zh": "不涉及具体工单或工位", "en": "No particular one"},
    "exception.subject_hint": {
        "zh": "没看懂。请拍流转卡、输入工单号（如 WO-000123）或工位名，或点上面的按钮。",
        "en": "I did not get that. Photograph the card, type the work order (e.g. WO-000123) "
              "or a workstation, or tap a button above.",
    },
    "exception.subject_no_code": {
        "zh": "照片里没有找到流转卡的码。请靠近重拍、输入工单号，或点上面的按钮。",
        "en": "I could not find a card code in that photo. Move closer and try again, type "
              "the work order, or tap a button above.",
    },
    "exception.unknown_work_order": {
        "zh": "找不到工单 {work_order}。请核对后重新输入，或点上面的按钮。",
        "en": "There is no work order {work_order}. Check it and type it again, or tap a "
              "button above.",
    },
    "exception.ask_line": {"zh": "生产线停了吗？", "en": "Has the line stopped?"},
    "exception.btn_line_stopped": {"zh": "⛔ 是，停线了", "en": "⛔ Yes, it stopped"},
    "exception.btn_line_running": {"zh": "没有停线", "en": "No, still running"},
    "exception.line_hint": {"zh": "请点「是，停线了」或「没有停线」。",
                            "en": "Please tap \"Yes, it stopped\" or \"No, still running\"."},
    "exception.ask_details": {
        "zh": "可以发一张照片和/或一段文字说明（可选），然后点「提交」。",
        "en": "Send a photo and/or a few words about it if you like, then tap Submit.",
    },
    "exception.photo_added": {"zh": "📷 照片已添加。还可以输入文字说明，或点「提交」。",
                              "en": "📷 Photo added. Add a comment, or tap Submit."},
    "exception.comment_added": {"zh": "📝 说明已记录。还可以发照片，或点「提交」。",
                                "en": "📝 Comment noted. Add a photo, or tap Submit."},
    "exception.btn_submit": {"zh": "提交", "en": "Submit"},
    "exception.btn_report": {"zh": "⚠️ 报告异常", "en": "⚠️ Report a problem"},
    "exception.photo_not_document": {"zh": "请以照片（而不是文件）发送。",
                                     "en": "Please send it as a photo, not as a file."},
    "exception.answer_buttons": {"zh": "请先点上面的按钮回答。",
                                 "en": "Please answer with the buttons above first."},
    "exception.flow_gone": {
        "zh": "这次异常上报已结束或已过期。要上报请重新发送 /exception。",
        "en": "That exception report is finished or expired. Send /exception to start again.",
    },
    "exception.step_answered": {"zh": "这个问题已经回答过了。",
                                "en": "That question was already answered."},
    "exception.cancelled": {"zh": "已取消，没有上报任何异常。",
                            "en": "Cancelled; no exception was reported."},
    "exception.already_submitted": {"zh": "已经提交过了：{code}。",
                                    "en": "Already submitted as {code}."},
    "exception.comment_too_long": {
        "zh": "说明太长（{length} 字，最多 {limit} 字）。请精简后再发。",
        "en": "That is too long ({length} characters, at most {limit}). Please shorten it.",
    },
    "exception.reported": {"zh": "✅ 已上报异常 {code}（{kind}，{severity}）。",
                           "en": "✅ Exception {code} reported ({kind}, {severity})."},
    "exception.reported_blocked": {"zh": "⛔ 已暂停 {tasks} 个工序任务，直到问题解决。",
                                   "en": "⛔ {tasks} operation tasks are on hold until it is "
                                         "resolved."},
    "exception.reported_called": {"zh": "已通知：{people}", "en": "Told: {people}"},
    "exception.reported_groups": {"zh": "已发到 {groups} 个群。", "en": "Posted to {groups} "
                                                                  "group(s)."},
    # --- the post, as it moves on
    "exception.post": {"zh": "🚨 异常 {code}｜{kind}｜{severity}\n上报：{reporter}，{reported_at}",
                       "en": "🚨 Exception {code} | {kind} | {severity}\nReported by {reporter}, "
                             "{reported_at}"},
    "exception.about_task": {"zh": "涉及：工单 {work_order} · 工序 {seq} {operation}",
                             "en": "About: work order {work_order} · operation {seq} "
                                   "{operation}"},
    "exception.about_work_order": {"zh": "涉及：工单 {work_order}",
                                   "en": "About: work order {work_order}"},
    "exception.about_workstation": {"zh": "涉及：工位 {workstation}",
                                    "en": "About: workstation {workstation}"},
    "exception.about_nothing": {"zh": "涉及：未指定工单或工位",
                                "en": "About: no particular work order or workstation"},
    "exception.line_stopped": {"zh": "⛔ 停线中（自 {since_at}），暂停 {tasks} 个工序任务",
                               "en": "⛔ Line stopped since {since_at}, {tasks} tasks on hold"},
    "exception.downtime": {"zh": "停线时长：{downtime_seconds}",
                           "en": "Downtime: {downtime_seconds}"},
    "exception.comment": {"zh": "说明：{comment}", "en": "Comment: {comment}"},
    "exception.status": {"zh": "状态：{exception_status}", "en": "Status: {exception_status}"},
    "exception.acknowledged_line": {"zh": "响应：{by}，{by_at}",
                                    "en": "Acknowledged: {by}, {by_at}"},
    "exception.resolved_line": {"zh": "解决：{by}，{by_at}", "en": "Resolved: {by}, {by_at}"},
    "exception.resolution_line": {"zh": "处理说明：{note}", "en": "What was done: {note}"},
    "exception.closed_line": {"zh": "关闭：{by} 确认已修复，{by_at}",
                              "en": "Closed: {by} confirmed the fix, {by_at}"},
    "exception.closed_by_time_line": {"zh": "关闭：无人确认，{by_at} 自动关闭",
                                      "en": "Closed automatically at {by_at}: nobody "
                                            "confirmed the fix"},
    "exception.level_line": {"zh": "⏫ 已升级至第 {level} 级", "en": "⏫ Escalated to level "
                                                                 "{level}"},
    "exception.reopened_line": {"zh": "↩️ 上报人反馈没修好，{by_at} 重新打开",
                                "en": "↩️ Reopened at {by_at}: the reporter says it is not "
                                      "fixed"},
    "exception.btn_acknowledge": {"zh": "👀 响应", "en": "👀 Acknowledge"},
    "exception.btn_resolve": {"zh": "✅ 已解决", "en": "✅ Resolved"},
    "exception.escalated_ack": {
        "zh": "⏫ 异常 {code}（{kind}，{severity}）已 {age_seconds} 无人响应 · 第 {level}/{levels} 级"
              "\n上报：{reporter}，{reported_at}",
        "en": "⏫ Exception {code} ({kind}, {severity}) not acknowledged for {age_seconds} · "
              "level {level}/{levels}\nReported by {reporter}, {reported_at}",
    },
    "exception.escalated_resolve": {
        "zh": "⏰ 异常 {code}（{kind}，{severity}）已 {age_seconds} 仍未解决 · 第 {level}/{levels} 级"
              "\n上报：{reporter}，{reported_at}",
        "en": "⏰ Exception {code} ({kind}, {severity}) still not resolved after {age_seconds}"
              " · level {level}/{levels}\nReported by {reporter}, {reported_at}",
    },
    "exception.caught_up": {"zh": "（期间错过的 {count} 次提醒已合并为这一条）",
                            "en": "({count} missed reminders folded into this one)"},
    # --- moving on: to the people concerned
    "exception.acknowledged_for_reporter": {
        "zh": "👀 您上报的异常 {code} 已由 {by} 响应（{by_at}）。",
        "en": "👀 {by} acknowledged your exception {code} ({by_at}).",
    },
    "exception.confirm_fix": {
        "zh": "✅ 您上报的异常 {code} 已由 {by} 标记为解决（{by_at}）。问题修好了吗？\n"
              "如不回复，将于 {autoclose_at} 自动关闭。",
        "en": "✅ {by} marked your exception {code} as resolved ({by_at}). Is it fixed?\n"
              "Without an answer it closes by itself at {autoclose_at}.",
    },
    "exception.btn_fixed": {"zh": "👍 已修复，关闭", "en": "👍 Fixed, close it"},
    "exception.btn_not_fixed": {"zh": "👎 没修好", "en": "👎 Not fixed"},
    "exception.note_for_reporter": {"zh": "📝 {by} 对异常 {code} 的处理说明：{note}",
                                    "en": "📝 {by} on exception {code}: {note}"},
    "exception.confirmed_for_resolver": {"zh": "👍 {by} 确认异常 {code} 已修复，已关闭。",
                                         "en": "👍 {by} confirmed the fix; exception {code} "
                                               "is closed."},
    "exception.reopened_for_handlers": {
        "zh": "↩️ {reporter} 反馈异常 {code} 没有修好，已重新打开，请继续处理。",
        "en": "↩️ {reporter} says exception {code} is not fixed; it is open again, please "
              "carry on.",
    },
    "exception.closed_by_time_for_reporter": {
        "zh": "异常 {code} 已解决，未收到您的确认，已自动关闭。",
        "en": "Exception {code} was resolved and nobody confirmed it, so it closed by itself.",
    },
    # --- to the person who tapped
    "exception.you_acknowledged": {"zh": "👀 已响应异常 {code}。处理好后请点「已解决」。",
                                   "en": "👀 You acknowledged exception {code}. Tap Resolved "
                                         "once it is fixed."},
    "exception.acknowledged_short": {"zh": "已响应 {code}", "en": "Acknowledged {code}"},
    "exception.you_resolved": {"zh": "✅ 已将异常 {code} 标记为解决，已请上报人确认。",
                               "en": "✅ You resolved exception {code}; the reporter is asked "
                                     "to confirm."},
    "exception.note_invite": {"zh": "如需补充处理说明，直接回复文字即可（可选）。",
                              "en": "Reply with a few words on what was done if you like "
                                    "(optional)."},
    "exception.released_tasks": {"zh": "▶️ {tasks} 个工序任务已恢复。",
                                 "en": "▶️ {tasks} tasks can go on again."},
    "exception.resolved_short": {"zh": "已解决 {code}", "en": "Resolved {code}"},
    "exception.note_saved": {"zh": "📝 处理说明已记录到 {code}。",
                             "en": "📝 Noted on {code}."},
    "exception.closed_by_you": {"zh": "👍 已确认修复，异常 {code} 已关闭。",
                                "en": "👍 Confirmed; exception {code} is closed."},
    "exception.reopened_by_you": {
        "zh": "↩️ 已反馈没修好，异常 {code} 已重新打开，处理人会收到通知。",
        "en": "↩️ Exception {code} is open again; the people handling it are told.",
    },
    # --- refusals
    "exception.unknown": {"zh": "找不到这个异常。", "en": "There is no such exception."},
    "exception.already_acknowledged": {"zh": "异常 {code} 已由 {by} 于 {by_at} 响应。",
                                       "en": "{by} already acknowledged exception {code} at "
                                             "{by_at}."},
    "exception.already_resolved": {"zh": "异常 {code} 已由 {by} 于 {by_at} 标记为解决。",
                                   "en": "{by} already resolved exception {code} at {by_at}."},
    "exception.already_closed": {"zh": "异常 {code} 已由 {by} 于 {by_at} 确认关闭。",
                                 "en": "{by} already closed exception {code} at {by_at}."},
    "exception.already_closed_by_time": {"zh": "异常 {code} 已于 {by_at} 自动关闭。",
                                         "en": "Exception {code} closed by itself at {by_at}."},
    "exception.not_resolved_yet": {"zh": "异常 {code} 还没有解决。",
                                   "en": "Exception {code} is not resolved yet."},
    "exception.not_allowed": {
        "zh": "您不能处理异常 {code}：需要质检员及以上角色，或是这类异常的负责人。",
        "en": "You cannot handle exception {code}: it takes a QC inspector or above, or the "
              "person responsible for this kind.",
    },
    "exception.only_reporter": {"zh": "只有上报人可以确认异常 {code} 是否修好。",
                                "en": "Only the reporter confirms whether exception {code} is "
                                      "fixed."},
    "exception.fix_not_pending": {"zh": "异常 {code} 已重新打开处理中，不需要再确认。",
                                  "en": "Exception {code} is being handled again; there is "
                                        "nothing to confirm."},
    "exception.note_not_now": {"zh": "现在不能给异常 {code} 补充说明（只有解决人可以，在解决之后）。",
                               "en": "You cannot add a note to exception {code} now (only "
                                     "whoever resolved it, after resolving)."},
    "exception.note_empty": {"zh": "说明是空的。", "en": "The note is empty."},
}

# Labels of enumerated values, by the parameter name they localise (e.g. "kind").
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "kind": {
        "equipment": {"zh": "设备", "en": "equipment"},
        "material": {"zh": "缺料", "en": "material shortage"},
        "quality": {"zh": "质量", "en": "quality"},
        "safety": {"zh": "安全", "en": "safety"},
        "other": {"zh": "其他", "en": "other"},
    },
    "severity": {
        "normal": {"zh": "一般", "en": "normal"},
        "high": {"zh": "紧急", "en": "urgent"},
    },
    "exception_status": {
        "open": {"zh": "待响应", "en": "waiting for someone"},
        "acknowledged": {"zh": "处理中", "en": "being handled"},
        "resolved": {"zh": "已解决，待上报人确认", "en": "resolved, waiting for the reporter"},
        "closed": {"zh": "已关闭", "en": "closed"},
    },
}
