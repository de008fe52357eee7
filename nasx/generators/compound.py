"""EfficientNet compound scaling of any ArchSpec: depth alpha^phi, width beta^phi, resolution gamma^phi."""
from __future__ import annotations

from dataclasses import dataclass, replace

from nasx.arch.rounding import round_half_up, scale_channels
from nasx.arch.spec import ArchSpec
from nasx.complexity import complexity

ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15  # EfficientNet's grid-searched depth, width, resolution bases


@dataclass(frozen=True)
class Scaled:
    """A scaled spec with the multipliers used and its MACs relative to the base spec."""

    spec: ArchSpec
    width_mult: float
    depth_mult: float
    resolution: int
    macs_ratio: float
    ideal_macs_ratio: float  # depth_mult * width_mult^2 * (resolution / base resolution)^2


def scale_spec(spec: ArchSpec, width_mult: float = 1.0, depth_mult: float = 1.0,
               resolution: int | None = None) -> ArchSpec:
    """Channels to multiples of 8 by the 10% rule, repeats by ceil, stem depth and head MLP kept."""
    head = replace(spec.head, c=scale_channels(spec.head.c, width_mult)) if spec.head.c else spec.head
    return replace(spec, stem=tuple(b.scaled(width_mult, 1.0) for b in spec.stem),
                   stages=tuple(b.scaled(width_mult, depth_mult) for b in spec.stages), head=head,
                   resolution=spec.resolution if resolution is None else resolution)


def compound_scale(spec: ArchSpec, phi: float | None = None, *, alpha: float = ALPHA, beta: float = BETA,
                   gamma: float = GAMMA, width_mult: float | None = None, depth_mult: float | None = None,
                   resolution: int | None = None) -> Scaled:
    """Scale `spec` by the paper's formula (any real `phi`, negative too) or by explicit multipliers.

    With `phi`, depth = alpha^phi, width = beta^phi, resolution = round(R * gamma^phi); explicit
    `width_mult`, `depth_mult` or `resolution` override the formula's value.
    """
    for name, v in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
        if not v > 0:
            raise ValueError(f"{name}={v!r}: must be > 0")
    if phi is not None:
        width_mult = beta ** phi if width_mult is None else width_mult
        depth_mult = alpha ** phi if depth_mult is None else depth_mult
        resolution = round_half_up(spec.resolution * gamma ** phi) if resolution is None else resolution
    width_mult = 1.0 if width_mult is None else float(width_mult)
    depth_mult = 1.0 if depth_mult is None else float(depth_mult)
    resolution = spec.resolution if resolution is None else resolution
    for name, v in (("width_mult", width_mult), ("depth_mult", depth_mult)):
        if not v > 0:
            raise ValueError(f"{name}={v!r}: must be > 0")
    scaled = scale_spec(spec, width_mult, depth_mult, resolution)
    ideal = depth_mult * width_mult ** 2 * (resolution / spec.resolution) ** 2
    return Scaled(scaled, width_mult, depth_mult, resolution,
                  complexity(scaled).macs / complexity(spec).macs, ideal)
