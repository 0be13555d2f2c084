"""The message catalog: {key: {"zh": ..., "en": ...}}, and labels for enumerated values."""

from __future__ import annotations

from bot import (
    messages_andon,
    messages_api,
    messages_assign,
    messages_board,
    messages_changes,
    messages_dispatch,
    messages_export,
    messages_freeform,
    messages_groups,
    messages_kpis,
    messages_live_status,
    messages_materials,
    messages_people,
    messages_qc,
    messages_reminders,
    messages_summary,
    messages_wages,
)
from bot.import_messages import FILE_MESSAGES

CATALOG: dict[str, dict[str, str]] = {
    # --- registration, roles, language
    "start.need_invite": {
        "zh": "您好！这是工单报工助手。请向班组长索取邀请码，然后发送 /start 邀请码 完成注册。",
        "en": "Hello! This is Gongdan, the shop-floor assistant. Ask your supervisor for an "
              "invite code, then send /start CODE to register.",
    },
    "auth.unregistered": {
        "zh": "您还没有注册。请向班组长索取邀请码，然后发送 /start 邀请码。",
        "en": "You are not registered yet. Ask your supervisor for an invite code, then send "
              "/start CODE.",
    },
    "auth.forbidden": {
        "zh": "没有权限：这个操作需要「{needed}」角色。",
        "en": "Not allowed: this needs the {needed} role.",
    },
    "start.registered": {
        "zh": "注册成功！{name}（{code}），角色：{role}。",
        "en": "Registered! {name} ({code}), role: {role}.",
    },
    "start.welcome_back": {"zh": "{name}，您好（{role}）。", "en": "Hello {name} ({role})."},
    "invite.unknown": {"zh": "邀请码无效，请检查后重试。",
                       "en": "That invite code is not valid. Check it and try again."},
    "invite.used": {"zh": "这个邀请码已经用过了。请向班组长索取新的邀请码。",
                    "en": "That invite code has already been used. Ask for a new one."},
    "invite.already_yours": {"zh": "您已经用这个邀请码注册过了。",
                             "en": "You already registered with this invite."},
    "invite.expired": {"zh": "邀请码已过期。请向班组长索取新的邀请码。",
                       "en": "That invite code has expired. Ask for a new one."},
    "invite.account_taken": {
        "zh": "这个 Telegram 账号已绑定为 {name}（{code}）。如需更换，请联系管理员。",
        "en": "This Telegram account is already registered as {name} ({code}). Ask an "
              "administrator to change it.",
    },
    "invite.unknown_person": {"zh": "找不到工号 {person}。", "en": "No person with code {person}."},
    "invite.bad_role": {"zh": "角色 {role} 无效，可选：{roles}。",
                        "en": "Unknown role {role}; choose one of: {roles}."},
    "invite.usage": {"zh": "用法：/invite 工号 [角色]，例如 /invite W01 worker",
                     "en": "Usage: /invite PERSON_CODE [role], e.g. /invite W01 worker"},
    "invite.issued": {
        "zh": "已为 {name} 生成邀请（角色：{role}，{expires_at} 前有效，仅限一次）：\n{link}\n邀请码：{code}",
        "en": "Invite for {name} (role: {role}, single use, valid until {expires_at}):\n{link}\n"
              "Code: {code}",
    },
    "lang.choose": {"zh": "请选择语言 / Choose your language:",
                    "en": "Choose your language / 请选择语言:"},
    "lang.set": {"zh": "已切换为中文。", "en": "Language set to English."},
    "lang.unregistered": {"zh": "注册后即可保存语言设置。",
                          "en": "Your language choice is kept once you register."},
    "lang.unknown": {"zh": "不支持的语言：{lang}", "en": "Unsupported language: {lang}"},
    "lang.zh": {"zh": "中文", "en": "中文"},
    "lang.en": {"zh": "English", "en": "English"},
    "help.worker": {
        "zh": "怎么报工：\n1. 拍一张流转卡的照片发给我（二维码要清楚），或直接输入卡上的编码，如 WO-000123\n"
              "2. 点按钮选择数量，或输入数字：30 表示良品30；30 2 毛刺 表示良品30、报废2、原因毛刺；"
              "也可以照平常说话输入，如「做了30 坏2 毛刺」「30好 2废」，确认后记录\n"
              "3. 报错了可在几分钟内点「撤销」\n\n"
              "质检点的报工要等质检判定后才流转到下道工序，结果会通知您。被判返工的件会生成返工单"
              "（如 RW-000001）交给您：修好后点返工单上的「🔧 报返工」，或输入返工单号，然后报数量，"
              "会再次送检。\n\n"
              "设备故障、缺料、质量或安全问题：发送 /exception，或点任务卡上的「⚠️ 报告异常」，"
              "可拍卡或输入工单号/返工单号，说明是否停线，附照片和说明。处理好后请您确认是否修复。\n\n"
              "工资：/me 今天和本月的产量、工资，逐行可核对（/me 昨天、/me 上月）。"
              "计时的人上班发 /clockin，下班发 /clockout（忘了打卡：/clockout 17:30）。\n\n"
              "派给您的任务会发来任务卡；开放认领的任务点「认领」，先到先得。上道工序的第一批件一到就通知您。"
              "计划变更时会收到一条变更消息，请点「✅ 确认收到」；旧卡片会标为过期，按新卡片干活。\n\n"
              "/tasks 我的任务和返工单  /exception 报告异常  /me 我的工资  /lang 切换语言  /help 帮助",
        "en": "How to report work:\n1. Send me a photo of the travel card (QR code in focus), or "
              "type the code printed on it, e.g. WO-000123\n2. Tap a quantity, or type it: 30 = 30 "
              "good; 30 2 burr = 30 good, 2 scrap, reason burr; or say it as you would: \"done 30 "
              "scrap 2 burr\", \"做了30 坏2 毛刺\" (confirmed before it counts)\n3. Made a "
              "mistake? Tap Undo within "
              "a few minutes\n\nAt a QC checkpoint your pieces move on once QC has decided; you "
              "are told the outcome. Pieces sent back become a rework task (e.g. RW-000001) "
              "assigned to you: when they are reworked, tap \"🔧 Report rework\" on it or type its "
              "code, then the quantity; they are inspected again.\n\n"
              "A machine down, material missing, a quality or safety problem: send /exception, or "
              "tap \"⚠️ Report a problem\" on a task card; scan the card or type the work order or "
              "rework code, say whether the line stopped, add a photo and a comment. Once it is "
              "fixed you confirm it.\n\n"
              "Pay: /me shows today's and this month's output and earnings line by line "
              "(/me yesterday, /me lastmonth). Paid by the hour? /clockin when you start, "
              "/clockout when you leave (forgot? /clockout 17:30).\n\n"
              "Tasks assigned to you arrive as a task card; a task open for claiming has a "
              "\"Claim\" button: first tap wins. You hear as soon as the first pieces reach your "
              "operation. When the plan changes you get one message: tap \"✅ Acknowledge\"; older cards "
              "are marked outdated, work from the current one.\n\n"
              "/tasks my tasks and rework  /exception report a problem  /me my pay  "
              "/lang language  /help help",
    },
    "help.qc": {
        "zh": "质检员：\n质检点的报工会连同卡片照片发给您（也发到质检群），点按钮判定："
              "「✅ 全部合格」「❌ 不合格…」或「✂️ 分批判定…」。不合格和分批在私聊里继续：输入"
              "「合格数 返工数 报废数」（如 45 3 2），选缺陷原因，可再拍一张缺陷照片。判定是最终的；"
              "如果别人先判了，我会告诉您是谁。\n返工的件生成返工单（如 RW-000001）交给原工人，"
              "返工报回后会再次送到您这里复检。\n\n"
              "发现问题：发送 /exception，或点任务卡上的「⚠️ 报告异常」。\n\n"
              "/tasks 我的任务  /exception 报告异常  /me 我的工资  /clockin /clockout 打卡  "
              "/lang 切换语言  /help 帮助",
        "en": "QC inspector:\nReports at a QC checkpoint come to you with the card photo (and to "
              "the QC group). Decide with the buttons: \"✅ Pass all\", \"❌ Reject…\" or "
              "\"✂️ Split…\". Reject and Split continue in private: type \"pass rework scrap\" "
              "(e.g. 45 3 2), pick the defect reason, and add a photo of the defect if you like. "
              "A decision is final; if someone decided first, I tell you who.\nReworked pieces "
              "get a rework task (e.g. RW-000001) for the worker, and come back to you for "
              "re-inspection.\n\n"
              "A problem: send /exception, or tap \"⚠️ Report a problem\" on a task card.\n\n"
              "/tasks my tasks  /exception report a problem  /me my pay  /clockin /clockout  "
              "/lang language  /help help",
    },
    "help.supervisor": {
        "zh": "班组长 / 厂长命令：\n/status 所有未完工单（每道工序的良品、报废、待检、返工）\n"
              "/invite 工号 [角色] 生成注册邀请  /remove 工号 移出离职人员（厂长）\n/tasks 我的任务\n/exception 报告异常（或点任务卡上的"
              "「⚠️ 报告异常」）\n报工：发送流转卡照片或输入编码。\n\n"
              "质检：没有指定质检员时，待检的报工发给您，用「✅ 全部合格」「❌ 不合格…」「✂️ 分批判定…」"
              "判定；返工单（RW-…）可点「改派」交给别人。\n"
              "异常：在私聊或群里点「👀 响应」「✅ 已解决」；无人响应会按升级规则逐级通知。\n\n"
              "群聊：把机器人拉进群，由厂长在群里发送 /link exceptions（异常）、/link qc（质检）"
              "或 /link management（管理）绑定用途；/unlink 解除。\n\n"
              "数字：/summary [日期] 日报（含图表，每天定时发给厂长和管理群）  /kpi [期间] [班组|工人|工序|产品 名称] "
              "关键指标  /team [期间] 班组产量和工资  /export [期间] 导出 Excel  /board 车间看板链接（厂长）\n"
              "工资：/adjust 工号 +200 原因（奖励/扣款，需确认）  /adjust undo 编号 原因  "
              "/clockfix 工号 17:30 原因（补下班打卡）  /me 我的工资\n\n"
              "计划：/assign 工单 工序 [工号…|team 班组] 派工（不写人则点选，显示每人负荷）  "
              "/unassign 撤下  /open 工单 工序 [team 班组] 开放认领  /dispatch [班组] 排产建议，"
              "可改人后一键接受\n厂长/计划员：/rush 工单号 或 /rush 产品 数量 交期 插单（先看哪些工单会延误）  "
              "/change 工单 qty 300 | due 11-30  /hold /resume /cancel 工单  "
              "/link status [班组] 在群里置顶实时进度\n"
              "物料：/materials 工单 需求/已领/已用/库存  /issue 工单 物料 数量 领料（或拍卡片配文「领料」）  "
              "/return 工单 物料 数量 退料  /stock [物料] 库存；开工时缺料会自动报缺料异常",
        "en": "Supervisor and manager commands:\n/status every open work order (good, scrap, pending QC and "
              "rework per operation)\n/invite CODE [role] invite someone  /remove CODE remove "
              "someone who left (managers)\n/tasks my tasks\n"
              "/exception report a problem (or tap \"⚠️ Report a problem\" on a task card)\n"
              "Report work: send a card photo or type its code.\n\n"
              "QC: with no inspector assigned, held reports come to you; decide with \"✅ Pass "
              "all\", \"❌ Reject…\" or \"✂️ Split…\"; hand a rework task (RW-…) to someone else "
              "with \"Reassign\".\n"
              "Exceptions: tap \"👀 Acknowledge\" and \"✅ Resolved\" in private or in the group; "
              "if nobody acts, the escalation ladder calls the next level.\n\n"
              "Groups: add the bot to a group; a manager sends /link exceptions, /link qc or "
              "/link management there to link it; /unlink undoes it.\n\n"
              "Figures: /summary [date] daily summary with a chart (sent every day to managers "
              "and the management group)  /kpi [period] [team|worker|operation|product NAME] key "
              "figures  /team [period] your team's output and pay  /export [period] Excel  /board "
              "the shop-floor board link (managers)\n"
              "Pay: /adjust CODE +200 reason (bonus or deduction, confirmed first)  /adjust undo "
              "ID reason  /clockfix CODE 17:30 reason (a forgotten clock-out)  /me my pay\n\n"
              "Planning: /assign WO OP [CODE…|team NAME] (no one named: pick on the card, with "
              "each person's load)  /unassign  /open WO OP [team NAME] open for claiming  "
              "/dispatch [team] dispatch suggestion, edit and accept in a few taps\n"
              "Managers/planners: /rush WO or /rush PRODUCT QTY DUE (preview which orders it makes "
              "late)  /change WO qty 300 | due 11-30  /hold /resume /cancel WO  "
              "/link status [team] pinned live status in a group\n"
              "Materials: /materials WO need/issued/used/stock  /issue WO MATERIAL QTY (or a card "
              "photo captioned \"issue\")  /return WO MATERIAL QTY  /stock [material]; a shortage "
              "at the planned start raises a material exception by itself",
    },
    "command.unknown": {"zh": "不认识这个命令。发送 /help 查看可用命令。",
                        "en": "Unknown command. Send /help to see what you can do."},
    # --- scanning
    "scan.none_found": {
        "zh": "照片里没有找到流转卡的二维码。\n提示：靠近一点，让二维码占画面的三分之一，避免反光；"
              "或者以「文件」形式发送原图。\n也可以直接输入卡上的编码，例如 WO-000123。",
        "en": "I could not find a card code in that photo.\nTip: move closer so the QR code fills "
              "a third of the frame and avoid glare, or send it as a file (uncompressed).\n"
              "You can also type the code printed on the card, e.g. WO-000123.",
    },
    "scan.not_image": {"zh": "这个文件不是图片，无法识别。请发送流转卡的照片。",
                       "en": "That file is not an image I can read. Please send a photo of the "
                             "card."},
    "scan.telegram_gave_up": {"zh": "Telegram 一直没能把这张照片交给我，没有记录。请重新发送照片，或输入卡上的编码和数量。",
                              "en": "Telegram kept failing to hand this photo over, so nothing "
                                    "was recorded. Please send the photo again, or type the "
                                    "card's code and quantity."},
    "scan.too_large": {"zh": "图片太大，无法处理。请发送普通照片。",
                       "en": "That image is too large to process. Please send a normal photo."},
    "scan.file_too_big": {"zh": "文件太大（超过 20 MB）。请发送普通照片。",
                          "en": "That file is too big (over 20 MB). Please send a normal photo."},
    "scan.several": {"zh": "照片里有多张卡，请选择要报工的那一张：",
                     "en": "I see several cards in that photo. Which one are you reporting?"},
    "label.invalid": {"zh": "这个码不是本厂的流转卡（{reason}），不能报工。",
                      "en": "That code is not one of this factory's travel cards ({reason}); "
                            "nothing was recorded."},
    "label.other_factory": {
        "zh": "这张流转卡来自其他工厂（厂标 {factory}），不是本厂的工单，没有记录任何内容。"
              "本厂的卡上印的是 GD1:{ours}/…；请扫本厂的卡，或输入卡上的工单号。",
        "en": "That card comes from another factory (tag {factory}), not one of our work "
              "orders; nothing was recorded. Our cards read GD1:{ours}/…; scan one of ours, or "
              "type the work order code.",
    },
    "label.bad_factory_tag": {
        "zh": "「{tag}」不是有效的厂标：{length} 个字符，取自 {alphabet}。",
        "en": "\"{tag}\" is not a factory tag: {length} characters from {alphabet}.",
    },
    # --- cards and reports
    "card.show": {
        "zh": "工单 {work_order} · {product_name}\n工序 {seq} {operation_name}\n"
              "计划 {planned}｜已到 {arrived}｜已报良品 {good}｜报废 {scrap}\n剩余 {remaining}，交期 {due_date}\n"
              "请选择良品数量，或输入数字（如 30，或 30 2 毛刺）：",
        "en": "Work order {work_order} · {product_name}\nOperation {seq} {operation_name}\n"
              "Planned {planned} | arrived {arrived} | good so far {good} | scrap {scrap}\n"
              "Left {remaining}, due {due_date}\nTap the good quantity, or type it (30, or 30 2 "
              "burr):",
    },
    "card.nothing_left": {
        "zh": "工单 {work_order} · 工序 {seq} {operation_name}\n目前没有可报的数量："
              "已到 {arrived}，已报 {good}+{scrap}（计划 {planned}）。等上道工序流转过来再报。",
        "en": "Work order {work_order} · operation {seq} {operation_name}\nNothing to report "
              "yet: arrived {arrived}, reported {good}+{scrap} (planned {planned}). Wait for "
              "the previous operation to pass pieces on.",
    },
    "card.choose_operation": {"zh": "工单 {work_order}：您要报哪道工序？",
                              "en": "Work order {work_order}: which operation are you reporting?"},
    "card.cancelled": {"zh": "已取消，没有记录任何数量。", "en": "Cancelled; nothing recorded."},
    "card.opened": {"zh": "已打开任务卡", "en": "Task card opened"},
    "report.how": {"zh": "发送流转卡照片，或输入卡上的编码（如 WO-000123），即可报工。",
                   "en": "Send a photo of the travel card, or type its code (e.g. WO-000123)."},
    "report.recorded": {
        "zh": "✅ 已记录：{work_order} {operation} 良品 {good}。\n本工序累计良品 {total}，剩余 {remaining}。"
              "\n{undo_until_at} 前可撤销。",
        "en": "✅ Recorded: {work_order} {operation}, {good} good.\nOperation total {total} good, "
              "{remaining} left.\nUndo possible until {undo_until_at}.",
    },
    "report.recorded_scrap": {
        "zh": "✅ 已记录：{work_order} {operation} 良品 {good}，报废 {scrap}（{reason}）。\n"
              "本工序累计良品 {total}，剩余 {remaining}。\n{undo_until_at} 前可撤销。",
        "en": "✅ Recorded: {work_order} {operation}, {good} good, {scrap} scrap ({reason}).\n"
              "Operation total {total} good, {remaining} left.\nUndo possible until "
              "{undo_until_at}.",
    },
    "report.recorded_short": {"zh": "已记录 {good}", "en": "Recorded {good}"},
    "report.work_order_done": {"zh": "🎉 工单 {work_order} 全部工序已完成。",
                               "en": "🎉 Work order {work_order} is complete."},
    "report.ask_reason": {"zh": "良品 {good}，报废 {scrap}。请选择报废原因，或直接输入：",
                          "en": "{good} good, {scrap} scrap. Pick the scrap reason, or type it:"},
    "report.type_with_scrap": {"zh": "请输入：良品数 报废数 原因，例如：28 2 毛刺",
                               "en": "Type: good scrap reason, for example: 28 2 burr"},
    "report.type_with_scrap_short": {"zh": "请输入数量和原因", "en": "Type the numbers and reason"},
    "report.unknown_work_order": {"zh": "找不到工单 {work_order}。请核对卡上的编码。",
                                  "en": "There is no work order {work_order}. Check the code on "
                                        "the card."},
    "report.unknown_operation": {"zh": "工单 {work_order} 没有工序 {seq}。",
                                 "en": "Work order {work_order} has no operation {seq}."},
    "report.unknown_task": {"zh": "找不到这个任务。", "en": "That task does not exist."},
    "report.work_order_closed": {
        "zh": "工单 {work_order} 当前状态为「{status}」，不能报工。",
        "en": "Work order {work_order} is {status}; it cannot take reports.",
    },
    "report.not_your_operation": {
        "zh": "您没有被分配到工单 {work_order} 的「{operation}」工序，也没有这道工序的技能，不能报工。请联系班组长。",
        "en": "You are not assigned to, or skilled for, {operation} on {work_order}, so you "
              "cannot report it. Ask your supervisor.",
    },
    "report.no_operation_for_you": {
        "zh": "工单 {work_order} 没有您可以报的工序（未分配且无对应技能）。请联系班组长。",
        "en": "Work order {work_order} has no operation you are assigned to or skilled for. "
              "Ask your supervisor.",
    },
    "report.all_done": {"zh": "工单 {work_order} 您负责的工序都已完成。",
                        "en": "Your operations on {work_order} are all done."},
    "report.flow_exceeded": {
        "zh": "不能报 {amount} 件：上道工序只流转过来 {arrived} 件，本工序已报 {done} 件，最多还能报 {limit} 件。什么都没有记录。",
        "en": "Cannot report {amount}: only {arrived} pieces have arrived from the previous "
              "operation and {done} are already reported here, so at most {limit} more. "
              "Nothing was recorded.",
    },
    "report.over_planned": {
        "zh": "不能报 {amount} 件：计划 {planned} 件（允许超出 {tolerance}%），已报 {done} 件，最多还能报 {limit} 件。什么都没有记录。",
        "en": "Cannot report {amount}: planned {planned} (tolerance {tolerance}%), {done} "
              "already reported, so at most {limit} more. Nothing was recorded.",
    },
    "report.negative": {"zh": "数量不能是负数。", "en": "Quantities cannot be negative."},
    "report.zero": {"zh": "数量不能为 0。", "en": "The quantity cannot be 0."},
    "report.too_large": {"zh": "数量太大（上限 {limit}）。", "en": "That number is too large "
                                                               "(limit {limit})."},
    "report.card_used": {"zh": "这张任务卡已经报过了，不会重复记录。要再报请重新扫码。",
                         "en": "That card was already reported; nothing was recorded twice. "
                               "Scan again to report more."},
    "report.card_stale": {"zh": "这张任务卡已失效（已取消、有更新的扫码，或计划已变更），没有记录。"
                                "请重新扫码。",
                          "en": "That card is no longer open (cancelled, replaced by a newer "
                                "scan, or the plan changed); nothing was recorded. Please scan "
                                "again."},
    "report.card_not_yours": {"zh": "这不是您的任务卡。", "en": "That card is not yours."},
    "report.reason_missing": {"zh": "请输入报废原因。", "en": "Please give the scrap reason."},
    "qty.empty": {"zh": "请输入数量。", "en": "Please type a quantity."},
    "qty.not_whole": {"zh": "「{text}」不是有效的件数。请输入整数，例如 30，或 30 2 毛刺。",
                      "en": "\"{text}\" is not a number of pieces. Type a whole number, "
                            "e.g. 30, or 30 2 burr."},
    "qty.unclear": {"zh": "「{text}」看不出是几件，什么都没有记录。数量请不带千位逗号、不以 0 开头，"
                          "例如 1000；良品和报废用空格分开，例如 30 2。",
                    "en": "\"{text}\" is not a clear number of pieces; nothing was recorded. "
                          "Write numbers without thousands commas or leading zeros, e.g. 1000; "
                          "good and scrap apart, e.g. 30 2."},
    "message.forwarded": {"zh": "转发的消息不会当作报工（它可能是别人的），什么都没有改变。请自己输入，"
                                "或自己拍流转卡。",
                          "en": "A forwarded message is not read as a report (it may be someone "
                                "else's); nothing changed. Type it, or photograph the card "
                                "yourself."},
    "message.voice": {"zh": "我还听不懂语音，什么都没有记录。报工请发送流转卡照片，或输入卡上的编码和数量"
                            "（如 WO-000123 20）。",
                      "en": "I can't understand voice messages; nothing was recorded. To report "
                            "work, send a photo of the travel card or type its code and quantity "
                            "(e.g. WO-000123 20)."},
    "message.unsupported": {"zh": "这种消息（贴纸、位置、视频、名片等）我处理不了，什么都没有记录。报工请发送"
                                  "流转卡照片，或输入卡上的编码和数量（如 WO-000123 20）。",
                            "en": "I can't handle that kind of message (a sticker, a location, a "
                                  "video, a contact…); nothing was recorded. To report work, send "
                                  "a photo of the travel card or type its code and quantity "
                                  "(e.g. WO-000123 20)."},
    "update.unreadable": {"zh": "这条消息的格式我读不懂，没有处理，什么都没有改变。请改用文字或照片重新发送。",
                          "en": "I could not read that message's format, so nothing was done. "
                                "Please send it again as text or a photo."},
    "message.edited": {"zh": "改过的消息不会重新处理（以免重复记录），什么都没有改变。请重新发送；"
                             "要更正已记录的报工，请先点「撤销」。",
                       "en": "An edited message is not read again (it could count twice); "
                             "nothing changed. Send it anew; to correct a recorded report, "
                             "press Undo first."},
    "team.unknown": {"zh": "没有叫「{team}」的班组。", "en": "There is no team called \"{team}\"."},
    "command.private_only": {"zh": "{command} 请在和我的私聊里使用。",
                             "en": "{command} works in a private chat with me."},
    "group.not_linked": {"zh": "本群没有绑定，工单助手在这里只回答 /link。",
                         "en": "This group is not linked: the bot answers /link here, nothing "
                               "else."},
    "summary.group_not_linked": {"zh": "本群没有绑定「管理」用途，不在这里发日报。",
                                 "en": "This group is not linked for management: no summary "
                                       "here."},
    "text.scan_first": {"zh": "请先拍流转卡或输入工单编码，再输入数量。",
                        "en": "Scan the card or type its code first, then the quantity."},
    "text.not_understood": {"zh": "没看懂。发送流转卡照片或输入编码报工，/help 查看帮助。",
                            "en": "I did not understand. Send a card photo or type its code to "
                                  "report; /help for help."},
    "undo.done": {
        "zh": "↩️ 已撤销：{work_order} {operation} 良品 {good}，报废 {scrap}。本工序累计良品 {total}，剩余 {remaining}。",
        "en": "↩️ Undone: {work_order} {operation}, {good} good, {scrap} scrap. Operation total "
              "{total} good, {remaining} left.",
    },
    "undo.done_short": {"zh": "已撤销", "en": "Undone"},
    "undo.not_yours": {"zh": "只能撤销自己的报工。", "en": "You can only undo your own reports."},
    "undo.already": {"zh": "这条报工已经撤销过了。", "en": "That report was already undone."},
    "undo.expired": {"zh": "撤销时间已过（{minutes} 分钟内有效）。如需更正请联系班组长。",
                     "en": "Too late to undo (allowed within {minutes} minutes). Ask your "
                           "supervisor to correct it."},
    "undo.consumed": {"zh": "不能撤销：下道工序（{next_operation}）已经用了这些件。请联系班组长。",
                      "en": "Cannot undo: the next operation ({next_operation}) already used "
                            "these pieces. Ask your supervisor."},
    "button.invalid": {"zh": "这个按钮无效或已过期。", "en": "That button is invalid or expired."},
    # --- lists
    "tasks.none": {"zh": "目前没有您可以报工的任务。", "en": "You have no tasks to report on now."},
    "tasks.header": {"zh": "我的任务（{count}）：", "en": "My tasks ({count}):"},
    "tasks.item": {"zh": "• {work_order} {product} · {seq} {operation}：已到 {arrived}，已报 {good}，剩余 {remaining}，交期 {due}",
                   "en": "• {work_order} {product} · {seq} {operation}: arrived {arrived}, "
                         "good {good}, left {remaining}, due {due}"},
    "tasks.rework_item": {
        "zh": "• 🔧 返工单 {code}：{work_order} · {seq} {operation}，{quantity} 件中还有 {left} 件待报，"
              "原因：{reason}",
        "en": "• 🔧 Rework {code}: {work_order} · {seq} {operation}, {left} of {quantity} pieces "
              "to report, reason: {reason}"},
    "tasks.shown": {"zh": "我的任务", "en": "My tasks"},
    "status.none": {"zh": "没有未完成的工单。", "en": "No open work orders."},
    "status.header": {"zh": "未完成工单（{count}）：", "en": "Open work orders ({count}):"},
    "status.work_order": {"zh": "\n{work_order} {product} ×{quantity}，交期 {due}，{status}",
                          "en": "\n{work_order} {product} ×{quantity}, due {due}, {status}"},
    "status.operation": {
        "zh": "  {seq} {operation}：良品 {good}/{planned}，报废 {scrap}，待检 {pending_qc}，返工 {rework}，"
              "已到 {arrived}（{status}）",
        "en": "  {seq} {operation}: good {good}/{planned}, scrap {scrap}, pending QC {pending_qc}, "
              "rework {rework}, arrived {arrived} ({status})"},
    "work_order.bad_state": {"zh": "工单 {work_order} 当前为「{status}」，不能这样操作。",
                             "en": "Work order {work_order} is {status}; that is not possible now."},
    "work_order.no_operations": {"zh": "工单 {work_order} 的工艺路线没有工序。",
                                 "en": "Work order {work_order} has a routing without operations."},
    "labels.no_work_orders": {"zh": "订单 {order} 没有工单。", "en": "Order {order} has no work orders."},
    "errors.internal": {"zh": "出了点问题，这条消息没有处理成功。请稍后再试。",
                        "en": "Something went wrong; that message was not processed. Please "
                              "try again."},
    "run.token_refused": {
        "zh": "Telegram 拒绝了 TELEGRAM_BOT_TOKEN：请检查令牌（向 @BotFather 获取）后再启动。",
        "en": "Telegram refused TELEGRAM_BOT_TOKEN: check the token (from @BotFather) and start "
              "again."},
    "errors.storage_away": {
        "zh": "⏳ 系统暂时无法保存数据。您的消息已收到，恢复后会自动处理并回复您，请不要重复发送。",
        "en": "⏳ The system cannot save anything right now. Your message has arrived and will "
              "be handled as soon as it is back, with a reply then; please do not send it again."},
    # --- buttons
    "btn.all_left": {"zh": "全部剩余 {n}", "en": "All left: {n}"},
    "btn.qty": {"zh": "{n}", "en": "{n}"},
    "btn.scrap": {"zh": "有报废…", "en": "With scrap…"},
    "btn.cancel": {"zh": "取消", "en": "Cancel"},
    "btn.undo": {"zh": "撤销", "en": "Undo"},
    "btn.my_tasks": {"zh": "我的任务", "en": "My tasks"},
    "btn.report_task": {"zh": "报工 {work_order} {operation}（剩 {left}）",
                        "en": "Report {work_order} {operation} ({left} left)"},
    "btn.operation": {"zh": "{seq} {operation}（剩 {left}）", "en": "{seq} {operation} ({left} left)"},
    "btn.code": {"zh": "{code}", "en": "{code}"},
}

