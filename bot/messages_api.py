"""Messages for the REST API and its webhooks: {key: {"zh": ..., "en": ...}}, merged into
bot/catalog.py. The API answers the workbook's rules with the workbook's words, so the
importer's row messages are part of it."""

from __future__ import annotations

from bot.import_messages import IMPORT_MESSAGES

MESSAGES: dict[str, dict[str, str]] = {
    **IMPORT_MESSAGES,
    # --- asking
    "api.unauthorized": {
        "zh": "需要有效的 API 令牌（请求头 Authorization: Bearer 令牌）。令牌可能错误、已过期或已撤销。",
        "en": "A valid API token is needed (header Authorization: Bearer TOKEN). The token may "
              "be wrong, expired or revoked.",
    },
    "api.not_found": {"zh": "找不到 {ref}。", "en": "{ref} was not found."},
    "api.bad_json": {"zh": "请求体不是有效的 JSON 对象。", "en": "The body is not a valid JSON object."},
    "api.rejected": {"zh": "请求有 {count} 处错误，没有做任何修改。",
                     "en": "The request has {count} problem(s); nothing was changed."},
    "api.conflict": {"zh": "同时有别的修改，请重试。",
                     "en": "Something else changed it at the same time; try again."},
    "api.internal": {"zh": "服务器内部错误，没有做任何修改。请稍后重试。",
                     "en": "Internal error; nothing was changed. Try again later."},
    # --- the body against the schema
    "api.required": {"zh": "必填", "en": "required"},
    "api.bad_type": {"zh": "类型应为 {expected}", "en": "must be of type {expected}"},
    "api.too_small": {"zh": "不能小于 {min}", "en": "must be at least {min}"},
    "api.too_large": {"zh": "不能大于 {max}", "en": "must be at most {max}"},
    "api.too_long": {"zh": "最多 {max} 个字符", "en": "at most {max} characters"},
    "api.too_short": {"zh": "至少 {min} 个字符", "en": "at least {min} characters"},
    "api.too_few": {"zh": "至少 {min} 项", "en": "at least {min} item(s)"},
    "api.too_many": {"zh": "最多 {max} 项", "en": "at most {max} item(s)"},
    "api.unknown_field": {"zh": "不认识的字段 {value}", "en": "unknown field {value}"},
    "api.not_allowed": {"zh": "取值 {value} 无效（可选：{choices}）",
                        "en": "{value} is not allowed (choose: {choices})"},
    "api.invalid": {"zh": "取值无效", "en": "not a valid value"},
    # --- query parameters
    "api.bad_time": {"zh": "{field} 不是日期或时间（收到 {value}），请写成 2026-11-21 或 "
                           "2026-11-21T08:00:00+08:00",
                     "en": "{field} is not a date or time (got {value}); write it like "
                           "2026-11-21 or 2026-11-21T08:00:00+08:00"},
    "api.bad_date": {"zh": "{field} 不是日期（收到 {value}），请写成 2026-11-21",
                     "en": "{field} is not a date (got {value}); write it like 2026-11-21"},
    "api.empty_window": {"zh": "to 必须晚于 from", "en": "to must come after from"},
    "api.period_too_long": {"zh": "时间段最长 {limit} 天", "en": "a period is at most {limit} days"},
    "api.bad_limit": {"zh": "limit 必须是 1 到 {max} 的整数（收到 {value}）",
                      "en": "limit must be a whole number from 1 to {max} (got {value})"},
    "api.bad_cursor": {"zh": "cursor 无效：请使用上一页返回的 next_cursor",
                       "en": "cursor is not valid: use the next_cursor of the previous page"},
    "api.bad_choice": {"zh": "{field} 取值 {value} 无效（可选：{choices}）",
                       "en": "{field}: {value} is not one of {choices}"},
    # --- orders and work orders by external id
    "api.bad_external_id": {"zh": "外部编号为 1 到 {max} 个字符：字母、数字和 . _ : -，以字母或数字开头",
                            "en": "an external id is 1 to {max} letters, digits and . _ : -, "
                                  "starting with a letter or digit"},
    "api.immutable": {"zh": "{value} 与现有的 {current} 不同：创建后不能修改",
                      "en": "{value} differs from the existing {current}: it cannot change once "
                            "created"},
    "api.order_no_taken": {"zh": "订单号 {value} 已属于外部编号 {external_id}",
                           "en": "order number {value} already belongs to external id "
                                 "{external_id}"},
    "api.order_needed": {"zh": "请给出 order_external_id，或 order_no（新订单还要 customer）",
                         "en": "give order_external_id, or order_no (and customer for a new "
                               "order)"},
    "api.unknown_order": {"zh": "没有外部编号为 {value} 的订单（先用 PUT /api/v1/orders 创建）",
                          "en": "no order has external id {value} (create it with PUT "
                                "/api/v1/orders first)"},
    "api.duplicate": {"zh": "{value} 重复（已在 {first} 出现）",
                      "en": "{value} appears twice (first at {first})"},
    "api.external_id_taken": {"zh": "外部编号 {value} 已属于工单 {work_order}",
                              "en": "external id {value} already belongs to work order "
                                    "{work_order}"},
    "api.line_taken": {"zh": "产品 {value} 的工单 {work_order} 已有外部编号 {external_id}",
                       "en": "the work order {work_order} of product {value} already has "
                             "external id {external_id}"},
    # --- webhooks
    "webhook.bad_url": {"zh": "不是 http(s) 地址：{value}", "en": "not an http(s) URL: {value}"},
    "webhook.bad_event": {"zh": "未知事件 {value}（可选：{choices}，或 * 表示全部）",
                          "en": "unknown event {value} (choose: {choices}, or * for all)"},
    "webhook.unknown": {"zh": "没有编号为 {id} 的 webhook（或已删除）",
                        "en": "no webhook with id {id} (or it was removed)"},
}

LABELS: dict[str, dict[str, dict[str, str]]] = {}
