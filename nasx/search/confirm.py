"""The confirmation stage: the search's best networks and its reference families retrained under a longer
protocol with several seeds, appended to the run's results as `stage=confirm` rows.

`confirm_configs` picks the finalists (the `top_k` best searched networks by the search's objective,
`nasx.ranking.stages.search_ranking`) and the families with a finished search trial, and returns one
trial config per network and seed; `run_confirm` checks everything, runs them with `run_trials` (a rerun
skips the trials already done) and prints the confirmed summary. Every trial saves its weights under
RUN_DIR/weights/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from nasx import log, results
from nasx.arch.codec import decode
from nasx.ranking.seeds import seed_trial_id
from nasx.ranking.stages import SEARCH, search_ranking, stage_rows
from nasx.results.lookup import weights_path
from nasx.search.configs import trial_config
from nasx.search.rows import training_key
from nasx.search.setup import SearchSetup, confirm_train
from nasx.search.summary import confirmed_summary

PREFIX = "confirm-"


def rung_label(setup: SearchSetup) -> str:
    """The confirmation protocol's budget as the rows' `rung`: `epochs=10`, or `steps=300`."""
    train = confirm_train(setup)
    return f"steps={train.steps}" if train.steps else f"epochs={train.epochs}"


def confirm_seeds(setup: SearchSetup) -> list[int]:
    return [setup.seed + i for i in range(setup.confirm.seeds)]


def _finalists(frame: pd.DataFrame, top_k: int, run_dir) -> pd.DataFrame:
    ranking = search_ranking(frame)
    if ranking.empty:
        counts = frame["status"].value_counts().to_dict()
        raise ValueError(
            f"{run_dir}: no finished (ok) searched trial to confirm "
            f"({', '.join(f'{v} {k}' for k, v in counts.items()) or 'no trials'})"
        )
    if top_k > len(ranking):
        raise ValueError(
            f"top_k={top_k}: {run_dir} has only {len(ranking)} finished searched network"
            f"{'s' if len(ranking) != 1 else ''}"
        )
    return ranking.head(top_k)


def _networks(setup: SearchSetup, frame: pd.DataFrame, out) -> list[dict]:
    """(trial id stem, family, trained arch, full arch, choices) of every network to confirm."""
    search = stage_rows(frame, SEARCH)
    by_id = {r["trial_id"]: r for r in search.to_dict("records")}
    nets = []
    for _, r in _finalists(frame, setup.confirm.top_k, setup.run_dir).iterrows():
        row = by_id[str(r["trials"]).split(",")[0]]
        nets.append(
            {
                "stem": r["trial_id"],
                "family": "",
                "arch": row["arch"],
                "full_arch": row.get("full_arch") or row["arch"],
                "choices": row.get("choices") or "{}",
            }
        )
    for family in setup.references:
        rows = [r for r in by_id.values() if r.get("family") == family and r["status"] == "ok"]
        if not rows:
            out(f"confirm: skipping {family}: no finished search trial to retrain")
            continue
        nets.append(
            {
                "stem": f"ref-{family}",
                "family": family,
                "arch": rows[0]["arch"],
                "full_arch": rows[0].get("full_arch") or rows[0]["arch"],
                "choices": rows[0].get("choices") or "{}",
            }
        )
    return nets


def confirm_configs(
    setup: SearchSetup, frame: pd.DataFrame, *, out: Callable[[str], None] = log.lines("confirm")
) -> list[dict]:
    """One trial config per confirmed network and seed (ids `confirm-s0003`, `confirm-s0003@s1`, ...)."""
    train, rung = dict(setup.confirm.train), rung_label(setup)
    configs = []
    for net in _networks(setup, frame, out):
        trained, full = decode(net["arch"]), decode(net["full_arch"])
        for seed in confirm_seeds(setup):
            trial_id = seed_trial_id(PREFIX + net["stem"], seed, setup.seed)
            config = trial_config(
                trial_id,
                full,
                trained,
                family=net["family"],
                values=json.loads(net["choices"]),
                seed=seed,
                stage="confirm",
                rung=rung,
                train=train,
            )
            config["weights"] = str(weights_path(setup.run_dir, trial_id).resolve())
            configs.append(config)
    _check_protocol(setup, configs, frame)
    return configs


def _check_protocol(setup: SearchSetup, configs: list[dict], frame: pd.DataFrame) -> None:
    """A rerun resumes the same protocol; trials already done under another one are an error."""
    done = dict(zip(frame["trial_id"], frame["config_hash"]))
    for c in configs:
        if c["trial_id"] in done and done[c["trial_id"]] != training_key(setup, train=c["train"], seed=c["seed"]):
            raise ValueError(
                f"{setup.run_dir} already holds {c['trial_id']} under another confirmation protocol; "
                "repeat that protocol to resume it, or confirm a copy of the run"
            )


def with_available_top_k(setup: SearchSetup, *, out: Callable[[str], None] = log.lines("confirm")) -> SearchSetup:
    """The setup with confirm.top_k lowered to the finished searched networks (a confirmation stage run right
    after its search takes what the search produced; `nasx confirm top_k=K` insists on K)."""
    available = len(search_ranking(results.load(setup.run_dir)))
    if 0 < available < setup.confirm.top_k:
        out(f"confirm: only {available} finished searched networks; confirming those (top_k={setup.confirm.top_k})")
        return replace(setup, confirm=replace(setup.confirm, top_k=available))
    return setup


def run_confirm(setup: SearchSetup, *, out: Callable[[str], None] = log.lines("confirm")) -> Path:
    """Check, then run (or resume) the confirmation stage of the search in setup.run_dir; prints the confirmed
    summary. Raises ValueError (one line) before writing anything when there is nothing to confirm."""
    from nasx.search.driver import run_trials

    run_dir = Path(setup.run_dir)
    frame = results.load(run_dir)
    configs = confirm_configs(setup, frame, out=out)
    finalists = len({c["trial_id"].split("@")[0] for c in configs if not c["family"]})
    others = ", ".join(f"{k}={v}" for k, v in setup.confirm.train.items() if k not in ("epochs", "steps"))
    out(
        f"confirm {setup.name}: top {finalists} searched networks and {len(configs) // setup.confirm.seeds - finalists}"
        f" reference families, {setup.confirm.seeds} seeds each, {rung_label(setup)}"
        + (f" ({others})" if others else "")
    )
    run_trials(setup, configs, out=out, title="confirm")
    out(f"weights: {run_dir / 'weights'}; export the winner with `nasx export {run_dir} best --out DIR`")
    for line in confirmed_summary(results.load(run_dir)):
        out(line)
    return run_dir
