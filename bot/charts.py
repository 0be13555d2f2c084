"""The summary's chart (attachment kind "chart"): a PNG drawn when the notice is sent, in the
reader's language.

Two panels on a phone-sized portrait canvas (1080 × 1350 px, big type): good pieces per hour
(per day for a week or a month) as bars with the cumulative output against the cumulative plan,
and the defects by reason as horizontal bars (scrap and rework). Chinese is drawn with a CJK
font installed on the machine (fonts-wqy-microhei, see scripts/bootstrap.sh), registered with
matplotlib's font manager; without one the chart is still drawn and the log says why its
Chinese is missing. matplotlib is imported on the first chart only, so the bot starts fast, and
drawing runs in a worker thread, one chart at a time (matplotlib's state is shared). The same
spec and language always give the same bytes (no timestamp in the file), so a summary sent to
several people is drawn once.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import logging
import threading
from pathlib import Path
from typing import Any

from bot import attachments
from bot.i18n import label, render_text

log = logging.getLogger(__name__)

# The first installed one is used (Debian: fonts-wqy-microhei, fonts-wqy-zenhei,
# fonts-noto-cjk).
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
WIDTH, HEIGHT, DPI = 1080, 1350, 100
BASE_SIZE = 20  # points at 100 dpi: about 28 px, readable on a phone showing the full width
MAX_TICKS = 13
MAX_REASON = 16  # width of a defect reason's name (a Chinese character counts 2) before the cut
HEADROOM = 1.4  # room above the highest bar or line for the legend

COLOURS = {"bars": "#8EB8F0", "good": "#1F4E9C", "plan": "#E8772E", "scrap": "#D64541",
           "rework": "#F2B33D", "grid": "#DDDDDD", "muted": "#777777"}

_lock = threading.Lock()
_state: dict[str, Any] = {}


def cjk_font() -> str | None:
    """The family name of the CJK font registered with matplotlib, or None without one."""
    _matplotlib()
    return _state["font"]  # type: ignore[no-any-return]


def _matplotlib() -> Any:
    """Import and set up matplotlib once: the Agg backend, the CJK font first in the family."""
    with _lock:
        if "mpl" not in _state:
            import matplotlib

            matplotlib.use("Agg")
            from matplotlib import font_manager

            family = None
            for path in CJK_FONTS:
                if path.exists():
                    font_manager.fontManager.addfont(str(path))
                    family = font_manager.FontProperties(fname=str(path)).get_name()
                    break
            if family is None:
                log.error("no CJK font found (%s): Chinese in charts will be missing",
                          ", ".join(map(str, CJK_FONTS)))
            matplotlib.rcParams["font.family"] = [*([family] if family else []), "DejaVu Sans"]
            matplotlib.rcParams["font.size"] = BASE_SIZE
            matplotlib.rcParams["axes.unicode_minus"] = False
            _state["font"] = family
            _state["mpl"] = matplotlib
    return _state["mpl"]


async def build(spec: dict[str, Any], lang: str,
                making: attachments.Making) -> attachments.Attachment:
    data = await asyncio.to_thread(draw, spec, lang)
    name = f"summary-{spec.get('period') or 'chart'}.png".replace("..", "_")
    return attachments.Attachment(data, name, as_photo=True)


def draw(spec: dict[str, Any], lang: str) -> bytes:
    """The PNG for a chart spec (see domain/summary.py chart_spec) in `lang`."""
    return _draw_cached(json.dumps(spec, sort_keys=True, ensure_ascii=False), lang)


@functools.lru_cache(maxsize=16)
def _draw_cached(spec_json: str, lang: str) -> bytes:
    spec = json.loads(spec_json)
    _matplotlib()
    from matplotlib.figure import Figure

    with _lock:
        figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
        _title(figure, spec, lang)
        # Each panel lays out on its own: long reason names do not squeeze the output panel.
        top, bottom = figure.subfigures(2, 1, height_ratios=[3, 2])
        _output_panel(top.subplots(), spec, lang)
        _defects_panel(bottom.subplots(), spec, lang)
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _text(key: str, lang: str, **params: Any) -> str:
    return render_text(f"summary.chart_{key}", lang, params)


def _title(figure: Any, spec: dict[str, Any], lang: str) -> None:
    title = _text(f"title_{spec.get('period_kind', 'day')}", lang, period=spec.get("period", ""))
    if spec.get("as_of"):
        title += "  ·  " + _text("as_of", lang, time=spec["as_of"])
    figure.suptitle(title, fontsize=BASE_SIZE * 1.6)  # the CJK font has no bold


def _shown_range(good: list[int], plan: list[int] | None, elapsed: int) -> range:
    """The buckets worth showing: from the first with output or plan to the last (or now);
    a day keeps an hour of margin either side."""
    steps = [p - q for p, q in zip(plan, [0, *plan], strict=False)] if plan else []
    busy = [i for i in range(len(good)) if good[i] or (steps and steps[i])]
    if not busy:
        return range(0)
    first, last = busy[0], max(busy[-1], min(elapsed, len(good)) - 1)
    return range(max(0, first - 1), min(len(good), last + 2))


def _output_panel(ax: Any, spec: dict[str, Any], lang: str) -> None:
    daily = spec.get("chart") == "daily"
    good: list[int] = spec.get("good") or []
    plan: list[int] | None = spec.get("plan")
    elapsed = int(spec.get("elapsed", len(good)))
    ax.set_title(_text("output_hour" if daily else "output_day", lang), loc="left",
                 fontsize=BASE_SIZE * 1.2)
    shown = _shown_range(good, plan, elapsed) if daily else range(len(good))
    if not shown or not (any(good) or plan):
        _empty(ax, _text("no_output", lang))
        return
    labels = [spec["buckets"][i] for i in shown]
    xs = list(range(len(labels)))
    bars = ax.bar(xs, [good[i] for i in shown], color=COLOURS["bars"], width=0.75,
                  label=_text("per_hour" if daily else "per_day", lang), zorder=2)
    ax.set_ylabel(_text("pieces", lang))
    ax.set_xlabel(_text("hour" if daily else "date", lang))
    ax.grid(axis="y", color=COLOURS["grid"], zorder=0)
    step = max(1, -(-len(xs) // MAX_TICKS))
    ax.set_xticks(xs[::step], labels[::step])
    ax.set_ylim(0, max(1, *(good[i] for i in shown)) * HEADROOM)
    _integer_axis(ax)

    cumulative = ax.twinx()
    running, totals = 0, []
    for i in range(len(good)):
        running += good[i]
        totals.append(running)
    done = [x for x, i in zip(xs, shown, strict=False) if i < elapsed]
    handles = [bars]
    handles += cumulative.plot(done, [totals[shown[x]] for x in done], color=COLOURS["good"],
                               linewidth=4, marker="o", markersize=7,
                               label=_text("cumulative", lang))
    if plan:
        handles += cumulative.plot(xs, [plan[i] for i in shown], color=COLOURS["plan"],
                                   linewidth=4, linestyle="--", label=_text("plan", lang))
    cumulative.set_ylabel(_text("cumulative_axis", lang))
    cumulative.set_ylim(0, max(1, totals[-1], *(plan or [])) * HEADROOM)
    _integer_axis(cumulative)
    ax.legend(handles=handles, loc="upper left", ncols=3, fontsize=BASE_SIZE * 0.8,
              framealpha=0.9, handlelength=1.5, columnspacing=1.0)


def _defects_panel(ax: Any, spec: dict[str, Any], lang: str) -> None:
    ax.set_title(_text("defects", lang), loc="left", fontsize=BASE_SIZE * 1.2)
    rows = [(name, int(scrap), int(rework)) for name, scrap, rework in spec.get("defects") or []
            if int(scrap) + int(rework) > 0]
    if not rows:
        _empty(ax, _text("no_defects", lang))
        return
    rows.reverse()  # the biggest on top
    names = [_reason(name, lang) for name, _, _ in rows]
    ys = list(range(len(rows)))
    scrap = [s for _, s, _ in rows]
    rework = [r for _, _, r in rows]
    ax.barh(ys, scrap, color=COLOURS["scrap"], label=_text("scrap", lang), zorder=2)
    ax.barh(ys, rework, left=scrap, color=COLOURS["rework"], label=_text("rework", lang),
            zorder=2)
    ax.set_yticks(ys, names)
    widest = max(s + r for s, r in zip(scrap, rework, strict=False))
    for y, s, r in zip(ys, scrap, rework, strict=False):
        ax.text(s + r + widest * 0.01, y, str(s + r), va="center", fontsize=BASE_SIZE)
    ax.set_xlim(0, widest * 1.15)
    ax.grid(axis="x", color=COLOURS["grid"], zorder=0)
    _integer_axis(ax, axis="x")
    ax.legend(loc="lower right", fontsize=BASE_SIZE * 0.85, framealpha=0.9)


def _reason(name: Any, lang: str) -> str:
    if isinstance(name, dict):
        text = str(name.get(lang) or name.get("en") or "")
    elif name:
        text = label("reason", name, lang)
    else:
        text = _text("unspecified", lang)
    width, kept = 0, ""
    for ch in text:
        width += 2 if ord(ch) > 0x2E7F else 1
        if width > MAX_REASON:
            return kept + "…"
        kept += ch
    return text


def _empty(ax: Any, message: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=BASE_SIZE * 1.3,
            color=COLOURS["muted"], transform=ax.transAxes)


def _integer_axis(ax: Any, axis: str = "y") -> None:
    from matplotlib.ticker import MaxNLocator

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))


attachments.register("chart", build)
