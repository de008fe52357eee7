"""EfficientNet compound scaling of any ArchSpec: depth alpha^phi, width beta^phi, resolution gamma^phi."""

from __future__ import annotations

from dataclasses import dataclass, replace

from nasx.arch.rounding import DEPTH_ROUNDINGS, round_half_up, scale_channels, scale_repeats
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


@dataclass(frozen=True)
class ScaleRules:
    """How a multiplier reaches the spec: `fix_stem` keeps the stem's widths, `fix_head` the head conv width,
    `fix_first_last` the repeats of the first and last stage (EfficientNet-Lite, TinyNet: the stem and head),
    `depth_rounding` "ceil" (EfficientNet) or "round" (timm's depth_trunc="round": TinyNet, MixNet-M)."""

    fix_stem: bool = False
    fix_head: bool = False
    fix_first_last: bool = False
    depth_rounding: str = "ceil"

    def __post_init__(self) -> None:
        if self.depth_rounding not in DEPTH_ROUNDINGS:
            raise ValueError(f"depth_rounding={self.depth_rounding!r}: must be one of {', '.join(DEPTH_ROUNDINGS)}")


def scale_spec(
    spec: ArchSpec,
    width_mult: float = 1.0,
    depth_mult: float = 1.0,
    resolution: int | None = None,
    rules: ScaleRules = ScaleRules(),
) -> ArchSpec:
    """Channels to multiples of 8 by the 10% rule, repeats by ceil (or `rules.depth_rounding`), stem depth and
    head MLP kept; `rules` may keep the stem and head widths and the first and last stage depths."""

    def stage(i: int, block):
        fixed = rules.fix_first_last and i in (0, len(spec.stages) - 1)
        scaled = block.scaled(width_mult, 1.0)
        if hasattr(block, "r") and not fixed:
            scaled = replace(scaled, r=scale_repeats(block.r, depth_mult, rules.depth_rounding))
        return scaled

    head = spec.head
    if head.c and not rules.fix_head:
        head = replace(head, c=scale_channels(head.c, width_mult))
    stem = spec.stem if rules.fix_stem else tuple(b.scaled(width_mult, 1.0) for b in spec.stem)
    return replace(
        spec,
        stem=stem,
        stages=tuple(stage(i, b) for i, b in enumerate(spec.stages)),
        head=head,
        resolution=spec.resolution if resolution is None else resolution,
    )


def compound_scale(
    spec: ArchSpec,
    phi: float | None = None,
    *,
    alpha: float = ALPHA,
    beta: float = BETA,
    gamma: float = GAMMA,
    width_mult: float | None = None,
    depth_mult: float | None = None,
    resolution: int | None = None,
    rules: ScaleRules = ScaleRules(),
) -> Scaled:
    """Scale `spec` by the paper's formula (any real `phi`, negative too) or by explicit multipliers.

    With `phi`, depth = alpha^phi, width = beta^phi, resolution = round(R * gamma^phi); explicit
    `width_mult`, `depth_mult` or `resolution` override the formula's value; `rules` as in `scale_spec`.
    """
    for name, v in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
        if not v > 0:
            raise ValueError(f"{name}={v!r}: must be > 0")
    if phi is not None:
        width_mult = beta**phi if width_mult is None else width_mult
        depth_mult = alpha**phi if depth_mult is None else depth_mult
        resolution = round_half_up(spec.resolution * gamma**phi) if resolution is None else resolution
    width_mult = 1.0 if width_mult is None else float(width_mult)
    depth_mult = 1.0 if depth_mult is None else float(depth_mult)
    resolution = spec.resolution if resolution is None else resolution
    for name, v in (("width_mult", width_mult), ("depth_mult", depth_mult)):
        if not v > 0:
            raise ValueError(f"{name}={v!r}: must be > 0")
    scaled = scale_spec(spec, width_mult, depth_mult, resolution, rules)
    ideal = depth_mult * width_mult**2 * (resolution / spec.resolution) ** 2
    return Scaled(scaled, width_mult, depth_mult, resolution, complexity(scaled).macs / complexity(spec).macs, ideal)
