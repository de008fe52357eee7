"""What every driver of trials keeps: ids, completion order, counts, the best reward, and the live view.

`Plan` (a search) and `TrialQueue` (a fixed list of trials) are ledgers: an executor asks them for the
next trial's config (`next_config`) and hands each trial's end back (`complete`), which builds its
row (`nasx.search.rows`) and records it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd

from nasx import log, results
from nasx.results import curves
from nasx.search.rows import incomplete_row, reported_history, reported_row
from nasx.search.setup import SearchSetup

_RANKERS = {"mo_asha": "MO-ASHA", "front_halving": "front halving"}  # a pruned row's error names its scheduler
FINISHED: Final = "FINISHED"  # what next_config returns once every trial has ended


def fmt_s(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return (
        f"{seconds // 60:02d}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds // 3600}h{seconds % 3600 // 60:02d}"
    )


def finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


class Ledger:
    """Rows already in the run directory (`existing`) count as done; `complete` and `record` append a new one."""

    prunes = False  # whether a trial may end early without a result (a scheduler stopped it)

    def __init__(
        self,
        setup: SearchSetup,
        existing: pd.DataFrame,
        *,
        commit: str = "",
        out: Callable[[str], None] = log.lines("search"),
    ) -> None:
        self.setup, self.commit, self.out = setup, commit, out
        self.run_dir = setup.run_dir
        rows = existing.to_dict("records") if len(existing) else []
        self.trial_ids = {r["trial_id"] for r in rows}
        self.order = len(rows)
        self.counts = {s: sum(1 for r in rows if r["status"] == s) for s in results.STATUSES}
        self.best = max(
            (float(r["reward"]) for r in rows if r["status"] == "ok" and finite(r.get("reward"))), default=math.nan
        )
        self.inflight: dict[str, dict] = {}
        self.start = time.monotonic()
        self.last_line = self.start
        self.new_done = 0
        self._unprinted: list[tuple[dict, int]] = []  # (row, trials done with it) of lines not yet printed
        self.sinks: list = []  # more writers of each finished trial (`nasx.search.sinks`): record(row, curve), name
        self.unrecorded: list[str] = []  # trials that ended but whose row could not be written: the run stops
        self.write_error = ""

    def total_trials(self) -> int:
        raise NotImplementedError

    def done(self) -> int:
        return sum(self.counts.values())

    def next_config(self) -> dict | Literal["FINISHED"] | None:
        """The next trial's config, None to ask again later, or FINISHED."""
        raise NotImplementedError

    def complete(
        self, trial_id: str, result: dict | None, error: str | None = None, *, attempts: dict | None = None
    ) -> dict:
        """Record a trial's end: its evaluator's final result (with `row`), an early stop by the scheduler
        (the last progress it reported, no error), or a failure (`error`); returns its row. `attempts`: the
        executor's columns of how it ran the trial (`retries`, `redone_s`)."""
        config = self.inflight.pop(trial_id)
        if result and "row" in result:
            row = reported_row(self.setup, config, result, commit=self.commit)
        elif error is None and self.prunes:
            epoch = (result or {}).get("epoch", 0)
            why = (attempts or {}).get("stop_reason")
            by = _RANKERS.get(self.setup.searcher.stopping or "", "MO-ASHA")
            row = incomplete_row(
                self.setup,
                config,
                "pruned",
                f"stopped early by {by}: {why}" if why else f"stopped early by ASHA after epoch {epoch}",
                commit=self.commit,
                last=result,
            )
        else:
            row = incomplete_row(
                self.setup,
                config,
                "failed",
                error or "the trial ended without a result",
                commit=self.commit,
                last=result,
            )
        row.update(attempts or {})
        return self.finish(row, config, reported_history(result))

    def finish(self, row: dict[str, Any], config: dict, history: list[dict] | None = None) -> dict[str, Any]:
        """Record the row of a trial that ended (a ledger that tells a searcher does so here too)."""
        return self.record(row, history)

    def record(self, row: dict[str, Any], history: list[dict] | None = None) -> dict[str, Any]:
        """Append a finished trial's learning curve (`history`, per epoch) and then its row to the results,
        then hand both to the `sinks`; its progress line waits for `flush_lines`. The trial counts once its row
        is written (fsynced); a row that cannot be written (a full disk) is kept in `unrecorded`, and the ledger
        launches nothing more (`halted`)."""
        row["order"] = self.order
        curve = curves.curve_rows(row, history)
        try:  # before the row: a trial whose row is written has its curve
            curves.append(self.run_dir, curve)
        except OSError as exc:
            self.out(f"warning: {row['trial_id']}'s learning curve not stored in {curves.LOG} ({exc.strerror or exc})")
        try:
            results.append(self.run_dir, row, refresh_views=False)
        except OSError as exc:
            self.unrecorded.append(str(row["trial_id"]))
            self.write_error = self.write_error or f"{Path(self.run_dir) / results.store.LOG}: {exc.strerror or exc}"
            return row
        self.order += 1
        self.counts[row["status"]] += 1  # counted once durable; nothing below may let a search pass its budget
        self.new_done += 1
        try:
            results.store.update_views(self.run_dir)
        except Exception as exc:  # the log holds the row; the views catch up at the next refresh
            self.out(
                f"warning: results.parquet/.csv not refreshed ({type(exc).__name__}: "
                f"{' '.join(str(exc).split())}); {results.store.LOG} holds every row"
            )
        for sink in self.sinks:
            try:
                sink.record(row, curve)
            except Exception as exc:  # the results table holds the row; a sink catches up when the run resumes
                self.out(
                    f"warning: {row['trial_id']} not written to {sink.name} ({type(exc).__name__}: "
                    f"{' '.join(str(exc).split())})"
                )
        if row["status"] == "ok" and finite(row.get("reward")):
            self.best = row["reward"] if math.isnan(self.best) else max(self.best, row["reward"])
        self._unprinted.append((row, self.done()))
        return row

    def halted(self) -> bool:
        """Whether a row could not be written: the ledger launches nothing more and waits for the trials running."""
        return bool(self.unrecorded)

    def check_recorded(self) -> None:
        """After the executor: one ValueError line when rows could not be written, naming the trials that ended
        (trained) without a row; they run again when the run is resumed."""
        if self.unrecorded:
            raise ValueError(
                f"{self.write_error}: stopped after {len(self.unrecorded)} trial(s) ended without their row being "
                f"written: {', '.join(self.unrecorded)} (trained but not recorded; they run again when the run is "
                f"resumed); {self.done()} row(s) are recorded"
            )

    def flush_lines(self) -> None:
        """Print the progress lines of the trials recorded since the last call. The drivers call it once
        Tune has asked for the trial that refills a slot, so `running` counts that one too."""
        for row, done in self._unprinted:
            self.out(self.progress_line(row, done))
        if self._unprinted:
            self.last_line = time.monotonic()
        self._unprinted.clear()

    def status_line(self) -> str:
        """The live view between trial ends: what is running and for how long."""
        self.last_line = time.monotonic()
        return (
            f"[{self.done():>3}/{self.total_trials()}] running {len(self.inflight)}: "
            f"{', '.join(sorted(self.inflight)) or '-'} | {fmt_s(self.last_line - self.start)} elapsed"
        )

    def progress_line(self, row: dict[str, Any], done: int | None = None) -> str:
        """One finished trial: `done` trials finished with it (default: all so far), `running` as of now."""
        done = self.done() if done is None else done
        total = self.total_trials()
        elapsed = time.monotonic() - self.start
        left = (total - done) * elapsed / self.new_done if self.new_done else math.nan
        later_stage = (row.get("stage") or "search") != "search"  # its trial id names the seed and rung
        what = row["trial_id"] if later_stage else (row.get("family") or row["trial_id"])
        score = f"val/top1 {row['val/top1']:.3f}" if finite(row.get("val/top1")) else row["status"]
        reward = f" reward {row['reward']:.4f}" if finite(row.get("reward")) else ""
        best = f"best reward {self.best:.4f}" if finite(self.best) else "best reward -"
        eta = f", ~{fmt_s(left)} left" if finite(left) else ""
        return (
            f"[{done:>3}/{total}] {what:<16} {score}{reward} | running {len(self.inflight)} "
            f"failed {self.counts['failed']} pruned {self.counts['pruned']} | {best} | "
            f"{fmt_s(elapsed)} elapsed{eta}"
        )
