"""Ways of scoring a trial's candidate, registered by the name used as `evaluator:` in a config.

An evaluator is a function `evaluate(config, data, setup, report) -> result` run where the trial runs
(a Ray worker, or the driver's own process). `config` is the trial's config (`nasx.search.configs.trial_config`),
`data` the run's dataset, `setup` the SearchSetup; `report(progress)` hands intermediate results to
the executor (per epoch: `epoch`, `val_top1`, `reward`, `curve`, which an early-stopping scheduler ranks).
The result is `{"epoch", "val_top1", "reward", "row", "curve"}`: `row` holds the results-table columns
the evaluation fills (`nasx.evaluation.Evaluation.to_row`), `curve` the per-epoch history. The driver and
the executors never look inside: another way of scoring plugs in by registering a function here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Report = Callable[[dict[str, Any]], None]
Evaluator = Callable[[dict[str, Any], Any, Any, Report], dict[str, Any]]

_EVALUATORS: dict[str, Evaluator] = {}


def register(name: str) -> Callable[[Evaluator], Evaluator]:
    def wrap(function: Evaluator) -> Evaluator:
        if name in _EVALUATORS:
            raise ValueError(f"evaluator {name!r} registered twice")
        _EVALUATORS[name] = function
        return function

    return wrap


def names() -> list[str]:
    return sorted(_EVALUATORS)


def get(name: str) -> Evaluator:
    if name not in _EVALUATORS:
        raise ValueError(f"unknown evaluator {name!r}; choose one of {', '.join(names())}")
    return _EVALUATORS[name]


def per_trial(config: dict[str, Any], data: Any, setup: Any, report: Report) -> dict[str, Any]:
    """The evaluator each trial's config names (`evaluator`; `train` when it names none): a fixed list of
    trials may mix them, as a fidelity study's rungs do."""
    return get(config.get("evaluator") or "train")(config, data, setup, report)


def _load() -> None:
    from nasx.search.evaluators import supernet, train  # noqa: F401  (self-registering)


_load()
