"""Driver-side bookkeeping of a search: what runs next, what finished, and the live view.

Pure Python (no Ray): an executor calls `next_config()` when a worker is free and `complete()` (`nasx.search.ledger`)
when a trial ends. A trial's progress line is printed at the next `next_config()`, once the slot it freed has been
refilled, so that its `running` count is what runs (Tune asks right after each end). Rows already in the run directory
(a resumed search) are never trained again: when the searcher proposes one of them, it hears the recorded outcome at
once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from nasx import families, log
from nasx.latency.source import latency_of
from nasx.ranking.seeds import seed_trial_id
from nasx.results.lookup import weights_path
from nasx.search.configs import proxy_spec, trial_config
from nasx.search.ledger import FINISHED, Ledger, finite
from nasx.search.rows import base_row, outcome_of, unbuildable_row
from nasx.search.scaling import MODES, scaling_trials
from nasx.search.searchers import Searcher
from nasx.search.setup import SearchSetup

MAX_ASKS_PER_TRIAL = 50
SCALING_PREFIX = "phi"  # a searcher proposing only known candidates stops after this many asks per slot


@dataclass(frozen=True)
class DataShape:
    resolution: int
    num_classes: int
    channels: int


class Plan(Ledger):
    prunes = True

    def __init__(
        self,
        setup: SearchSetup,
        space,
        searcher: Searcher,
        shape: DataShape,
        existing: pd.DataFrame,
        *,
        commit: str = "",
        out: Callable[[str], None] = log.lines("search"),
    ) -> None:
        self.space, self.searcher, self.shape = space, searcher, shape
        super().__init__(setup, existing, commit=commit, out=out)
        rows = [
            r
            for r in (existing.to_dict("records") if len(existing) else [])
            if (r.get("stage") or "search") == "search"
        ]  # confirm and fidelity rows train by other protocols
        self.cache: dict[str, dict] = {r["arch_key"]: r for r in rows if isinstance(r.get("arch_key"), str)}
        self.searched_done = sum(1 for r in rows if searched(r))
        self.refs = [
            (f, seed)
            for f in setup.references
            for seed in reference_seeds(setup)
            if seed_trial_id(f"ref-{f}", seed, setup.seed) not in self.trial_ids
        ]
        self.waiting: dict[str, list[int]] = {}
        self.asks = 0
        self.exhausted = False
        self.scaling: list | None = None  # follow-up trials of a compound study, queued when the search ends

    # --- what runs next ---
    def _searched_running(self) -> int:
        return sum(1 for c in self.inflight.values() if searched(c))

    def _unique_id(self, trial_id: str) -> str:
        while trial_id in self.trial_ids:
            trial_id += "b"
        self.trial_ids.add(trial_id)
        return trial_id

    def _launch(self, config: dict) -> dict:
        if self.setup.save_weights:
            config["weights"] = str(weights_path(self.run_dir, config["trial_id"]).resolve())
        self.inflight[config["trial_id"]] = config
        return config

    def next_config(self) -> dict | Literal["FINISHED"] | None:
        """The next trial's config, None to ask again later, or FINISHED; then the pending progress lines. Once
        `halted`, only the trials running are waited for."""
        config = (None if self.inflight else FINISHED) if self.halted() else self._next_config()
        self.flush_lines()
        return config

    def _next_config(self) -> dict | Literal["FINISHED"] | None:
        if self.refs:
            name, seed = self.refs.pop(0)
            full = families.get(name)
            values = self.space.params_of(full) if self.space.contains(full) else {}
            trial_id = self._unique_id(seed_trial_id(f"ref-{name}", seed, self.setup.seed))
            try:
                trained = proxy_spec(self.setup, full, **vars(self.shape))
            except ValueError as exc:
                row = unbuildable_row(
                    self.setup, trial_id, full, str(exc), family=name, values=values, commit=self.commit
                )
                self.finish({**row, "seed": seed}, {"family": name})
                return self._next_config()
            return self._launch(trial_config(trial_id, full, trained, family=name, values=values, seed=seed))
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
                trained = proxy_spec(
                    self.setup, proposal.spec, **vars(self.shape), base_resolution=self.space.resolution
                )
            except ValueError as exc:
                trial_id = self._unique_id(f"s{proposal.id:04d}")
                self.finish(
                    unbuildable_row(
                        self.setup, trial_id, proposal.spec, str(exc), values=proposal.values, commit=self.commit
                    ),
                    {"family": "", "proposal_id": proposal.id},
                )
                continue
            key = trained.key()
            if key in self.cache:
                self.searcher.tell(proposal.id, outcome_of(self.cache[key]))
                continue
            running = [c for c in self.inflight.values() if c["arch_key"] == key]
            if running:
                self.waiting.setdefault(key, []).append(proposal.id)
                continue
            config = trial_config(
                self._unique_id(f"s{proposal.id:04d}"),
                proposal.spec,
                trained,
                proposal_id=proposal.id,
                values=proposal.values,
            )
            if self.setup.objective.full_latency:  # known before training: the trial takes it with its config
                try:
                    config["full_latency"] = list(latency_of(self.setup.objective)(proposal.spec))
                except ValueError:
                    pass  # the trial fails with the reason
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
                self.finish({**known, **base_row(self.setup, config, commit=self.commit)}, config)
        return None if self.inflight else FINISHED

    def _scaling_trials(self) -> list[dict]:
        """Configs scaling the base by the best triple found (by reward, or accuracy in multi mode)."""
        by = "reward" if self.setup.objective.mode == "reward" else "val/top1"
        done = [
            r
            for r in self.cache.values()
            if r["status"] == "ok"
            and searched(r)
            and finite(r.get(by))
            and json.loads(r.get("choices") or "{}").get("alpha") is not None
        ]
        if not done:
            self.out("no finished alpha/beta/gamma trial: skipping the scaling step")
            return []
        best = json.loads(max(done, key=lambda r: float(r[by]))["choices"])
        self.out(
            f"scaling the base by the best triple alpha={best['alpha']}, beta={best['beta']}, "
            f"gamma={best['gamma']} to phi={list(self.setup.scale_phis)}"
        )
        configs = []
        for t in scaling_trials(self.space.base, best["alpha"], best["beta"], best["gamma"], self.setup.scale_phis):
            if t.trial_id in self.trial_ids:
                continue
            trained = proxy_spec(self.setup, t.spec, **vars(self.shape), base_resolution=self.space.resolution)
            self.trial_ids.add(t.trial_id)
            configs.append(
                trial_config(
                    t.trial_id,
                    t.spec,
                    trained,
                    values=best,
                    scaled={"alpha": t.alpha, "beta": t.beta, "gamma": t.gamma, "phi": t.phi, "scaling": t.scaling},
                )
            )
        return configs

    # --- what finished ---
    def finish(self, row: dict[str, Any], config: dict, history: list[dict] | None = None) -> dict:
        """Record the row, then tell the searcher (and the proposals waiting on the same network)."""
        self.cache[row["arch_key"]] = row
        if searched(config):
            self.searched_done += 1
        self.record(row, history)
        outcome = outcome_of(row)
        if config.get("proposal_id") is not None:
            self.searcher.tell(config["proposal_id"], outcome)
            for waiting_id in self.waiting.pop(row["arch_key"], []):
                self.searcher.tell(waiting_id, outcome)
        return row

    def total_trials(self) -> int:
        """Searched budget, references, and the compound scaling step's trials."""
        phis = len(self.setup.scale_phis)
        return (
            self.setup.budget + len(self.setup.references) * self.setup.seeds + (1 + len(MODES) * phis if phis else 0)
        )


def reference_seeds(setup: SearchSetup) -> list[int]:
    """The seeds every reference family trains under: seed, seed + 1, ..., `seeds` of them."""
    return [setup.seed + i for i in range(setup.seeds)]


def searched(row_or_config: dict) -> bool:
    """A trial proposed by the searcher (not a reference family, not a scaling follow-up, not a later stage)."""
    return (
        (row_or_config.get("stage") or "search") == "search"
        and not row_or_config.get("family")
        and not str(row_or_config.get("trial_id", "")).startswith(SCALING_PREFIX)
    )
