"""The block library: one torch implementation per block type, keyed by the spec's type token."""
from __future__ import annotations

from nasx.blocks.conv import build_conv, build_pool
from nasx.blocks.head import build_head
from nasx.blocks.mbconv import build_mbconv
from nasx.blocks.resnet import build_basic, build_bottleneck
from nasx.blocks.vgg import build_vgg

STAGE_BUILDERS = {"cn": build_conv, "mp": build_pool, "ir": build_mbconv, "basic": build_basic,
                  "bot": build_bottleneck, "vgg": build_vgg}

__all__ = ["STAGE_BUILDERS", "build_head"]
