"""A space's parameters as a Ray Tune `param_space` (the one place spaces meet Ray).

Ray samples each parameter on its own; `space.generate(config)` snaps the values onto the
parameters' grids and builds the point (ValueError for an invalid combination).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nasx.search_spaces.base import Space
from nasx.search_spaces.params import Choice, FloatRange, IntRange, Param

if TYPE_CHECKING:
    from ray.tune.search.sample import Domain


def domain(param: Param) -> Domain:
    """The Ray Tune domain of one parameter. Ray's domain constructors declare no return type: the
    annotated local `out` gives each its type."""
    from ray import tune

    out: Domain
    if isinstance(param, Choice):
        out = tune.choice(list(param.values))
    elif isinstance(param, IntRange):
        if param.log:
            out = tune.lograndint(param.low, param.high + 1)
        else:
            out = (
                tune.qrandint(param.low, param.high, param.step)
                if param.step > 1
                else tune.randint(param.low, param.high + 1)
            )
    elif isinstance(param, FloatRange):
        if param.q is not None:
            out = (tune.qloguniform if param.log else tune.quniform)(param.low, param.high, param.q)
        else:
            out = (tune.loguniform if param.log else tune.uniform)(param.low, param.high)
    else:
        raise TypeError(f"no Ray Tune domain for {param!r}")
    return out


def param_space(space: Space) -> dict[str, Domain]:
    """{parameter name: Ray Tune domain} for `tune.Tuner(..., param_space=...)`."""
    return {p.name: domain(p) for p in space.parameters()}
