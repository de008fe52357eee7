"""What a driver writes besides the results table as each trial ends: the run's Optuna journal (always,
`nasx.results.optuna_journal`) and TensorBoard event files (with `logging.tensorboard`,
`nasx.results.tensorboard_events`). Each first catches up with the rows already in the run directory (a
resumed run, or one from before it existed), and never writes a trial twice."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nasx.results import curves
from nasx.search.setup import SearchSetup


def open_sinks(setup: SearchSetup, run_dir: Path, existing: pd.DataFrame) -> list:
    """The sinks of a run, caught up with `existing` (the rows already there); ValueError (one line) when
    one cannot be written."""
    from nasx.results.optuna_journal import JOURNAL, Journal

    journal = Journal(Path(run_dir) / JOURNAL, setup.name, setup.objectives(), setup.space.make().parameters())
    journal.sync(existing)
    sinks: list = [journal]
    if setup.logging.tensorboard:
        from nasx.results.tensorboard_events import DIR, TensorBoard

        board = TensorBoard(Path(run_dir) / DIR)
        board.sync(existing, curves.load(run_dir))
        sinks.append(board)
    return sinks


def describe(setup: SearchSetup, run_dir: Path) -> str:
    """Where a run's curves, journal and event files are, and what opens them."""
    from nasx.results.optuna_journal import JOURNAL
    from nasx.results.tensorboard_events import DIR

    run_dir = Path(run_dir)
    text = f"learning curves: {run_dir / curves.PARQUET}; Optuna: `optuna-dashboard {run_dir / JOURNAL}`"
    return text + (f"; TensorBoard: `tensorboard --logdir {run_dir / DIR}`" if setup.logging.tensorboard else "")
