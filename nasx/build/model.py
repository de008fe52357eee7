"""build_model: ArchSpec -> torch.nn.Module, a pure function."""

from __future__ import annotations

import torch
from torch import nn

from nasx.arch.spec import ArchSpec
from nasx.build.stages import STAGE_BUILDERS, build_head


class Net(nn.Module):
    """stem -> stages -> head, built from an ArchSpec (kept as `spec`)."""

    def __init__(self, spec: ArchSpec) -> None:
        super().__init__()
        self.spec = spec
        residual_blocks = sum(b.blocks for _, b in spec.layers() if b.DROP_PATH)
        drop_paths = iter([spec.drop_path * i / residual_blocks for i in range(residual_blocks)])
        c = spec.in_channels
        stem: list[nn.Module] = []
        stages: list[nn.Module] = []
        for where, block in spec.layers():
            (stem if where.startswith("stem") else stages).append(STAGE_BUILDERS[block.TYPE](block, c, drop_paths))
            c = block.out_channels(c)
        self.stem = nn.Sequential(*stem)
        self.stages = nn.Sequential(*stages)
        self.head = build_head(spec.head, c, spec.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.stages(self.stem(x)))
        return logits


def init_weights(model: nn.Module) -> None:
    """Kaiming-normal fan-out convs, BN weight 1 / bias 0, Linear N(0, 0.01) with zero bias."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.01)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def build_model(spec: ArchSpec) -> Net:
    """A freshly initialised network for `spec`; no I/O, no global state beyond torch's RNG."""
    model = Net(spec)
    init_weights(model)
    return model
