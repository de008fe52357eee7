"""Layers shared by every block: activations, conv-bn-act, split convs, squeeze-excite, stochastic depth.

Layers carry names, so that a state_dict reads like the network: a conv-bn-act unit is `conv`, `bn`, `act`;
squeeze-excite is `conv_reduce`, `conv_expand`; a split (MixConv) conv numbers its parts `0`, `1`, ...
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from nasx.arch.rounding import split_channels

_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": lambda: nn.ReLU(inplace=True),
    "relu6": lambda: nn.ReLU6(inplace=True),
    "swish": lambda: nn.SiLU(inplace=True),
    "hswish": lambda: nn.Hardswish(inplace=True),
    "tanh": nn.Tanh,
    "identity": nn.Identity,
    "sigmoid": nn.Sigmoid,
    "hsigmoid": nn.Hardsigmoid,
}


def activation(name: str) -> nn.Module:
    module: nn.Module = _ACTIVATIONS[name]()
    return module


def named(*layers: tuple[str, nn.Module | None]) -> nn.Sequential:
    """nn.Sequential of the (name, module) pairs whose module is not None, under those names."""
    return nn.Sequential(OrderedDict((name, m) for name, m in layers if m is not None))


def conv_bn_act(
    c_in: int,
    c_out: int,
    k: int,
    stride: int = 1,
    *,
    groups: int = 1,
    act: str | None = "relu",
    bn: bool = True,
    padding: int | None = None,
    kw: int | None = None,
    bias: bool | None = None,
) -> nn.Sequential:
    """`conv` (k x kw) + [`bn`] + [`act`]; act=None leaves the output linear; the conv has a bias only without
    BN unless `bias` says otherwise.

    Padding defaults to (k-1)//2 in height and (kw-1)//2 in width; an explicit `padding` applies to both.
    """
    kw = k if kw is None else kw
    pad = ((k - 1) // 2, (kw - 1) // 2) if padding is None else (padding, padding)
    conv = nn.Conv2d(c_in, c_out, (k, kw), stride, pad, groups=groups, bias=not bn if bias is None else bias)
    return named(
        ("conv", conv),
        ("bn", nn.BatchNorm2d(c_out) if bn else None),
        ("act", activation(act) if act is not None else None),
    )


class SplitConv(nn.ModuleList):
    """Channels split into len(kernels) parts (equal, remainder first), part i convolved with kernel i by
    conv `i` (MixConv; depthwise or dense per part), then concatenated."""

    def __init__(self, c_in: int, c_out: int, kernels: list[int], stride: int = 1, depthwise: bool = False) -> None:
        super().__init__(
            nn.Conv2d(ci, co, k, stride, (k - 1) // 2, groups=ci if depthwise else 1, bias=False)
            for k, ci, co in zip(kernels, split_channels(c_in, len(kernels)), split_channels(c_out, len(kernels)))
        )
        self.splits = split_channels(c_in, len(kernels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = torch.split(x, self.splits, 1)  # indexed, not iterated: FX tracing cannot iterate a traced value
        return torch.cat([conv(parts[i]) for i, conv in enumerate(self)], 1)


def split_conv(c_in: int, c_out: int, kernels: list[int], stride: int = 1, *, depthwise: bool = False) -> nn.Module:
    """A bias-free conv, split by SplitConv when there is more than one kernel."""
    if len(kernels) == 1:
        k = kernels[0]
        return nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2, groups=c_in if depthwise else 1, bias=False)
    return SplitConv(c_in, c_out, kernels, stride, depthwise)


class SqueezeExcite(nn.Module):
    """Global pool -> `conv_reduce` (1x1, bias) -> act -> `conv_expand` (1x1, bias) -> gate, scaling the input
    channels."""

    def __init__(self, channels: int, squeeze: int, act: str = "relu", gate: str = "sigmoid") -> None:
        super().__init__()
        self.conv_reduce = nn.Conv2d(channels, squeeze, 1)
        self.act = activation(act)
        self.conv_expand = nn.Conv2d(squeeze, channels, 1)
        self.gate = activation(gate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)
        gate: torch.Tensor = self.gate(self.conv_expand(self.act(self.conv_reduce(s))))
        return x * gate


class DropPath(nn.Module):
    """Stochastic depth: drop the residual branch per sample with probability p while training."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1), dtype=x.dtype, device=x.device).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"p={self.p}"


def drop_path(p: float, residual: bool) -> nn.Module:
    """DropPath(p) on a residual branch, else (no residual or p == 0) the identity."""
    return DropPath(p) if residual and p > 0 else nn.Identity()


def stage(
    make: Callable[[Any, int, int, float], nn.Module], spec: Any, c_in: int, drop_paths: Iterator[float]
) -> nn.Sequential:
    """`spec.r` blocks from `make(spec, c_in, stride, drop_path)`: the first takes the stride and the width change."""
    blocks = []
    for i in range(spec.r):
        blocks.append(make(spec, c_in, spec.s if i == 0 else 1, next(drop_paths)))
        c_in = spec.c
    return nn.Sequential(*blocks)
