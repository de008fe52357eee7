"""Writes torchvision_state_dict_keys.json.gz: for every family nasx has under a torchvision name, the
state_dict of torchvision's own model (its keys in order with their shapes, and its BatchNorm eps), and
for one model of each torchvision class its output on a fixed input with the weights of tests/helpers/fill.py.

torchvision does not import against the CPU torch nasx is tested with, so this runs once in a separate
environment outside the repository, and its output is kept. It was made with torch 2.14.1 and
torchvision 0.29.1 (CPU), from the repository root:

    python3 -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1
    /tmp/tvenv/bin/python tests/golden/make_torchvision_keys.py

The outputs are of the models with every BatchNorm's eps set to 1e-5 (nasx's; torchvision's own eps is
recorded per model), in eval mode, at the listed resolution, the first 20 logits of a batch of two.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import torch
import torchvision
from torch import nn
from torchvision import models

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))
from fill import fill_input, fill_state  # noqa: E402

# the families nasx registers under torchvision's names (nasx.families with source "torchvision")
NAMES = [
    "shufflenet_v2_x1_0",
    "squeezenet1_0",
    "squeezenet1_1",
    "alexnet",
    "densenet121",
    "densenet169",
    "densenet201",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_b4",
    "efficientnet_b5",
    "efficientnet_b6",
    "efficientnet_b7",
    "efficientnet_v2_s",
    "googlenet",
    "inception_v3",
    "mnasnet0_5",
    "mnasnet1_0",
    "mobilenet_v2",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
    "regnet_x_400mf",
    "regnet_x_800mf",
    "regnet_x_1_6gf",
    "regnet_x_3_2gf",
    "regnet_x_8gf",
    "regnet_y_400mf",
    "regnet_y_800mf",
    "regnet_y_1_6gf",
    "regnet_y_3_2gf",
    "regnet_y_8gf",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "wide_resnet50_2",
    "wide_resnet101_2",
    "vgg11",
    "vgg16",
    "vgg19",
    "vgg11_bn",
    "vgg16_bn",
]
# one model of each torchvision class (and both SqueezeNets, both RegNet kinds): resolution of its output check
OUTPUTS = {
    "resnet18": 64,
    "resnext50_32x4d": 64,
    "mobilenet_v2": 64,
    "mobilenet_v3_small": 64,
    "mnasnet0_5": 64,
    "efficientnet_b0": 64,
    "efficientnet_v2_s": 64,
    "regnet_x_400mf": 64,
    "regnet_y_400mf": 64,
    "vgg11_bn": 32,
    "densenet121": 64,
    "shufflenet_v2_x1_0": 64,
    "squeezenet1_0": 64,
    "squeezenet1_1": 64,
    "alexnet": 64,
    "googlenet": 64,
    "inception_v3": 75,
}


def build(name: str) -> nn.Module:
    return models.get_model(
        name, weights=None, **({"init_weights": False} if name in ("googlenet", "inception_v3") else {})
    )


def bn_eps(model: nn.Module) -> float:
    return sorted({m.eps for m in model.modules() if isinstance(m, nn.BatchNorm2d)} or {1e-5})[0]


def output(name: str, resolution: int) -> list:
    model = build(name).eval()
    state = model.state_dict()
    with torch.no_grad():  # copied in place: MNASNet's loader wants torchvision's own checkpoint metadata
        for key, value in fill_state({k: tuple(v.shape) for k, v in state.items()}).items():
            state[key].copy_(value)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps = 1e-5
    with torch.no_grad():
        return model(fill_input(2, 3, resolution))[:, :20].tolist()


def main() -> None:
    torch.set_num_threads(1)
    found = {}
    for name in NAMES:
        with torch.device("cpu" if name.startswith("regnet") else "meta"):  # RegNet computes widths with tensors
            model = build(name)
        found[name] = {
            "bn_eps": bn_eps(model),
            "keys": [f"{k} {','.join(map(str, v.shape))}" for k, v in model.state_dict().items()],
        }
    outputs = {name: {"resolution": r, "output": output(name, r)} for name, r in OUTPUTS.items()}
    about = (
        f"state_dict keys and shapes of torchvision {torchvision.__version__.split('+')[0]}'s models; "
        "written by tests/golden/make_torchvision_keys.py, which says how"
    )
    text = json.dumps(
        {"_about": about, "torchvision": torchvision.__version__.split("+")[0], "models": found, "outputs": outputs},
        separators=(",", ":"),
    )
    (Path(__file__).parent / "torchvision_state_dict_keys.json.gz").write_bytes(gzip.compress(text.encode(), mtime=0))


if __name__ == "__main__":
    main()
