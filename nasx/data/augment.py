"""Batch augmentation and normalisation on tensors, on whatever device the batch lives.

Random draws come from a CPU `torch.Generator` and are moved to the batch's device, so a seed
gives the same augmentation on CPU and GPU and the generator state can be saved and restored.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def batch_crop(x: torch.Tensor, pad: int, generator: torch.Generator) -> torch.Tensor:
    """Random crop of each image from its zero-padded (by `pad` pixels) version, size unchanged."""
    if pad <= 0:
        return x
    n, c, h, w = x.shape
    shifts = torch.randint(0, 2 * pad + 1, (2, n), generator=generator).to(x.device)
    padded = F.pad(x, (pad, pad, pad, pad))
    rows = (shifts[0][:, None] + torch.arange(h, device=x.device))[:, None, :, None]
    cols = (shifts[1][:, None] + torch.arange(w, device=x.device))[:, None, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    chans = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, chans, rows, cols]


def batch_flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image mirrored left-right with probability 1/2."""
    mask = (torch.rand(x.shape[0], generator=generator) < 0.5).to(x.device)
    return torch.where(mask[:, None, None, None], x.flip(3), x)


def normalize(x: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> torch.Tensor:
    """uint8 images -> float32 standardised per channel (mean/std in [0, 1] units)."""
    scale = torch.tensor([1.0 / (255.0 * s) for s in std], device=x.device).view(1, -1, 1, 1)
    shift = torch.tensor([-m / s for m, s in zip(mean, std)], device=x.device).view(1, -1, 1, 1)
    return torch.addcmul(shift, x.float(), scale)
