"""Prometheus metrics at /metrics, in the text exposition format (version 0.0.4).

Who may read them: a request that reached the server on a loopback address and did not pass
through a proxy (a Prometheus on the same machine), or anyone presenting a "metrics" access
token (`gongdan metrics-token`), as `Authorization: Bearer …` or `?token=…`. Anything else gets
401 and no figures. The proxies in deploy/ do not forward /metrics at all.

Counters (`*_total`) are this process's own since it started; gauges come from the database
and read the same from every process.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from domain import access_tokens, clock, operations_metrics
from domain.operations_metrics import OperationsFigures
from handlers.web.services import WebServices

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "gongdan_"
# Process counters always shown (0 before the first), so an alert on them never sees "no data".
KNOWN_COUNTERS = {
    "updates_handled": "Telegram updates this process applied.",
    "sender_429": "Too Many Requests answers Telegram gave this process's sender.",
    "sent": "Messages this process's sender delivered.",
    "webhook_attempts_ok": "Outgoing webhook deliveries the ERP accepted.",
    "webhook_attempts_failed": "Outgoing webhook attempts that failed (retried with backoff).",
    "updates_waiting_for_telegram": "Updates put back because Telegram failed a call they "
                                    "needed (getFile): retried, no attempt used up.",
    "updates_unreadable": "Updates the Telegram library could not read, set aside at once "
                          "(kept with their error in inbox_update).",
    "database_outages": "Times this process found the database unavailable (locked, full, "
                        "unreachable).",
    "database_errors": "Database operations that failed because the database was unavailable "
                       "(retried).",
}
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


@dataclass
class Family:
    name: str
    kind: str  # counter | gauge
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, **labels: str) -> Family:
        self.samples.append((labels, value))
        return self


def register(app: web.Application, services: WebServices) -> None:
    """Add /metrics."""

    async def metrics(request: web.Request) -> web.Response:
        async with services.sessions() as session:
            if not _local(request) and await access_tokens.verify(
                    session, _token(request), now=clock.now(),
                    purpose=operations_metrics.TOKEN_PURPOSE) is None:
                return web.Response(status=401, text="a metrics token is needed\n",
                                    headers={"WWW-Authenticate": "Bearer"})
            figures = await operations_metrics.read(session, clock.now(),
                                                    wall_now=datetime.now(UTC),
                                                    live_window=services.live_window)
        counts = services.counters() if services.counters is not None else {}
        body = exposition(counter_families(counts) + figure_families(figures))
        return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE,
                                                         "Cache-Control": "no-store"})

    app.router.add_get("/metrics", metrics)


def _local(request: web.Request) -> bool:
    """Came in on a loopback address, straight from a client on this machine."""
    if any(header in request.headers for header in PROXY_HEADERS):
        return False
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not sockname:
        return False
    try:
        return ipaddress.ip_address(sockname[0]).is_loopback
    except ValueError:  # a Unix socket's path
        return False


def _token(request: web.Request) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.query.get("token")


def counter_families(counts: dict[str, int]) -> list[Family]:
    names = {**dict.fromkeys(KNOWN_COUNTERS, 0), **counts}
    return [Family(f"{PREFIX}{_name(name)}_total", "counter",
                   KNOWN_COUNTERS.get(name, f"Process counter {name}.")).add(n)
            for name, n in sorted(names.items())]


def figure_families(f: OperationsFigures) -> list[Family]:
    reports = Family(f"{PREFIX}reports", "gauge", "Work reports by status.")
    for status, n in f.reports.items():
        reports.add(n, status=status)
    deliveries = Family(f"{PREFIX}webhook_deliveries", "gauge",
                        "Outgoing webhook deliveries waiting (pending) or given up (failed).")
    for status, n in f.webhook_deliveries.items():
        deliveries.add(n, status=status)
    heartbeats = Family(f"{PREFIX}process_heartbeat_age_seconds", "gauge",
                        "Seconds since each bot process's last heartbeat (gone after an hour).")
    for (name, mode), age in sorted(f.heartbeat_ages.items()):
        heartbeats.add(age, process=name, mode=mode)

    def gauge(name: str, help_: str, value: float) -> Family:
        return Family(PREFIX + name, "gauge", help_).add(value)

    return [
        reports,
        gauge("outbox_pending", "Messages waiting in the outbox.", f.outbox_pending),
        gauge("outbox_oldest_pending_age_seconds",
              "Age of the oldest message waiting in the outbox.", f.outbox_oldest_pending_seconds),
        gauge("outbox_failed", "Messages given up (permanent error, chat unreachable).",
              f.outbox_failed),
        gauge("inbox_pending", "Telegram updates stored but not applied yet.", f.inbox_pending),
        gauge("inbox_oldest_pending_age_seconds", "Age of the oldest update not applied yet.",
              f.inbox_oldest_pending_seconds),
        gauge("sweep_lag_seconds", "How far the oldest due reminder step is behind.",
              f.sweep_lag_seconds),
        deliveries,
        gauge("processes_alive", "Bot processes whose heartbeat is recent.", f.processes_alive),
        heartbeats,
    ]


def exposition(families: list[Family]) -> str:
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for labels, value in family.samples:
            inner = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items())
            lines.append(f"{family.name}{'{' + inner + '}' if inner else ''} {_value(value)}")
    return "\n".join(lines) + "\n"


def _name(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", text)


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))
