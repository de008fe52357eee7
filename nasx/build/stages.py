"""STAGE_BUILDERS: the torch builder of each block type, keyed by the spec's type token."""
from __future__ import annotations

from nasx.build.branches import build_branch_block
from nasx.build.conv import build_conv, build_pool
from nasx.build.densenet import build_dense, build_transition
from nasx.build.head import build_head
from nasx.build.mbconv import build_fused, build_mbconv
from nasx.build.resnet import build_basic, build_bottleneck, build_preact
from nasx.build.shufflenet import build_shuffle
from nasx.build.vgg import build_vgg

STAGE_BUILDERS = {"cn": build_conv, "mp": build_pool, "ir": build_mbconv, "fr": build_fused, "basic": build_basic,
                  "preact": build_preact, "bot": build_bottleneck, "vgg": build_vgg, "dense": build_dense,
                  "tr": build_transition, "shuffle": build_shuffle, "fire": build_branch_block,
                  "inc": build_branch_block, "inca": build_branch_block, "incb": build_branch_block,
                  "incc": build_branch_block, "incd": build_branch_block, "ince": build_branch_block}

__all__ = ["STAGE_BUILDERS", "build_head"]
