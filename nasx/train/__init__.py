"""Short training trials: `train_and_eval(model, data, TrainSpec(...), on_epoch=None, state=None) -> Metrics`.

`TrainSpec` is plain data; the torch side (loop, optimizer, metrics) loads on first use.
"""

from __future__ import annotations

from nasx.lazy import attributes
from nasx.train.spec import OPTIMIZERS, SCHEDULES, TrainSpec

_LAZY = {
    "accuracy": "nasx.train.loop",
    "train_and_eval": "nasx.train.loop",
    "Metrics": "nasx.train.metrics",
    "lr_factor": "nasx.train.optim",
    "make_optimizer": "nasx.train.optim",
    "param_groups": "nasx.train.optim",
}


__getattr__ = attributes("nasx.train", _LAZY, globals())


__all__ = [
    "Metrics",
    "OPTIMIZERS",
    "SCHEDULES",
    "TrainSpec",
    "accuracy",
    "lr_factor",
    "make_optimizer",
    "param_groups",
    "train_and_eval",
]
