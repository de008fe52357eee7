"""The torch side: how a spec is built (build_model) and one torch builder per block type."""

from __future__ import annotations

from nasx.build.model import Net, build_model, init_weights
from nasx.build.stages import STAGE_BUILDERS, build_head

__all__ = ["STAGE_BUILDERS", "Net", "build_head", "build_model", "init_weights"]
