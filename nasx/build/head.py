"""Module for the classifier head."""

from __future__ import annotations

from torch import nn

from nasx.arch.head import Head
from nasx.build.layers import activation, named


def build_head(spec: Head, c_in: int, num_classes: int) -> nn.Module:
    """[`norm` relu] -> [`conv` (1x1) `bn` act] -> `pool` -> [`fc1` act dropout, `fc2` ...] -> [dropout] ->
    `classifier` (Linear; with `conv_cls` a 1x1 conv with relu before the pool)."""
    layers: list[tuple[str, nn.Module]] = []
    if spec.norm:
        layers += [("norm", nn.BatchNorm2d(c_in)), ("norm_act", activation("relu"))]
    if spec.c:
        layers += [
            ("conv", nn.Conv2d(c_in, spec.c, 1, bias=False)),
            ("bn", nn.BatchNorm2d(spec.c)),
            ("act", activation(spec.act)),
        ]
    if spec.conv_cls:
        layers += [
            ("drop", nn.Dropout(spec.dropout)),
            ("classifier", nn.Conv2d(spec.c or c_in, num_classes, 1)),
            ("classifier_act", activation("relu")),
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten(1)),
        ]
        return named(*layers)
    layers += [("pool", nn.AdaptiveAvgPool2d(spec.pool)), ("flatten", nn.Flatten(1))]
    width = spec.features(c_in)
    for i, h in enumerate(spec.hidden, 1):
        layers += [
            (f"fc{i}", nn.Linear(width, h, bias=spec.hidden_bias)),
            (f"act{i}", activation(spec.hidden_act)),
            (f"drop{i}", nn.Dropout(spec.dropout)),
        ]
        width = h
    if not spec.hidden and spec.dropout > 0:
        layers.append(("drop", nn.Dropout(spec.dropout)))
    layers.append(("classifier", nn.Linear(width, num_classes)))
    return named(*layers)
