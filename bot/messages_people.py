"""Messages for removing a person from the factory: {key: {"zh": ..., "en": ...}}, merged into
bot/catalog.py."""

from __future__ import annotations

_HOLDINGS = {
    "zh": "撤下 {tasks} 个未完成任务（其中 {unassigned} 个现在无人负责），关闭 {offers} 个认领邀请，"
          "作废 {invites} 个邀请码，撤销 {tokens} 个本人的访问令牌。",
    "en": "{tasks} open task(s) taken from them ({unassigned} now with nobody on them), "
          "{offers} claim offer(s) ended, {invites} invite(s) voided, {tokens} access token(s) "
          "of theirs revoked.",
}

MESSAGES: dict[str, dict[str, str]] = {
    "remove.usage": {
        "zh": "用法：/remove 工号 — 把离职人员移出工厂（先确认）。他立刻不能再用机器人和接口，"
              "历史报工和工资保留。",
        "en": "Usage: /remove CODE — remove someone who left the factory (you confirm first). "
              "They lose the bot and the API at once; their reports and wages stay.",
    },
    "person.unknown": {"zh": "找不到工号 {code}。", "en": "No person with code {code}."},
    "person.inactive": {"zh": "{name}（{code}）已经移出工厂。",
                        "en": "{name} ({code}) is no longer in the factory."},
    "remove.self": {"zh": "不能把自己移出工厂。请让另一位厂长操作。",
                    "en": "You cannot remove yourself. Ask another manager."},
    "remove.already": {"zh": "{name}（{code}）已经移出工厂了。",
                       "en": "{name} ({code}) has already been removed."},
    "remove.last_manager": {
        "zh": "{name}（{code}）是最后一位在职的厂长/管理员，不能移出：工厂需要有人管理。"
              "请先邀请另一位厂长。",
        "en": "{name} ({code}) is the last active manager or administrator and cannot be "
              "removed: someone has to run the factory. Invite another manager first.",
    },
    "remove.confirm": {
        "zh": "确认把 {name}（{code}，{role}）移出工厂？\n将撤下 {tasks} 个未完成任务（其中 "
              "{unassigned} 个会无人负责），关闭 {offers} 个认领邀请，作废 {invites} 个邀请码，"
              "撤销 {tokens} 个本人的访问令牌。\n历史报工、质检和工资记录保留。",
        "en": "Remove {name} ({code}, {role}) from the factory?\n{tasks} open task(s) would be "
              "taken from them ({unassigned} left with nobody), {offers} claim offer(s) ended, "
              "{invites} invite(s) voided, {tokens} access token(s) of theirs revoked.\nTheir "
              "past reports, inspections and wages stay.",
    },
    "remove.btn_confirm": {"zh": "✅ 确认移出 {code}", "en": "✅ Remove {code}"},
    "remove.btn_cancel": {"zh": "取消", "en": "Cancel"},
    "remove.cancelled": {"zh": "已取消，{name}（{code}）没有被移出。",
                         "en": "Cancelled: {name} ({code}) was not removed."},
    "remove.done": {
        "zh": "已把 {name}（{code}）移出工厂：\n" + _HOLDINGS["zh"] + "\n他的下一条消息或按键会被拒绝。",
        "en": "{name} ({code}) is removed from the factory:\n" + _HOLDINGS["en"]
              + "\nTheir next message or button is refused.",
    },
    "remove.done_short": {"zh": "已移出 {code}", "en": "{code} removed"},
    "remove.told": {
        "zh": "👋 {name}（{code}）已被 {by} 移出工厂。\n" + _HOLDINGS["zh"],
        "en": "👋 {name} ({code}) was removed from the factory by {by}.\n" + _HOLDINGS["en"],
    },
    "remove.task_line": {"zh": "• 无人负责：{work_order} 工序 {seq} {operation} — 请重新派工",
                         "en": "• Nobody on: {work_order} #{seq} {operation} — assign it again"},
    "remove.clocked_in": {
        "zh": "• 仍在上班打卡中（{since_at} 起）：请班组长补录下班时间。",
        "en": "• Still clocked in since {since_at}: a supervisor sets the clock-out.",
    },
    "remove.you": {
        "zh": "您已被 {by} 移出工厂，不能再使用本机器人。您的历史报工和工资记录保留；"
              "如有疑问请联系班组长。",
        "en": "{by} removed you from the factory; this bot no longer serves you. Your past "
              "reports and wages stay on record; ask your supervisor if anything is unclear.",
    },
}
LABELS: dict[str, dict[str, dict[str, str]]] = {}
