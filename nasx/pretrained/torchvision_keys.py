"""torchvision's state_dict keys for a nasx network (torchvision 0.29's names; nothing here imports it).

- ResNet / ResNeXt / Wide ResNet, DenseNet, Inception-v3: `nasx.pretrained.shared`.
- EfficientNet (V1 and V2), MobileNetV3, MobileNetV2: `features.0` the stem (`.0` conv, `.1` BN); the
  blocks `features.S.B` (EfficientNet) or `features.N` (MobileNet), in order, are nasx's blocks in order;
  inside a block torchvision numbers its layers (`block.N` or `conv.N`): each conv-BN pair `.0`/`.1`, an
  SE `fc1`/`fc2` (MobileNetV2 ends in a bare conv and BN, `conv.N` and `conv.N+1`); the last `features.N`
  the head conv; `classifier.N` the Linear layers in order (hidden ones first).
- MNASNet: `layers.N` numbered as one sequence: stem conv and BN `0`, `1`, the separable first block
  `3`, `4`, `6`, `7`, the stacks `layers.8` .. `layers.13` (each block's `layers.0`, `1`, `3`, `4`, `6`, `7`),
  head conv and BN `14`, `15`; `classifier.1`.
- RegNet: `stem.0`/`stem.1`; stage i block j `trunk_output.block{i+1}.block{i+1}-{j}` with `f.a`, `f.b`,
  `f.c` (each `.0` conv, `.1` BN), `f.se.fc1`/`fc2`, `proj.0`/`proj.1`; `fc`.
- ShuffleNetV2: `conv1.0`/`.1`; stage i `stage{i+2}`, each block's `branch1.N`, `branch2.N` numbered; `conv5`;
  `fc`.
- GoogLeNet: nasx's names are torchvision's (`inception3a.branch2.1.conv`); stem convs `conv1` .. `conv3`;
  `fc`; the auxiliary classifiers `aux1`, `aux2` are left out.
- VGG, AlexNet, SqueezeNet: `features.N` numbers every layer in order (conv, BN, ReLU, pool, fire module:
  `squeeze`, `expand1x1`, `expand3x3`); `classifier.N` the Linear layers (SqueezeNet: its 1x1 conv) in order.
"""

from __future__ import annotations

import re

from torch import nn

from nasx.pretrained import shared
from nasx.pretrained.keymap import KeyMap, numbered, renamed, zipped
from nasx.pretrained.walk import all_blocks, layers, units

GOOGLENET = [
    "inception3a",
    "inception3b",
    "inception4a",
    "inception4b",
    "inception4c",
    "inception4d",
    "inception4e",
    "inception5a",
    "inception5b",
]


def _groups(module: nn.Module) -> list[tuple[str, ...]]:
    """An MBConv or Fused-MBConv block's layers as torchvision numbers them: conv-BN pairs and SE."""
    if hasattr(module, "conv_exp"):
        fused: list[tuple[str, ...]] = [("conv_exp", "bn1")]
        return fused + ([("conv_pwl", "bn2")] if module.conv_pwl is not None else [])
    pairs: list[tuple[str, ...]] = [("conv_pw", "bn1")] if module.conv_pw is not None else []
    return pairs + [("conv_dw", "bn2")] + ([("se",)] if module.se is not None else []) + [("conv_pwl", "bn3")]


def _numbered_layers(prefix: str, theirs: str, module: nn.Module, bare_last: bool = False) -> list[tuple[str, str]]:
    renames = []
    groups = _groups(module)
    for n, group in enumerate(groups):
        if group == ("se",):
            renames += [
                (f"{prefix}.se.{a}", f"{theirs}.{n}.{b}") for a, b in (("conv_reduce", "fc1"), ("conv_expand", "fc2"))
            ]
        elif bare_last and n == len(groups) - 1:
            renames += [(f"{prefix}.{group[0]}", f"{theirs}.{n}"), (f"{prefix}.{group[1]}", f"{theirs}.{n + 1}")]
        else:
            renames += [(f"{prefix}.{group[0]}", f"{theirs}.{n}.0"), (f"{prefix}.{group[1]}", f"{theirs}.{n}.1")]
    return renames


def _classifier(keys: list[str], model: nn.Module) -> list[tuple[str, str]]:
    """`classifier.N` with a weight, in order: nasx's hidden Linear layers then its classifier."""
    theirs = numbered([k for k in keys if k.endswith(".weight")], r"classifier\.(\d+)\.")
    ours = sorted(
        {k.split(".")[1] for k in model.state_dict() if re.match(r"head\.(fc\d+|classifier)\.", k)},
        key=lambda name: (name == "classifier", name),
    )
    return [(f"head.{a}", b) for a, b in zipped(ours, theirs, "classifier layers")]


def mobile(model: nn.Module, keys: list[str]) -> KeyMap:
    """EfficientNet, EfficientNetV2, MobileNetV3 (`block.N`) and MobileNetV2 (`conv.N`)."""
    v2 = any(re.match(r"features\.\d+\.conv\.", k) for k in keys)
    inner = "conv" if v2 else "block"
    theirs = numbered(keys, rf"features\.(\d+)\.(\d+)(?=\.{inner}\.)") or numbered(
        keys, rf"features\.(\d+)(?=\.{inner}\.)"
    )
    plain = numbered(keys, r"features\.(\d+)(?=\.0\.weight$)")  # conv-BN-act layers: the stem and the head conv
    if len(plain) < 2:
        raise ValueError("the checkpoint has no stem and head conv layers `features.N.0` of torchvision's layout")
    renames = [
        ("stem.0.conv", f"{plain[0]}.0"),
        ("stem.0.bn", f"{plain[0]}.1"),
        ("head.conv", f"{plain[-1]}.0"),
        ("head.bn", f"{plain[-1]}.1"),
    ]
    ours = [(p, m) for p, m in all_blocks(model, ("ir", "fr")) if not p.startswith("stem")]
    for (prefix, module), block in zipped(ours, theirs, "blocks"):
        renames += _numbered_layers(prefix, f"{block}.{inner}", module, bare_last=v2)
    return KeyMap(renamed(list(model.state_dict()), renames + _classifier(keys, model)))


