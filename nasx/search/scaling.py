"""The second step of a compound-scaling study: scale the base by the best triple to phi = 1..k, and by
depth, width or resolution alone to the same MACs factor, for the accuracy-vs-MACs curves."""

from __future__ import annotations

import math
from dataclasses import dataclass

from nasx.arch.rounding import round_half_up
from nasx.arch.spec import ArchSpec
from nasx.generators.compound import scale_spec

MODES = ("compound", "depth", "width", "resolution")


@dataclass(frozen=True)
class ScaledTrial:
    trial_id: str
    spec: ArchSpec
    alpha: float
    beta: float
    gamma: float
    phi: float
    scaling: str


def multipliers(mode: str, alpha: float, beta: float, gamma: float, phi: float) -> tuple[float, float, float]:
    """(depth, width, resolution) multipliers. Single-dimension modes reach the compound MACs factor
    F = (alpha * beta^2 * gamma^2)^phi alone: depth F, width sqrt(F), resolution sqrt(F)."""
    factor = (alpha * beta**2 * gamma**2) ** phi
    return {
        "compound": (alpha**phi, beta**phi, gamma**phi),
        "depth": (factor, 1.0, 1.0),
        "width": (1.0, math.sqrt(factor), 1.0),
        "resolution": (1.0, 1.0, math.sqrt(factor)),
    }[mode]


def scaling_trials(base: ArchSpec, alpha: float, beta: float, gamma: float, phis) -> list[ScaledTrial]:
    """phi = 0 (the base) once, then every mode at each phi > 0."""
    out = []
    for phi in sorted(set(phis) | {0}):
        for mode in MODES if phi > 0 else ("compound",):
            d, w, r = multipliers(mode, alpha, beta, gamma, phi)
            spec = scale_spec(base, width_mult=w, depth_mult=d, resolution=round_half_up(base.resolution * r))
            out.append(ScaledTrial(f"phi{phi:g}-{mode}", spec, alpha, beta, gamma, float(phi), mode))
    return out
