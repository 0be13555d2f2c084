"""The summary's chart: a valid phone-sized PNG, Chinese drawn with a real CJK font (never as
empty boxes), the same bytes for the same data, and a clear panel when there is nothing to show.
Also the summary message as people read it, in Chinese and in English."""

from __future__ import annotations

import dataclasses
import io
import json
import warnings
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fontTools.ttLib import TTCollection
from matplotlib import font_manager
from PIL import Image

from bot import charts
from bot.attachments import BUILDERS
from bot.messages_summary import MESSAGES
from bot.render import render
from domain import summary
from domain.kpis import Kpi
from domain.notifications import Notice
from domain.periods import Period
from tests import databases

ZONE = ZoneInfo("Asia/Shanghai")
HOURS = [f"{h:02d}" for h in range(24)]


def day_spec(**changes) -> dict:
    good = [0] * 8 + [40, 55, 60, 58, 20, 50, 62, 61, 57, 30] + [0] * 6
    plan, running = [], 0
    for hour in range(24):
        running += 60 if 8 <= hour < 18 else 0
        plan.append(running)
    spec = {"kind": "chart", "chart": "daily", "period": "2026-11-21", "period_kind": "day",
            "as_of": "18:00", "buckets": HOURS, "good": good, "plan": plan, "elapsed": 18,
            "defects": [[{"zh": "毛刺", "en": "burr"}, 12, 5], ["dimension", 3, 7],
                        [None, 2, 0], ["螺丝松动", 1, 1]]}
    return {**spec, **changes}


def fresh(spec: dict, lang: str) -> bytes:
    charts._draw_cached.cache_clear()
    return charts.draw(spec, lang)


def picture(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_phone_sized_png_in_either_language():
    zh, en = fresh(day_spec(), "zh"), fresh(day_spec(), "en")
    for data in (zh, en):
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        image = picture(data)
        assert (image.format, image.size) == ("PNG", (charts.WIDTH, charts.HEIGHT))
        assert image.getbbox() is not None  # something is drawn
    assert zh != en  # the words are the reader's


def test_the_chinese_font_is_a_real_cjk_font_that_has_every_glyph_the_chart_uses():
    family = charts.cjk_font()
    assert family is not None, "install fonts-wqy-microhei (scripts/bootstrap.sh)"
    path = font_manager.findfont(font_manager.FontProperties(family=family),
                                 fallback_to_default=False)
    assert path in map(str, charts.CJK_FONTS)
    texts = [entry["zh"] for key, entry in MESSAGES.items() if key.startswith("summary.chart_")]
    texts += ["毛刺", "尺寸不良", "外观不良", "功能不良", "来料不良", "其他"]  # default reasons
    cmap: dict[int, str] = {}
    for font in TTCollection(path).fonts:
        cmap.update(font.getBestCmap())
    missing = {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in cmap}
    assert not missing


def test_drawing_chinese_never_falls_back_to_empty_boxes():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh(day_spec(), "zh")
    tofu = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert tofu == []
    # The check itself works: a glyph no installed font has is reported.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fresh(day_spec(defects=[["\U0001F9EA\U00013000", 1, 0]]), "zh")
    assert any("missing from font" in str(w.message) for w in caught)


def test_the_same_data_gives_the_same_bytes_without_a_timestamp():
    first = fresh(day_spec(), "zh")
    again = fresh(day_spec(), "zh")
    assert first == again
    assert not {"Software", "Creation Time", "date:create"} & set(picture(first).info)


def test_nothing_to_show_is_a_clear_panel_not_a_crash():
    empty = day_spec(good=[0] * 24, plan=None, defects=[], as_of=None)
    image = picture(fresh(empty, "zh"))
    assert image.size == (charts.WIDTH, charts.HEIGHT)
    # Mostly white: no bars, no lines (the titles and the "no data" words only).
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    white = next(count for count, rgb in colours if rgb == (255, 255, 255))
    assert white > 0.95 * charts.WIDTH * charts.HEIGHT


def test_a_week_is_drawn_by_day():
    days = [f"11-{d}" for d in range(16, 23)]
    spec = day_spec(chart="period", period="2026-W47", period_kind="week", as_of=None,
                    buckets=days, good=[300, 320, 0, 310, 290, 0, 0],
                    plan=[300, 600, 900, 1200, 1500, 1500, 1500], elapsed=7)
    assert picture(fresh(spec, "en")).size == (charts.WIDTH, charts.HEIGHT)


async def test_registered_as_the_chart_attachment():
    made = await BUILDERS["chart"](day_spec(), "zh", None)
    assert made.as_photo and made.filename == "summary-2026-11-21.png"
    assert picture(made.data).format == "PNG"


# --- the message -----------------------------------------------------------------------------


def kpi(name: str, value: str | None, unit: str = "%", better: str = "higher",
        target: str = "98", p90: str | None = None) -> Kpi:
    return Kpi(name, None if value is None else Decimal(value), unit, Decimal(0), Decimal(0),
               better, Decimal(target), None if p90 is None else Decimal(p90))


def made_up_summary() -> summary.Summary:
    now = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)  # 18:00 in the factory
    lines = (
        summary.KpiLine(kpi("task_on_time", "96.5"), kpi("task_on_time", "95")),
        summary.KpiLine(kpi("scrap_rate", "2.3", better="lower", target="2"),
                        kpi("scrap_rate", "1.1", better="lower", target="2")),
        summary.KpiLine(kpi("response_ack", "0.5", "h", "lower", "12", p90="2.3"), None),
        summary.KpiLine(kpi("downtime", "0", "h", "lower", "0.16"),
                        kpi("downtime", "0", "h", "lower", "0.16")),
        summary.KpiLine(kpi("delivery_on_time", None), None),
    )
    return summary.Summary(
        period=Period.day(date(2026, 11, 21)), zone="Asia/Shanghai", as_of=now, partial=True,
        output=summary.Output(good=480, plan=600, plan_so_far=500, finished=120,
                              finished_plan=150),
        kpis=lines,
        late=(summary.LateOrder("WO-000002", "PCB-A 主板", 50, 20, date(2026, 11, 19), 2),
              summary.LateOrder("WO-000003", "PCB-A 主板", 30, 0, date(2026, 11, 21), 0)),
        exceptions=(summary.OpenException(7, "equipment", "high", "open", True,
                                          datetime(2026, 11, 21, 2, 0, tzinfo=UTC), 8 * 3600,
                                          2),),
        defects=(summary.DefectCount("burr", {"zh": "毛刺", "en": "burr"}, 3, 2),
                 summary.DefectCount(None, None, 1, 0)),
        buckets=())


