"""Metrics of one training run; keys carry their split (val/top1, test/top1, train/loss)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Metrics:
    """Accuracies in [0, 1] (NaN until measured), the mean training loss of the last epoch, the budget
    spent, `status` ok | failed with the `error` reason, and one `history` dict per epoch (epoch, step, lr,
    train/loss, val/top1 as last measured, `evaluated`: whether it was measured that epoch, wall_s), and the
    `memory_format` the network trained in (channels_last | contiguous), and `compile`: whether it trained
    eagerly (off) or through torch.compile from an empty (cold) or a warm cache entry (nasx.train.compiled)."""

    val_top1: float = math.nan
    test_top1: float = math.nan
    train_loss: float = math.nan
    epochs: int = 0
    steps: int = 0
    wall_s: float = 0.0
    status: str = "ok"
    error: str = ""
    history: list[dict] = field(default_factory=list)
    memory_format: str = "contiguous"
    compile: str = "off"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        return {
            "val/top1": self.val_top1,
            "test/top1": self.test_top1,
            "train/loss": self.train_loss,
            "epochs": self.epochs,
            "steps": self.steps,
            "wall_s": self.wall_s,
            "status": self.status,
            "error": self.error,
            "memory_format": self.memory_format,
            "compile": self.compile,
        }
