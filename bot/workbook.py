"""Reading the master-data file: an .xlsx workbook, or one .csv per sheet.

Only I/O lives here: finding the sheets, mapping header cells to canonical column names and
handing the rows to domain.masterdata, which checks and imports them. Header problems (a missing
required column, a column given twice) are reported together as an ImportRejected.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from domain.errors import DomainError
from domain.masterdata import COLUMNS, REQUIRED, ImportRejected, RowError, SheetRow

SHEET_ALIASES: dict[str, tuple[str, ...]] = {
    "people": ("people", "人员"),
    "products": ("products", "产品", "工艺", "产品工艺", "工艺路线"),
    "orders": ("orders", "订单"),
    "defect_reasons": ("defect_reasons", "reasons", "不良原因", "缺陷原因", "报废原因"),
    "responsibles": ("responsibles", "responsible", "责任人"),
    "ladders": ("ladders", "escalation", "升级规则", "升级"),
    "shifts": ("shifts", "班次", "班次日历"),
    "settings": ("settings", "设置", "参数"),
    "materials": ("materials", "物料", "库存"),
    "bom": ("bom", "物料清单", "BOM表"),
    "assignments": ("assignments", "派工", "派工单"),
}

# The one table of header names: canonical name first, then what people write instead.
HEADER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "code": ("code", "工号"),
        "name": ("name", "姓名"),
        "role": ("role", "角色"),
        "team": ("team", "班组"),
        "skills": ("skills", "技能"),
        "wage_mode": ("wage_mode", "计薪方式"),
        "hourly_rate": ("hourly_rate", "时薪"),
        "language": ("language", "语言"),
    },
    "products": {
        "product_code": ("product_code", "产品编码"),
        "product_name": ("product_name", "产品名称"),
        "sequence": ("sequence", "seq", "工序号"),
        "operation_code": ("operation_code", "工序编码"),
        "operation_name": ("operation_name", "工序名称"),
        "piece_rate": ("piece_rate", "计件单价"),
        "std_minutes": ("std_minutes", "标准工时"),
        "qc": ("qc", "质检点"),
        "qc_sampling": ("qc_sampling", "sampling", "抽检"),
        "workstation": ("workstation", "工位"),
    },
    "orders": {
        "order_no": ("order_no", "订单号"),
        "customer": ("customer", "客户"),
        "product_code": ("product_code", "产品编码"),
        "quantity": ("quantity", "数量"),
        "due_date": ("due_date", "交期"),
        "priority": ("priority", "优先级"),
    },
    "defect_reasons": {
        "code": ("code", "编码", "代码"),
        "name_zh": ("name_zh", "中文名称", "中文名"),
        "name_en": ("name_en", "英文名称", "英文名"),
        "sort": ("sort", "排序"),
    },
    "responsibles": {
        "kind": ("kind", "类型"),
        "person": ("person", "工号"),
    },
    "ladders": {
        "ladder": ("ladder", "规则"),
        "kind": ("kind", "类型"),
        "severity": ("severity", "级别"),
        "step": ("step", "步骤"),
        "after": ("after", "delay", "延时"),
        "target": ("target", "对象"),
    },
    "shifts": {
        "name": ("name", "班次"),
        "team": ("team", "班组"),
        "weekdays": ("weekdays", "工作日"),
        "start": ("start", "开始"),
        "end": ("end", "结束"),
    },
    "settings": {
        "key": ("key", "参数"),
        "value": ("value", "值"),
    },
    "materials": {
        "material_code": ("material_code", "物料编码"),
        "material_name": ("material_name", "物料名称"),
        "unit": ("unit", "单位"),
        "on_hand": ("on_hand", "库存", "库存数量"),
    },
    "bom": {
        "product_code": ("product_code", "产品编码"),
        "material_code": ("material_code", "物料编码"),
        "qty_per_unit": ("qty_per_unit", "单位用量", "用量"),
        "unit": ("unit", "单位"),
        "operation_code": ("operation_code", "工序编码"),
    },
    "assignments": {
        "work_order": ("work_order", "工单号", "工单"),
        "order_no": ("order_no", "订单号"),
        "product_code": ("product_code", "产品编码"),
        "sequence": ("sequence", "seq", "工序号"),
        "people": ("people", "人员", "工号"),
        "team": ("team", "班组"),
        "claimable": ("claimable", "可认领", "抢单"),
    },
}

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Chinese Excel saves CSV in GBK; GB18030 covers it


class WorkbookError(DomainError):
    """The file itself cannot be read (as opposed to rows with errors)."""


def _key(text: object) -> str:
    """'Wage Mode', 'wage_mode', '计件单价（元）' and '工号*' compare as their plain names."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = re.sub(r"\(.*?\)", "", text)
    return re.sub(r"[\s_\-*]+", "", text)


