"""A fixed list of trials run to the end: a fidelity ladder, a confirmation stage.

A ledger like `Plan` (an executor calls `next_config()` and `complete()`), without a searcher. Configs whose trial id
already has a row in the run directory are skipped, so running the same list again resumes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pandas as pd

from nasx import log
from nasx.search.ledger import FINISHED, Ledger
from nasx.search.setup import SearchSetup


class TrialQueue(Ledger):
    def __init__(
        self,
        setup: SearchSetup,
        configs: list[dict],
        existing: pd.DataFrame,
        *,
        commit: str = "",
        out: Callable[[str], None] = log.lines("search"),
    ) -> None:
        super().__init__(setup, existing, commit=commit, out=out)
        ids = [c["trial_id"] for c in configs]
        if len(set(ids)) != len(ids):
            raise ValueError("trial ids of a trial list must be unique")
        self.total = len(configs)
        self.skipped = sum(1 for c in configs if c["trial_id"] in self.trial_ids)
        self.pending = [c for c in configs if c["trial_id"] not in self.trial_ids]
        self.trial_ids.update(ids)

    def total_trials(self) -> int:
        return self.total

    def done(self) -> int:
        return self.skipped + self.new_done

    def next_config(self) -> dict | Literal["FINISHED"] | None:
        """The next trial's config, None while the last ones run, then FINISHED; then the pending progress
        lines. Once `halted`, only the trials running are waited for."""
        config: dict | Literal["FINISHED"] | None = None if self.inflight else FINISHED
        if self.pending and not self.halted():
            config = self.pending.pop(0)
            self.inflight[config["trial_id"]] = config
        self.flush_lines()
        return config
