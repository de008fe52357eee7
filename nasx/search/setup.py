"""A search as plain values: what to search, how to train and score, where to run, and checks on it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from nasx import checks
from nasx.arch.limits import MAX_MULTIPLIER
from nasx.data import DataSpec
from nasx.quantize.spec import CALIBRATION_IMAGES, check_quantize
from nasx.reward import Objective
from nasx.train.spec import TrainSpec

MAX_STEM_STRIDE = 64  # proxy.stem_stride: a stem's total stride (published stems: 2 to 4)


@dataclass(frozen=True)
class ProxySpec:
    """How a full-scale candidate is shrunk for the proxy task (arguments of nasx.proxy)."""

    width_mult: float = 0.25
    depth_mult: float = 0.5
    stem_stride: int = 1

    def __post_init__(self) -> None:
        for name in ("width_mult", "depth_mult"):
            checks.check_range(f"proxy.{name}", getattr(self, name), 0, MAX_MULTIPLIER, closed="(]")
        checks.check_int_range("proxy.stem_stride", self.stem_stride, 1, MAX_STEM_STRIDE)


@dataclass(frozen=True)
class SpaceSpec:
    """A registered search space, its options, and the full-scale MACs/params budget of candidates; `latency_ms`
    the range of their full-scale latency (objective.metric=latency_ms scale=full: predicted or measured as the
    objective says, before any training)."""

    name: str = "mnasnet"
    options: dict[str, Any] = field(default_factory=dict)
    macs: tuple[float, float] | None = None
    params: tuple[float, float] | None = None
    latency_ms: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for name in ("macs", "params", "latency_ms"):  # the space's Budget checks the rest of a range
            bounds = getattr(self, name)
            checks.check(
                bounds is None or all(checks.is_number(b) for b in bounds),
                f"space.{name}",
                None if bounds is None else list(bounds),
                "bounds must be finite numbers",
            )

    def make(self):
        from nasx import search_spaces

        return search_spaces.get(self.name, **self.options, macs=self.macs, params=self.params)


ASHA_METRICS = ("val_top1", "reward")
SCHEDULERS = (
    "asha",
    "mo_asha",
    "front_halving",
)  # search.scheduler: how trials stop early (null: none, unless search.asha)
RANKED_SCHEDULERS = ("mo_asha", "front_halving")  # rank a Pareto search's accuracy and costs (nasx.ranking.rungs)


@dataclass(frozen=True)
class SearcherSpec:
    """A registered searcher, its options, and optional early stopping: `scheduler` asha (one metric), mo_asha
    (a Pareto search's accuracy and costs, nasx.ranking.rungs) or front_halving (the same ranking over cohorts of
    `cohort` trials, synchronously: nasx.ranking.cohorts); `asha: true` is scheduler=asha. Trials are ranked at
    epochs grace_epochs * reduction_factor^k, or at `rungs` (increasing epochs) when given."""

    name: str = "random"
    options: dict[str, Any] = field(default_factory=dict)
    asha: bool = False
    asha_metric: str = "val_top1"  # val_top1 | reward
    grace_epochs: int = 1
    reduction_factor: int = 2  # eta: 1 / reduction_factor of the trials at a rung continue
    scheduler: str | None = None  # asha | mo_asha | front_halving | null
    rungs: list[int] | None = None  # mo_asha's and front_halving's rung epochs; null: grace_epochs * reduction_factor^k
    cohort: int | None = None  # front_halving's trials per cohort (>= 2); null: reduction_factor^(number of rungs)

    def __post_init__(self) -> None:
        if self.asha:
            checks.check_in("search.asha_metric", self.asha_metric, ASHA_METRICS)
        checks.check_bool("search.asha", self.asha)
        checks.check_int("search.grace_epochs", self.grace_epochs, 1)
        checks.check_int("search.reduction_factor", self.reduction_factor, 2)
        if self.scheduler is not None:
            checks.check_in("search.scheduler", self.scheduler, SCHEDULERS)
        checks.check(
            not self.asha or self.scheduler in (None, "asha"),
            "search.asha",
            self.asha,
            f"is scheduler=asha; it cannot go with search.scheduler={self.scheduler}",
        )
        if self.cohort is not None:
            checks.check_int("search.cohort", self.cohort, 2)
        if self.rungs is not None:
            rungs = list(self.rungs)
            checks.check(
                bool(rungs)
                and all(checks.is_int(r) and r >= 1 for r in rungs)
                and all(a < b for a, b in zip(rungs, rungs[1:], strict=False)),
                "search.rungs",
                rungs,
                "must be increasing epochs >= 1",
            )

    def cohort_size(self, epochs: int) -> int:
        """front_halving's trials per cohort: `cohort`, else η^(rungs before the last epoch), at least 2."""
        from nasx.ranking.rungs import rung_epochs

        if self.cohort is not None:
            return self.cohort
        rungs = rung_epochs(self.grace_epochs, self.reduction_factor, max(epochs, 1), self.rungs)
        return max(2, self.reduction_factor ** len(rungs))

    @property
    def stopping(self) -> str | None:
        """The scheduler that stops trials early: search.scheduler, or asha where search.asha is true."""
        return self.scheduler or ("asha" if self.asha else None)


