"""Import problems and results in zh and en (the English fallback lives on RowError itself)."""

from __future__ import annotations

IMPORT_MESSAGES: dict[str, dict[str, str]] = {
    "import.required": {"zh": "必填", "en": "required"},
    "import.missing_column": {"zh": "缺少这一列", "en": "this column is missing from the sheet"},
    "import.duplicate_column": {"zh": "列重复（{header!r}）",
                                "en": "the column appears twice ({header!r})"},
    "import.bad_number": {"zh": "必须是数字（填的是 {value!r}）",
                          "en": "must be a number (got {value!r})"},
    "import.negative": {"zh": "不能为负数（填的是 {value!r}）",
                        "en": "must not be negative (got {value!r})"},
    "import.too_precise": {"zh": "最多 {places} 位小数（填的是 {value!r}）",
                           "en": "at most {places} decimal places (got {value!r})"},
    "import.bad_integer": {"zh": "必须是不小于 {min} 的整数（填的是 {value!r}）",
                           "en": "must be a whole number >= {min} (got {value!r})"},
    "import.bad_priority": {"zh": "必须是 1（最急）到 5 的整数（填的是 {value!r}）",
                            "en": "must be a whole number from 1 (most urgent) to 5 "
                                  "(got {value!r})"},
    "import.bad_role": {"zh": "角色 {value!r} 无效（工人、质检、班组长、厂长、管理员）",
                        "en": "unknown role {value!r} (worker, qc, supervisor, manager, admin)"},
    "import.bad_wage_mode": {"zh": "计薪方式 {value!r} 无效（计件、计时、混合）",
                             "en": "unknown wage mode {value!r} (piece, hourly, mixed)"},
    "import.bad_language": {"zh": "语言 {value!r} 无效（zh、en）",
                            "en": "unknown language {value!r} (zh, en)"},
    "import.bad_qc": {"zh": "只能填 是 或 否（填的是 {value!r}）",
                      "en": "must be yes or no (got {value!r})"},
    "import.bad_date": {"zh": "不是日期（填的是 {value!r}），请写成 2026-12-01",
                        "en": "not a date (got {value!r}); write it like 2026-12-01"},
    "import.too_long": {"zh": "超过 {max} 个字符（填的是 {value!r}）",
                        "en": "longer than {max} characters (got {value!r})"},
    "import.too_large": {"zh": "最大 {max}（填的是 {value!r}）", "en": "at most {max} (got {value!r})"},
    "import.unknown_product": {"zh": "未知产品 {value!r}", "en": "unknown product {value!r}"},
    "import.unknown_skill": {"zh": "未知工序编码 {value!r}", "en": "unknown operation code {value!r}"},
    "import.duplicate": {"zh": "{value!r} 重复（第一次出现在第 {first_row} 行）",
                         "en": "{value!r} appears twice (first in row {first_row})"},
    "import.inconsistent": {"zh": "{value!r} 与第 {first_row} 行的 {expected!r} 不一致",
                            "en": "{value!r} differs from {expected!r} in row {first_row}"},
    "import.hourly_rate_required": {"zh": "计薪方式 {wage_mode} 需要填写时薪",
                                    "en": "wage mode {wage_mode} needs an hourly rate"},
    "import.below_reported": {"zh": "{value} 少于工单 {work_order} 已报的 {reported} 件",
                              "en": "{value} is below the {reported} pieces already reported "
                                    "on {work_order}"},
    "import.work_order_closed": {"zh": "工单 {work_order} 状态为 {status}，不能修改",
                                 "en": "work order {work_order} is {status} and cannot change"},
    # --- settings sheets
    "import.bad_sampling": {"zh": "抽检方式 {value!r} 无效（全检、每5件、10%）",
                            "en": "unknown sampling {value!r} (all, every:5, 10%)"},
    "import.bad_reason_code": {"zh": "原因编码只能用字母、数字、- 或 _（填的是 {value!r}）",
                               "en": "a reason code is letters, digits, - or _ (got {value!r})"},
    "import.bad_kind": {"zh": "类型 {value!r} 无效（{choices}）",
                        "en": "unknown kind {value!r} ({choices})"},
    "import.bad_ladder": {"zh": "规则 {value!r} 无效（{choices}）",
                          "en": "unknown ladder {value!r} ({choices})"},
    "import.bad_severity": {"zh": "级别 {value!r} 无效（normal 一般、high 紧急、* 全部）",
                            "en": "unknown severity {value!r} (normal, high, *)"},
    "import.kind_not_for_ladder": {"zh": "规则 {ladder} 不分类型，请填 *（填的是 {value!r}）",
                                   "en": "ladder {ladder} is not per kind: write * "
                                         "(got {value!r})"},
    "import.bad_duration": {"zh": "延时无效（填的是 {value!r}），请写成 0、30s、10m、1h30m 或 10分钟",
                            "en": "not a delay (got {value!r}); write it like 0, 30s, 10m, "
                                  "1h30m"},
    "import.delay_decreases": {"zh": "{value} 比第 {step} 步的 {previous} 还短：后面的步骤延时不能更短",
                               "en": "{value} is shorter than step {step}'s {previous}: delays "
                                     "must not decrease along the steps"},
    "import.bad_target": {"zh": "对象 {value!r} 无效（responsible 责任人、reporter 报告人、assignee "
                                "执行人、role:supervisor、group:exceptions、person:工号…）",
                          "en": "unknown target {value!r} (responsible, reporter, assignee, "
                                "role:supervisor, group:exceptions, person:CODE...)"},
    "import.target_not_for_ladder": {"zh": "规则 {ladder} 没有对象 {value!r}",
                                     "en": "target {value!r} does not exist on ladder {ladder}"},
    "import.unknown_person": {"zh": "未知工号 {value!r}", "en": "unknown person {value!r}"},
    "import.bad_weekdays": {"zh": "工作日无效（填的是 {value!r}），请写成 1-5 或 1,3,5（1 = 周一）",
                            "en": "not weekdays (got {value!r}); write them like 1-5 or 1,3,5 "
                                  "(1 = Monday)"},
    "import.bad_clock": {"zh": "不是时间（填的是 {value!r}），请写成 08:00",
                         "en": "not a time of day (got {value!r}); write it like 08:00"},
    "import.empty_shift": {"zh": "班次的开始和结束不能相同（{value}）",
                           "en": "a shift cannot start and end at the same time ({value})"},
    "import.bad_setting": {"zh": "参数 {value!r} 无效（{choices}）",
                           "en": "unknown setting {value!r} ({choices})"},
    "import.bad_rework_pay": {"zh": "返工计薪 {value!r} 无效（paid 计薪、unpaid_own 责任人不计、unpaid 不计）",
                              "en": "unknown rework pay {value!r} (paid, unpaid_own, unpaid)"},
    "import.bad_hours_source": {"zh": "工时来源 {value!r} 无效（clock 打卡、shift 排班）",
                                "en": "unknown hours source {value!r} (clock, shift)"},
    "import.bad_target_value": {"zh": "目标必须是不小于 0 的数（填的是 {value!r}）",
                                "en": "a target must be a number of 0 or more (got {value!r})"},
    "import.bad_minutes": {"zh": "必须是 {min} 到 {max} 之间的整分钟数（填的是 {value!r}）",
                           "en": "must be a whole number of minutes from {min} to {max} "
                                 "(got {value!r})"},
    # Planning sheets: materials, bom, assignments.
    "import.unknown_material": {"zh": "物料 {value!r} 不存在（物料表或系统里都没有）",
                                "en": "unknown material {value!r}"},
    "import.not_positive": {"zh": "必须大于 0（填的是 {value!r}）",
                            "en": "must be more than 0 (got {value!r})"},
    "import.unit_mismatch": {"zh": "单位 {value!r} 与物料的单位 {expected!r} 不一致",
                             "en": "unit {value!r} differs from the material's unit "
                                   "{expected!r}"},
    "import.unknown_operation": {"zh": "产品 {product} 没有工序 {value!r}",
                                 "en": "product {product} has no operation {value!r}"},
    "import.unknown_work_order": {"zh": "工单 {value!r} 不存在", "en": "unknown work order {value!r}"},
    "import.work_order_needed": {"zh": "请填工单号，或订单号加产品编码",
                                 "en": "give the work order, or the order number and product "
                                       "code"},
    "import.unknown_order_line": {"zh": "订单 {order_no} 没有产品 {value!r} 这一行",
                                  "en": "order {order_no} has no line for product {value!r}"},
    "import.unknown_task": {"zh": "工单 {work_order} 没有工序号 {value}",
                            "en": "work order {work_order} has no operation {value}"},
    "import.unknown_team": {"zh": "班组 {value!r} 不存在", "en": "unknown team {value!r}"},
    "import.assignment_empty": {"zh": "请填人员、班组，或可认领填“是”",
                                "en": "give people, a team, or claimable = yes"},
    "import.team_without_workers": {"zh": "班组 {value!r} 没有会工序 {operation} 的在职工人",
                                    "en": "team {value!r} has no active worker for operation "
                                          "{operation}"},
    "import.inactive_person": {"zh": "{value} 已停用", "en": "{value} is no longer active"},
    "import.no_skill": {"zh": "{value} 没有工序 {operation} 的技能",
                        "en": "{value} has no skill {operation}"},
}

