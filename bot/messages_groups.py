"""Messages for group links: {key: {"zh": ..., "en": ...}}, merged into bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "group.hello": {
        "zh": "大家好，我是工单助手。请厂长或管理员在本群发送 /link 加用途，绑定本群：\n"
              "/link exceptions — 异常通报与升级\n/link qc — 质检\n/link management — 管理（日报等）\n"
              "绑定之前，我不会在本群发任何消息。",
        "en": "Hello, this is Gongdan, the shop-floor assistant. A manager or administrator can "
              "link this group by sending /link with a purpose:\n/link exceptions — exception "
              "posts and escalations\n/link qc — QC inspections\n/link management — management "
              "(daily summaries...)\nUntil then I post nothing here.",
    },
    "group.linked": {"zh": "✅ 本群已绑定「{purpose}」（{name}）。相关消息会发到本群。",
                     "en": "✅ This group is now linked for {purpose} (by {name}). Those posts "
                           "will come here."},
    "group.already_linked": {"zh": "本群已经绑定了「{purpose}」。",
                             "en": "This group is already linked for {purpose}."},
    "group.unlinked": {"zh": "本群已解除「{purpose}」绑定（{name}）。",
                       "en": "This group is no longer linked for {purpose} (by {name})."},
    "group.not_linked": {"zh": "本群没有绑定「{purpose}」。",
                         "en": "This group is not linked for {purpose}."},
    "group.linked_short": {"zh": "已绑定：{purpose}", "en": "Linked: {purpose}"},
    "group.already_linked_short": {"zh": "已经绑定过：{purpose}",
                                   "en": "Already linked: {purpose}"},
    "group.unlinked_short": {"zh": "已解除：{purpose}", "en": "Unlinked: {purpose}"},
    "group.not_linked_short": {"zh": "没有绑定：{purpose}", "en": "Not linked: {purpose}"},
    "group.choose": {"zh": "请选择本群的用途（点按钮绑定或解除）：",
                     "en": "What is this group for? Tap to link or unlink:"},
    "group.current": {"zh": "• 已绑定：{purpose}", "en": "• linked: {purpose}"},
    "group.current_none": {"zh": "目前没有绑定任何用途。", "en": "Not linked for anything yet."},
    "group.unlink_usage": {"zh": "用法：/unlink 用途（{choices}）",
                           "en": "Usage: /unlink PURPOSE ({choices})"},
    "group.bad_purpose": {"zh": "不认识的用途「{purpose}」。可选：{choices}。",
                          "en": "Unknown purpose \"{purpose}\". Choose one of: {choices}."},
    "group.link_stranger": {
        "zh": "只有已注册的厂长或管理员才能绑定或解除本群。",
        "en": "Only a registered manager or administrator can link or unlink this group.",
    },
    "group.link_forbidden": {
        "zh": "{name}（{role}）不能绑定或解除本群：需要厂长或管理员。",
        "en": "{name} ({role}) cannot link or unlink this group: that needs a manager or "
              "administrator.",
    },
    "group.link_in_group": {
        "zh": "请在要绑定的群里发送 /link，例如 /link exceptions（异常）、/link qc（质检）、"
              "/link management（管理）。",
        "en": "Send /link in the group you want to link, e.g. /link exceptions, /link qc or "
              "/link management.",
    },
    "group.not_registered": {
        "zh": "只有已注册的人员才能操作这个按钮。请私聊我，发送 /start 邀请码 注册。",
        "en": "Only registered people can use this button. Message me privately with "
              "/start CODE to register.",
    },
    "btn.group_link": {"zh": "绑定：{purpose}", "en": "Link: {purpose}"},
    "btn.group_unlink": {"zh": "解除：{purpose}", "en": "Unlink: {purpose}"},
}

# Labels of enumerated values, by the parameter name they localise (e.g. "kind").
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "purpose": {
        "exceptions": {"zh": "异常", "en": "exceptions"},
        "qc": {"zh": "质检", "en": "QC"},
        "management": {"zh": "管理", "en": "management"},
    },
}
