"""The headline of `make bench`: one table of the figures the suite exists for, each against
its target, built from what the benchmarks return (their detailed tables follow it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.bench_fanout import CAP as PER_BOT
from bench.bench_fanout import CHAT_CAP, GROUP_CAP
from bench.bench_reports import PHOTO_P99_TARGET_MS, TEXT_PER_SECOND_TARGET
from bench.common import table

AT_LEAST, UNDER, CAP = "at least", "under", "cap"  # a rate, a time or a size, a limit
DECODE_TARGET = 0.95  # issue 2: of the photos whose code is in the pixels
SWEEP_TARGET_MS = 50.0  # issue 3: picking the due work among 100,000 open reminders
HEADLINE_ANALYTICS = ("daily summary + chart", "wage run, one month", "board refresh")
FORMATS = {"/s": "{:,.0f}/s", "%": "{:.1%}", "MB": "{:,.0f} MB", "msg/s": "{:.1f} msg/s",
           "msg/min": "{:.1f} msg/min"}  # and "ms", see _ms


@dataclass(frozen=True)
class Target:
    bound: float
    kind: str  # AT_LEAST, UNDER or CAP
    figure: str = ""  # the figure the target is on when it is not the measured one ("p99")


@dataclass(frozen=True)
class Row:
    what: str
    measured: float
    unit: str  # how to show it: a key of FORMATS
    over: str  # what the median (or the rate) is taken over: "3 runs", "200 photos"
    also: str = ""  # the same measurement's other figures
    target: Target | None = None
    on: float | None = None  # the value of target.figure, when the target names one
    holds: bool = True  # the row's other conditions: no 429 answered, nothing lost

    @property
    def ratio(self) -> float | None:
        """The figure the target is on, divided by the target."""
        if self.target is None:
            return None
        return (self.measured if self.on is None else self.on) / self.target.bound

    @property
    def met(self) -> bool | None:
        ratio = self.ratio
        if self.target is None or ratio is None:
            return None
        within = {AT_LEAST: ratio >= 1, UNDER: ratio < 1, CAP: ratio <= 1}[self.target.kind]
        return within and self.holds


@dataclass(frozen=True)
class Results:
    """What each benchmark's main() returned; None for one that did not run."""

    reports: list[dict[str, Any]] | None = None
    decoding: list[dict[str, Any]] | None = None
    sweeping: list[dict[str, Any]] | None = None
    analytics: dict[str, Any] | None = None
    fanout: dict[str, Any] | None = None
    memory: dict[str, Any] | None = None


def build(results: Results) -> list[Row]:
    """The headline rows, in the order the issue names them."""
    sections: list[tuple[Any, Callable[[Any], list[Row]]]] = [
        (results.reports, reports), (results.decoding, decoding), (results.fanout, outbox),
        (results.sweeping, sweep), (results.analytics, analytics), (results.memory, memory)]
    return [row for found, make in sections if found is not None for row in make(found)]


def reports(found: list[dict[str, Any]]) -> list[Row]:
    by = {r["key"]: r for r in found}
    photo_p99 = Target(PHOTO_P99_TARGET_MS, UNDER, "p99")

    def ack(key: str, kind: str, target: Target | None = None) -> Row:
        r = by[key]
        who = "one worker" if r["latency_users"] == 1 else f"{r['latency_users']} workers at once"
        return Row(f"{kind} report ack p50, {who}", r["p50_ms"], "ms", _runs(r),
                   f"p99 {_ms(r['p99_ms'])}", target, r["p99_ms"] if target else None)

    text, photo = by["text"], by["photo"]
    return [
        Row(f"text reports per second, {text['workers']} workers at once", text["per_second"],
            "/s", _runs(text), f"{text['count']:,} reports",
            Target(TEXT_PER_SECOND_TARGET, AT_LEAST)),
        ack("text", "text"),
        ack("text_one", "text"),
        Row(f"photo reports per second (download + decode + reply), {photo['workers']} "
            "workers at once", photo["per_second"], "/s", _runs(photo),
            f"{photo['count']:,} photos"),
        ack("photo", "photo", photo_p99),
        ack("photo_one", "photo", photo_p99),
    ]


def decoding(found: list[dict[str, Any]]) -> list[Row]:
    return [Row(f"decode rate, {r['decoder']}", r["in_pixels_rate"], "%",
                f"{r['photos']} photos",
                f"p50 {_ms(r['p50_ms'])}, p95 {_ms(r['p95_ms'])}; {r['decoded_in_pixels']}/"
                f"{r['in_pixels']} whose code is in the pixels, {r['decoded']}/{r['with_code']} "
                f"of all with a code; {r['false_reads']} false reads",
                Target(DECODE_TARGET, AT_LEAST)) for r in found]


