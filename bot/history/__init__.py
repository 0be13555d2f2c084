"""A factory's history, generated: a year of a 300-worker shop floor in a few minutes.

`generate(path, HistoryParams(...))` builds a fresh SQLite file at the real schema (the Alembic
migrations) and plays the factory day by day: products with routings of 3-6 operations (some
QC checkpoints), teams, workers paid by the piece, by the hour or both, a day shift and a night
shift. Work orders are released when the first operations run dry; every worker reports ~30
times a shift on the tasks their skills allow, pulling from the operations furthest down the
routing first; checkpoint reports wait for an inspector who passes them or splits them into
rework and scrap; rework comes back through its own reports and inspections; workers undo a
mistyped report now and then and type it again; exceptions are acknowledged and resolved, line
stops block their work order's tasks meanwhile; hourly staff clock in and out (and sometimes
forget, fixed by their supervisor); supervisors enter bonuses and deductions.

It is a simulation of the same rules the app applies (the flow rule, QC holds, the rework
policy, task and work-order states as domain/progress.py computes them), so every row is one
the app could have written. Rows go in with executemany in big batches, in one transaction.

Everything is drawn from one seeded RNG: the same parameters give the same database. With
`keep=True` the rows also stay in memory (`History`), so an independent computation can check
the domain's wage and KPI code against them (tests/known_answers.py).

    gongdan generate-history --workers 300 --days 365 --seed 1 --db var/history.db

The package: records.py (parameters and what is kept), factory.py (calendar, products, people),
simulation.py (the days played), storage.py (rows and batches), build.py (the database, cached).
"""

from bot.history.build import cached, generate, schema_head, summary_lines
from bot.history.records import (
    GENERATOR_VERSION,
    REPORT_WINDOW_MINUTES,
    ExceptionRec,
    History,
    HistoryParams,
    PersonRec,
    ReportRec,
    TaskRec,
)

__all__ = ["GENERATOR_VERSION", "REPORT_WINDOW_MINUTES", "ExceptionRec", "History",
           "HistoryParams", "PersonRec", "ReportRec", "TaskRec", "cached", "generate",
           "schema_head", "summary_lines"]
