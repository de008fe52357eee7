"""FidelitySpec: the knobs of a fidelity study, checked, and its rung labels."""

from __future__ import annotations

from dataclasses import dataclass, replace

from nasx.checks import check, check_bool, check_in, check_int, check_range, is_int, require
from nasx.results.schema import ZERO_COST_RUNG as ZERO_COST

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