LABELS: dict[str, dict[str, dict[str, str]]] = {
    "role": {
        "worker": {"zh": "工人", "en": "worker"},
        "qc": {"zh": "质检员", "en": "QC inspector"},
        "supervisor": {"zh": "班组长", "en": "supervisor"},
        "manager": {"zh": "厂长", "en": "manager"},
        "admin": {"zh": "管理员", "en": "administrator"},
    },
    "status": {
        "draft": {"zh": "草稿", "en": "draft"},
        "released": {"zh": "已下达", "en": "released"},
        "in_progress": {"zh": "生产中", "en": "in progress"},
        "done": {"zh": "已完工", "en": "done"},
        "closed": {"zh": "已关闭", "en": "closed"},
        "on_hold": {"zh": "暂停", "en": "on hold"},
        "cancelled": {"zh": "已取消", "en": "cancelled"},
        "waiting": {"zh": "等待", "en": "waiting"},
        "ready": {"zh": "可开工", "en": "ready"},
        "blocked": {"zh": "停线", "en": "blocked"},
    },
    "reason": {
        "burr": {"zh": "毛刺", "en": "burr"},
        "dimension": {"zh": "尺寸不良", "en": "dimension"},
        "appearance": {"zh": "外观不良", "en": "appearance"},
        "function": {"zh": "功能不良", "en": "function"},
        "material": {"zh": "来料不良", "en": "material"},
        "other": {"zh": "其他", "en": "other"},
        "empty": {"zh": "空码", "en": "empty code"},
        "foreign": {"zh": "不是工单码", "en": "not a Gongdan code"},
        "version": {"zh": "不支持的版本", "en": "unsupported version"},
        "malformed": {"zh": "格式错误", "en": "malformed"},
    },
}

CATALOG.update(FILE_MESSAGES)
CATALOG["text.bilingual"] = {"zh": "{zh}", "en": "{en}"}  # a label kept in both languages
for _part in (messages_qc, messages_andon, messages_groups, messages_reminders, messages_wages,
              messages_kpis, messages_summary, messages_export, messages_board, messages_assign,
              messages_dispatch, messages_changes, messages_materials, messages_live_status,
              messages_freeform, messages_api, messages_people):
    CATALOG.update(_part.MESSAGES)
    for _group, _values in _part.LABELS.items():
        LABELS.setdefault(_group, {}).update(_values)

# Defect reasons as button labels.
for _reason, _names in LABELS["reason"].items():
    CATALOG[f"reason.{_reason}"] = _names
