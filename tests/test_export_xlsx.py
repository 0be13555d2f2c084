"""The Excel export of the November in tests/export_floor.py: every sheet, in Chinese and in
English, read back with openpyxl (values, formats, totals, frozen headers), the file checked as
a zip of well-formed XML, opened by LibreOffice when it is installed, and `gongdan export` run
as a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

import bot.attachments_all  # noqa: F401  (registers the "export" builder)
from bot import attachments, export_xlsx
from bot.config import Settings
from bot.export_xlsx import display_width, sheet_title, write_export
from domain.periods import Period
from tests import databases, export_floor
from tests.export_floor import NOVEMBER, NOW, ZONE

ROOT = Path(__file__).resolve().parents[1]
SHEETS_ZH = ["报工", "质检", "返工", "异常", "工资", "工资汇总", "班组工资", "指标", "人效排名",
             "说明"]
SHEETS_EN = ["Reports", "Inspections", "Rework", "Exceptions", "Wages", "Wage sheet",
             "Team wages", "KPIs", "Output ranking", "About"]


@pytest.fixture
async def floor(session):
    return await export_floor.build(session)


async def export(session, tmp_path: Path, lang: str = "zh", *, team: str | None = None,
                 period: Period = NOVEMBER) -> tuple[Path, dict[str, int]]:
    out = tmp_path / f"export-{lang}-{team}.xlsx"
    counts = await write_export(session, out, period=period, zone=ZONE, lang=lang, team=team,
                                now=NOW)
    return out, counts


def rows(path: Path, sheet: str) -> list[tuple]:
    """The values a reader sees (cached values of the formulas)."""
    book = load_workbook(path, data_only=True)
    return [tuple(r) for r in book[sheet].iter_rows(values_only=True)]


def by_header(path: Path, sheet: str) -> list[dict]:
    header, *data = rows(path, sheet)
    return [dict(zip(header, r, strict=True)) for r in data]


async def test_every_sheet_in_chinese_and_english(session, floor, tmp_path):
    zh, counts = await export(session, tmp_path, "zh")
    en, _ = await export(session, tmp_path, "en")
    assert load_workbook(zh).sheetnames == SHEETS_ZH
    assert load_workbook(en).sheetnames == SHEETS_EN
    assert counts == {"reports": 6, "inspections": 3, "rework": 1, "exceptions": 2, "wages": 5,
                      "wage_sheet": 6, "team_wages": 3, "kpis": 27, "ranking": 2}
    assert rows(zh, "报工")[0] == (
        "编号", "报工时间", "工单", "产品", "工序号", "工序编码", "工序", "返工单", "工号", "姓名",
        "班组", "良品", "报废", "报废原因", "计件良品", "计件单价", "用时（分钟）", "报工方式", "状态",
        "计件时间", "作废时间", "作废原因", "更正报工")
    assert rows(en, "Reports")[0][:13] == (
        "ID", "Reported at", "Work order", "Product", "Op. no.", "Op. code", "Operation",
        "Rework task", "Person code", "Name", "Team", "Good", "Scrap")
    assert rows(zh, "工资汇总")[0] == (
        "工号", "姓名", "班组", "计薪方式", "计件数", "工时", "计件工资", "计时工资", "奖惩调整", "应发合计",
        "待质检（件）", "未打下班卡（上班时间）")
    assert rows(en, "Wage sheet")[0][4:10] == (
        "Pieces", "Hours", "Piece wages", "Hourly wages", "Adjustments", "Total")
    assert rows(zh, "质检")[0][10:16] == ("数量", "合格", "返工", "报废", "缺陷原因", "状态")
    assert rows(en, "Exceptions")[0][-1] == "Downtime (h)"
    for path in (zh, en):
        book = load_workbook(path)
        for ws in book.worksheets:
            assert ws.freeze_panes == "A2", ws.title
            assert all(cell.value for cell in ws[1]), ws.title  # a header in every column
            assert all(cell.font.b for cell in ws[1])
            assert ws.auto_filter.ref.startswith("A1:")


async def test_reports_in_factory_time_with_their_formats(session, floor, tmp_path):
    path, _ = await export(session, tmp_path, "zh")
    reports = by_header(path, "报工")
    first, second, voided, inspected, reworked, pending = reports[:6]
    # 10-31 16:30 UTC is 11-01 00:30 in Shanghai: a real date, naive, in factory time.
    assert first["报工时间"] == datetime(2026, 11, 1, 0, 30)
    assert (first["工单"], first["工序号"], first["工序"], first["工号"], first["班组"]) == (
        "WO-000001", 10, "贴片", "W01", "甲班")
    assert (second["良品"], second["报废"], second["报废原因"], second["计件单价"]) == (
        60, 2, "毛刺", 0.35)
    assert (voided["状态"], voided["计件良品"], voided["作废时间"], voided["作废原因"]) == (
        "已作废", 0, datetime(2026, 11, 3, 10, 5), "undo")
    assert (inspected["计件良品"], inspected["计件时间"]) == (45, datetime(2026, 11, 4, 13, 0))
    assert (reworked["返工单"], reworked["计件单价"]) == ("RW-000001", 0)
    assert (pending["状态"], pending["计件时间"], pending["报工方式"]) == ("待质检", None, "输入")
    assert reports[6]["编号"] == "合计"

    ws = load_workbook(path)["报工"]
    header = [c.value for c in ws[1]]

    def fmt(name: str) -> str:
        return ws.cell(row=3, column=header.index(name) + 1).number_format

    assert fmt("报工时间") == "yyyy-mm-dd hh:mm"
    assert fmt("良品") == "#,##0" and fmt("计件单价") == "0.00##" and fmt("编号") == "0"
    assert ws.cell(row=3, column=header.index("良品") + 1).data_type == "n"
    en = by_header((await export(session, tmp_path, "en"))[0], "Reports")
    assert (en[1]["Scrap reason"], en[2]["Status"], en[5]["Source"]) == (
        "burr", "voided", "typed")


async def test_totals_are_formulas_with_their_values_cached(session, floor, tmp_path):
    path, _ = await export(session, tmp_path, "zh")
    ws = load_workbook(path)["报工"]
    last = ws.max_row
    assert last == 8  # header, 6 reports, totals
    header = [c.value for c in ws[1]]
    good = header.index("良品") + 1
    assert ws.cell(row=last, column=1).value == "合计"
    assert ws.cell(row=last, column=good).value == "=SUBTOTAL(9,L2:L7)"
    assert ws.cell(row=last, column=good).font.b
    assert ws.auto_filter.ref == "A1:W7"  # the totals stay out of the filter and the sorting
    totals = dict(zip(header, rows(path, "报工")[-1], strict=True))
    # 20 + 60 + 30 + 50 + 3 + 10 reported; 20 + 60 + 45 + 3 payable.
    assert (totals["良品"], totals["报废"], totals["计件良品"]) == (173, 2, 128)
    assert totals["计件单价"] is None  # a rate does not add up
    inspected = dict(zip(rows(path, "质检")[0], rows(path, "质检")[-1], strict=True))
    assert (inspected["数量"], inspected["合格"], inspected["返工"], inspected["报废"]) == (
        63, 48, 3, 2)
    assert rows(path, "异常")[-1][-1] == 2  # hours of line stop
    assert rows(path, "工资")[-1][10] == 50.5
    wage_total = load_workbook(path)["工资汇总"]
    assert wage_total.cell(row=wage_total.max_row, column=10).number_format == "#,##0.00"


async def test_wages_line_by_line_and_per_person_and_team(session, floor, tmp_path):
    path, _ = await export(session, tmp_path, "zh")
    lines = [(r["工号"], r["日期"], r["类别"], r["数量"], r["单价"], r["金额"])
             for r in by_header(path, "工资")[:-1]]
    assert lines == [
        ("W01", datetime(2026, 11, 1), "计件", 20, 0.35, 7),
        ("W01", datetime(2026, 11, 3), "计件", 90, 0.35, 31.5),
        ("W01", datetime(2026, 11, 3), "作废冲减", -30, 0.35, -10.5),
        ("W02", datetime(2026, 11, 4), "计件", 45, 0.5, 22.5),
        ("W02", datetime(2026, 11, 5), "返工", 3, 0, 0),
    ]
    sheet = {r["工号"]: r for r in by_header(path, "工资汇总")}
    assert (sheet["W01"]["计件数"], sheet["W01"]["计件工资"], sheet["W01"]["应发合计"]) == (
        80, 28, 28)
    assert (sheet["W02"]["应发合计"], sheet["W02"]["待质检（件）"]) == (22.5, 10)
    assert sheet["合计"]["应发合计"] == 50.5
    teams = {r["班组"]: (r["人数"], r["计件数"], r["应发合计"]) for r in by_header(path, "班组工资")}
    assert teams == {"（无班组）": (2, 0, 0), "乙班": (1, 0, 0), "甲班": (3, 128, 50.5),
                     "合计": (6, 128, 50.5)}
    ws = load_workbook(path)["工资"]
    assert ws["K2"].number_format == "#,##0.00" and ws["E2"].number_format == "yyyy-mm-dd"


async def test_kpis_as_fractions_hours_and_dashes(session, floor, tmp_path):
    path, _ = await export(session, tmp_path, "en")
    kpis = {(r["Scope"], r["KPI"]): r for r in by_header(path, "KPIs")}
    assert {scope for scope, _ in kpis} == {"Factory", "甲班", "乙班"}
    rework = kpis["Factory", "Rework rate"]
    # Rework qty / inspected qty: 3 / (50 + 3) = 5.7 %, above the 3 % target.
    assert (rework["Value"], rework["Target"], rework["On target"]) == (0.057, 0.03, "no")
    assert (rework["Numerator"], rework["Denominator"]) == (3, 53)
    assert kpis["Factory", "Downtime"]["Value"] == 2  # EX1 stopped the line 2 h
    assert kpis["Factory", "Exception response"]["Value"] == 0.5
    # No task was due in November (WO-000001 is due in 2030): no data, not 0 %.
    assert kpis["Factory", "Task on-time"]["Value"] == "–"
    assert kpis["Factory", "Task on-time"]["On target"] == "–"
    ws = load_workbook(path)["KPIs"]
    formats = {ws.cell(row=n, column=2).value: ws.cell(row=n, column=3).number_format
               for n in range(2, 11)}
    assert formats["Rework rate"] == "0.0%" and formats["Downtime"] == '0.0" h"'
    ranking = by_header(path, "Output ranking")
    assert [(r["Rank"], r["Person code"], r["Good"]) for r in ranking] == [
        (1, "W01", 80), (2, "W02", 48), ("Total", None, 128)]


async def test_text_that_looks_like_a_formula_stays_text(session, floor, tmp_path):
    path, _ = await export(session, tmp_path, "zh")
    ws = load_workbook(path)["异常"]
    header = [c.value for c in ws[1]]
    comment = ws.cell(row=2, column=header.index("说明") + 1)
    assert comment.value == "=cmd|' /C calc'!A0" and comment.data_type == "s"
    assert comment.quotePrefix  # editing the cell in Excel keeps it text
    assert ws.cell(row=3, column=header.index("说明") + 1).value == "+1 缺料"
    reporter = ws.cell(row=2, column=header.index("上报人") + 1)
    assert reporter.value == "@张三" and reporter.quotePrefix
    assert not ws.cell(row=2, column=header.index("工单") + 1).quotePrefix
    # In the XML, the only formulas are the totals.
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = archive.read(name).decode()
                for formula in xml.split("<f>")[1:]:
                    assert formula.startswith("SUBTOTAL(9,"), (name, formula[:40])


async def test_a_zip_of_well_formed_xml(session, floor, tmp_path):
    path, _ = await export(session, tmp_path, "zh")
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert "[Content_Types].xml" in names and "xl/workbook.xml" in names
        for name in names:
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))  # raises when malformed


async def test_a_supervisors_team(session, floor, tmp_path):
    path, counts = await export(session, tmp_path, "zh", team="甲班")
    assert {r["班组"] for r in by_header(path, "报工")[:-1]} == {"甲班"}
    assert [r["工号"] for r in by_header(path, "工资汇总")] == ["S01", "W01", "W02", "合计"]
    assert {r["范围"] for r in by_header(path, "指标")} == {"全厂", "甲班"}
    assert counts["exceptions"] == 2  # a stopped line concerns every team
    assert dict(rows(path, "说明")[1:])["班组"] == "甲班"
    other, counts = await export(session, tmp_path, "zh", team="乙班")
    assert counts["reports"] == counts["inspections"] == counts["rework"] == 0
    assert [r["工号"] for r in by_header(other, "工资汇总")] == ["W03", "合计"]
    nobody, _ = await export(session, tmp_path, "zh", team="")
    assert [r["工号"] for r in by_header(nobody, "工资汇总")] == ["M01", "Q01", "合计"]
    assert {r["范围"] for r in by_header(nobody, "指标")} == {"全厂"}


async def test_a_period_without_records_still_has_headers(session, floor, tmp_path):
    path, counts = await export(session, tmp_path, "en", period=Period.day(date(2026, 11, 2)))
    assert counts["reports"] == counts["inspections"] == counts["exceptions"] == 0
    assert rows(path, "Reports") == [rows(path, "Reports")[0]]  # the header, no totals
    assert len(rows(path, "Reports")[0]) == 23


async def test_a_table_longer_than_a_sheet_continues_on_the_next(session, floor, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(export_xlsx, "MAX_ROWS", 4)  # a header, 2 rows, the totals
    path, counts = await export(session, tmp_path, "zh")
    names = load_workbook(path).sheetnames
    assert names[:5] == ["报工", "报工 2", "报工 3", "质检", "质检 2"]
    parts = [by_header(path, name) for name in names[:3]]
    assert [[r["编号"] for r in part] for part in parts] == [[1, 2, "合计"], [3, 4, "合计"],
                                                            [5, 6, "合计"]]
    assert sum(part[-1]["良品"] for part in parts) == 173
    assert counts["reports"] == 6


def test_widths_count_chinese_twice_and_sheet_names_are_legal():
    assert display_width("WO-000001") == 9
    assert display_width("工人W01") == 7
    assert display_width("（无班组）") == 10
    taken: set[str] = set()
    assert sheet_title("报工", taken) == "报工"
    assert sheet_title("报工", taken) == "报工 2"
    assert sheet_title("a/b:c*d?[e]\\f", taken) == "a b c d  e  f"
    assert len(sheet_title("x" * 40, taken)) == 31


async def test_the_attachment_is_made_at_send_time(sessions, session, floor, tmp_path):
    settings = Settings(timezone="Asia/Shanghai")
    made = await attachments.build(
        {"kind": "export", "from": "2026-11-01", "to": "2026-11-30", "team": "甲班"}, "en",
        attachments.Making(sessions, settings))
    assert made.filename == "gongdan-2026-11-01_2026-11-30-甲班.xlsx" and not made.as_photo
    path = tmp_path / made.filename
    path.write_bytes(made.data)
    assert len(by_header(path, "Reports")) == 7
    assert load_workbook(path).sheetnames == SHEETS_EN


async def test_too_big_for_telegram_the_wages_and_kpis_still_arrive(sessions, session, floor,
                                                                   tmp_path, monkeypatch):
    monkeypatch.setattr(export_xlsx, "FILE_LIMIT", 1)
    made = await attachments.build({"kind": "export", "from": "2026-11-01", "to": "2026-11-30",
                                    "team": None}, "zh",
                                   attachments.Making(sessions, Settings()))
    path = tmp_path / made.filename
    path.write_bytes(made.data)
    assert load_workbook(path).sheetnames == ["工资", "工资汇总", "班组工资", "指标", "人效排名",
                                              "说明"]
    assert rows(path, "工资汇总")[-1][9] == 50.5
    assert "gongdan export" in dict(rows(path, "说明")[1:])["明细"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
async def test_libreoffice_opens_it_and_computes_the_same_totals(session, floor, tmp_path):
    path, _ = await export(session, tmp_path, "zh")
    converted = tmp_path / "lo"
    result = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "xlsx", "--outdir", str(converted), str(path)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    again = converted / path.name
    # LibreOffice recalculated every SUBTOTAL; its figures are the ones we cached.
    for sheet in ("报工", "质检", "返工", "异常", "工资", "工资汇总", "班组工资", "人效排名"):
        assert rows(again, sheet) == rows(path, sheet), sheet


def gongdan(tmp_path: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "gongdan"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(db), "GONGDAN_LANGUAGE": "zh",
           "GONGDAN_TIMEZONE": "Asia/Shanghai"}
    return subprocess.run([*command, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


async def test_the_command_line_export(session, floor, tmp_path):
    db = tmp_path / "gongdan.db"  # the file the `session` fixture uses
    out = tmp_path / "report.xlsx"
    done = gongdan(tmp_path, db, "export", "--from", "2026-11-01", "--to", "2026-11-30",
                   "-o", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:3] == [f"{out}  2026-11-01..2026-11-30", "  Reports: 6",
                                            "  Inspections: 3"]
    assert [r["Good"] for r in by_header(out, "Reports")] == [20, 60, 30, 50, 3, 10, 173]
    assert not list(tmp_path.glob("*.part"))

    team = gongdan(tmp_path, db, "export", "--from", "2026-11-01", "--to", "2026-11-30",
                   "-o", str(tmp_path / "team.xlsx"), "--team", "乙班")
    assert team.returncode == 0, team.stderr
    assert "  报工: 0" in team.stdout and "乙班" in team.stdout.splitlines()[0]

    backwards = gongdan(tmp_path, db, "export", "--from", "2026-11-30", "--to", "2026-11-01",
                        "-o", str(tmp_path / "x.xlsx"))
    assert backwards.returncode == 2 and "before" in backwards.stderr
    assert not (tmp_path / "x.xlsx").exists()
    bad = gongdan(tmp_path, db, "export", "--from", "11/01", "-o", str(tmp_path / "x.xlsx"))
    assert bad.returncode == 2 and "not a date" in bad.stderr
