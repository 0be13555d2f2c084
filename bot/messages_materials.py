"""Texts of materials 物料 (issue 领料, return 退料, requirement, stock), in zh and en."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- usage
    "material.issue_usage": {
        "zh": "用法：/issue 工单号 物料编码 数量\n例如：/issue WO-000123 M-STEEL 50\n"
              "也可以拍工单流转卡发给我，配文字“领料”。",
        "en": "Usage: /issue WORK_ORDER MATERIAL QUANTITY\nFor example: /issue WO-000123 "
              "M-STEEL 50\nOr send a photo of the work order's card with the caption “issue”."},
    "material.return_usage": {
        "zh": "用法：/return 工单号 物料编码 数量\n例如：/return WO-000123 M-STEEL 5",
        "en": "Usage: /return WORK_ORDER MATERIAL QUANTITY\nFor example: /return WO-000123 "
              "M-STEEL 5"},
    "material.materials_usage": {
        "zh": "用法：/materials 工单号，例如 /materials WO-000123",
        "en": "Usage: /materials WORK_ORDER, for example /materials WO-000123"},
    # --- refusals
    "material.not_allowed": {
        "zh": "只有班组长、厂长和缺料责任人可以领料、退料和查看物料。",
        "en": "Only supervisors, managers and the people responsible for material shortages "
              "handle material."},
    "material.unknown": {"zh": "找不到物料 {material}。发 /stock 查看所有物料。",
                         "en": "There is no material {material}. Send /stock to see them all."},
    "material.unknown_work_order": {"zh": "找不到工单 {work_order}。",
                                    "en": "There is no work order {work_order}."},
    "material.bad_quantity": {
        "zh": "“{value}”不是数量。请写普通数字，例如 50 或 12.5。",
        "en": "“{value}” is not a quantity. Write a plain number such as 50 or 12.5."},
    "material.not_positive": {"zh": "数量必须大于 0（填的是 {value}）。",
                              "en": "The quantity must be more than 0 (got {value})."},
    "material.too_precise": {"zh": "数量最多 {places} 位小数（填的是 {value}）。",
                             "en": "At most {places} decimal places (got {value})."},
    "material.too_large": {"zh": "数量 {value} 太大了（最多 {max}），请检查。",
                           "en": "{value} is too large (at most {max}); please check."},
    "material.work_order_closed": {
        "zh": "工单 {work_order} {status}，不能再领料。",
        "en": "Work order {work_order} is {status}: no more material can be issued to it."},
    "material.not_on_bom": {
        "zh": "物料 {material} 不在工单 {work_order} 的物料清单里。发 /materials {work_order} 查看。",
        "en": "Material {material} is not on work order {work_order}'s BOM. Send /materials "
              "{work_order} to see it."},
    "material.not_enough_stock": {
        "zh": "库存不够：{material} 要领 {qty} {unit}，库存只有 {on_hand} {unit}。",
        "en": "Not enough in store: {qty} {unit} of {material} asked, {on_hand} {unit} on hand."},
    "material.return_too_much": {
        "zh": "退料太多：工单 {work_order} 线上只有 {on_line} {unit} 的 {material}，不能退 {qty} {unit}。",
        "en": "Too much: work order {work_order} has only {on_line} {unit} of {material} on "
              "its line, not {qty} {unit}."},
    "material.no_bom": {
        "zh": "工单 {work_order}（产品 {product}）没有物料清单。物料清单在导入表的 bom（物料清单）表里维护。",
        "en": "Work order {work_order} (product {product}) has no BOM. BOMs come from the "
              "bom sheet of the master-data workbook."},
    "material.flow_gone": {"zh": "这次领料已经结束或已过期，请重新扫码。",
                           "en": "This issue has finished or expired; scan the card again."},
    "material.pick_first": {"zh": "请先点上面的按钮选物料。",
                            "en": "Tap one of the buttons above to pick the material first."},
    "material.no_code_found": {
        "zh": "照片里没有读到工单码。领料请拍工单流转卡上的二维码，配文字“领料”。",
        "en": "No work order code found in the photo. To issue material, photograph the "
              "card's QR code with the caption “issue”."},
    # --- done
    "material.issued": {
        "zh": "✅ 已领料：{work_order} ← {material} {name} {qty} {unit}\n"
              "库存剩 {on_hand} {unit}；线上 {on_line} {unit}；还需领 {to_issue} {unit}",
        "en": "✅ Issued to {work_order}: {material} {name} {qty} {unit}\n"
              "In store {on_hand} {unit}; on the line {on_line} {unit}; still to issue "
              "{to_issue} {unit}"},
    "material.returned": {
        "zh": "↩️ 已退料：{work_order} → 仓库 {material} {name} {qty} {unit}\n"
              "库存 {on_hand} {unit}；线上剩 {on_line} {unit}",
        "en": "↩️ Returned from {work_order} to the store: {material} {name} {qty} {unit}\n"
              "In store {on_hand} {unit}; left on the line {on_line} {unit}"},
    "material.issued_short": {"zh": "已领料 {qty} {unit}", "en": "Issued {qty} {unit}"},
    # --- the requirement table
    "material.table": {
        "zh": "📦 {work_order} 物料需求（{product} {product_name} × {quantity}，{status}）",
        "en": "📦 {work_order} materials ({product} {product_name} × {quantity}, {status})"},
    "material.table_line": {
        "zh": "• {material} {name}（{unit}）：需 {need} · 已领 {issued} · 已耗 {consumed} · "
              "线上 {on_line} · 待领 {to_issue} · 库存 {on_hand}",
        "en": "• {material} {name} ({unit}): need {need} · issued {issued} · used {consumed} · "
              "on the line {on_line} · to issue {to_issue} · in store {on_hand}"},
    "material.table_short": {"zh": "  ⚠️ 缺 {short} {unit}", "en": "  ⚠️ short by {short} {unit}"},
    "material.table_hint": {
        "zh": "领料：/issue {work_order} 物料编码 数量；退料：/return {work_order} 物料编码 数量",
        "en": "Issue: /issue {work_order} MATERIAL QTY; return: /return {work_order} MATERIAL "
              "QTY"},
    # --- the store
    "material.stock_empty": {
        "zh": "还没有物料。物料和库存在导入表的 materials（物料）表里维护。",
        "en": "No materials yet. Materials and stock come from the materials sheet of the "
              "master-data workbook."},
    "material.stock_head": {"zh": "🏬 库存（未结工单待领合计）", "en": "🏬 Stock (open work orders still to issue)"},
    "material.stock_line": {"zh": "• {material} {name}：库存 {on_hand} {unit}，待领 {to_issue} {unit}",
                            "en": "• {material} {name}: {on_hand} {unit} in store, {to_issue} "
                                  "{unit} to issue"},
    "material.stock_line_short": {
        "zh": "• ⚠️ {material} {name}：库存 {on_hand} {unit}，待领 {to_issue} {unit}",
        "en": "• ⚠️ {material} {name}: {on_hand} {unit} in store, {to_issue} {unit} to issue"},
    "material.stock_more": {"zh": "……还有 {count} 种，发 /stock 物料编码 查看单个物料。",
                            "en": "…and {count} more; send /stock CODE for one material."},
    "material.stock_one": {"zh": "🏬 {material} {name}：库存 {on_hand} {unit}，未结工单待领 {to_issue} {unit}",
                           "en": "🏬 {material} {name}: {on_hand} {unit} in store, {to_issue} "
                                 "{unit} still to issue to open work orders"},
    "material.stock_work_order": {
        "zh": "• {work_order}：需 {need} · 线上 {on_line} · 待领 {to_issue}",
        "en": "• {work_order}: need {need} · on the line {on_line} · to issue {to_issue}"},
    # --- issuing by scan
    "material.pick": {
        "zh": "📦 为 {work_order} 领料（{product} × {quantity}）：选物料",
        "en": "📦 Issue material to {work_order} ({product} × {quantity}): pick the material"},
    "material.ask_qty": {
        "zh": "📦 {work_order} 领 {material} {name}：请输入数量（{unit}）\n"
              "库存 {on_hand} {unit}；还需领 {to_issue} {unit}",
        "en": "📦 {work_order}, {material} {name}: type the quantity ({unit})\n"
              "In store {on_hand} {unit}; still to issue {to_issue} {unit}"},
    "material.cancelled": {"zh": "已取消领料。", "en": "Issue cancelled."},
    # --- buttons
    "material.btn_material": {"zh": "{material} {name}（待领 {to_issue}）",
                              "en": "{material} {name} ({to_issue} to issue)"},
    "material.btn_all": {"zh": "领 {qty} {unit}", "en": "Issue {qty} {unit}"},
    "material.btn_cancel": {"zh": "取消", "en": "Cancel"},
}

# A unit named by its code is shown in the reader's language (others as the factory wrote them).
LABELS: dict[str, dict[str, dict[str, str]]] = {
    "unit": {"pcs": {"zh": "个", "en": "pcs"}},
}
