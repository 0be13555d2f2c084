"""Master data import: people, products with their routings, and orders, from one workbook,
and the factory's settings (defect reasons, responsible people, ladders, shifts, values) from
optional sheets of the same workbook (domain/masterdata/settings_sheets.py).

Reading the file is the bot's business (bot/workbook.py); it hands over `SheetRow`s keyed by
canonical column names. Here every row is checked (`validate` collects every error, it never
stops at the first) and, only when the whole file is clean, written (`import_master_data`).
A file with any error changes nothing: the factory fixes the sheet and imports it again.

Cells and columns: a blank cell means "none" or the default, except that a blank language or
priority keeps what was set since (in the bot, or a rush); a column missing from the sheet
leaves that field of existing rows alone.
"""

from domain.masterdata.rows import (
    ALL_SHEETS,
    COLUMNS,
    REQUIRED,
    SETTINGS_SHEETS,
    SHEETS,
    ImportRejected,
    MasterData,
    RowError,
    SheetRow,
)
from domain.masterdata.settings_store import Replaced
from domain.masterdata.store import Counts, ImportResult, import_master_data
from domain.masterdata.validation import validate

__all__ = ["ALL_SHEETS", "COLUMNS", "REQUIRED", "SETTINGS_SHEETS", "SHEETS", "Counts",
           "ImportRejected", "ImportResult", "MasterData", "Replaced", "RowError", "SheetRow",
           "import_master_data", "validate"]
