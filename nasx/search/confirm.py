"""The confirmation stage: the search's best networks and its reference families retrained under a longer
protocol with several seeds, appended to the run's results as `stage=confirm` rows.

`confirm_configs` picks the finalists (the `top_k` best searched networks by the search's objective,
`nasx.ranking.stages.search_ranking`) and the families with a finished search trial, and returns one
trial config per network and seed; `run_confirm` checks everything, runs them with `run_trials` (a rerun
skips the trials already done) and prints the confirmed summary. Every trial saves its weights under
RUN_DIR/weights/. With `confirm.quantize=int8` every trial also scores its trained network in INT8 (columns
`int8/...`, nasx.quantize.scores); each network is checked to quantize before anything runs.

`confirm.init=inherited` (a search with evaluator=supernet): every network the run's supernet holds starts
from its inherited weights, BatchNorm recalibrated as the evaluator did (the search's seed, so the same start
for every confirmation seed), then is fine-tuned under the confirmation protocol; the seed changes only the
batch order, augmentation and dropout. A network the supernet does not hold (a family that is not a point
of the space, whose search row failed for that reason) trains from scratch, and its rows say init=scratch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from nasx.search.executors import Executor

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
        if not rows and setup.confirm.init == "inherited":  # not held by the supernet: trained from scratch
            rows = [r for r in by_id.values() if r.get("family") == family and _not_served(r)]
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


def _not_served(row: dict) -> bool:
    """A search row the supernet evaluator failed because the supernet does not hold its network."""
    from nasx.search.evaluators.supernet import NOT_SERVED

    return _text(row.get("evaluator")) == "supernet" and _text(row.get("error")).startswith(NOT_SERVED)


def _text(value) -> str:
    """A string cell's value, "" when missing (None or pandas' NA)."""
    return value if isinstance(value, str) else ""


def _starts(setup: SearchSetup, nets: list[dict], out: Callable[[str], None]) -> str:
    """Set each network's `init`: `inherited` when the supernet of supernet.run holds it, else `scratch`
    (said in one line); returns the checkpoint's sha256."""
    from nasx.search.evaluators.supernet import loaded, resolved

    for net in nets:
        net["init"] = "scratch"
    if setup.confirm.init != "inherited":
        return ""
    supernet, digest, _ = loaded(str(setup.supernet.run))
    for net in nets:
        try:
            resolved(supernet, net)
            net["init"] = "inherited"
        except ValueError as exc:
            out(
                f"confirm: {net['family'] or net['stem']} is not a network of supernet.run={setup.supernet.run} "
                f"({' '.join(str(exc).split())}); trained from scratch (init=scratch)"
            )
    return digest


def confirm_configs(
    setup: SearchSetup, frame: pd.DataFrame, *, out: Callable[[str], None] = log.lines("confirm")
) -> list[dict]:
    """One trial config per confirmed network and seed (ids `confirm-s0003`, `confirm-s0003@s1`, ...), each
    with the `init` it starts from (confirm.init, or `scratch` for a network the supernet does not hold).
    With init=inherited the run's supernet is checked first: it must be there and serve the run."""
    if setup.confirm.init == "inherited":
        from nasx.search.evaluators.supernet import check_serves

        check_serves(setup)
    train, rung = dict(setup.confirm.train), rung_label(setup)
    configs = []
    nets = _networks(setup, frame, out)
    digest = _starts(setup, nets, out)
    for net in nets:
        trained, full = decode(net["arch"]), decode(net["full_arch"])
        if setup.confirm.quantize is not None:  # before anything is written: a network that does not quantize
            from nasx.quantize.scores import check_quantizes

            check_quantizes(trained)
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
                init=net["init"],
            )
            config["weights"] = str(weights_path(setup.run_dir, trial_id).resolve())
            if setup.confirm.quantize is not None:
                config["quantize"] = setup.confirm.quantize
                config["calibration_images"] = setup.confirm.calibration_images
            configs.append(config)
    _check_protocol(setup, configs, frame, digest)
    return configs


