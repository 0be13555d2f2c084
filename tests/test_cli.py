"""The `gongdan` command as a person runs it: real processes, a real SQLite file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.sample_factory import write_sample_workbook
from tests import databases

ROOT = Path(__file__).resolve().parents[1]


def gongdan(tmp_path: Path, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": databases.plain_url_for(tmp_path / "cli.db"),
           "GONGDAN_LANGUAGE": lang}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_sample_workbook(tmp_path / "factory.xlsx", date(2026, 11, 21))


def test_import_then_reimport_changes_nothing(tmp_path, workbook):
    first = gongdan(tmp_path, "import", str(workbook))
    assert first.returncode == 0, first.stderr
    assert "people: 16 created" in first.stdout
    assert "Released work orders: WO-000001" in first.stdout
    again = gongdan(tmp_path, "import", str(workbook))
    assert again.returncode == 0
    assert "Nothing changed." in again.stdout and "16 unchanged" in again.stdout


def test_a_bad_file_imports_nothing_and_names_every_row(tmp_path, workbook):
    book = load_workbook(workbook)
    book["orders"]["D3"] = "abc"         # quantity
    book["orders"]["C4"] = "NOPE-1"      # unknown product
    book["products"]["F2"] = "-1"        # negative piece rate
    book.save(workbook)
    result = gongdan(tmp_path, "import", str(workbook))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "The file has 3 problem(s); nothing was imported:"
    assert any(line.strip().startswith("products row 2, piece_rate") for line in lines)
    assert any(line.strip().startswith("orders row 3, quantity") for line in lines)
    assert any("orders row 4, product_code: unknown product 'NOPE-1'" in line for line in lines)
    status = gongdan(tmp_path, "status", "--json")
    assert json.loads(status.stdout) == {"work_orders": []}


def test_errors_in_chinese(tmp_path, workbook):
    book = load_workbook(workbook)
    book["orders"]["E2"] = "next week"
    book.save(workbook)
    result = gongdan(tmp_path, "import", str(workbook), lang="zh")
    assert "订单（orders）第 2 行，due_date：不是日期" in result.stderr


def test_status_json_is_the_same_truth(tmp_path, workbook):
    gongdan(tmp_path, "import", str(workbook))
    data = json.loads(gongdan(tmp_path, "status", "--json").stdout)
    first = next(w for w in data["work_orders"] if w["code"] == "WO-000001")
    assert first["product_code"] == "BT-200" and first["quantity"] == 500
    assert [op["seq"] for op in first["operations"]] == [10, 20, 30, 40, 50]
    assert first["operations"][0]["remaining"] == 500
    assert first["operations"][1]["arrived"] == 0
    text = gongdan(tmp_path, "status").stdout.splitlines()
    first = text.index(next(line for line in text if line.startswith("WO-000001  BT-200")))
    assert text[first + 1:first + 3] == [
        "  op   name          planned arrived good    scrap   pend.QC rework  left    status",
        "  10   贴片          500     500     0       0       0       0       500     ready"]


def test_labels_and_invites(tmp_path, workbook):
    gongdan(tmp_path, "import", str(workbook))
    pdf = gongdan(tmp_path, "labels", "--order", "SO-2602", "-o", "cards.pdf")
    assert pdf.returncode == 0, pdf.stderr
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", (tmp_path / "cards.pdf").read_bytes())
    assert len(pages) == 2  # SO-2602 has two work orders: one card each
    missing = gongdan(tmp_path, "labels", "WO-999999", "-o", "x.pdf")
    assert missing.returncode == 1 and "WO-999999" in missing.stderr
    invite = gongdan(tmp_path, "invite", "--role", "worker", "--person", "W01")
    link, code = invite.stdout.splitlines()[1:3]
    assert link == f"https://t.me/YOUR_BOT?start={code}" and len(code) >= 12
    bad = gongdan(tmp_path, "invite", "--role", "boss", "--person", "W01")
    assert bad.returncode == 1 and "Unknown role boss" in bad.stderr
