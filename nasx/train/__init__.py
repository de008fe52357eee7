"""Short training trials: `train_and_eval(model, data, TrainSpec(...), on_epoch=None, state=None) -> Metrics`.

`TrainSpec` is plain data; the torch side (loop, optimizer, metrics) loads on first use.
"""
from __future__ import annotations

import importlib

from nasx.train.spec import OPTIMIZERS, SCHEDULES, TrainSpec

_LAZY = {"accuracy": "nasx.train.loop", "train_and_eval": "nasx.train.loop", "Metrics": "nasx.train.metrics",
         "lr_factor": "nasx.train.optim", "make_optimizer": "nasx.train.optim", "param_groups": "nasx.train.optim"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'nasx.train' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = ["Metrics", "OPTIMIZERS", "SCHEDULES", "TrainSpec", "accuracy", "lr_factor", "make_optimizer",
           "param_groups", "train_and_eval"]