def outbox(found: dict[str, Any]) -> list[Row]:
    def delivery(r: dict[str, Any]) -> str:
        return (f"busiest second {r['peak']:.0f}; {r['count_429']} × 429; "
                f"{r['delivered']:.0f}/{r['people']} delivered, {r['lost']} lost, "
                f"{r['duplicated']} duplicated")

    def clean(r: dict[str, Any]) -> bool:
        return not (r["count_429"] or r["lost"] or r["duplicated"])

    by = {r["key"]: r for r in found["rows"]}
    rows = []
    if "default" in by:
        r = by["default"]
        rows.append(Row(f"outbox to {r['people']} people, default pacing", r["rate"], "msg/s",
                        _runs(r), delivery(r), Target(PER_BOT, CAP), holds=clean(r)))
    if "over_cap" in by:
        r = by["over_cap"]
        rows.append(Row("outbox paced at twice the cap: every 429 retried", r["rate"], "msg/s",
                        _runs(r), delivery(r), holds=r["lost"] == 0 and r["duplicated"] == 0))
    if "processes" in by:
        r = by["processes"]
        rows.append(Row(r["what"].replace("processes", "sender processes", 1), r["rate"],
                        "msg/s", _runs(r), delivery(r), Target(PER_BOT, CAP), holds=clean(r)))
    burst = found.get("groups")
    if burst:
        scopes, posts = burst["by_scope"], burst["posts"]
        rows += [
            _pace(f"group pace, {posts} messages to each group", burst["group"], "msg/min",
                  GROUP_CAP, "minute", scopes.get("group", 0)),
            _pace(f"private chat pace, {posts} messages to each of {burst['supervisors']} "
                  "supervisors", burst["private"], "msg/s", CHAT_CAP, "second",
                  scopes.get("private", 0)),
        ]
    return rows


def _pace(what: str, pace: dict[str, Any], unit: str, cap: float, window: str,
          count_429: int) -> Row:
    """One chat kind's pace against its cap, from bench_fanout's burst of exceptions."""
    return Row(what, pace["pace"], unit, "1 run",
               f"busiest {window} {pace['busiest']}; {count_429} × 429 on this limit; "
               f"{pace['lost']} lost, {pace['duplicated']} duplicated", Target(cap, CAP),
               holds=not (count_429 or pace["lost"] or pace["duplicated"]))


def sweep(found: list[dict[str, Any]]) -> list[Row]:
    pick, *catch_up = found
    also = f"{pick['reminders']:,} open reminders, {pick['due']} due"
    if catch_up and catch_up[0].get("per_second"):
        also += f"; firing them: {catch_up[0]['per_second']:.0f} steps/s"
    return [Row("reminder sweep: pick the due work", pick["median_ms"], "ms",
                f"{pick['runs']} queries", also, Target(SWEEP_TARGET_MS, UNDER))]


def analytics(found: dict[str, Any]) -> list[Row]:
    params = found["params"]
    size = f"{params['workers']} workers × {params['days']} days"
    return [Row(f"{r['what']} ({size})", r["median_ms"], "ms", f"{r['runs']} calls",
                f"first call {_ms(r['first_ms'])}",
                Target(r["target_ms"], UNDER) if r.get("target_ms") else None)
            for r in found["rows"] if r["what"] in HEADLINE_ANALYTICS and r["available"]]


def memory(found: dict[str, Any]) -> list[Row]:
    idle = found["phases"][0]
    return [Row(f"peak RSS of the bot, {found['users']} active users", found["peak_mb"], "MB",
                "1 run", f"idle {idle['VmRSS']:.0f} MB; "
                f"+{found['per_user_mb'] * 1024:.0f} kB per active user",
                Target(found["target_mb"], UNDER))]


def markdown(rows: list[Row]) -> str:
    lines = table(
        ("what", "measured", "target", "vs target", "met", "measured over", "also"),
        ((r.what, _shown(r.measured, r.unit), _target(r), _ratio(r.ratio),
          {True: "yes", False: "**no**", None: ""}[r.met], r.over, r.also) for r in rows),
        left=(0, 6))
    return "\n".join([
        *lines,
        "",
        "measured: the median over what \"measured over\" names (a decode rate: the share of "
        "those photos; the outbox: messages per second from the first delivered to the last; "
        "memory: the kernel's peak resident size, VmHWM). vs target: the figure the target is "
        "on divided by the target; a rate meets its target at 1 or more, a time or a size "
        "below 1, a cap (Telegram's limits, enforced by the local Bot API server with 429s) "
        "at 1 or less with no 429 answered and nothing lost or duplicated.",
    ])


def _runs(row: dict[str, Any]) -> str:
    runs = row.get("runs", 1)
    return f"{runs} run{'s' if runs != 1 else ''}"


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


def _shown(value: float, unit: str) -> str:
    return _ms(value) if unit == "ms" else FORMATS[unit].format(value)


def _target(row: Row) -> str:
    if row.target is None:
        return "–"
    sign = {AT_LEAST: "≥", UNDER: "<", CAP: "≤"}[row.target.kind]
    figure = f"{row.target.figure} " if row.target.figure else ""
    return f"{figure}{sign} {_shown(row.target.bound, row.unit)}"


def _ratio(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio:.2f}"
