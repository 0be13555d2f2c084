"""Rows into SQLite: the stored forms of times and money, and big executemany batches."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.history.records import InspectionRec, ReportRec
from domain.models import Base

# --- rows ------------------------------------------------------------------------------------

_MINUTE_TEXT: dict[int, str] = {}


def ts(epoch: int | None) -> str | None:
    """An instant as SQLAlchemy stores a DateTime on SQLite (naive UTC, microseconds)."""
    if epoch is None:
        return None
    minute, second = divmod(epoch, 60)
    text = _MINUTE_TEXT.get(minute)
    if text is None:
        text = _MINUTE_TEXT[minute] = f"{datetime.fromtimestamp(minute * 60, UTC):%Y-%m-%d %H:%M}"
    return f"{text}:{second:02d}.000000"


def money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def check_storage_format() -> None:
    """The rows are written as text the ORM would have written: prove it once."""
    from sqlalchemy.dialects import sqlite

    bind = sqlite.DATETIME().bind_processor(sqlite.dialect())
    sample = datetime(2026, 3, 4, 5, 6, 7)
    assert bind is not None and bind(sample) == ts(int(sample.replace(tzinfo=UTC).timestamp()))


# Columns written per table, in the order the row functions produce them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("id", "code", "name", "role", "team", "skills", "wage_mode", "hourly_rate",
               "language", "telegram_user_id", "active", "registered_at", "created_at"),
    "product": ("id", "code", "name"),
    "routing": ("id", "product_id", "version"),
    "operation": ("id", "routing_id", "seq", "code", "name", "piece_rate", "std_minutes",
                  "qc_checkpoint", "qc_sampling", "workstation"),
    "customer_order": ("id", "order_no", "customer", "due_date", "priority", "created_at"),
    "work_order": ("id", "code", "order_id", "product_id", "routing_id", "quantity", "due_date",
                   "priority", "status", "version", "created_at", "released_at", "done_at"),
    "operation_task": ("id", "work_order_id", "operation_id", "seq", "planned_qty", "good_qty",
                       "scrap_qty", "pending_qc_qty", "rework_qty", "status", "version",
                       "started_at", "done_at", "planned_start", "planned_end"),
    "work_report": ("id", "task_id", "person_id", "good_qty", "scrap_qty", "scrap_reason",
                    "minutes", "source", "idempotency_key", "status", "accepted_qty",
                    "rework_task_id", "piece_rate", "reported_at", "work_started_at",
                    "accepted_at", "voided_at", "voided_by", "void_reason", "corrects_id"),
    "qc_inspection": ("id", "report_id", "task_id", "rework_task_id", "quantity", "status",
                      "created_at", "decided_at", "decided_by", "pass_qty", "rework_qty",
                      "scrap_qty", "defect_reason", "notice_outbox_ids"),
    "rework_task": ("id", "code", "task_id", "work_order_id", "operation_id", "inspection_id",
                    "quantity", "good_qty", "scrap_qty", "pending_qc_qty", "returned_qty",
                    "status", "assignee_id", "caused_by_id", "defect_reason", "created_at",
                    "done_at", "version"),
    "floor_exception": ("id", "kind", "severity", "status", "line_stopped", "work_order_id",
                        "task_id", "workstation", "comment", "reported_by", "reported_at",
                        "acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at",
                        "closed_at", "closed_by", "stopped_since", "downtime_seconds",
                        "group_outbox_ids", "version"),
    "exception_block": ("exception_id", "task_id", "blocked_at", "released_at"),
    "clock_entry": ("id", "person_id", "open_person_id", "clock_in_at", "clock_out_at",
                    "closed_at", "closed_by", "close_source", "fix_reason", "hourly_rate",
                    "paid_minutes", "idempotency_key", "created_at"),
    "wage_adjustment": ("id", "person_id", "amount", "reason", "created_by", "created_at",
                        "reverses_id", "idempotency_key"),
    "shift": ("id", "name", "team", "weekdays", "start", "end"),
    "defect_reason": ("id", "code", "name_zh", "name_en", "sort", "active"),
    "factory_setting": ("key", "value"),
    "responsibility": ("id", "kind", "person_id"),
}


def check_columns() -> None:
    """Every NOT NULL column without a database default is written (raw inserts skip the
    models' Python defaults), and every name written exists."""
    for name, columns in COLUMNS.items():
        table = Base.metadata.tables[name]
        unknown = set(columns) - set(table.c.keys())
        assert not unknown, (name, unknown)
        for column in table.c:
            if (not column.nullable and column.server_default is None
                    and column.name not in columns):
                raise AssertionError(f"{name}.{column.name} is NOT NULL and not written")


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)  # quoted: "start" and "end" are SQL words
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"


class Writer:
    """Buffers rows per table and writes them with executemany in big batches."""

    BATCH = 50_000

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.sql = {name: _insert_sql(name, columns) for name, columns in COLUMNS.items()}

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        rows = self.rows[table]
        rows.append(row)
        if len(rows) >= self.BATCH:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.rows):
            rows = self.rows[name]
            if rows:
                self.connection.executemany(self.sql[name], rows)
                self.counts[name] += len(rows)
                rows.clear()


def id_of(record: Any) -> int | None:
    return None if record is None else record.id


def report_row(r: ReportRec) -> tuple[Any, ...]:
    return (r.id, r.task.id, r.person.id, r.good, r.scrap, r.reason, r.minutes, r.source,
            f"history:{r.id}", r.status, r.accepted, r.rework.id if r.rework else None,
            float(r.rate), ts(r.reported_at), ts(r.started_at), ts(r.accepted_at),
            ts(r.voided_at), id_of(r.voided_by), r.void_reason, id_of(r.corrects))


def inspection_row(i: InspectionRec) -> tuple[Any, ...]:
    return (i.id, i.report.id, i.task.id, i.rework.id if i.rework else None, i.quantity,
            i.status, ts(i.created_at), ts(i.decided_at), id_of(i.decided_by), i.passed,
            i.reworked, i.scrapped, i.reason, "")

