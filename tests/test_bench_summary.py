"""The headline table of `make bench`, built from results shaped as the benchmarks return them."""

from __future__ import annotations

from typing import Any

import pytest

from bench import summary
from bench.summary import Results, Row


def reports() -> list[dict[str, Any]]:
    def row(key: str, per_second: float, p50: float, p99: float, users: int,
            **extra: Any) -> dict[str, Any]:
        return {"key": key, "what": key, "count": 20, "per_second": per_second, "p50_ms": p50,
                "p99_ms": p99, "latency_users": users, "runs": 3, **extra}

    return [row("text", 62.0, 166.5, 201.2, 10, workers=200, count=2000),
            row("photo", 17.0, 500.0, 670.2, 10, workers=200, count=200),
            row("text_one", 44.0, 21.9, 27.4, 1),
            row("photo_one", 16.0, 33.2, 42.0, 1)]


def decoding() -> list[dict[str, Any]]:
    def row(decoder: str, decoded: int, false_reads: int = 0) -> dict[str, Any]:
        return {"decoder": decoder, "photos": 200, "with_code": 190, "decoded": decoded,
                "decode_rate": decoded / 190, "in_pixels": 172, "decoded_in_pixels": decoded,
                "in_pixels_rate": decoded / 172, "false_reads": false_reads, "p50_ms": 10.6,
                "p95_ms": 496.9}

    return [row("full chain", 167), row("pyzbar + preprocessing", 161, false_reads=1),
            row("zxing-cpp raw", 143)]


def outbox_row(key: str, rate: float, count_429: int = 0, lost: int = 0,
               runs: int = 1) -> dict[str, Any]:
    return {"key": key, "what": f"{key} row", "people": 200, "delivered": 200 - lost,
            "rate": rate, "peak": 28, "count_429": count_429, "lost": lost, "duplicated": 0,
            "runs": runs}


def fanout(**default: Any) -> dict[str, Any]:
    def pace(value: float, lost: int = 0) -> dict[str, Any]:
        return {"pace": value, "busiest": 8, "lost": lost, "duplicated": 0}

    return {"rows": [outbox_row("default", 27.1, runs=3, **default),
                     outbox_row("over_cap", 33.8, count_429=92),
                     outbox_row("shared", 26.4),
                     {**outbox_row("processes", 27.3), "what": "3 processes on PostgreSQL"}],
            "groups": {"posts": 8, "supervisors": 10, "by_scope": {"private": 2},
                       "group": pace(18.0), "private": pace(0.9)}}


def sweeping() -> list[dict[str, Any]]:
    return [{"what": "pick", "reminders": 101_000, "due": 1000, "median_ms": 0.5,
             "per_second": None, "runs": 30},
            {"what": "sweep", "reminders": 101_000, "due": 1000, "median_ms": 4561.8,
             "per_second": 219.0, "runs": 3}]


def analytics() -> dict[str, Any]:
    def row(what: str, median: float, target: float | None) -> dict[str, Any]:
        return {"what": what, "available": True, "first_ms": median * 2, "median_ms": median,
                "runs": 5, "target_ms": target}

    return {"params": {"workers": 300, "days": 365, "seed": 1}, "history": {},
            "rows": [row("daily summary + chart", 389.0, 1000.0),
                     row("  of which the chart (PNG)", 264.0, None),
                     row("wage run, one month", 1578.0, 2000.0),
                     {"what": "board refresh", "available": False, "target_ms": 200.0},
                     row("KPIs, one month", 365.0, None)]}


def memory() -> dict[str, Any]:
    return {"users": 300, "peak_mb": 131.0, "target_mb": 512.0, "per_user_mb": 0.04,
            "phases": [{"what": "idle", "VmRSS": 112.0, "VmHWM": 112.0}]}


def everything(**changed: Any) -> Results:
    return Results(**{"reports": reports(), "decoding": decoding(), "sweeping": sweeping(),
                      "analytics": analytics(), "fanout": fanout(), "memory": memory(),
                      **changed})


def by_start(rows: list[Row], start: str) -> Row:
    (found,) = [r for r in rows if r.what.startswith(start)]
    return found


def test_every_figure_the_issue_names_in_order() -> None:
    rows = summary.build(everything())

    assert [r.what.split(",")[0].split(" (")[0] for r in rows] == [
        "text reports per second", "text report ack p50", "text report ack p50",
        "photo reports per second", "photo report ack p50", "photo report ack p50",
        "decode rate", "decode rate", "decode rate",
        "outbox to 200 people", "outbox paced at twice the cap: every 429 retried",
        "3 sender processes on PostgreSQL", "group pace", "private chat pace",
        "reminder sweep: pick the due work", "daily summary + chart", "wage run",
        "peak RSS of the bot"]