@dataclass(frozen=True)
class Resources:
    """Ray resources: per trial (fractional GPUs share one GPU), for a local Ray, and retries."""

    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    max_concurrent: int = 2
    num_cpus: int | None = None  # local Ray only; None: all
    num_gpus: int | None = None
    max_retries: int = 1  # re-runs of a trial whose worker process died

    def __post_init__(self) -> None:
        checks.check_range("resources.cpus_per_trial", self.cpus_per_trial, low=0, closed="(]")
        checks.check_range("resources.gpus_per_trial", self.gpus_per_trial, low=0)
        checks.check(
            trials_per_gpu(self.gpus_per_trial) is not None,
            "resources.gpus_per_trial",
            self.gpus_per_trial,
            "must divide a GPU: 0, a whole number of GPUs, or 1/N of one (0.5, 0.25, 0.125, ...)",
        )
        checks.check_int("resources.max_concurrent", self.max_concurrent, 1)
        checks.check_int("resources.max_retries", self.max_retries, 0)
        for name in ("num_cpus", "num_gpus"):
            value = getattr(self, name)
            checks.check(
                value is None or (checks.is_int(value) and value >= 0),
                f"resources.{name}",
                value,
                "must be null (all of this machine's) or a non-negative integer",
            )


def trials_per_gpu(gpus_per_trial: float) -> int | None:
    """How many trials share one GPU at `gpus_per_trial` (1 for a whole number of GPUs, N for 1/N; 0 for
    no GPU); None for a share that does not divide a GPU (0.3: three trials leave a tenth idle). Ray keeps
    4 decimals of a resource, so 1/3 written as 0.3333 shares one GPU among 3."""
    if gpus_per_trial == 0:
        return 0
    if gpus_per_trial >= 1:
        return 1 if float(gpus_per_trial).is_integer() else None
    n = round(1 / gpus_per_trial)
    return n if abs(n * gpus_per_trial - 1) <= 1e-3 else None


INITS = ("scratch", "inherited")  # how a confirmed network starts: confirm.init