SHEET_NAMES = {"people": "人员", "products": "产品", "orders": "订单",
               "defect_reasons": "不良原因", "responsibles": "责任人", "ladders": "升级规则",
               "shifts": "班次", "settings": "设置", "materials": "物料", "bom": "物料清单",
               "assignments": "派工"}

FILE_MESSAGES: dict[str, dict[str, str]] = {
    "import.rejected": {"zh": "文件有 {count} 处错误，没有导入任何数据：",
                        "en": "The file has {count} problem(s); nothing was imported:"},
    "import.duplicate_sheet": {"zh": "工作表 {sheet} 出现了两次：{first} 和 {second}",
                               "en": "Sheet {sheet} is given twice: {first} and {second}"},
    "import.no_sheets": {"zh": "{path} 里没有可导入的工作表（人员、产品、订单、不良原因、责任人、"
                               "升级规则、班次、设置、物料、物料清单、派工）",
                         "en": "{path} has no sheet to import (people, products, orders, "
                               "defect_reasons, responsibles, ladders, shifts, settings, "
                               "materials, bom, assignments)"},
    "import.file_not_found": {"zh": "找不到文件 {path}", "en": "File not found: {path}"},
    "import.unknown_sheet": {"zh": "{path}：不认识的表名 {name}（应为 people、products、orders、"
                                   "defect_reasons、responsibles、ladders、shifts、settings、"
                                   "materials、bom 或 assignments）",
                             "en": "{path}: unknown sheet {name} (use people, products, orders, "
                                   "defect_reasons, responsibles, ladders, shifts, settings, "
                                   "materials, bom or assignments)"},
    "import.unsupported_file": {"zh": "{path}：不支持 {suffix} 文件，请用 .xlsx 或 .csv",
                                "en": "{path}: {suffix} files are not supported; use .xlsx or "
                                      ".csv"},
    "import.unreadable": {"zh": "无法读取 {path}：{reason}", "en": "Cannot read {path}: {reason}"},
    "import.bad_encoding": {"zh": "{path} 的编码无法识别，请另存为 UTF-8 CSV",
                            "en": "{path}: unknown text encoding; save it as UTF-8 CSV"},
}
