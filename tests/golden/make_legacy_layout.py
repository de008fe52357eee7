"""Writes legacy_layout.json: nasx's first state_dict layout (positional keys such as
`stages.1.0.branch.0.0.weight`, that of every weights.pt written before layers had names) for small
networks covering every block type and head, with each network's output on a fixed input.

It was run on the commit before named layers (c72e492), from the repository root:
`python tests/golden/make_legacy_layout.py`; the layout it records is frozen, so it is not rerun.
Weights and input come from tests/helpers/fill.py, which the test uses to rebuild the same state_dict.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))
from fill import fill_input, fill_state  # noqa: E402

import nasx  # noqa: E402
from nasx import families  # noqa: E402

# (family, width_mult, depth_mult, resolution): together they use every block type, option and head
NETWORKS = [
    ("efficientnet_b0", 0.25, 0.3, 32),
    ("mixnet_s", 0.25, 0.3, 32),
    ("fbnetc_100", 0.25, 0.3, 32),
    ("lcnet_050", 0.5, 0.3, 32),
    ("mobilenet_v3_small", 0.25, 0.3, 32),
    ("mobilenetv3_rw", 0.25, 0.3, 32),
    ("efficientnetv2_rw_s", 0.25, 0.2, 32),
    ("efficientnet_v2_s", 0.25, 0.2, 32),
    ("resnet18", 0.125, 0.5, 32),
    ("resnext50_32x4d", 0.25, 0.3, 32),
    ("se_resnet50", 0.125, 0.3, 32),
    ("regnety_002", 0.5, 0.3, 32),
    ("preact_resnet18", 0.125, 0.5, 32),
    ("vgg11_bn", 0.125, 1.0, 32),
    ("vgg11", 0.125, 1.0, 32),
    ("densenet121", 0.25, 0.2, 32),
    ("shufflenet_v2_x1_0", 0.25, 0.3, 32),
    ("squeezenet1_1", 0.25, 1.0, 64),
    ("googlenet", 0.125, 1.0, 64),
    ("inception_v3", 0.125, 0.5, 75),
    ("alexnet", 0.125, 1.0, 64),
    ("lenet5", 1.0, 1.0, 32),
    ("mobilenet_v1", 0.25, 1.0, 32),
]


def record(name: str, width: float, depth: float, resolution: int) -> dict:
    spec = nasx.proxy(families.get(name), resolution=resolution, num_classes=5, width_mult=width, depth_mult=depth)
    model = nasx.build_model(spec).eval()
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
    model.load_state_dict(fill_state(shapes))
    with torch.no_grad():
        out = model(fill_input(2, spec.in_channels, resolution))
    return {"arch": str(spec), "keys": shapes, "output": out.tolist()}


def main() -> None:
    torch.set_num_threads(1)
    networks = {name: record(name, *rest) for name, *rest in NETWORKS}
    out = {"_about": __doc__.strip().splitlines()[0] + " See make_legacy_layout.py.", "networks": networks}
    (Path(__file__).parent / "legacy_layout.json").write_text(json.dumps(out, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
