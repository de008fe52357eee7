"""Weight sharing: a search space's supernet, its forward in any configuration, standalone sub-networks.

`build_supernet(space, shrink)` holds the largest weights of every slot of the space; `supernet(x, point)`
runs a point's network on slices of them; `supernet.extract(point)` is that network as a `build_model` module.
"""

from __future__ import annotations

from collections.abc import Callable

from nasx.arch.spec import ArchSpec
from nasx.supernet.net import Supernet, full_scale


def build_supernet(
    space, shrink: Callable[[ArchSpec], ArchSpec] = full_scale, *, kernel_transform: bool = False
) -> Supernet:
    """The supernet of `space` (a Space or a registered space's name) for the networks `shrink` makes."""
    if isinstance(space, str):
        from nasx import search_spaces

        space = search_spaces.get(space)
    return Supernet(space, shrink, kernel_transform=kernel_transform)


__all__ = ["Supernet", "build_supernet", "full_scale"]
