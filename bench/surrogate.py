"""A synthetic accuracy of a `mnasnet` point, computed in about a millisecond (most of it the analytic
MACs), for comparing searchers cheaply.

Why synthetic and not fitted: the project's studies hold a few dozen trained networks each, far too few
to fit a model of a 43-parameter space; a documented function with the structure NAS results show
(accuracy rising with log MACs and saturating, plus cheap choices that help at equal MACs, plus noise)
is honest about being made up and is the same on every machine.

    acc = 0.80 + 0.12 * tanh((log10(macs) - 8.45) / 0.35)          capacity: saturates with MACs
          + sum over blocks i = 1..7 of
              OP[op] + (0.003 if k == 5 and i >= 4 else -0.001 if k == 5 else 0)
              + (0.003 if se and op is MBConv) + (0.004 if skip and a residual exists)
              - (0.004 if op == mb6 and not skip and i >= 4)        deep wide blocks without skip train worse
          + ACT[act]
          + noise ~ N(0, 0.003), seeded by (seed, the point's values): the same point scores the same in a run

with OP = conv -0.010, sep -0.006, mb1 -0.004, mb3 0, mb6 +0.002 and ACT = relu 0, relu6 +0.002,
swish +0.006; clipped to [0, 1]. `macs` are the analytic full-scale MACs (224x224, 1000 classes).
The reward is the EfficientNet-B0 objective, acc * (macs / 400M) ^ -0.07 (`nasx.reward`). The noise
(0.003) is about the gap between the best few points, so the best reward is found, not read off.
"""

from __future__ import annotations

import hashlib
import math

from nasx.complexity import complexity
from nasx.reward import preset

OP = {"conv": -0.010, "sep": -0.006, "mb1": -0.004, "mb3": 0.0, "mb6": 0.002}
ACT = {"relu": 0.0, "relu6": 0.002, "swish": 0.006}
NOISE_SD = 0.003
OBJECTIVE = preset("efficientnet_b0")


def capacity(macs: float) -> float:
    return 0.80 + 0.12 * math.tanh((math.log10(macs) - 8.45) / 0.35)


def choice_effect(values: dict) -> float:
    """The accuracy the cheap choices add at equal MACs (see the module docstring)."""
    total = ACT[values["act"]]
    for i in range(1, 8):
        op, k, se, skip = (values[f"b{i}_{n}"] for n in ("op", "k", "se", "skip"))
        mb = op.startswith("mb")
        total += OP[op]
        total += (0.003 if i >= 4 else -0.001) if k == 5 else 0.0
        total += 0.003 if mb and se else 0.0
        total += 0.004 if mb and skip and _residual(values, i) else 0.0
        total -= 0.004 if op == "mb6" and not skip and i >= 4 else 0.0
    return total


def _residual(values: dict, i: int) -> bool:
    """Whether block i has an identity shortcut anywhere: more than one layer, or its first layer keeps the shape."""
    from nasx.search_spaces.mnasnet import STEM_C, STRIDES

    c_in = STEM_C if i == 1 else values[f"b{i - 1}_filters"]
    return values[f"b{i}_layers"] > 1 or (STRIDES[i - 1] == 1 and c_in == values[f"b{i}_filters"])


def noise(seed: int, values: dict) -> float:
    """N(0, NOISE_SD), a pure function of the seed and the point (Box-Muller on a hash of both)."""
    digest = hashlib.blake2b(repr((seed, sorted(values.items()))).encode(), digest_size=16).digest()
    u1 = (int.from_bytes(digest[:8], "little") + 1) / 2.0**64
    u2 = int.from_bytes(digest[8:], "little") / 2.0**64
    return NOISE_SD * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def evaluate(values: dict, spec, seed: int) -> dict:
    """The metrics a searcher hears: val/top1 (the synthetic accuracy), macs, params and the reward."""
    cost = complexity(spec)
    acc = min(1.0, max(0.0, capacity(cost.macs) + choice_effect(values) + noise(seed, values)))
    return {
        "val/top1": acc,
        "macs": float(cost.macs),
        "params": float(cost.params),
        "reward": OBJECTIVE.score(acc, cost.macs),
    }
