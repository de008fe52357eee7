"""The supernet's tensors: each key at the largest shape the space's largest points give it, freshly initialised."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import torch
from torch import nn

from nasx.arch.spec import ArchSpec
from nasx.build.model import init_weights
from nasx.supernet.skeleton import layout, skeleton
from nasx.supernet.slots import largest_shape


def largest_tensors(space, shrink: Callable[[ArchSpec], ArchSpec]) -> dict[str, tuple[torch.Tensor, bool]]:
    """Supernet key -> (tensor, whether it is a parameter): the elementwise-largest shape of the key over the
    space's shrunk largest points, initialised as `build_model` initialises a module of that shape."""
    shapes: dict[str, torch.Size] = {}
    kinds: dict[str, type] = {}
    params: set[str] = set()
    for values, full in space.largest_points():
        spec = shrink(full)
        net = skeleton(spec)
        names = {name for name, _ in net.named_parameters()}
        for key, big, shape in layout(spec, space.stage_slots(values, full)):
            shapes[big] = largest_shape(shapes[big], shape, big) if big in shapes else shape
            kinds[big.rpartition(".")[0]] = type(net.get_submodule(key.rpartition(".")[0]))
            if key in names:
                params.add(big)
    owned: dict[str, dict[str, torch.Size]] = defaultdict(dict)
    for big, shape in shapes.items():
        owner, _, name = big.rpartition(".")
        owned[owner][name] = shape
    out = {}
    for owner, local in owned.items():
        for name, tensor in fresh(kinds[owner], local, owner).items():
            out[f"{owner}.{name}"] = (tensor, f"{owner}.{name}" in params)
    return out


def fresh(kind: type, shapes: dict[str, torch.Size], owner: str) -> dict[str, torch.Tensor]:
    """The tensors of a new `kind` module (Conv2d, BatchNorm2d, Linear) of `shapes`, with build_model's init."""
    weight = shapes.get("weight") or shapes.get("running_mean")
    if weight is None:
        raise ValueError(f"supernet: {owner} holds neither a weight nor running statistics")
    if kind is nn.Conv2d:
        module: nn.Module = nn.Conv2d(weight[1], weight[0], (weight[2], weight[3]), bias="bias" in shapes)
    elif kind is nn.BatchNorm2d:
        module = nn.BatchNorm2d(weight[0])
    elif kind is nn.Linear:
        module = nn.Linear(weight[1], weight[0], bias="bias" in shapes)
    else:
        raise ValueError(f"supernet: {owner} is a {kind.__name__}, which the supernet does not hold")
    init_weights(module)
    state = module.state_dict()
    if set(state) != set(shapes) or any(state[k].shape != s for k, s in shapes.items()):
        raise ValueError(f"supernet: {owner}'s tensors {sorted(shapes)} are not a {kind.__name__}'s")
    return state
