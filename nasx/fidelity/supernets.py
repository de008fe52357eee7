"""The supernets of a fidelity study's supernet rungs: those it trains itself (`supernet.train=true`), each a
`nasx supernet` run directory under RUN_DIR/supernets/<variant>-s<seed>/, trained by the same driver (`run_supernet`)
before any architecture is scored; and how a given one (`supernet.run`) was trained (`training_of`).

A resumed study reuses a finished supernet, continues one that was stopped from its last epoch (exactly, as
`nasx supernet resume=true` does) and starts one that never began.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nasx import log
from nasx.search.setup import SearchSetup, SupernetSpec

OUT = log.lines("fidelity")


def training_of(state: dict[str, Any]) -> dict[str, Any]:
    """How a checkpoint's supernet was trained: its `training` entry (sampling, networks per step, distill,
    progressive, kernel_transform; from its resolved config where the checkpoint predates the entry) and its
    training budget (epochs, steps); {} for one that records neither (`store.initial`)."""
    config = state.get("config") or {}
    training = state.get("training")
    if training is None and isinstance(config.get("supernet"), dict):
        options = {k: v for k, v in config["supernet"].items() if k not in ("run", "recalibration_images")}
        training = SupernetSpec(**options).training()
    train = config.get("train") or {}
    return {**(training or {}), **{k: train[k] for k in ("epochs", "steps") if k in train}}


def finished(setup: SearchSetup, n_train: int) -> bool:
    """Whether the supernet of `setup` is trained to its last epoch in setup.run_dir (`n_train` training images)."""
    from nasx.supernet import store
    from nasx.supernet.training import budget

    if not (Path(setup.run_dir) / store.CHECKPOINT).is_file():
        return False
    return int(store.read(setup.run_dir)["epoch"]) >= budget(setup.train, n_train)[3]


def train_supernets(
    setups: Sequence[SearchSetup],
    n_train: int,
    *,
    overrides: list[str] | None = None,
    out: Callable[[str], None] = OUT,
) -> None:
    """Train each supernet of `setups` (checked by `nasx.search.supernet_driver.check`) to its end, one after the
    other, on data of `n_train` training images; `overrides`, the study's command line, go to each run's
    overrides.yaml."""
    from nasx.search.supernet_driver import run_supernet

    for i, setup in enumerate(setups):
        run_dir = Path(setup.run_dir)
        if finished(setup, n_train):
            out(f"supernet {i + 1}/{len(setups)}: {run_dir} is trained; reused")
            continue
        started = (run_dir / "config.yaml").is_file()
        out(f"supernet {i + 1}/{len(setups)}: {'continuing' if started else 'training'} {run_dir}")
        run_supernet(setup, resume=started, overrides=overrides)
