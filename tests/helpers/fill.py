"""Deterministic stand-in weights and inputs, the same in every process and torch version (no RNG):
tensor i of a state_dict gets values from sin(a * j + i), scaled so that deep networks stay finite."""

from __future__ import annotations

import math

import torch


def fill_tensor(key: str, shape: tuple[int, ...], index: int) -> torch.Tensor:
    """A value for the tensor `key` (its leaf name decides the kind) of `shape`, the index-th of its state_dict."""
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "num_batches_tracked":
        return torch.tensor(0)
    numel = math.prod(shape)
    wave = torch.sin(torch.arange(numel, dtype=torch.float64) * 0.618 + index).reshape(shape)
    if leaf == "running_var":
        return (1.0 + 0.5 * wave * wave).float()
    if len(shape) > 1:  # conv or linear weight: fan-in scaling keeps activations near unit size
        return (wave * math.sqrt(3.0 / (numel // shape[0]))).float()
    if leaf == "weight":  # a norm's scale
        return (1.0 + 0.2 * wave).float()
    return (0.1 * wave).float()  # biases and running means


def fill_state(shapes: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    """fill_tensor over (key, shape) pairs in order."""
    return {key: fill_tensor(key, tuple(shape), i) for i, (key, shape) in enumerate(shapes.items())}


def fill_input(batch: int, channels: int, size: int) -> torch.Tensor:
    n = batch * channels * size * size
    return torch.sin(torch.arange(n, dtype=torch.float64) * 0.37).reshape(batch, channels, size, size).float()
