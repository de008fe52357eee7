"""Short training trials: `train_and_eval(model, data, TrainSpec(...), on_epoch=None, state=None) -> Metrics`."""
from nasx.train.loop import accuracy, train_and_eval
from nasx.train.metrics import Metrics
from nasx.train.optim import lr_factor, make_optimizer, param_groups
from nasx.train.spec import OPTIMIZERS, SCHEDULES, TrainSpec

__all__ = ["Metrics", "OPTIMIZERS", "SCHEDULES", "TrainSpec", "accuracy", "lr_factor", "make_optimizer",
           "param_groups", "train_and_eval"]