@dataclass(frozen=True)
class ConfirmSpec:
    """The confirmation stage (`nasx confirm`): the `top_k` best searched networks (by the search's
    objective) and every reference family retrained under the search's training with the `train`
    overrides (TrainSpec fields), each under `seeds` seeds (seed, seed + 1, ...); `after_search` runs it
    right after the search. `init`: each network starts from scratch (`scratch`), or (`inherited`, a search
    with evaluator=supernet) from the weights the supernet of `supernet.run` holds for it, BatchNorm
    recalibrated as the evaluator does, then fine-tuned (nasx.search.confirm). `quantize`: `int8` also scores
    each trained network quantized to INT8, calibrated on `calibration_images` training images, with the
    full-scale network's INT8 and fp32 latency (nasx.quantize)."""

    after_search: bool = False
    top_k: int = 3
    seeds: int = 3
    train: dict[str, Any] = field(default_factory=dict)
    init: str = "scratch"
    quantize: str | None = None
    calibration_images: int = CALIBRATION_IMAGES

    def __post_init__(self) -> None:
        checks.check_int("confirm.top_k", self.top_k, 1)
        checks.check_int("confirm.seeds", self.seeds, 1)
        checks.check_bool("confirm.after_search", self.after_search)
        checks.check_in("confirm.init", self.init, INITS)
        check_quantize("confirm.", self.quantize, self.calibration_images)
        checks.check(
            isinstance(self.train, dict),
            "confirm.train",
            self.train,
            "must be a mapping of train settings, e.g. {epochs: 10}",
        )


@dataclass(frozen=True)
class LoggingSpec:
    """Records of a run besides its results, curves and Optuna journal: `tensorboard` writes each trial's
    learning curve as TensorBoard event files under RUN_DIR/tensorboard/."""

    tensorboard: bool = False


SAMPLINGS = ("sandwich", "uniform")  # nasx.supernet.sandwich.SAMPLINGS, named here without importing torch


@dataclass(frozen=True)
class SupernetSpec:
    """A weight-sharing supernet of the space (`nasx supernet`, nasx.supernet): how it is trained and how it
    scores a search's candidates (`evaluator=supernet`).

    Training, each step, by `sampling`: `sandwich` (BigNAS, Once-for-All) trains the largest network on the labels,
    then the smallest and `random_subnets` random ones, on the largest's soft labels when `distill` (in-place
    distillation), else on the labels; dropout, stochastic depth and label smoothing on the largest only. `uniform`
    (single-path uniform sampling, SPOS) trains one random network per step on the labels, as a candidate is trained
    on its own: no largest, no distillation (`random_subnets` and `distill` do not apply). `progressive`:
    Once-for-All's progressive shrinking (the largest alone, then elastic kernel and depth, then everything;
    nasx.supernet.sandwich), sandwich only. `kernel_transform`: Once-for-All's learned transform of cropped kernels.
    `workers`: 1 trains in the command's process; more train data-parallel on Ray Train, each worker a shard of
    every global batch, with the one-process run's result (nasx.supernet.shards, nasx.ray.train_supernet).
    Scoring: `run` is a trained supernet's run directory; each candidate is extracted, its BatchNorm statistics
    recalibrated on `recalibration_images` training images drawn by the seed, then measured on the validation split."""

    run: str | None = None
    sampling: str = "sandwich"
    random_subnets: int = 2
    distill: bool = True
    progressive: bool = False
    kernel_transform: bool = False
    recalibration_images: int = 2000
    workers: int = 1

    def __post_init__(self) -> None:
        checks.check(
            self.run is None or (isinstance(self.run, str) and bool(self.run.strip())),
            "supernet.run",
            self.run,
            "must be null or a run directory of `nasx supernet`",
        )
        checks.check_in("supernet.sampling", self.sampling, SAMPLINGS)
        checks.check_int("supernet.random_subnets", self.random_subnets, 0)
        checks.check_bool("supernet.distill", self.distill)
        checks.check_bool("supernet.progressive", self.progressive)
        checks.check_bool("supernet.kernel_transform", self.kernel_transform)
        checks.check_int("supernet.recalibration_images", self.recalibration_images, 1)
        checks.check_int("supernet.workers", self.workers, 1)
        checks.require(
            not (self.progressive and self.sampling == "uniform"),
            "supernet.progressive=true: progressive shrinking starts from the largest network, which "
            "supernet.sampling=uniform does not train; use supernet.sampling=sandwich",
        )

    def training(self) -> dict[str, Any]:
        """How the supernet is trained, as plain values and as it is in effect (the checkpoint's `training`):
        sampling, networks per step, distill, progressive, kernel_transform."""
        sandwich = self.sampling == "sandwich"
        return {
            "sampling": self.sampling,
            "networks_per_step": 2 + self.random_subnets if sandwich else 1,
            "distill": self.distill and sandwich,
            "progressive": self.progressive,
            "kernel_transform": self.kernel_transform,
        }


