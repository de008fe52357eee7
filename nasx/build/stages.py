"""STAGE_BUILDERS: the torch builder of each block type, keyed by the spec's type token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from torch import nn

from nasx.build.branches import build_branch_block
from nasx.build.conv import build_conv, build_pool
from nasx.build.densenet import build_dense, build_transition
from nasx.build.fused import build_fused
from nasx.build.head import build_head
from nasx.build.mbconv import build_mbconv
from nasx.build.resnet import build_basic, build_bottleneck, build_preact
from nasx.build.shufflenet import build_shuffle
from nasx.build.vgg import build_vgg

# builder(block spec of the key's type, input channels, the network's drop-path rates) -> the stage's module
StageBuilder = Callable[[Any, int, Iterator[float]], nn.Module]

STAGE_BUILDERS: dict[str, StageBuilder] = {
    "cn": build_conv,
    "mp": build_pool,
    "ir": build_mbconv,
    "fr": build_fused,
    "basic": build_basic,
    "preact": build_preact,
    "bot": build_bottleneck,
    "vgg": build_vgg,
    "dense": build_dense,
    "tr": build_transition,
    "shuffle": build_shuffle,
    "fire": build_branch_block,
    "inc": build_branch_block,
    "inca": build_branch_block,
    "incb": build_branch_block,
    "incc": build_branch_block,
    "incd": build_branch_block,
    "ince": build_branch_block,
}

__all__ = ["STAGE_BUILDERS", "build_head"]