def mnasnet(model: nn.Module, keys: list[str]) -> KeyMap:
    renames = [
        ("stem.0.conv", "layers.0"),
        ("stem.0.bn", "layers.1"),
        ("head.conv", "layers.14"),
        ("head.bn", "layers.15"),
        ("head.classifier", "classifier.1"),
    ]
    ours = [p for p, _ in all_blocks(model, ("ir",))]
    stacked = numbered(keys, r"layers\.(\d+)\.(\d+)(?=\.layers\.)")
    zipped(ours, ["layers.3"] + stacked, "blocks")  # the first block's layers are numbered in `layers` itself
    first = ["conv_dw", "bn2", "conv_pwl", "bn3"]
    renames += [(f"{ours[0]}.{a}", f"layers.{n}") for a, n in zip(first, (3, 4, 6, 7))]
    for prefix, theirs in zip(ours[1:], stacked):
        renames += [
            (f"{prefix}.{a}", f"{theirs}.layers.{n}") for a, n in zip(["conv_pw", "bn1"] + first, (0, 1, 3, 4, 6, 7))
        ]
    return KeyMap(renamed(list(model.state_dict()), renames))


def regnet(model: nn.Module, keys: list[str]) -> KeyMap:
    renames = [("stem.0.conv", "stem.0"), ("stem.0.bn", "stem.1"), ("head.classifier", "fc")]
    for prefix, _ in all_blocks(model, ("bot",)):
        _, i, j = prefix.split(".")
        theirs = f"trunk_output.block{int(i) + 1}.block{int(i) + 1}-{j}"
        for n, part in ((1, "a"), (2, "b"), (3, "c")):
            renames += [(f"{prefix}.conv{n}", f"{theirs}.f.{part}.0"), (f"{prefix}.bn{n}", f"{theirs}.f.{part}.1")]
        renames += [(f"{prefix}.{a}", f"{theirs}.f.{b}") for a, b in shared.SE_FC]
        renames += [(f"{prefix}.downsample.conv", f"{theirs}.proj.0"), (f"{prefix}.downsample.bn", f"{theirs}.proj.1")]
    return KeyMap(renamed(list(model.state_dict()), renames))


def shufflenet(model: nn.Module, keys: list[str]) -> KeyMap:
    renames = [
        ("stem.0.conv", "conv1.0"),
        ("stem.0.bn", "conv1.1"),
        ("head.conv", "conv5.0"),
        ("head.bn", "conv5.1"),
        ("head.classifier", "fc"),
    ]
    for prefix, _ in all_blocks(model, ("shuffle",)):
        _, i, j = prefix.split(".")
        theirs = f"stage{int(i) + 2}.{j}"
        renames += [
            (f"{prefix}.branch1.{a}", f"{theirs}.branch1.{n}")
            for a, n in zip(("conv_dw", "bn2", "conv_pwl", "bn3"), (0, 1, 2, 3))
        ]
        renames += [
            (f"{prefix}.branch2.{a}", f"{theirs}.branch2.{n}")
            for a, n in zip(("conv_pw", "bn1", "conv_dw", "bn2", "conv_pwl", "bn3"), (0, 1, 3, 4, 5, 6))
        ]
    return KeyMap(renamed(list(model.state_dict()), renames))


def googlenet(model: nn.Module, keys: list[str]) -> KeyMap:
    stem = [u for prefix, _, module in layers(model) if prefix.startswith("stem") for u in units(prefix, module)]
    renames = list(zipped(stem, ["conv1", "conv2", "conv3"], "stem convs"))
    renames += zipped([p for p, _ in all_blocks(model, ("inc",))], GOOGLENET, "Inception modules")
    renames.append(("head.classifier", "fc"))
    return KeyMap(renamed(list(model.state_dict()), renames), ignored=("aux1.", "aux2."))


def features(model: nn.Module, keys: list[str]) -> KeyMap:
    """VGG, AlexNet, SqueezeNet."""
    return KeyMap(renamed(list(model.state_dict()), shared.features(model) + _classifier(keys, model)))


LAYOUTS = [
    ("layer1.0.conv1.weight", shared.resnet),
    ("features.denseblock1.denselayer1.conv1.weight", shared.densenet),
    ("Conv2d_1a_3x3.conv.weight", shared.inception_v3),
    ("features.1.0.block.0.0.weight", mobile),
    ("features.1.block.0.0.weight", mobile),
    ("features.1.conv.0.0.weight", mobile),
    ("layers.0.weight", mnasnet),
    ("trunk_output.block1.block1-0.f.a.0.weight", regnet),
    ("stage2.0.branch1.0.weight", shufflenet),
    ("inception3a.branch1.conv.weight", googlenet),
    ("features.0.weight", features),
]
NAMES = (
    "ResNet, DenseNet, Inception-v3, EfficientNet, MobileNetV2/V3, MNASNet, RegNet, ShuffleNetV2, GoogLeNet, "
    "VGG, AlexNet, SqueezeNet"
)
