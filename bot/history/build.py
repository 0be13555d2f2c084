"""Building a history database at the real schema, and keeping it cached for the benches."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.history.records import SETTINGS, History, HistoryParams, instant
from bot.history.simulation import Simulation
from bot.history.storage import Writer, check_columns, check_storage_format

# --- building a database -----------------------------------------------------------------------


def schema_head() -> str:
    """The migrations' head revision: a cached history is rebuilt when the schema moves."""
    from alembic.script import ScriptDirectory

    from domain.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def _migrate(path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from domain.migrate import alembic_config

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def generate(path: Path, params: HistoryParams | None = None, *, keep: bool = False,
             progress: Callable[[str], None] | None = None) -> History:
    """A fresh database at `path` (replaced if it exists) holding the generated history."""
    params = params or HistoryParams()
    check_storage_format()
    check_columns()
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _migrate(path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # A bulk load into a new file: nothing to protect until it is complete.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("BEGIN")
        writer = Writer(connection)
        simulation = Simulation(params, writer, keep)
        simulation.factory.write(writer, simulation.calendar.midnights[0] - 86400)
        simulation.run()
        simulation.finish()
        connection.execute("COMMIT")
        if progress:
            progress(f"{writer.counts['work_report']:,} reports in "
                     f"{time.perf_counter() - started:.0f} s")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    factory = simulation.factory
    return History(
        params=params, zone=simulation.calendar.zone, as_of=instant(simulation.as_of),
        products=factory.products, people=factory.people, shifts=factory.shifts,
        work_orders=simulation.work_orders if keep else [],
        reports=sorted(simulation.kept_reports, key=lambda r: r.id),
        inspections=sorted(simulation.kept_inspections, key=lambda i: i.id),
        rework_tasks=simulation.rework_tasks if keep else [],
        exceptions=simulation.exceptions if keep else [],
        clock_entries=simulation.clock_entries if keep else [],
        adjustments=simulation.adjustments if keep else [],
        counts=dict(writer.counts), seconds=time.perf_counter() - started,
        settings=dict(SETTINGS))


def cached(directory: Path, params: HistoryParams,
           progress: Callable[[str], None] | None = None) -> tuple[Path, bool]:
    """The generated database for these parameters, made once and reused: (path, was cached)."""
    path = directory / params.cache_name(schema_head())
    if path.exists():
        return path, True
    stem = path.name.rsplit("-", 1)[0]
    for stale in directory.glob(f"{stem}-*"):  # an older schema or generator: never read again
        stale.unlink()
    partial = path.with_name(path.name + ".partial")
    history = generate(partial, params, progress=progress)
    path.with_suffix(".json").write_text(json.dumps(
        {"counts": history.counts, "seconds": round(history.seconds, 1)}, indent=1))
    partial.rename(path)
    return path, False


def summary_lines(history: History) -> Iterable[str]:
    counts = history.counts
    yield (f"{history.params.workers} workers, {history.params.days} days "
           f"({history.params.start} – {history.params.end}), seed {history.params.seed}")
    for table in ("work_report", "qc_inspection", "rework_task", "work_order", "floor_exception",
                  "clock_entry", "wage_adjustment"):
        yield f"  {table}: {counts.get(table, 0):,}"
    yield f"  in {history.seconds:.1f} s"
