"""Messages for board: {key: {"zh": ..., "en": ...}}, merged into bot/catalog.py."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "board.link": {
        "zh": "📺 车间看板链接（编号 {id}，{until} 前有效）：\n{link_zh}\n英文版：\n{link_en}\n"
              "在车间电视的浏览器里打开即可，页面会自动刷新。拿到链接的人都能看到看板，"
              "请勿外传；不用时撤销：/board revoke {id}",
        "en": "📺 Shop-floor board link (no. {id}, valid until {until}):\n{link_en}\nChinese:\n"
              "{link_zh}\nOpen it in the browser of the TV on the floor; it refreshes itself. "
              "Anyone with the link can see the board, so keep it in the factory; to revoke it: "
              "/board revoke {id}",
    },
    "board.label_line": {"zh": "名称：{label}", "en": "Name: {label}"},
    "board.not_served": {
        "zh": "看板网页没有开启。请管理员设置 GONGDAN_HTTP_PORT（服务器在代理后面时再设置 "
              "GONGDAN_PUBLIC_URL）后重启机器人。",
        "en": "The board's web page is not served. An administrator can set GONGDAN_HTTP_PORT "
              "(and GONGDAN_PUBLIC_URL behind a proxy) and restart the bot.",
    },
    "board.usage": {
        "zh": "用法：\n/board [天数] [名称] — 生成看板链接（默认 365 天），例如 /board 30 一号线电视\n"
              "/board list — 查看所有看板链接\n/board revoke 编号 — 撤销一个链接",
        "en": "Usage:\n/board [days] [name] — a board link (365 days unless said), e.g. "
              "/board 30 Line 1 TV\n/board list — every board link\n/board revoke NO — revoke a "
              "link",
    },
    "board.bad_days": {"zh": "有效天数要在 1 到 {max} 之间（收到 {days}）。",
                       "en": "Days must be between 1 and {max} (got {days})."},
    "board.token_unknown": {"zh": "没有编号为 {id} 的看板链接。发送 /board list 查看。",
                            "en": "There is no board link no. {id}. Send /board list to see them."},
    "board.token_already_revoked": {"zh": "看板链接 {id} 已经撤销过了。",
                                    "en": "Board link no. {id} was already revoked."},
    "board.revoked": {
        "zh": "已撤销看板链接 {id}（{label}）。正在用它的屏幕几秒内就会停止显示。",
        "en": "Board link no. {id} ({label}) is revoked. Screens using it stop within seconds.",
    },
    "board.list_header": {"zh": "看板链接：", "en": "Board links:"},
    "board.list_line": {"zh": "• {id} {label} — {token_state}，{until} 到期，{by} 创建",
                        "en": "• {id} {label} — {token_state}, until {until}, by {by}"},
    "board.list_empty": {"zh": "还没有看板链接。发送 /board 生成一个。",
                         "en": "No board links yet. Send /board to make one."},
}
# Labels by parameter name: a param called e.g. "kind" is rendered through LABELS["kind"].
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "token_state": {
        "active": {"zh": "有效", "en": "active"},
        "expired": {"zh": "已过期", "en": "expired"},
        "revoked": {"zh": "已撤销", "en": "revoked"},
    },
}
