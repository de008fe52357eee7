"""Supernet keys and slicing, pure: where a sub-network's tensor lives in the supernet and how it is cut out.

A sub-network's key `stages.{i}.{rest}` lives at `{slot_i}.{rest}`, the slot that the space names for
stage i; `rest` starts with the layer index within the stage, so layer j of every configuration is the
supernet's layer j and depth takes the first layers. `stem.` and `head.` keys stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def supernet_key(key: str, slots: Sequence[str]) -> str:
    """The supernet key of a sub-network's state_dict key; a one-layer stage built without a layer index
    (a `cn` stage with r=1) is layer 0."""
    top, _, rest = key.partition(".")
    if top != "stages":
        return key
    i, _, rest = rest.partition(".")
    if not rest.partition(".")[0].isdigit():
        rest = "0." + rest
    return f"{slots[int(i)]}.{rest}"


def tensor_name(key: str) -> str:
    """The name a supernet key is registered under: '.' becomes '/' (module tensor names hold no dots)."""
    return key.replace(".", "/")


def not_a_point(what: str) -> ValueError:
    return ValueError(f"not a point of the supernet's space: {what}")


def crop(tensor: torch.Tensor, shape: Sequence[int], key: str) -> torch.Tensor:
    """A view of `tensor` of `shape`: the first entries along every dim, except the two kernel dims of a
    4-D conv weight, which take the centre; ValueError naming `key` when `shape` does not fit."""
    if tensor.dim() != len(shape) or any(s > m for s, m in zip(shape, tensor.shape)):
        raise not_a_point(f"{key} needs shape {tuple(shape)}, the supernet holds {tuple(tensor.shape)}")
    for d, (s, m) in enumerate(zip(shape, tensor.shape)):
        if s < m:
            tensor = tensor.narrow(d, (m - s) // 2 if tensor.dim() == 4 and d >= 2 else 0, s)
    return tensor


def largest_shape(a: torch.Size, b: torch.Size, key: str) -> torch.Size:
    """The elementwise maximum of two shapes of one key."""
    if len(a) != len(b):
        raise ValueError(f"supernet: {key} has shapes {tuple(a)} and {tuple(b)} of different ranks")
    return torch.Size(max(x, y) for x, y in zip(a, b))
