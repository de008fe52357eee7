"""`InProcess`: the executor that runs a driver's trials one at a time in the driver's own process.

No Ray, no worker processes: for evaluators that take milliseconds, for debugging a trial with a plain
debugger, and for machines without Ray. Trials are not stopped early (`search.asha` needs Ray Tune) and
an evaluator that raises fails its trial, with the reason in its row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from nasx.search.evaluators import Evaluator
from nasx.search.ledger import FINISHED, Ledger
from nasx.search.setup import SearchSetup


class InProcess:
    name = "inprocess"

    def check(self, setup: SearchSetup) -> None:
        if setup.searcher.stopping:
            raise ValueError(f"search.scheduler={setup.searcher.stopping}: early stopping needs the Ray Tune executor")
        if setup.address:
            raise ValueError(f"cluster.address={setup.address}: the in-process executor runs on this machine only")

    @contextlib.contextmanager
    def session(self, setup: SearchSetup, run_dir: Path) -> Iterator[None]:
        """Nothing to hold: trials run in this process."""
        yield

    def run(self, setup: SearchSetup, ledger: Ledger, data, run_dir: Path, *, name: str, evaluator: Evaluator) -> None:
        """Ask the ledger for configs and evaluate each in turn until it is finished."""
        try:
            while (config := ledger.next_config()) != FINISHED:
                if config is None:  # a ledger waits only on trials in flight, and none are
                    raise RuntimeError("the ledger waits for trials, but none is running")
                try:
                    result = evaluator(config, data, setup, lambda progress: None)
                except Exception as exc:  # the trial failed; the search goes on
                    ledger.complete(config["trial_id"], None, f"{type(exc).__name__}: {exc}")
                    continue
                ledger.complete(config["trial_id"], result)
        finally:
            ledger.flush_lines()