EVALUATORS = ("train", "supernet")


NAME_RULE = "must be a word (letters, digits, _ . + -) usable as a directory name"
BUDGET_RULE = "must be a positive number of trials"


@dataclass(frozen=True)
class SearchSetup:
    """Everything `nasx search` needs. Its values are checked when it is built (each part checks its own);
    `check` adds what needs the registries, the space and the cluster."""

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
    seeds: int = 1  # reference families train under seed, seed + 1, ... (one row each)
    save_weights: bool = False  # save every trained state_dict under run_dir/weights/
    confirm: ConfirmSpec = field(default_factory=ConfirmSpec)
    logging: LoggingSpec = field(default_factory=LoggingSpec)
    evaluator: str = "train"  # how a candidate is scored: train it, or inherit a supernet's weights
    supernet: SupernetSpec = field(default_factory=SupernetSpec)
    references: tuple[str, ...] = ()
    scale_phis: tuple[float, ...] = ()  # compound space: then scale the best triple to these phi (and 1-D)
    address: str | None = None  # None: local Ray; "auto" or host:port: an existing cluster
    run_dir: str = ""
    smoke: bool = False
    config: dict[str, Any] = field(default_factory=dict)  # the resolved config, for provenance

    def __post_init__(self) -> None:
        checks.check(
            isinstance(self.name, str) and re.fullmatch(r"[\w.+-]+", self.name, re.ASCII) is not None,
            "name",
            self.name,
            NAME_RULE,
        )
        checks.check(checks.is_int(self.budget) and self.budget >= 1, "budget", self.budget, BUDGET_RULE)
        checks.check_seed("seed", self.seed)
        checks.check_int("seeds", self.seeds, 1)
        checks.check_in("evaluator", self.evaluator, EVALUATORS)
        checks.require(
            self.evaluator != "supernet" or self.supernet.run is not None,
            "evaluator=supernet needs supernet.run=DIR (a run directory of `nasx supernet`)",
        )
        checks.require(
            self.confirm.init != "inherited" or self.evaluator == "supernet",
            f"confirm.init=inherited needs a search scored with evaluator=supernet (its supernet.run holds the "
            f"weights to inherit); this one has evaluator={self.evaluator}",
        )
        phis_ok = not self.scale_phis or (
            self.space.name == "compound" and all(checks.is_number(phi) and phi > 0 for phi in self.scale_phis)
        )
        checks.check(phis_ok, "scale_phis", list(self.scale_phis), "needs space=compound and phi values > 0")
        _check_scheduler(self)
        checks.require(
            self.space.latency_ms is None or self.objective.full_latency,
            "space.latency_ms needs the full-scale latency it bounds: objective.metric=latency_ms objective.scale=full",
        )
        confirm_train(self)

    def make_space(self):
        """The searched space; its budget holds the objective's full-scale latency where space.latency_ms bounds it."""
        space = self.space.make()
        if self.space.latency_ms is not None:
            from nasx.latency.source import latency_of

            space.budget = replace(space.budget, latency_ms=self.space.latency_ms, latency=latency_of(self.objective))
        return space

    def objectives(self) -> tuple[tuple[str, str], ...]:
        """(metric, max|min) of each objective the searcher optimises: reward; or val/top1 and every cost."""
        if self.objective.mode == "multi":
            return (("val/top1", "max"), *((column, "min") for column in self.objective.cost_columns()))
        return (("reward", "max"),)


