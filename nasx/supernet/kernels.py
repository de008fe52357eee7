"""Once-for-All's kernel transform: a centre-cropped k x k kernel times a learned (k*k x k*k) matrix.

One matrix per conv weight and smaller size k, shared by all its channels, initialised to the identity, so
that the option changes nothing until it is trained. Here each k is taken from the largest kernel directly.
"""

from __future__ import annotations

import torch
from torch import nn


def transform_sizes(shape: torch.Size) -> list[int]:
    """The smaller kernel sizes, K-2, K-4, ... down to 3, of a square K x K conv weight of `shape`."""
    if len(shape) != 4 or shape[2] != shape[3]:
        return []
    return list(range(shape[2] - 2, 2, -2))


def transform_name(name: str, k: int) -> str:
    return f"{name}/k{k}"


def identity_transforms(shapes: dict[str, torch.Size]) -> nn.ParameterDict:
    """An identity matrix for each (tensor name, smaller kernel size k)."""
    return nn.ParameterDict(
        {
            transform_name(name, k): nn.Parameter(torch.eye(k * k))
            for name, shape in shapes.items()
            for k in transform_sizes(shape)
        }
    )


def transformed(weight: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """`weight` (out, in, k, k) with every k x k kernel, flattened, multiplied by `matrix`."""
    k2 = weight.shape[2] * weight.shape[3]
    return (weight.reshape(-1, k2) @ matrix.T).reshape(weight.shape)
