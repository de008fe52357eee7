"""Registering a family from timm's arch_def and builder arguments (the decoder is its one definition)."""

from __future__ import annotations

from typing import Any

from nasx.families.registry import register
from nasx.timm import decode_arch_def

TIMM_DROP_RATE = 0.2  # dropout before the classifier, as nasx's other mobile families (timm sets it at train time)


def register_timm(name: str, resolution: int, arch_def: list[list[str]], **kwargs: Any) -> None:
    """`name` (timm's) at timm's pretrained_cfg input size, built by decode_arch_def(arch_def, **kwargs)."""
    kwargs.setdefault("drop_rate", TIMM_DROP_RATE)
    register(name, resolution, source="timm")(lambda: decode_arch_def(arch_def, resolution=resolution, **kwargs))
