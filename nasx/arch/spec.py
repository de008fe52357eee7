"""ArchSpec: the one canonical, pure-data description of a CNN (stem, stages, head)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from nasx.arch.blocks import BLOCKS, STEM_BLOCKS, Block, FusedMBConv, MBConv
from nasx.arch.head import Head
from nasx.arch.limits import MAX_CLASSES, MAX_IN_CHANNELS, MAX_LAYERS, MAX_RESOLUTION


@dataclass(frozen=True, kw_only=True)
class ArchSpec:
    """A CNN as data: input resolution and channels, stem layers, body stages, classifier head.

    Each stage is a block spec repeated `r` times (the first block takes the stride and
    the channel change). `drop_path` is the stochastic-depth rate of the last residual
    block; block i of N gets drop_path * i / N. Frozen, hashable, JSON round-trippable.
    """

    stem: tuple[Block, ...] = ()
    stages: tuple[Block, ...]
    head: Head = field(default_factory=Head)
    resolution: int = 224
    num_classes: int = 1000
    in_channels: int = 3
    drop_path: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "stem", tuple(self.stem))
        object.__setattr__(self, "stages", tuple(self.stages))
        for name, limit in (
            ("resolution", MAX_RESOLUTION),
            ("num_classes", MAX_CLASSES),
            ("in_channels", MAX_IN_CHANNELS),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r}: must be a positive integer")
            if value > limit:
                raise ValueError(f"{name}={value!r}: must be at most {limit}")
        if (
            isinstance(self.drop_path, bool)
            or not isinstance(self.drop_path, (int, float))
            or not 0.0 <= self.drop_path < 1.0
        ):
            raise ValueError(f"drop_path={self.drop_path!r}: must be in [0, 1)")
        object.__setattr__(self, "drop_path", float(self.drop_path))
        if not isinstance(self.head, Head):
            raise ValueError(f"head={self.head!r}: must be a Head")
        if not self.stages:
            raise ValueError("stages=(): a network needs at least one stage")
        if len(self.stem) + len(self.stages) > MAX_LAYERS:
            raise ValueError(f"{len(self.stem)} stem layers + {len(self.stages)} stages: at most {MAX_LAYERS}")
        object.__setattr__(self, "stages", _canonical_skips(self.in_channels, self.stem, self.stages))
        channels, size = self.in_channels, self.resolution
        for where, block in self.layers():
            if not isinstance(block, Block):
                raise ValueError(f"{where}={block!r}: not a block spec")
            if where.startswith("stem") and block.TYPE not in STEM_BLOCKS:
                raise ValueError(f"{where}.type={block.TYPE!r}: a stem holds only {', '.join(STEM_BLOCKS)}")
            try:
                block.check_input(channels)
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
            _, size = block.cost(channels, size)
            if size < 1:
                raise ValueError(f"{where}: resolution={self.resolution} shrinks to nothing here")
            channels = block.out_channels(channels)

    def layers(self) -> list[tuple[str, Block]]:
        """(location, block) for the stem layers then the stages, e.g. ("stages[2]", MBConv(...))."""
        return [(f"stem[{i}]", b) for i, b in enumerate(self.stem)] + [
            (f"stages[{i}]", b) for i, b in enumerate(self.stages)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "resolution": self.resolution,
            "num_classes": self.num_classes,
            "in_channels": self.in_channels,
            "drop_path": self.drop_path,
            "stem": [b.to_dict() for b in self.stem],
            "stages": [b.to_dict() for b in self.stages],
            "head": self.head.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArchSpec:
        if not isinstance(data, dict):
            raise ValueError(f"ArchSpec: expected a mapping, got {type(data).__name__}")
        allowed = {"resolution", "num_classes", "in_channels", "drop_path", "stem", "stages", "head"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"ArchSpec: unknown field(s) {', '.join(unknown)}")
        if "stages" not in data:
            raise ValueError("ArchSpec: missing field stages")
        rest = {k: v for k, v in data.items() if k not in ("stem", "stages", "head")}
        return cls(
            stem=tuple(_block_from_dict(d, f"stem[{i}]") for i, d in enumerate(data.get("stem", ()))),
            stages=tuple(_block_from_dict(d, f"stages[{i}]") for i, d in enumerate(data["stages"])),
            head=Head.from_dict(data.get("head", {})),
            **rest,
        )

    def canonical_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def key(self) -> str:
        """Stable sha256 of the canonical JSON: the same in every process and on every machine."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def __str__(self) -> str:
        from nasx.arch.codec import encode

        return encode(self)


def _canonical_skips(c_in: int, stem: tuple[Block, ...], stages: tuple[Block, ...]) -> tuple[Block, ...]:
    """`skip=False` on a single block that cannot have a residual (stride 2 or a width change) is the
    same network as `skip=True`; canonical form keeps True so equal networks get equal keys. `ir` and `fr`
    are the block types with a `skip` field (a new one joins the isinstance test below). The stem and
    stages are not validated yet: anything that is not a block passes through unchanged."""
    for block in stem:
        c_in = block.out_channels(c_in) if isinstance(block, Block) else c_in
    out: list[Block] = []
    for block in stages:
        if (
            isinstance(block, (MBConv, FusedMBConv))
            and block.skip is False
            and block.blocks == 1
            and (block.s != 1 or block.out_channels(c_in) != c_in)
        ):
            block = replace(block, skip=True)
        out.append(block)
        if isinstance(block, Block):
            c_in = block.out_channels(c_in)
    return tuple(out)


def _block_from_dict(data: Any, where: str) -> Block:
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError(f"{where}: expected a mapping with a 'type' field, got {data!r}")
    cls = BLOCKS.get(data["type"])
    if cls is None:
        raise ValueError(f"{where}.type={data['type']!r}: unknown block type; known: {', '.join(BLOCKS)}")
    return cls.from_dict(data)
