"""FidelitySpec and SupernetRungs: the knobs of a fidelity study and of its supernet rungs, checked, and their rung
labels."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nasx.checks import check, check_bool, check_in, check_int, check_range, is_int, require
from nasx.results.schema import SUPERNET_RUNG as SUPERNET
from nasx.results.schema import ZERO_COST_RUNG as ZERO_COST
from nasx.search.setup import SMOKE_RECALIBRATION_IMAGES, SupernetSpec

UNITS = ("epochs", "steps")


@dataclass(frozen=True)
class FidelitySpec:
    """`archs` architectures drawn from the space (plus the reference families), each trained with
    `seeds` seeds at every budget of `rungs` (in `unit`s, cheapest first; the last is the reference
    the others are ranked against) and, with `zero_cost`, scored at initialisation on one batch of
    `zero_cost_batch` images. A rung is recommended when its Spearman rho reaches `target_rho`; top-k
    recall looks at the top `top_fraction`; intervals come from `n_boot` bootstrap resamples."""

    archs: int = 32
    seeds: int = 3
    rungs: tuple[int, ...] = (1, 3, 10)
    unit: str = "epochs"
    zero_cost: bool = True
    zero_cost_batch: int = 64
    target_rho: float = 0.8
    top_fraction: float = 0.1
    n_boot: int = 1000

    def __post_init__(self) -> None:
        check_int("fidelity.archs", self.archs, 2)
        check_int("fidelity.seeds", self.seeds, 1)
        check_int("fidelity.zero_cost_batch", self.zero_cost_batch, 2)
        check_int("fidelity.n_boot", self.n_boot, 10)
        rungs = self.rungs
        check(
            isinstance(rungs, (list, tuple)) and all(is_int(r) and r > 0 for r in rungs),
            "fidelity.rungs",
            rungs,
            "must be a list of positive whole budgets, e.g. [1, 3, 10]",
        )
        require(
            len(rungs) >= 2,
            f"fidelity.rungs={list(rungs)}: needs at least two rungs (cheaper budgets and "
            "the reference they are ranked against)",
        )
        require(
            all(b > a for a, b in zip(rungs, rungs[1:])), f"fidelity.rungs={list(rungs)}: must increase, cheapest first"
        )
        object.__setattr__(self, "rungs", tuple(rungs))
        check_in("fidelity.unit", self.unit, UNITS)
        check_bool("fidelity.zero_cost", self.zero_cost)
        check_range("fidelity.target_rho", self.target_rho, 0, 1, closed="(]")
        check_range("fidelity.top_fraction", self.top_fraction, 0, 1, closed="()")

    def label(self, budget: int) -> str:
        """The rung label of a training budget, as in the results' `rung` column: `epochs=3`, `steps=100`."""
        return f"{self.unit}={budget}"

    def labels(self) -> list[str]:
        """Every rung label, cheapest first: zero_cost (when on), then the training budgets."""
        return ([ZERO_COST] if self.zero_cost else []) + [self.label(r) for r in self.rungs]

    def train_override(self, budget: int) -> dict:
        """TrainSpec fields of one rung; validation only at the end (it changes nothing but the time)."""
        if self.unit == "steps":
            return {"steps": budget, "eval_every": 0}
        return {"epochs": budget, "steps": 0, "eval_every": 0}

    def to_dict(self) -> dict:
        return {
            "archs": self.archs,
            "seeds": self.seeds,
            "rungs": list(self.rungs),
            "unit": self.unit,
            "zero_cost": self.zero_cost,
            "zero_cost_batch": self.zero_cost_batch,
            "target_rho": self.target_rho,
            "top_fraction": self.top_fraction,
            "n_boot": self.n_boot,
        }


SMOKE_ARCHS, SMOKE_SEEDS, SMOKE_RUNGS = 3, 2, (1, 2)