_SHEETS = {_key(alias): sheet for sheet, aliases in SHEET_ALIASES.items() for alias in aliases}
_HEADERS = {
    sheet: {_key(alias): column for column, aliases in table.items() for alias in aliases}
    for sheet, table in HEADER_ALIASES.items()
}
assert all(set(table) == set(COLUMNS[sheet]) for sheet, table in HEADER_ALIASES.items())


def sheet_name(name: str) -> str | None:
    """The canonical sheet a sheet (or CSV file stem) name stands for, if any."""
    return _SHEETS.get(_key(name))


def read_workbook(paths: list[Path]) -> dict[str, list[SheetRow]]:
    """Rows of the sheets found in the given files, keyed by canonical sheet name.

    A sheet may be absent; a sheet that is present needs its required columns. Every row's
    values hold each recognised column (None for a blank cell); blank rows are skipped.
    """
    tables: dict[str, tuple[Path, list[tuple[object, ...]]]] = {}
    for sheet, source, rows in _tables(paths):
        if not any(_cell(v) is not None for row in rows for v in row):
            continue  # an empty sheet is as good as an absent one
        if sheet in tables:
            raise WorkbookError("import.duplicate_sheet", sheet=sheet,
                                first=str(tables[sheet][0]), second=str(source))
        tables[sheet] = (source, rows)
    if not tables:
        raise WorkbookError("import.no_sheets", path=", ".join(str(p) for p in paths))

    result: dict[str, list[SheetRow]] = {}
    errors: list[RowError] = []
    for sheet, (_, rows) in tables.items():
        columns = _columns(sheet, rows[0], errors)
        result[sheet] = list(_sheet_rows(sheet, columns, rows[1:]))
    if errors:
        raise ImportRejected(errors)
    return result


def _tables(paths: list[Path]) -> Iterator[tuple[str, Path, list[tuple[object, ...]]]]:
    for path in paths:
        if path.is_dir():
            # In a folder, files that name no sheet (a README, a notes.csv) are left alone.
            for child in sorted(path.iterdir()):
                if child.suffix.lower() == ".csv" and sheet_name(child.stem):
                    yield sheet_name(child.stem), child, _read_csv(child)
            continue
        if not path.exists():
            raise WorkbookError("import.file_not_found", path=str(path))
        suffix = path.suffix.lower()
        if suffix in XLSX_SUFFIXES:
            yield from _read_xlsx(path)
        elif suffix == ".csv":
            sheet = sheet_name(path.stem)
            if sheet is None:
                raise WorkbookError("import.unknown_sheet", path=str(path), name=path.stem)
            yield sheet, path, _read_csv(path)
        else:
            raise WorkbookError("import.unsupported_file", path=str(path), suffix=suffix)


def _read_xlsx(path: Path) -> Iterator[tuple[str, Path, list[tuple[object, ...]]]]:
    import openpyxl  # only needed for workbooks

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise WorkbookError("import.unreadable", path=str(path), reason=str(exc)) from exc
    try:
        for worksheet in book.worksheets:
            sheet = sheet_name(worksheet.title)
            if sheet is not None:  # other sheets (instructions, pivots) are ignored
                worksheet.reset_dimensions()  # some writers store a wrong used range
                yield sheet, path, [tuple(r) for r in worksheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _read_csv(path: Path) -> list[tuple[object, ...]]:
    raw = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [tuple(r) for r in csv.reader(io.StringIO(text, newline=""))]
    raise WorkbookError("import.bad_encoding", path=str(path))


def _columns(sheet: str, header: Iterable[object], errors: list[RowError]) -> dict[int, str]:
    """Column index → canonical name; unknown headers are ignored."""
    names = _HEADERS[sheet]
    columns: dict[int, str] = {}
    seen: dict[str, object] = {}
    for index, cell in enumerate(header):
        if cell is None or (column := names.get(_key(cell))) is None:
            continue
        if column in seen:
            errors.append(RowError(sheet, 1, column, "import.duplicate_column",
                                   {"header": str(cell), "first": str(seen[column])}))
            continue
        seen[column] = cell
        columns[index] = column
    for column in COLUMNS[sheet]:
        if column in REQUIRED[sheet] and column not in seen:
            errors.append(RowError(sheet, 1, column, "import.missing_column", {}))
    return columns


def _sheet_rows(sheet: str, columns: dict[int, str],
                rows: list[tuple[object, ...]]) -> Iterator[SheetRow]:
    for number, cells in enumerate(rows, start=2):
        values = {column: _cell(cells[i] if i < len(cells) else None)
                  for i, column in columns.items()}
        if any(v is not None for v in values.values()):
            yield SheetRow(sheet, number, values)


def _cell(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
