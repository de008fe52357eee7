"""A trained network's weights on disk: its state_dict, written atomically, read back on the CPU."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

SUFFIX = ".pt"


def save_weights(model: nn.Module, path: str | Path) -> Path:
    """torch.save of the model's state_dict (CPU, contiguous tensors) to a temporary file renamed to `path`,
    so a crash leaves either no file or a whole one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_weights(path: str | Path) -> dict:
    """The state_dict saved by `save_weights` (tensors only: loaded with weights_only=True)."""
    return torch.load(Path(path), map_location="cpu", weights_only=True)
