"""timm's state_dict keys for a nasx network (timm 1.0.31's names; nothing here imports timm).

- EfficientNet and MobileNetV3 classes (EfficientNet, MnasNet, MobileNetV2/V3, MixNet, FBNet, LCNet, TinyNet,
  SPNASNet, ...): `conv_stem`/`bn1` the stem; timm's blocks `blocks.S.B`, taken in (S, B) order, are nasx's
  blocks in order (a `cn` stage is one block: `conv`, `bn1`); inside an inverted residual or an EdgeResidual
  the names are nasx's own; a block without expansion (timm's DepthwiseSeparable) names its depthwise BN
  `bn1`, its projection `conv_pw` and that BN `bn2` (nasx: `bn2`, `conv_pwl`, `bn3`); head `conv_head`
  (+ `bn2`) and `classifier`; MobileNetV3's `conv_head` is a 1x1 conv that nasx's `head.fc1` (a Linear)
  takes flattened.
- ResNet / ResNeXt / Wide ResNet, DenseNet, Inception-v3: as torchvision (`nasx.pretrained.shared`).
- RegNet: `stem.conv`/`stem.bn`; stage i block j `s{i+1}.b{j+1}` with `conv1.conv`, `conv1.bn`, ...,
  `se.fc1`/`se.fc2`, `downsample.conv`/`.bn`; `head.fc`.
- VGG: `features.N` numbered as torchvision; `pre_logits.fc1` (a 7x7 conv) and `pre_logits.fc2` (1x1) that
  nasx's `head.fc1` and `head.fc2` take flattened; `head.fc`.
"""

from __future__ import annotations

from torch import nn

from nasx.pretrained import shared
from nasx.pretrained.keymap import KeyMap, numbered, renamed, zipped
from nasx.pretrained.walk import all_blocks

MOBILE = ("ir", "fr", "cn")
DEPTHWISE_SEPARABLE = [("bn2", "bn1"), ("conv_pwl", "conv_pw"), ("bn3", "bn2")]


def efficientnet(model: nn.Module, keys: list[str]) -> KeyMap:
    renames = [
        ("stem.0.conv", "conv_stem"),
        ("stem.0.bn", "bn1"),
        ("head.conv", "conv_head"),
        ("head.bn", "bn2"),
        ("head.fc1", "conv_head"),
        ("head.classifier", "classifier"),
    ]
    ours = [(p, m) for p, m in all_blocks(model, MOBILE) if not p.startswith("stem")]
    for (prefix, module), theirs in zipped(ours, numbered(keys, r"blocks\.(\d+)\.(\d+)\."), "blocks"):
        renames.append((prefix, theirs))
        if hasattr(module, "conv_dw") and module.conv_pw is None:
            renames += [(f"{prefix}.{a}", f"{theirs}.{b}") for a, b in DEPTHWISE_SEPARABLE]
        elif hasattr(module, "bn") and not hasattr(module, "conv_dw"):  # a cn stage
            renames.append((f"{prefix}.bn", f"{theirs}.bn1"))
    return KeyMap(renamed(list(model.state_dict()), renames))


def regnet(model: nn.Module, keys: list[str]) -> KeyMap:
    renames = [("stem.0", "stem"), ("head.classifier", "head.fc")]
    for prefix, _ in all_blocks(model, ("bot",)):
        _, i, j = prefix.split(".")
        theirs = f"s{int(i) + 1}.b{int(j) + 1}"
        renames.append((prefix, theirs))
        for n in (1, 2, 3):
            renames += [(f"{prefix}.conv{n}", f"{theirs}.conv{n}.conv"), (f"{prefix}.bn{n}", f"{theirs}.conv{n}.bn")]
        renames += [(f"{prefix}.{a}", f"{theirs}.{b}") for a, b in shared.SE_FC]
    return KeyMap(renamed(list(model.state_dict()), renames))


def vgg(model: nn.Module, keys: list[str]) -> KeyMap:
    renames = shared.features(model) + [
        ("head.fc1", "pre_logits.fc1"),
        ("head.fc2", "pre_logits.fc2"),
        ("head.classifier", "head.fc"),
    ]
    return KeyMap(renamed(list(model.state_dict()), renames))


# (a key only this layout has, its key map), the first found in a checkpoint wins
LAYOUTS = [
    ("conv_stem.weight", efficientnet),
    ("layer1.0.conv1.weight", shared.resnet),
    ("s1.b1.conv1.conv.weight", regnet),
    ("features.denseblock1.denselayer1.conv1.weight", shared.densenet),
    ("pre_logits.fc1.weight", vgg),
    ("Conv2d_1a_3x3.conv.weight", shared.inception_v3),
]
NAMES = "EfficientNet/MobileNetV3, ResNet, RegNet, DenseNet, VGG, Inception-v3"