def smoke(spec: FidelitySpec) -> FidelitySpec:
    """The same study shrunk to seconds: 3 architectures, 2 seeds, rungs of 1 and 2 steps, small batches."""
    return replace(
        spec,
        archs=min(spec.archs, SMOKE_ARCHS),
        seeds=min(spec.seeds, SMOKE_SEEDS),
        rungs=SMOKE_RUNGS,
        unit="steps",
        zero_cost_batch=min(spec.zero_cost_batch, 16),
        n_boot=min(spec.n_boot, 100),
    )


# --- the supernet rungs ------------------------------------------------------------------------------------

VARIANT_KEYS = ("sampling", "random_subnets", "distill", "progressive", "kernel_transform")  # SupernetSpec's training
VARIANT_NAME = re.compile(r"(?!r\d+$)[A-Za-z][A-Za-z0-9_]*")
VARIANT_RULE = "must be a word of letters, digits and _ starting with a letter (not r<N>, the recalibration suffix)"
SUPERNETS = "supernets"  # RUN_DIR/supernets/<variant>-s<seed>/: the supernets a study trains


@dataclass(frozen=True)
class SupernetRungs:
    """The supernet rungs of a fidelity study (conf/fidelity.yaml's `supernet` block): every architecture scored
    with weights inherited from a supernet (`evaluator=supernet`), one rung per variant and recalibration size.

    The supernets are either given, `run` (one run directory of `nasx supernet`, or a list of them: one variant
    under several seeds), or, with `train`, trained by the study itself: `seeds` supernets per variant (seeds
    seed, seed + 1, ...) under the study's space, data, proxy and training protocol for `epochs` (None: the
    reference rung's budget), into RUN_DIR/supernets/<variant>-s<seed>/. `variants` maps a name to overrides
    of the supernet's training (VARIANT_KEYS); None: one variant, the default training, named after its
    sampling. Each size of `recalibration_images` (one, or a list) is a rung of its own: BatchNorm statistics
    of each architecture measured on that many training images. A rung's "seeds" are its supernets."""

    run: str | list[str] | tuple[str, ...] | None = None
    train: bool = False
    seeds: int = 2
    epochs: int | None = None
    variants: dict[str, dict[str, Any] | None] | None = None
    recalibration_images: int | list[int] | tuple[int, ...] = 2000

    def __post_init__(self) -> None:
        check_bool("supernet.train", self.train)
        check_int("supernet.seeds", self.seeds, 1)
        check(
            self.epochs is None or (is_int(self.epochs) and self.epochs >= 1),
            "supernet.epochs",
            self.epochs,
            "must be null (the reference rung's budget) or an integer >= 1",
        )
        runs = [self.run] if isinstance(self.run, str) else list(self.run or [])
        check(
            (self.run is None or bool(runs)) and all(isinstance(r, str) and bool(r.strip()) for r in runs),
            "supernet.run",
            self.run,
            "must be null, a run directory of `nasx supernet`, or a list of them (one variant, several seeds)",
        )
        require(len(set(runs)) == len(runs), f"supernet.run={runs}: a run directory is listed twice")
        require(
            not (self.train and runs),
            "supernet.train=true trains the study's own supernets and supernet.run gives them: set one of the two",
        )
        object.__setattr__(self, "run", tuple(runs) or None)
        given = self.recalibration_images
        sizes: list[Any] = [given] if is_int(given) else list(given) if isinstance(given, (list, tuple)) else []
        check(
            bool(sizes) and all(is_int(n) and n >= 1 for n in sizes),
            "supernet.recalibration_images",
            self.recalibration_images,
            "must be an integer >= 1 or a list of them (one rung each)",
        )
        object.__setattr__(self, "recalibration_images", tuple(dict.fromkeys(sizes)))
        if self.variants is not None:
            require(
                self.train,
                "supernet.variants: the study trains its variants; set supernet.train=true (a given supernet.run "
                "is one variant)",
            )
            check(
                isinstance(self.variants, dict) and bool(self.variants),
                "supernet.variants",
                self.variants,
                "must be a mapping of names to training overrides, e.g. {sandwich: {}, uniform: {sampling: uniform}}",
            )
            for name, overrides in self.variants.items():
                check(
                    isinstance(name, str) and VARIANT_NAME.fullmatch(name) is not None,
                    "supernet.variants",
                    name,
                    VARIANT_RULE,
                )
                variant_spec(name, overrides)
            object.__setattr__(self, "variants", {name: dict(o or {}) for name, o in self.variants.items()})

    @property
    def on(self) -> bool:
        """Whether the study has supernet rungs."""
        return self.train or self.run is not None

    @property
    def runs(self) -> tuple[str, ...]:
        """The given run directories (none when the study trains its own)."""
        return tuple(self.run or ())

    @property
    def sizes(self) -> tuple[int, ...]:
        """The recalibration sizes, one rung each."""
        return tuple(self.recalibration_images)  # type: ignore[arg-type]  # a tuple after __post_init__

    def variant_items(self) -> list[tuple[str, dict[str, Any]]]:
        """(name, training overrides) of every variant; without `variants` the default one, named `sandwich`."""
        if not self.variants:
            return [(SupernetSpec().sampling, {})]
        return [(name, dict(overrides or {})) for name, overrides in self.variants.items()]

    def label(self, variant: str, images: int) -> str:
        """The rung label: `supernet` for the one default variant at one size, else `supernet/<variant>` (when the
        variants are several or not the default) and `/r<images>` (when the sizes are several)."""
        items = self.variant_items()
        named = len(items) > 1 or bool(items[0][1])
        return SUPERNET + (f"/{variant}" if named else "") + (f"/r{images}" if len(self.sizes) > 1 else "")

    def labels(self) -> list[str]:
        """Every supernet rung label: variant by variant, each size in the order given."""
        return [self.label(name, n) for name, _ in self.variant_items() for n in self.sizes]

    def train_override(self, fspec: FidelitySpec) -> dict:
        """TrainSpec fields of the supernets the study trains: `epochs`, else the reference rung's budget."""
        if self.epochs is not None:
            return {"epochs": self.epochs, "steps": 0, "eval_every": 0}
        return fspec.train_override(fspec.rungs[-1])


