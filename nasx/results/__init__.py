"""Results of a run: one row per trial (`schema.COLUMNS`), appended as trials end, read back as a DataFrame."""
from nasx.results.schema import COLUMNS, STATUSES, empty_row
from nasx.results.store import append, load

__all__ = ["COLUMNS", "STATUSES", "append", "empty_row", "load"]
