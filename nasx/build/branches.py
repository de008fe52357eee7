"""Module for every multi-branch block: a program of ops built into torch layers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from nasx.arch.blocks.branches import BranchBlock, Concat, Conv, Pool
from nasx.build.layers import conv_bn_act


class ConcatBranches(nn.Module):
    """Branches `branch1`, `branch2`, ... (GoogLeNet's names) on the same input, outputs concatenated."""

    def __init__(self, branches: list[nn.Module]) -> None:
        super().__init__()
        for i, branch in enumerate(branches, 1):
            self.add_module(f"branch{i}", branch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.children()], 1)


def build_program(program: tuple[Any, ...], c_in: int) -> tuple[nn.Module, int]:
    """(module, output channels) for a program of Conv / Pool / Concat ops: the op's module when the program
    has one op, else an nn.Sequential numbering them (a Conv is a conv-bn-act unit, `conv` + `bn`)."""
    layers: list[nn.Module] = []
    for op in program:
        if isinstance(op, Conv):
            layers.append(conv_bn_act(c_in, op.c, op.k, op.s, padding=op.p, kw=op.kw, bn=op.bn))
            c_in = op.c
        elif isinstance(op, Pool):
            pool = nn.MaxPool2d if op.kind == "max" else nn.AvgPool2d
            layers.append(pool(op.k, op.s, op.p, ceil_mode=op.ceil))
        elif isinstance(op, Concat):
            built = [build_program(branch, c_in) for branch in op.branches]
            layers.append(ConcatBranches([m for m, _ in built]))
            c_in = sum(c for _, c in built)
    return (layers[0] if len(layers) == 1 else nn.Sequential(*layers)), c_in


def build_branch_block(spec: BranchBlock, c_in: int, drop_paths: Iterator[float]) -> nn.Module:
    modules = []
    for _ in range(spec.r):  # type: ignore[attr-defined]
        module, c_in = build_program(spec.program(c_in), c_in)
        modules.append(module)
    return nn.Sequential(*modules)
