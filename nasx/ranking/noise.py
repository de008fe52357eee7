"""The noise rule: when one mean accuracy is better than another beyond the measured seed noise.

a is better than b beyond noise when  mean_a - mean_b > NOISE_Z * sqrt(se_a^2 + se_b^2),  the standard
error of the difference of two independent means (NOISE_Z = 2, about a 95% one-sided bar). A standard
error that was not measured (NaN: one seed and no pooled estimate) never supports a finding.
"""

from __future__ import annotations

import math

NOISE_Z = 2.0
RULE = f"mean difference > {NOISE_Z:g} x its standard error sqrt(se_a^2 + se_b^2)"


def difference_se(se_a: float, se_b: float) -> float:
    """Standard error of mean_a - mean_b for independent means (NaN when either is unknown)."""
    return math.hypot(float(se_a), float(se_b))


def beyond_noise(mean_a: float, se_a: float, mean_b: float, se_b: float, z: float = NOISE_Z) -> bool:
    """True when mean_a exceeds mean_b by more than z standard errors of the difference."""
    se = difference_se(se_a, se_b)
    diff = float(mean_a) - float(mean_b)
    return math.isfinite(se) and math.isfinite(diff) and diff > z * se