def variant_spec(name: str, overrides: Any) -> SupernetSpec:
    """The SupernetSpec of a variant's training overrides; one line naming supernet.variants.NAME when they are
    not a mapping of VARIANT_KEYS with valid values."""
    where = f"supernet.variants.{name}"
    check(
        overrides is None or isinstance(overrides, dict),
        where,
        overrides,
        f"must be a mapping of training overrides ({', '.join(VARIANT_KEYS)})",
    )
    unknown = sorted(set(overrides or {}) - set(VARIANT_KEYS))
    require(not unknown, f"{where}: unknown key(s) {', '.join(map(str, unknown))}; known: {', '.join(VARIANT_KEYS)}")
    try:
        return SupernetSpec(**(overrides or {}))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def supernet_dir(run_dir: str | Path, variant: str, seed: int) -> Path:
    """Where a study trains the supernet of one variant and seed: RUN_DIR/supernets/<variant>-s<seed>."""
    return Path(run_dir) / SUPERNETS / f"{variant}-s{seed}"


SMOKE_SUPERNET_SEEDS = 2


def smoke_supernets(spec: SupernetRungs) -> SupernetRungs:
    """The supernet rungs of a smoke study: at most 2 seeds, BatchNorm recalibrated on at most 256 images (the
    supernets themselves train at smoke scale: one epoch of a few steps)."""
    sizes = tuple(dict.fromkeys(min(n, SMOKE_RECALIBRATION_IMAGES) for n in spec.sizes))
    return replace(spec, seeds=min(spec.seeds, SMOKE_SUPERNET_SEEDS), recalibration_images=sizes)
