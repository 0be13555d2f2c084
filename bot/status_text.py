"""`gongdan status` for people: the open work orders as a plain-text table."""

from __future__ import annotations

import unicodedata

from bot.i18n import label
from domain.status import WorkOrderView

HEADERS = {
    "zh": ("工序", "名称", "计划", "已到", "良品", "报废", "待检", "返工", "剩余", "状态"),
    "en": ("op", "name", "planned", "arrived", "good", "scrap", "pend.QC", "rework", "left",
           "status"),
}
WIDTHS = (5, 14, 8, 8, 8, 8, 8, 8, 8, 10)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: object, width: int) -> str:
    text = str(text)
    while _width(text) > width:
        text = text[:-1]
    return text + " " * (width - _width(text))


def _row(cells: tuple[object, ...]) -> str:
    return ("  " + "".join(_cell(c, w) for c, w in zip(cells, WIDTHS, strict=True))).rstrip()


def status_table(views: list[WorkOrderView], lang: str) -> str:
    if not views:
        return "没有未完成的工单。" if lang == "zh" else "No open work orders."
    lines: list[str] = []
    for view in views:
        due = view.due_date.isoformat()
        status = label("status", view.status, lang)
        if lang == "zh":
            lines.append(f"{view.code}  {view.product_code} {view.product_name}  ×{view.quantity}"
                         f"  订单 {view.order_no}（{view.customer}）  交期 {due}"
                         f"  优先级 {view.priority}  {status}")
        else:
            lines.append(f"{view.code}  {view.product_code} {view.product_name}  ×{view.quantity}"
                         f"  order {view.order_no} ({view.customer})  due {due}"
                         f"  priority {view.priority}  {status}")
        lines.append(_row(HEADERS[lang]))
        for op in view.operations:
            qc = "*" if op.qc_checkpoint else ""
            cells = (f"{op.seq}{qc}", op.name, op.planned, op.arrived, op.good, op.scrap,
                     op.pending_qc, op.rework, op.remaining, label("status", op.status, lang))
            lines.append(_row(cells))
        lines.append("")
    return "\n".join(lines).rstrip()
