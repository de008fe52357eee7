"""Layers shared by every block: activations, conv-bn-act, squeeze-excite, stochastic depth."""
from __future__ import annotations

import torch
from torch import nn

from nasx.arch.rounding import split_channels

_ACTIVATIONS = {
    "relu": lambda: nn.ReLU(inplace=True), "relu6": lambda: nn.ReLU6(inplace=True),
    "swish": lambda: nn.SiLU(inplace=True), "hswish": lambda: nn.Hardswish(inplace=True), "tanh": nn.Tanh,
    "identity": nn.Identity, "sigmoid": nn.Sigmoid, "hsigmoid": nn.Hardsigmoid,
}


def activation(name: str) -> nn.Module:
    return _ACTIVATIONS[name]()


def conv_bn_act(c_in: int, c_out: int, k: int, stride: int = 1, *, groups: int = 1, act: str | None = "relu",
                bn: bool = True, padding: int | None = None, kw: int | None = None) -> nn.Sequential:
    """k x kw conv (bias only without BN) + [BN] + [act]; act=None leaves the output linear.

    Padding defaults to (k-1)//2 in height and (kw-1)//2 in width; an explicit `padding` applies to both.
    """
    kw = k if kw is None else kw
    pad = ((k - 1) // 2, (kw - 1) // 2) if padding is None else (padding, padding)
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, (k, kw), stride, pad, groups=groups, bias=not bn)]
    if bn:
        layers.append(nn.BatchNorm2d(c_out))
    if act is not None:
        layers.append(activation(act))
    return nn.Sequential(*layers)


class SplitConv(nn.Module):
    """Channels split into len(kernels) parts (equal, remainder first), part i convolved with kernel i
    (MixConv; depthwise or dense per part), then concatenated."""

    def __init__(self, c_in: int, c_out: int, kernels: list[int], stride: int = 1, depthwise: bool = False) -> None:
        super().__init__()
        self.splits = split_channels(c_in, len(kernels))
        self.convs = nn.ModuleList(
            nn.Conv2d(ci, co, k, stride, (k - 1) // 2, groups=ci if depthwise else 1, bias=False)
            for k, ci, co in zip(kernels, self.splits, split_channels(c_out, len(kernels))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([conv(part) for conv, part in zip(self.convs, torch.split(x, self.splits, 1))], 1)


def split_conv_bn_act(c_in: int, c_out: int, kernels: list[int], stride: int = 1, *, depthwise: bool = False,
                      act: str | None = "relu") -> nn.Sequential:
    """conv_bn_act with the conv split by SplitConv when there is more than one kernel."""
    if len(kernels) == 1:
        return conv_bn_act(c_in, c_out, kernels[0], stride, groups=c_in if depthwise else 1, act=act)
    layers: list[nn.Module] = [SplitConv(c_in, c_out, kernels, stride, depthwise), nn.BatchNorm2d(c_out)]
    if act is not None:
        layers.append(activation(act))
    return nn.Sequential(*layers)


class SqueezeExcite(nn.Module):
    """Global pool -> 1x1 conv (bias) -> act -> 1x1 conv (bias) -> gate, scaling the input channels."""

    def __init__(self, channels: int, squeeze: int, act: str = "relu", gate: str = "sigmoid") -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, squeeze, 1)
        self.act = activation(act)
        self.expand = nn.Conv2d(squeeze, channels, 1)
        self.gate = activation(gate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)
        return x * self.gate(self.expand(self.act(self.reduce(s))))


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


class Residual(nn.Module):
    """out = post(shortcut(x) + drop_path(branch(x))); the shape of ResNet and MBConv blocks."""

    def __init__(self, branch: nn.Module, shortcut: nn.Module | None, drop_path: float = 0.0,
                 post: nn.Module | None = None) -> None:
        super().__init__()
        self.branch = branch
        self.shortcut = shortcut
        self.drop_path = DropPath(drop_path) if shortcut is not None and drop_path > 0 else nn.Identity()
        self.post = post if post is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.branch(x)
        if self.shortcut is not None:
            out = self.drop_path(out) + self.shortcut(x)
        return self.post(out)


def stage(make, spec, c_in: int, drop_paths) -> nn.Sequential:
    """`spec.r` blocks from `make(spec, c_in, stride, drop_path)`: the first takes the stride and the width change."""
    blocks = []
    for i in range(spec.r):
        blocks.append(make(spec, c_in, spec.s if i == 0 else 1, next(drop_paths)))
        c_in = spec.c
    return nn.Sequential(*blocks)
