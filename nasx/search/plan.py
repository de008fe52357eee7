"""Driver-side bookkeeping of a search: what runs next, what finished, and the live view.

Pure Python (no Ray): the Ray runner calls `next_config()` when a worker is free and `complete()`
when a trial ends. A trial's progress line is printed at the next `next_config()`, once the slot it
freed has been refilled, so that its `running` count is what runs (Tune asks right after each end).
Rows already in the run directory (a resumed search) are never trained again: when the searcher
proposes one of them, it hears the recorded outcome at once.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from nasx import families, results
from nasx.search.scaling import MODES, scaling_trials
from nasx.search.searchers import Searcher
from nasx.search.setup import SearchSetup
from nasx.search.trials import (base_row, incomplete_row, outcome_of, proxy_spec, trial_config,
                               unbuildable_row)

FINISHED = "FINISHED"
MAX_ASKS_PER_TRIAL = 50
SCALING_PREFIX = "phi"  # a searcher proposing only known candidates stops after this many asks per slot


@dataclass(frozen=True)
class DataShape:
    resolution: int
    num_classes: int
    channels: int


def _fmt_s(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 60:02d}:{seconds % 60:02d}" if seconds < 3600 else f"{seconds // 3600}h{seconds % 3600 // 60:02d}"


class Plan:
    def __init__(self, setup: SearchSetup, space, searcher: Searcher, shape: DataShape, existing: pd.DataFrame,
                 *, commit: str = "", out: Callable[[str], None] = print) -> None:
        self.setup, self.space, self.searcher, self.shape = setup, space, searcher, shape
        self.commit, self.out = commit, out
        self.run_dir = setup.run_dir
        rows = existing.to_dict("records") if len(existing) else []
        self.cache: dict[str, dict] = {r["arch_key"]: r for r in rows if isinstance(r.get("arch_key"), str)}
        self.trial_ids = {r["trial_id"] for r in rows}
        self.order = len(rows)
        self.searched_done = sum(1 for r in rows if searched(r))
        self.refs = [f for f in setup.references if f"ref-{f}" not in self.trial_ids]
        self.counts = {s: sum(1 for r in rows if r["status"] == s) for s in results.STATUSES}
        self.best = max((float(r["reward"]) for r in rows if r["status"] == "ok" and _finite(r.get("reward"))),
                        default=math.nan)
        self.inflight: dict[str, dict] = {}
        self.waiting: dict[str, list[int]] = {}
        self.asks = 0
        self.exhausted = False
        self.scaling: list | None = None  # follow-up trials of a compound study, queued when the search ends
        self.start = time.monotonic()
        self.last_line = self.start
        self.new_done = 0
        self._unprinted: list[tuple[dict, int]] = []  # (row, trials done with it) of lines not yet printed

    # --- what runs next ---
    def _searched_running(self) -> int:
        return sum(1 for c in self.inflight.values() if searched(c))

    def _unique_id(self, trial_id: str) -> str:
        while trial_id in self.trial_ids:
            trial_id += "b"
        self.trial_ids.add(trial_id)
        return trial_id

    def _launch(self, config: dict) -> dict:
        self.inflight[config["trial_id"]] = config
        return config

    def next_config(self) -> dict | str | None:
        """The next trial's config, None to ask again later, or FINISHED; then the pending progress lines."""
        config = self._next_config()
        for row, done in self._unprinted:
            self.out(self.progress_line(row, done))
        if self._unprinted:
            self.last_line = time.monotonic()
        self._unprinted.clear()
        return config

    def _next_config(self) -> dict | str | None:
        if self.refs:
            name = self.refs.pop(0)
            full = families.get(name)
            values = self.space.params_of(full) if self.space.contains(full) else {}
            trial_id = self._unique_id(f"ref-{name}")
            try:
                trained = proxy_spec(self.setup, full, **vars(self.shape))
            except ValueError as exc:
                self._record(unbuildable_row(self.setup, trial_id, full, str(exc), family=name, values=values,
                                             commit=self.commit), {"family": name})
                return self._next_config()
            return self._launch(trial_config(trial_id, full, trained, family=name, values=values))
        while not self.exhausted and self.searched_done + self._searched_running() < self.setup.budget:
            if self.asks >= MAX_ASKS_PER_TRIAL * self.setup.budget:
                self.exhausted = True
                break
            proposal = self.searcher.ask()
            self.asks += 1
            if proposal is None:
                self.exhausted = True
                break
            try:
                trained = proxy_spec(self.setup, proposal.spec, **vars(self.shape),
                                     base_resolution=self.space.resolution)
            except ValueError as exc:
                trial_id = self._unique_id(f"s{proposal.id:04d}")
                self._record(unbuildable_row(self.setup, trial_id, proposal.spec, str(exc), values=proposal.values,
                                             commit=self.commit), {"family": "", "proposal_id": proposal.id})
                continue
            key = trained.key()
            if key in self.cache:
                self.searcher.tell(proposal.id, outcome_of(self.cache[key]))
                continue
            running = [c for c in self.inflight.values() if c["arch_key"] == key]
            if running:
                self.waiting.setdefault(key, []).append(proposal.id)
                continue
            config = trial_config(self._unique_id(f"s{proposal.id:04d}"), proposal.spec, trained,
                                  proposal_id=proposal.id, values=proposal.values)
            return self._launch(config)
        if self.setup.scale_phis and not self._searched_running():
            if self.scaling is None:
                self.scaling = self._scaling_trials()
            while self.scaling:
                config = self.scaling.pop(0)
                known = self.cache.get(config["arch_key"])
                if known is None:
                    return self._launch(config)
                # the same trained network already has a row (phi = 0 is the base): reuse its result
                self._record({**known, **base_row(self.setup, config, commit=self.commit)}, config)
        return None if self.inflight else FINISHED

    def _scaling_trials(self) -> list[dict]:
        """Configs scaling the base by the best triple found (by reward, or accuracy in multi mode)."""
        by = "reward" if self.setup.objective.mode == "reward" else "val/top1"
        done = [r for r in self.cache.values() if r["status"] == "ok" and searched(r) and _finite(r.get(by))
                and json.loads(r.get("choices") or "{}").get("alpha") is not None]
        if not done:
            self.out("no finished alpha/beta/gamma trial: skipping the scaling step")
            return []
        best = json.loads(max(done, key=lambda r: float(r[by]))["choices"])
        self.out(f"scaling the base by the best triple alpha={best['alpha']}, beta={best['beta']}, "
                 f"gamma={best['gamma']} to phi={list(self.setup.scale_phis)}")
        configs = []
        for t in scaling_trials(self.space.base, best["alpha"], best["beta"], best["gamma"], self.setup.scale_phis):
            if t.trial_id in self.trial_ids:
                continue
            trained = proxy_spec(self.setup, t.spec, **vars(self.shape), base_resolution=self.space.resolution)
            self.trial_ids.add(t.trial_id)
            configs.append(trial_config(t.trial_id, t.spec, trained, values=best,
                                        scaled={"alpha": t.alpha, "beta": t.beta, "gamma": t.gamma, "phi": t.phi,
                                                "scaling": t.scaling}))
        return configs

    # --- what finished ---
    def complete(self, trial_id: str, result: dict | None, error: str | None = None) -> dict:
        """Record a trial's end (final result, early stop, or failure); returns its row."""
        config = self.inflight.pop(trial_id)
        if result and "row" in result:
            row = {**base_row(self.setup, config, commit=self.commit), **json.loads(result["row"]),
                   "node": result.get("node", "")}
        elif error is not None:
            row = incomplete_row(self.setup, config, "failed", error, commit=self.commit, last=result)
        else:
            epoch = (result or {}).get("epoch", 0)
            row = incomplete_row(self.setup, config, "pruned", f"stopped early by ASHA after epoch {epoch}",
                                 commit=self.commit, last=result)
        return self._record(row, config)

    def _record(self, row: dict[str, Any], config: dict) -> dict:
        row["order"] = self.order
        self.order += 1
        results.append(self.run_dir, row)
        self.cache[row["arch_key"]] = row
        outcome = outcome_of(row)
        if config.get("proposal_id") is not None:
            self.searcher.tell(config["proposal_id"], outcome)
            for waiting_id in self.waiting.pop(row["arch_key"], []):
                self.searcher.tell(waiting_id, outcome)
        if searched(config):
            self.searched_done += 1
        self.counts[row["status"]] += 1
        self.new_done += 1
        if row["status"] == "ok" and _finite(row.get("reward")):
            self.best = row["reward"] if math.isnan(self.best) else max(self.best, row["reward"])
        self._unprinted.append((row, sum(self.counts.values())))
        return row

    def total_trials(self) -> int:
        """Searched budget, references, and the compound scaling step's trials."""
        phis = len(self.setup.scale_phis)
        return self.setup.budget + len(self.setup.references) + (1 + len(MODES) * phis if phis else 0)

    def status_line(self) -> str:
        """The live view between trial ends: what is running and for how long."""
        done, total = sum(self.counts.values()), self.total_trials()
        self.last_line = time.monotonic()
        return (f"[{done:>3}/{total}] running {len(self.inflight)}: {', '.join(sorted(self.inflight)) or '-'} | "
                f"{_fmt_s(self.last_line - self.start)} elapsed")

    def progress_line(self, row: dict[str, Any], done: int | None = None) -> str:
        """One finished trial: `done` trials finished with it (default: all so far), `running` as of now."""
        done = sum(self.counts.values()) if done is None else done
        total = self.total_trials()
        elapsed = time.monotonic() - self.start
        left = (total - done) * elapsed / self.new_done if self.new_done else math.nan
        what = row.get("family") or row["trial_id"]
        score = (f"val/top1 {row['val/top1']:.3f}" if _finite(row.get("val/top1")) else row["status"])
        reward = f" reward {row['reward']:.4f}" if _finite(row.get("reward")) else ""
        best = f"best reward {self.best:.4f}" if _finite(self.best) else "best reward -"
        eta = f", ~{_fmt_s(left)} left" if _finite(left) else ""
        return (f"[{done:>3}/{total}] {what:<16} {score}{reward} | running {len(self.inflight)} "
                f"failed {self.counts['failed']} pruned {self.counts['pruned']} | {best} | "
                f"{_fmt_s(elapsed)} elapsed{eta}")


def searched(row_or_config: dict) -> bool:
    """A trial proposed by the searcher (not a reference family, not a scaling follow-up)."""
    return not row_or_config.get("family") and not str(row_or_config.get("trial_id", "")).startswith(SCALING_PREFIX)


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
