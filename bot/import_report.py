"""What `gongdan import` prints: every problem with its sheet and row, or what changed."""

from __future__ import annotations

from bot.i18n import render_text
from bot.import_messages import IMPORT_MESSAGES, SHEET_NAMES
from domain.masterdata import ImportRejected, ImportResult, RowError


def describe_error(error: RowError, lang: str) -> str:
    template = IMPORT_MESSAGES.get(error.key, {}).get(lang)
    if template is None:
        return str(error)
    try:
        message = template.format(**error.params)
    except (KeyError, IndexError, ValueError):
        return str(error)
    if lang == "zh":
        where = f"{SHEET_NAMES.get(error.sheet, error.sheet)}（{error.sheet}）第 {error.row} 行"
        return f"{where}，{error.column}：{message}" if error.column else f"{where}：{message}"
    where = f"{error.sheet} row {error.row}"
    return f"{where}, {error.column}: {message}" if error.column else f"{where}: {message}"


def describe_rejection(rejected: ImportRejected, lang: str) -> str:
    head = render_text("import.rejected", lang, {"count": len(rejected.errors)})
    return "\n".join([head, *("  " + describe_error(e, lang) for e in rejected.errors)])


_NAMES = {"people": ("人员", "people"), "products": ("产品", "products"),
          "routings": ("工艺路线", "routings"), "orders": ("订单", "orders"),
          "work_orders": ("工单", "work orders"), "defect_reasons": ("不良原因", "defect reasons"),
          "responsibles": ("责任人", "responsible people"),
          "ladders": ("升级规则步骤", "ladder steps"), "shifts": ("班次", "shifts"),
          "settings": ("设置", "settings"), "materials": ("物料", "materials"),
          "bom": ("物料清单行", "BOM lines"), "assignments": ("派工行", "assignment rows")}


def _counts(kind: str, counts: dict[str, int], lang: str) -> str:
    zh, en = _NAMES[kind]
    if lang == "zh":
        line = f"{zh}：新增 {counts['created']}，更新 {counts['updated']}，未变 {counts['unchanged']}"
        return line + (f"，移除 {counts['removed']}" if "removed" in counts else "")
    line = (f"{en}: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged")
    return line + (f", {counts['removed']} removed" if "removed" in counts else "")


def describe_result(result: ImportResult, lang: str) -> str:
    """One line per table: the master data always, the settings sheets the file had."""
    data = result.to_dict()
    lines = [_counts(kind, counts, lang) for kind, counts in data.items()
             if kind not in ("released", "settings")]
    lines += [_counts(kind, counts, lang) for kind, counts in data.get("settings", {}).items()]
    if result.released:
        head = "已下达工单：" if lang == "zh" else "Released work orders: "
        lines.append(head + ", ".join(result.released))
    if not result.changed:
        lines.append("没有变化。" if lang == "zh" else "Nothing changed.")
    return "\n".join(lines)
