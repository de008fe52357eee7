"""The block library: one torch implementation per block type, keyed by the spec's type token."""
from __future__ import annotations

from nasx.blocks.branches import build_branch_block
from nasx.blocks.conv import build_conv, build_pool
from nasx.blocks.densenet import build_dense, build_transition
from nasx.blocks.head import build_head
from nasx.blocks.mbconv import build_fused, build_mbconv
from nasx.blocks.resnet import build_basic, build_bottleneck, build_preact
from nasx.blocks.shufflenet import build_shuffle
from nasx.blocks.vgg import build_vgg

STAGE_BUILDERS = {"cn": build_conv, "mp": build_pool, "ir": build_mbconv, "fr": build_fused, "basic": build_basic,
                  "preact": build_preact, "bot": build_bottleneck, "vgg": build_vgg, "dense": build_dense,
                  "tr": build_transition, "shuffle": build_shuffle, "fire": build_branch_block,
                  "inc": build_branch_block, "inca": build_branch_block, "incb": build_branch_block,
                  "incc": build_branch_block, "incd": build_branch_block, "ince": build_branch_block}

__all__ = ["STAGE_BUILDERS", "build_head"]