def test_reports_medians_and_the_targets_they_are_held_to() -> None:
    rows = summary.build(Results(reports=reports()))

    text = by_start(rows, "text reports per second")
    assert (text.measured, text.ratio, text.met, text.over) == (62.0, 0.062, False, "3 runs")
    many, one = [r for r in rows if r.what.startswith("photo report ack")]
    # The photo target is on p99, not on the median shown.
    assert (many.measured, many.on, many.met) == (500.0, 670.2, False)
    assert many.ratio == pytest.approx(670.2 / 300)
    assert "10 workers at once" in many.what and "p99 670 ms" in many.also
    assert (one.ratio, one.met) == (pytest.approx(42.0 / 300), True)
    assert "one worker" in one.what
    typed = [r for r in rows if r.what.startswith("text report ack")]
    assert [(r.measured, r.target, r.ratio, r.met) for r in typed] == [
        (166.5, None, None, None), (21.9, None, None, None)]


def test_decode_rate_of_readable_codes_against_95_percent() -> None:
    chain, pyzbar, zxing = summary.build(Results(decoding=decoding()))

    assert chain.ratio == pytest.approx(167 / 172 / 0.95)
    assert (chain.met, pyzbar.met, zxing.met) == (True, False, False)
    assert "p50 10.6 ms, p95 497 ms" in chain.also
    assert "161/172" in pyzbar.also and "1 false reads" in pyzbar.also


def test_outbox_rate_is_a_ratio_of_the_cap_that_429s_or_losses_fail() -> None:
    rows = summary.build(Results(fanout=fanout()))

    default = by_start(rows, "outbox to 200 people")
    assert (default.ratio, default.met, default.over) == (pytest.approx(27.1 / 30), True,
                                                          "3 runs")
    over = by_start(rows, "outbox paced at twice")
    assert (over.target, over.met) == (None, None)
    assert "92 × 429" in over.also
    group = by_start(rows, "group pace")
    assert (group.ratio, group.met) == (pytest.approx(18 / 20), True)
    private = by_start(rows, "private chat pace")
    assert (private.ratio, private.met) == (pytest.approx(0.9), False)  # 2 × 429 on this limit
    assert "2 × 429" in private.also

    for broken in ({"count_429": 1}, {"lost": 1}):
        rows = summary.build(Results(fanout=fanout(**broken)))
        assert by_start(rows, "outbox to 200 people").met is False


def test_times_and_memory_below_their_targets() -> None:
    rows = summary.build(Results(sweeping=sweeping(), analytics=analytics(), memory=memory()))

    assert [(r.what.split(" (")[0], r.measured, r.ratio, r.met, r.over) for r in rows] == [
        ("reminder sweep: pick the due work", 0.5, 0.01, True, "30 queries"),
        ("daily summary + chart", 389.0, 0.389, True, "5 calls"),
        ("wage run, one month", 1578.0, 0.789, True, "5 calls"),
        ("peak RSS of the bot, 300 active users", 131.0, 131 / 512, True, "1 run")]
    assert "219 steps/s" in rows[0].also
    assert "+41 kB per active user" in rows[-1].also


def test_a_figure_at_its_bound() -> None:
    def row(kind: str) -> Row:
        return Row("x", 30.0, "msg/s", "1 run", target=summary.Target(30.0, kind))

    assert [row(kind).met for kind in (summary.AT_LEAST, summary.UNDER, summary.CAP)] == [
        True, False, True]


def test_benches_that_did_not_run_give_no_rows() -> None:
    assert summary.build(Results()) == []
    assert summary.build(everything(fanout=None, memory=None)) == [
        r for r in summary.build(everything())
        if not r.what.startswith(("outbox", "3 sender", "group", "private", "peak RSS"))]


def test_markdown_shows_targets_ratios_and_misses() -> None:
    text = summary.markdown(summary.build(everything()))
    lines = text.splitlines()

    assert lines[:2] == ["| what | measured | target | vs target | met | measured over | also |",
                         "|---|---:|---:|---:|---:|---:|---|"]
    text_row = next(line for line in lines if line.startswith("| text reports per second"))
    assert "| 62/s | ≥ 1,000/s | 0.06 | **no** | 3 runs | 2,000 reports |" in text_row
    photo = next(line for line in lines if "photo report ack p50, 10 workers" in line)
    assert "| 500 ms | p99 < 300 ms | 2.23 | **no** | 3 runs | p99 670 ms |" in photo
    assert "| 97.1% |" in text and "| ≥ 95.0% | 1.02 | yes |" in text
    assert "| 18.0 msg/min |" in text and "| ≤ 20.0 msg/min | 0.90 | yes |" in text
    assert "| 131 MB |" in text and "| < 512 MB | 0.26 | yes |" in text
