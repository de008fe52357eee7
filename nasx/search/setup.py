"""A search as plain values: what to search, how to train and score, where to run, and checks on it."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from nasx.data import DataSpec
from nasx.reward import Objective
from nasx.train.spec import TrainSpec


@dataclass(frozen=True)
class ProxySpec:
    """How a full-scale candidate is shrunk for the proxy task (arguments of nasx.proxy)."""

    width_mult: float = 0.25
    depth_mult: float = 0.5
    stem_stride: int = 1


@dataclass(frozen=True)
class SpaceSpec:
    """A registered search space, its options, and the full-scale MACs/params budget of candidates."""

    name: str = "mnasnet"
    options: dict[str, Any] = field(default_factory=dict)
    macs: tuple[float, float] | None = None
    params: tuple[float, float] | None = None

    def make(self):
        from nasx import search_spaces
        return search_spaces.get(self.name, **self.options, macs=self.macs, params=self.params)


@dataclass(frozen=True)
class SearcherSpec:
    """A registered searcher, its options, and optional ASHA early stopping."""

    name: str = "random"
    options: dict[str, Any] = field(default_factory=dict)
    asha: bool = False
    asha_metric: str = "val_top1"     # val_top1 | reward
    grace_epochs: int = 1
    reduction_factor: int = 2


@dataclass(frozen=True)
class Resources:
    """Ray resources: per trial (fractional GPUs share one GPU), for a local Ray, and retries."""

    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    max_concurrent: int = 2
    num_cpus: int | None = None       # local Ray only; None: all
    num_gpus: int | None = None
    max_retries: int = 1              # re-runs of a trial whose worker process died


@dataclass(frozen=True)
class ConfirmSpec:
    """The confirmation stage (`nasx confirm`): the `top_k` best searched networks (by the search's
    objective) and every reference family retrained under the search's training with the `train`
    overrides (TrainSpec fields), each under `seeds` seeds (seed, seed + 1, ...); `after_search` runs it
    right after the search."""

    after_search: bool = False
    top_k: int = 3
    seeds: int = 3
    train: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoggingSpec:
    """Records of a run besides its results, curves and Optuna journal: `tensorboard` writes each trial's
    learning curve as TensorBoard event files under RUN_DIR/tensorboard/."""

    tensorboard: bool = False


@dataclass(frozen=True)
class SearchSetup:
    """Everything `nasx search` needs."""

    name: str
    space: SpaceSpec
    searcher: SearcherSpec
    data: DataSpec
    train: TrainSpec
    objective: Objective
    proxy: ProxySpec
    resources: Resources
    budget: int = 20
    seed: int = 0
    seeds: int = 1                      # reference families train under seed, seed + 1, ... (one row each)
    save_weights: bool = False          # save every trained state_dict under run_dir/weights/
    confirm: ConfirmSpec = field(default_factory=ConfirmSpec)
    logging: LoggingSpec = field(default_factory=LoggingSpec)
    references: tuple[str, ...] = ()
    scale_phis: tuple[float, ...] = ()  # compound space: then scale the best triple to these phi (and 1-D)
    address: str | None = None         # None: local Ray; "auto" or host:port: an existing cluster
    run_dir: str = ""
    smoke: bool = False
    config: dict[str, Any] = field(default_factory=dict)   # the resolved config, for provenance

    def objectives(self) -> tuple[tuple[str, str], ...]:
        if self.objective.mode == "multi":
            return (("val/top1", "max"), ("full_" + self.objective.metric if self.objective.scale == "full"
                                          else self.objective.metric, "min"))
        return (("reward", "max"),)


SMOKE_BUDGET = 3


def smoke(setup: SearchSetup) -> SearchSetup:
    """The same experiment shrunk to seconds on a CPU: a few trials of a few steps on small networks."""
    train = replace(setup.train, epochs=1, steps=min(setup.train.steps or 3, 3), eval_every=1,
                    batch_size=min(setup.train.batch_size, 32), device="cpu")
    proxy = replace(setup.proxy, width_mult=min(setup.proxy.width_mult, 0.25),
                    depth_mult=min(setup.proxy.depth_mult, 0.25))
    data = replace(setup.data, resolution=min(setup.data.resolution, 16))
    confirm = replace(setup.confirm, train={}, top_k=min(setup.confirm.top_k, 2), seeds=min(setup.confirm.seeds, 2))
    return replace(setup, train=train, proxy=proxy, data=data, budget=min(setup.budget, SMOKE_BUDGET),
                   seeds=min(setup.seeds, 2), confirm=confirm,
                   references=setup.references[:1], scale_phis=tuple(setup.scale_phis)[:1], smoke=True,
                   resources=replace(setup.resources, gpus_per_trial=0.0, num_gpus=0))


def confirm_train(setup: SearchSetup) -> TrainSpec:
    """The confirmation protocol: the search's training with confirm.train applied."""
    try:
        return replace(setup.train, **setup.confirm.train)
    except TypeError as exc:
        raise ValueError(f"confirm.train: {exc}") from None


def check_confirm(setup: SearchSetup) -> None:
    c = setup.confirm
    for name in ("top_k", "seeds"):
        value = getattr(c, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"confirm.{name}={value!r}: must be an integer >= 1")
    if not isinstance(c.train, dict):
        raise ValueError(f"confirm.train={c.train!r}: must be a mapping of train settings, e.g. {{epochs: 10}}")
    confirm_train(setup)


def check(setup: SearchSetup) -> None:
    """Every error a search could meet before Ray starts, as one ValueError line."""
    from nasx import families
    from nasx.search import searchers

    if setup.budget < 1:
        raise ValueError(f"budget={setup.budget}: must be a positive number of trials")
    if setup.train.epochs < 1 and setup.train.steps < 1:
        raise ValueError(f"train.epochs={setup.train.epochs}: must be positive (or give train.steps)")
    if setup.seeds < 1:
        raise ValueError(f"seeds={setup.seeds}: must be at least 1")
    check_confirm(setup)
    if setup.searcher.name not in searchers.names():
        raise ValueError(f"unknown searcher {setup.searcher.name!r}; choose one of {', '.join(searchers.names())}")
    space = setup.space.make()
    space.sample(setup.seed)  # an impossible MACs/params range fails here, with its range named
    for name in setup.references:
        if name not in families.names():
            raise ValueError(f"references: unknown family {name!r} (see `nasx families`)")
    r = setup.resources
    if r.cpus_per_trial <= 0 or r.gpus_per_trial < 0 or r.max_concurrent < 1 or r.max_retries < 0:
        raise ValueError("resources: need cpus_per_trial > 0, gpus_per_trial >= 0, max_concurrent >= 1, "
                         "max_retries >= 0")
    if setup.searcher.asha and setup.searcher.asha_metric not in ("val_top1", "reward"):
        raise ValueError(f"search.asha_metric={setup.searcher.asha_metric!r}: choose val_top1 or reward")
    if setup.scale_phis and (setup.space.name != "compound" or any(not phi > 0 for phi in setup.scale_phis)):
        raise ValueError(f"scale_phis={list(setup.scale_phis)}: needs space=compound and phi values > 0")
    if setup.logging.tensorboard:
        from nasx.results.tensorboard_events import package
        package()  # one of the two packages is installed
