"""Params and MACs counted on a built module (torch's FlopCounterMode), to check the analytic count."""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

from nasx.arch.spec import ArchSpec
from nasx.build import build_model


def module_cost(spec: ArchSpec, device: str = "meta") -> tuple[int, int]:
    """(params, MACs) of the built network, one forward of a single image; `meta` allocates nothing."""
    with torch.device(device):
        model = build_model(spec).eval()
        x = torch.zeros(1, spec.in_channels, spec.resolution, spec.resolution)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x)
    return sum(p.numel() for p in model.parameters()), counter.get_total_flops() // 2
