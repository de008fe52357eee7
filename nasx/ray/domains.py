"""A space's parameters as a Ray Tune `param_space` (the one place spaces meet Ray).

Ray samples each parameter on its own; `space.generate(config)` snaps the values onto the
parameters' grids and builds the point (ValueError for an invalid combination).
"""
from __future__ import annotations

from nasx.search_spaces.base import Space
from nasx.search_spaces.params import Choice, FloatRange, IntRange


def domain(param):
    from ray import tune
    if isinstance(param, Choice):
        return tune.choice(list(param.values))
    if isinstance(param, IntRange):
        if param.log:
            return tune.lograndint(param.low, param.high + 1)
        return tune.qrandint(param.low, param.high, param.step) if param.step > 1 else \
            tune.randint(param.low, param.high + 1)
    if isinstance(param, FloatRange):
        if param.q is not None:
            return (tune.qloguniform if param.log else tune.quniform)(param.low, param.high, param.q)
        return (tune.loguniform if param.log else tune.uniform)(param.low, param.high)
    raise TypeError(f"no Ray Tune domain for {param!r}")


def param_space(space: Space) -> dict:
    """{parameter name: Ray Tune domain} for `tune.Tuner(..., param_space=...)`."""
    return {p.name: domain(p) for p in space.parameters()}
