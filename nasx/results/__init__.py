"""Results of a run: one row per trial (`schema.COLUMNS`), appended as trials end, read back as a DataFrame."""

from nasx.results import curves, store
from nasx.results.schema import COLUMNS, STATUSES, empty_row
from nasx.results.store import append, empty_frame, load

__all__ = ["COLUMNS", "STATUSES", "append", "curves", "empty_frame", "empty_row", "load", "store"]
