"""`nasx profile NAME_OR_ARCH_STRING`: per-stage resolution, channels, blocks, params, MACs, receptive field."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from nasx.table import human, render

if TYPE_CHECKING:  # imported where used: `nasx --help` stays light
    from nasx.arch.spec import ArchSpec


def add_parser(sub) -> None:
    p = sub.add_parser("profile", help="per-stage complexity of a family or an arch string")
    p.add_argument(
        "arch",
        metavar="NAME_OR_ARCH_STRING",
        help="a family name (see `nasx families`; timm:NAME for the family timm builds under NAME, at "
        "timm's resolution), an arch string, or timm:[[BLOCK STRINGS], ...] / "
        'timm:{"arch_def": ..., ARG: VALUE} (a timm arch_def as JSON)',
    )
    p.add_argument("--resolution", type=int, help="input resolution (default: the family's published one)")
    p.add_argument("--num-classes", type=int, help="number of classes (default 1000, or the string's)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=run)


def resolve(text: str, resolution: int | None = None, num_classes: int | None = None) -> ArchSpec:
    """A family name or an arch string -> ArchSpec, with optional resolution / classes overrides."""
    from nasx import families
    from nasx.arch.codec import decode

    if "|" in text:
        spec = decode(text)
    else:
        spec = families.get(text)
    if resolution is None and num_classes is None:
        return spec
    return replace(
        spec,
        resolution=spec.resolution if resolution is None else resolution,
        num_classes=spec.num_classes if num_classes is None else num_classes,
    )


def run(args) -> None:
    from nasx.arch.codec import encode
    from nasx.arch.receptive import receptive_field
    from nasx.complexity import complexity

    spec = resolve(args.arch, args.resolution, args.num_classes)
    cost = complexity(spec)
    fields = {f.name: f for f in receptive_field(spec)}  # the head (global pool) has none
    if args.json:
        stages = [
            {
                **asdict(s),
                "rf": fields[s.name].rf if s.name in fields else None,
                "jump": fields[s.name].jump if s.name in fields else None,
            }
            for s in cost.stages
        ]
        print(
            json.dumps(
                {
                    "arch": encode(spec),
                    "key": spec.key(),
                    "resolution": spec.resolution,
                    "num_classes": spec.num_classes,
                    "params": cost.params,
                    "macs": cost.macs,
                    "flops": cost.flops,
                    "activations": cost.activations,
                    "stages": stages,
                },
                indent=1,
            )
        )
        return
    rows = [
        [
            s.name,
            s.block,
            f"{s.resolution_in}->{s.resolution_out}",
            f"{s.channels_in}->{s.channels_out}",
            s.blocks,
            f"{s.params:,}",
            f"{s.macs:,}",
            *((fields[s.name].rf, fields[s.name].jump) if s.name in fields else ("", "")),
        ]
        for s in cost.stages
    ]
    body_blocks = sum(s.blocks for s in cost.stages if s.name.startswith("stages"))
    rows.append(["total", "", "", "", body_blocks, f"{cost.params:,}", f"{cost.macs:,}", "", ""])
    named = "|" not in args.arch and "[" not in args.arch
    print(f"{args.arch if named else 'arch'} at {spec.resolution}x{spec.resolution}, {spec.num_classes} classes")
    print(
        render(
            ["stage", "block", "resolution", "channels", "blocks", "params", "MACs", "RF", "jump"],
            rows,
            right={4, 5, 6, 7, 8},
        )
    )
    print(
        "RF: theoretical receptive field after the stage, a side in input pixels; jump: input pixels between "
        "neighbouring outputs"
    )
    print(
        f"params {human(cost.params)}  MACs {human(cost.macs)}  FLOPs {human(cost.flops)}  "
        f"activations {human(cost.activations)}"
    )
    print(f"arch {encode(spec)}")
    print(f"key  {spec.key()}")