def _check_scheduler(setup: SearchSetup) -> None:
    """mo_asha and front_halving rank accuracy against costs known before training: objective.mode=multi, no
    proxy-scale latency."""
    searcher = setup.searcher
    ranked = searcher.stopping in RANKED_SCHEDULERS
    checks.require(
        searcher.rungs is None or ranked,
        "search.rungs: needs search.scheduler=mo_asha or front_halving "
        "(asha ranks at grace_epochs * reduction_factor^k)",
    )
    checks.require(
        searcher.cohort is None or searcher.stopping == "front_halving",
        f"search.cohort={searcher.cohort}: needs search.scheduler=front_halving (trials per cohort)",
    )
    if not ranked:
        return
    checks.require(
        setup.objective.mode == "multi",
        f"search.scheduler={searcher.stopping}: ranks a Pareto search's accuracy and costs; needs objective.mode=multi "
        f"(objective.mode={setup.objective.mode}: use search.scheduler=asha)",
    )
    checks.require(
        "latency_ms" not in setup.objective.cost_columns() or setup.objective.full_latency,
        f"search.scheduler={searcher.stopping}: the proxy network's latency is measured after training, so a rung "
        "cannot rank it; use objective.scale=full (predicted latency) or another cost",
    )


SMOKE_BUDGET = 3
SMOKE_RECALIBRATION_IMAGES = 256


def smoke(setup: SearchSetup) -> SearchSetup:
    """The same experiment shrunk to seconds on a CPU: a few trials of a few steps on small networks (a supernet:
    one epoch of a few steps, BatchNorm recalibrated on a few images)."""
    train = replace(
        setup.train,
        epochs=1,
        steps=min(setup.train.steps or 3, 3),
        eval_every=1,
        batch_size=min(setup.train.batch_size, 32),
        device="cpu",
    )
    proxy = replace(
        setup.proxy, width_mult=min(setup.proxy.width_mult, 0.25), depth_mult=min(setup.proxy.depth_mult, 0.25)
    )
    data = replace(setup.data, resolution=min(setup.data.resolution, 16))
    confirm = replace(setup.confirm, train={}, top_k=min(setup.confirm.top_k, 2), seeds=min(setup.confirm.seeds, 2))
    supernet = replace(
        setup.supernet, recalibration_images=min(setup.supernet.recalibration_images, SMOKE_RECALIBRATION_IMAGES)
    )
    return replace(
        setup,
        train=train,
        proxy=proxy,
        data=data,
        budget=min(setup.budget, SMOKE_BUDGET),
        seeds=min(setup.seeds, 2),
        confirm=confirm,
        supernet=supernet,
        references=setup.references[:1],
        scale_phis=tuple(setup.scale_phis)[:1],
        smoke=True,
        resources=replace(setup.resources, gpus_per_trial=0.0, num_gpus=0),
    )


def confirm_train(setup: SearchSetup) -> TrainSpec:
    """The confirmation protocol: the search's training with confirm.train applied."""
    try:
        return replace(setup.train, **setup.confirm.train)
    except TypeError as exc:
        raise ValueError(f"confirm.train: {exc}") from None


def check(setup: SearchSetup) -> None:
    """What a search needs besides valid values (checked when the setup was built), before Ray starts, as one
    ValueError line: a registered searcher, a latency table that answers for the objective, a space with candidates
    in its MACs/params range, registered reference families, a TensorBoard writer when asked for, a reachable
    cluster, a writable run directory."""
    from nasx import families
    from nasx.search import searchers
    from nasx.writable import check_writable_dir

    check_writable_dir(setup.run_dir, "run_dir")

    if setup.searcher.name not in searchers.names():
        raise ValueError(f"unknown searcher {setup.searcher.name!r}; choose one of {', '.join(searchers.names())}")
    if setup.objective.full_latency:
        from nasx.latency.source import check_table

        check_table(setup.objective, setup.space.name)
    space = setup.make_space()
    space.sample(setup.seed)  # an impossible MACs/params range fails here, with its range named
    for name in setup.references:
        if name not in families.names():
            raise ValueError(f"references: unknown family {name!r} (see `nasx families`)")
    if setup.evaluator == "supernet":
        from nasx.search.evaluators.supernet import check_serves

        check_serves(setup)
    if setup.logging.tensorboard:
        from nasx.results.tensorboard_events import package

        package()  # one of the two packages is installed
