"""Proxy adaptation: the same architecture shrunk for a cheap proxy task (small images, few classes)."""

from __future__ import annotations

from dataclasses import replace

from nasx.arch.blocks import Block, ConvBNAct, MaxPool
from nasx.arch.rounding import round_half_up, scale_channels
from nasx.arch.spec import ArchSpec
from nasx.generators.compound import scale_spec


def _limit_stem_stride(stem: tuple, stem_stride: int) -> tuple:
    """Keep the stem's strides, first to last, while their product stays within `stem_stride`;
    the strides beyond become 1 and max pools left with stride 1 are dropped."""
    out: list[Block] = []
    total = 1
    for layer in stem:
        stride = layer.s
        if total * stride > stem_stride:
            stride = 1
        total *= stride
        if isinstance(layer, MaxPool):
            if stride > 1:
                out.append(layer)
        elif isinstance(layer, ConvBNAct):
            out.append(replace(layer, s=stride))
        else:
            out.append(layer)
    return tuple(out)


def proxy(
    spec: ArchSpec,
    *,
    resolution: int | None = None,
    num_classes: int | None = None,
    width_mult: float = 1.0,
    depth_mult: float = 1.0,
    stem_stride: int | None = None,
) -> ArchSpec:
    """`spec` for a proxy task: new input resolution and classes, widths and depths scaled by the
    compound-scaling rules (hidden head layers too), and the stem's total stride limited to
    `stem_stride` (1 keeps 32x32 inputs at full resolution into the first stage)."""
    if stem_stride is not None and (stem_stride < 1 or stem_stride & (stem_stride - 1)):
        raise ValueError(f"stem_stride={stem_stride}: must be a power of two >= 1")
    if width_mult <= 0 or depth_mult <= 0:
        raise ValueError(f"width_mult={width_mult}, depth_mult={depth_mult}: multipliers must be > 0")
    out = scale_spec(spec, width_mult, depth_mult)
    if width_mult != 1.0 and out.head.hidden:
        hidden = tuple(scale_channels(h, width_mult) for h in out.head.hidden)
        out = replace(out, head=replace(out.head, hidden=hidden))
    stem = out.stem if stem_stride is None else _limit_stem_stride(out.stem, stem_stride)
    return replace(
        out,
        stem=stem,
        resolution=spec.resolution if resolution is None else resolution,
        num_classes=spec.num_classes if num_classes is None else num_classes,
    )


def for_task(
    full: ArchSpec,
    *,
    resolution: int,
    num_classes: int,
    channels: int,
    width_mult: float = 1.0,
    depth_mult: float = 1.0,
    stem_stride: int | None = None,
    base_resolution: int | None = None,
) -> ArchSpec:
    """The network a search trains for `full` on a task: `proxy` at the data's resolution (scaled by
    full.resolution / base_resolution, so a compound-scaled candidate keeps its larger input; None: the
    data's resolution), classes and input channels."""
    if base_resolution:
        resolution = max(1, round_half_up(resolution * full.resolution / base_resolution))
    spec = proxy(
        full,
        resolution=resolution,
        num_classes=num_classes,
        width_mult=width_mult,
        depth_mult=depth_mult,
        stem_stride=stem_stride,
    )
    return replace(spec, in_channels=channels)