def shown(notice: Notice, lang: str) -> str:
    """As the sender renders it from the outbox's JSON."""
    payload = json.dumps(dataclasses.asdict(notice), default=lambda v: v.isoformat()
                         if hasattr(v, "isoformat") else str(v))
    return render(json.loads(payload), lang, ZONE).text


def test_the_summary_in_chinese():
    assert shown(summary.notice(made_up_summary()), "zh") == "\n".join([
        "📊 日报 2026-11-21",
        "截至 11-21 18:00",
        "📦 产出：良品 480 件；计划 600 件，到此时应完成 500 件，达成 96%",
        "🏁 完工（末道工序合格）：120 件，计划 150 件",
        "📈 关键指标（目标｜较前一天）：",
        "⚠️ 任务准时率 96.5%（目标 ≥98%）↑+1.5 好转",
        "⚠️ 报废率 2.3%（目标 ≤2%）↑+1.2 变差",
        "✅ 异常响应 中位 0.5小时，P90 2.3小时（目标 ≤12小时）",
        "✅ 停机时长 0小时（目标 ≤0.16小时）→ 持平",
        "➖ 交付准时率 –（目标 ≥98%）",
        "⏰ 逾期工单 2 个：",
        "· WO-000002 PCB-A 主板：交期 11-19，已逾期 2 天（完工 20/50）",
        "· WO-000003 PCB-A 主板：11-21 到期，尚未完工（完工 0/30）",
        "🚨 未处理完的异常 1 个：",
        "· ⛔EX-000007 设备，待响应，已过 8小时，已升级到第 2 级",
        "🔍 不良：报废 4 件，返工 2 件。主要原因：",
        "· 毛刺：5 件（报废 3，返工 2）",
        "· 未注明原因：1 件（报废 1，返工 0）",
    ])


def test_the_summary_in_english():
    text = shown(summary.notice(made_up_summary()), "en")
    assert text.startswith("📊 Daily summary 2026-11-21\nAs of 11-21 18:00\n"
                           "📦 Output: 480 good pieces; plan 600, 500 due by now, 96% achieved")
    assert "⚠️ Scrap rate 2.3% (target ≤2%) ↑+1.2 worse" in text
    assert "✅ Exception response median 0.5 h, p90 2.3 h (target ≤12 h)" in text
    assert "· WO-000002 PCB-A 主板: due 11-19, 2 d late (20/50 finished)" in text
    assert "· burr: 5 (3 scrapped, 2 rework)" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_summary_message_has_both_languages(lang):
    assert all(entry.get(lang) for entry in MESSAGES.values())


def test_the_cli_prints_the_summary_and_writes_the_chart(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", databases.plain_url_for(tmp_path / "cli.db"))
    monkeypatch.setenv("GONGDAN_LANGUAGE", "zh")
    chart = tmp_path / "summary.png"
    assert main(["summary", "--date", "2026-11-20", "-o", str(chart)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("📊 日报 2026-11-20\n📦 产出：良品 0 件，计划 –\n")
    assert picture(chart.read_bytes()).size == (charts.WIDTH, charts.HEIGHT)
    assert main(["summary", "--date", "someday"]) == 1
    assert "看不懂「someday」" in capsys.readouterr().err
