"""Optimizer with decay only on conv/linear weights, and the per-step learning-rate factor."""

from __future__ import annotations

import math

import torch
from torch import nn

from nasx.train.spec import TrainSpec


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Weights (ndim > 1) decay; BN parameters and biases (ndim <= 1) do not."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.ndim > 1], "weight_decay": weight_decay},
        {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
    ]


def make_optimizer(model: nn.Module, spec: TrainSpec) -> torch.optim.Optimizer:
    groups = param_groups(model, spec.weight_decay)
    if spec.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=spec.lr, momentum=spec.momentum, nesterov=spec.nesterov and spec.momentum > 0)
    return torch.optim.AdamW(groups, lr=spec.lr)


def lr_factor(step: int, total_steps: int, spec: TrainSpec) -> float:
    """Multiplier of spec.lr at 0-based `step`: linear warm-up, then cosine / linear / constant."""
    warmup = round(spec.warmup_fraction * total_steps)
    if step < warmup:
        return (step + 1) / warmup
    if spec.schedule == "constant":
        return 1.0
    t = (step - warmup) / max(1, total_steps - warmup)
    if spec.schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * t))
    return 1.0 - t