def _check_protocol(setup: SearchSetup, configs: list[dict], frame: pd.DataFrame, digest: str = "") -> None:
    """A rerun resumes the same protocol, from the same start; trials already done under another protocol,
    another init or another supernet checkpoint (`digest`, the current one) are an error."""
    done = {r["trial_id"]: r for r in frame.to_dict("records")}
    for c in configs:
        row = done.get(c["trial_id"])
        if row is None:
            continue
        was = _text(row.get("init")) or "scratch"  # rows from before init existed started from scratch
        if was != c["init"]:
            raise ValueError(
                f"{setup.run_dir} already holds {c['trial_id']} trained with init={was}, this confirmation has "
                f"init={c['init']}; repeat init={was} to resume it, or confirm a copy of the run"
            )
        if row["config_hash"] != training_key(setup, train=c["train"], seed=c["seed"], init=c["init"]):
            raise ValueError(
                f"{setup.run_dir} already holds {c['trial_id']} under another confirmation protocol; "
                "repeat that protocol to resume it, or confirm a copy of the run"
            )
        was_from = _text(row.get("supernet_sha256"))
        if c["init"] == "inherited" and was_from != digest:
            raise ValueError(
                f"{setup.run_dir} already holds {c['trial_id']} fine-tuned from another checkpoint of "
                f"supernet.run={setup.supernet.run} (sha256 {was_from[:12] or 'unknown'}, now {digest[:12]}); "
                "confirm a copy of the run"
            )


def with_available_top_k(setup: SearchSetup, *, out: Callable[[str], None] = log.lines("confirm")) -> SearchSetup:
    """The setup with confirm.top_k lowered to the finished searched networks (a confirmation stage run right
    after its search takes what the search produced; `nasx confirm top_k=K` insists on K)."""
    available = len(search_ranking(results.load(setup.run_dir)))
    if 0 < available < setup.confirm.top_k:
        out(f"confirm: only {available} finished searched networks; confirming those (top_k={setup.confirm.top_k})")
        return replace(setup, confirm=replace(setup.confirm, top_k=available))
    return setup


def _init_note(setup: SearchSetup, configs: list[dict]) -> str:
    """`; init=inherited: ...` for the header line of a confirmation that starts from a supernet's weights."""
    if setup.confirm.init != "inherited":
        return ""
    scratch = sorted({c["trial_id"].split("@")[0][len(PREFIX) :] for c in configs if c["init"] == "scratch"})
    return f"; init=inherited: fine-tuned from supernet.run={setup.supernet.run}" + (
        f" (from scratch: {', '.join(scratch)})" if scratch else ""
    )


def run_confirm(
    setup: SearchSetup, *, out: Callable[[str], None] = log.lines("confirm"), executor: Executor | None = None
) -> Path:
    """Check, then run (or resume) the confirmation stage of the search in setup.run_dir; prints the confirmed
    summary. Raises ValueError (one line) before writing anything when there is nothing to confirm, or with
    confirm.init=inherited when the run's supernet is missing or does not serve it. `executor` as in
    `run_trials` (default: Ray Tune)."""
    from nasx.results.lock import writer_lock
    from nasx.search.driver import run_trials

    run_dir = Path(setup.run_dir)
    frame = results.load(run_dir)
    configs = confirm_configs(setup, frame, out=out)  # checks that only read: before the lock, which is a write
    with writer_lock(run_dir):  # held before anything is written or said about the stage
        finalists = len({c["trial_id"].split("@")[0] for c in configs if not c["family"]})
        others = ", ".join(f"{k}={v}" for k, v in setup.confirm.train.items() if k not in ("epochs", "steps"))
        out(
            f"confirm {setup.name}: top {finalists} searched networks and "
            f"{len(configs) // setup.confirm.seeds - finalists} reference families, {setup.confirm.seeds} seeds each, "
            f"{rung_label(setup)}" + (f" ({others})" if others else "") + _init_note(setup, configs)
        )
        run_trials(setup, configs, out=out, title="confirm", executor=executor)
    out(f"weights: {run_dir / 'weights'}; export the winner with `nasx export {run_dir} best --out DIR`")
    for line in confirmed_summary(results.load(run_dir)):
        out(line)
    return run_dir
