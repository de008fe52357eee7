"""A built network's layers and blocks with their state_dict prefixes, in the order they run."""

from __future__ import annotations

from torch import nn

from nasx.arch.blocks import Block


def layers(model: nn.Module) -> list[tuple[str, Block, nn.Module]]:
    """(prefix, block spec, module) of the stem layers then the stages: ("stem.0", ConvBNAct(...), module)."""
    spec = getattr(model, "spec", None)
    if spec is None:
        raise ValueError(f"{type(model).__name__}: not a network built by nasx.build_model (it has no spec)")
    return [(f"stem.{i}", block, model.get_submodule(f"stem.{i}")) for i, block in enumerate(spec.stem)] + [
        (f"stages.{i}", block, model.get_submodule(f"stages.{i}")) for i, block in enumerate(spec.stages)
    ]


def blocks(prefix: str, block: Block, module: nn.Module) -> list[tuple[str, nn.Module]]:
    """(prefix, module) of each repeated block of one layer: a `cn` layer's conv-bn-act units, a `vgg` stage's
    units (not its pool), a stage's blocks; a layer that does not repeat (`mp`, `tr`) is its one block."""
    if block.TYPE in ("mp", "tr") or (block.TYPE == "cn" and block.blocks == 1):
        return [(prefix, module)]
    return [(f"{prefix}.{name}", m) for name, m in module.named_children() if name != "pool"]


def all_blocks(model: nn.Module, types: tuple[str, ...]) -> list[tuple[str, nn.Module]]:
    """The blocks of every layer whose type is in `types`, in order."""
    return [b for prefix, block, module in layers(model) if block.TYPE in types for b in blocks(prefix, block, module)]


def units(prefix: str, module: nn.Module) -> list[str]:
    """Prefixes of the conv-bn-act units (`conv` [+ `bn`]) inside `module`, in order."""
    return [
        f"{prefix}.{name}".rstrip(".")
        for name, m in module.named_modules()
        if isinstance(m, nn.Sequential) and isinstance(getattr(m, "conv", None), nn.Conv2d)
    ]
