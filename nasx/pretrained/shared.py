"""Key layouts timm and torchvision share: ResNet, DenseNet, Inception-v3, and VGG's numbered `features`."""

from __future__ import annotations

from torch import nn

from nasx.pretrained.keymap import KeyMap, renamed, zipped
from nasx.pretrained.walk import all_blocks, blocks, layers, units

SE_FC = [("se.conv_reduce", "se.fc1"), ("se.conv_expand", "se.fc2")]

# Inception-v3's conv names, in the order of each nasx module's program
INCEPTION_V3 = {
    "inca": [
        "branch1x1",
        "branch5x5_1",
        "branch5x5_2",
        "branch3x3dbl_1",
        "branch3x3dbl_2",
        "branch3x3dbl_3",
        "branch_pool",
    ],
    "incb": ["branch3x3", "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"],
    "incc": [
        "branch1x1",
        "branch7x7_1",
        "branch7x7_2",
        "branch7x7_3",
        "branch7x7dbl_1",
        "branch7x7dbl_2",
        "branch7x7dbl_3",
        "branch7x7dbl_4",
        "branch7x7dbl_5",
        "branch_pool",
    ],
    "incd": ["branch3x3_1", "branch3x3_2", "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"],
    "ince": [
        "branch1x1",
        "branch3x3_1",
        "branch3x3_2a",
        "branch3x3_2b",
        "branch3x3dbl_1",
        "branch3x3dbl_2",
        "branch3x3dbl_3a",
        "branch3x3dbl_3b",
        "branch_pool",
    ],
}
INCEPTION_V3_STEM = ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3"]
INCEPTION_V3_MIXED = [
    "Mixed_5b",
    "Mixed_5c",
    "Mixed_5d",
    "Mixed_6a",
    "Mixed_6b",
    "Mixed_6c",
    "Mixed_6d",
    "Mixed_6e",
    "Mixed_7a",
    "Mixed_7b",
    "Mixed_7c",
]


def resnet(model: nn.Module, keys: list[str]) -> KeyMap:
    """conv1/bn1 the stem; stage i block j `layer{i+1}.{j}`, its downsample `downsample.0`/`.1`; `fc`."""
    renames = [("stem.0.conv", "conv1"), ("stem.0.bn", "bn1"), ("head.classifier", "fc")]
    for prefix, _ in all_blocks(model, ("basic", "bot")):
        _, i, j = prefix.split(".")
        ours = f"layer{int(i) + 1}.{j}"
        renames += [
            (prefix, ours),
            (f"{prefix}.downsample.conv", f"{ours}.downsample.0"),
            (f"{prefix}.downsample.bn", f"{ours}.downsample.1"),
        ]
        renames += [(f"{prefix}.{a}", f"{ours}.{b}") for a, b in SE_FC]
    return KeyMap(renamed(list(model.state_dict()), renames))


def densenet(model: nn.Module, keys: list[str]) -> KeyMap:
    """`features.conv0`/`norm0` the stem; dense stage k layer j `features.denseblock{k}.denselayer{j+1}`;
    transition k `features.transition{k}`; `features.norm5` the head's BN; `classifier`."""
    renames = [
        ("stem.0.conv", "features.conv0"),
        ("stem.0.bn", "features.norm0"),
        ("head.norm", "features.norm5"),
        ("head.classifier", "classifier"),
    ]
    dense = tr = 0
    for prefix, block, module in layers(model):
        if block.TYPE == "dense":
            dense += 1
            renames += [
                (p, f"features.denseblock{dense}.denselayer{j}")
                for j, (p, _) in enumerate(blocks(prefix, block, module), 1)
            ]
        elif block.TYPE == "tr":
            tr += 1
            renames.append((prefix, f"features.transition{tr}"))
    return KeyMap(renamed(list(model.state_dict()), renames))


def inception_v3(model: nn.Module, keys: list[str]) -> KeyMap:
    """Stem convs `Conv2d_1a_3x3` .. `Conv2d_4a_3x3`; modules `Mixed_5b` .. `Mixed_7c`, their convs named
    in program order (`branch1x1`, `branch5x5_1`, ...); `fc`. torchvision's `AuxLogits` is left out."""
    stem = [u for prefix, block, module in layers(model) if prefix.startswith("stem") for u in units(prefix, module)]
    renames = [(u, name) for u, name in zipped(stem, INCEPTION_V3_STEM, "stem convs")]
    mixed = [
        (p, b.TYPE, m)
        for prefix, b, module in layers(model)
        if b.TYPE in INCEPTION_V3
        for p, m in blocks(prefix, b, module)
    ]
    for (prefix, kind, module), name in zipped(mixed, INCEPTION_V3_MIXED, "Inception modules"):
        renames += [
            (u, f"{name}.{conv}") for u, conv in zipped(units(prefix, module), INCEPTION_V3[kind], f"convs in {name}")
        ]
    renames.append(("head.classifier", "fc"))
    return KeyMap(renamed(list(model.state_dict()), renames), ignored=("AuxLogits.",))


def features(model: nn.Module) -> list[tuple[str, str]]:
    """VGG, AlexNet and SqueezeNet number every layer of their `features` in order (conv, BN, ReLU, pool, fire
    module): those numbers for the stem and stages."""
    renames, n = [], 0
    for prefix, block, module in layers(model):
        if block.TYPE in ("mp", "tr"):
            n += 1
            continue
        for p, unit in blocks(prefix, block, module):
            if block.TYPE == "fire":
                renames += [
                    (f"{p}.0.conv", f"features.{n}.squeeze"),
                    (f"{p}.1.branch1.conv", f"features.{n}.expand1x1"),
                    (f"{p}.1.branch2.conv", f"features.{n}.expand3x3"),
                ]
                n += 1
                continue
            for name, _ in unit.named_children():  # conv, [bn], act
                renames.append((f"{p}.{name}", f"features.{n}"))
                n += 1
        if block.TYPE == "vgg":
            n += 1  # the pool
    return renames
