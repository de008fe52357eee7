"""Module for the classifier head."""
from __future__ import annotations

from torch import nn

from nasx.arch.head import Head
from nasx.build.layers import activation, conv_bn_act


def build_head(spec: Head, c_in: int, num_classes: int) -> nn.Module:
    layers: list[nn.Module] = []
    if spec.norm:
        layers += [nn.BatchNorm2d(c_in), activation("relu")]
    if spec.c:
        layers.append(conv_bn_act(c_in, spec.c, 1, act=spec.act))
    if spec.conv_cls:
        layers += [nn.Dropout(spec.dropout), nn.Conv2d(spec.c or c_in, num_classes, 1), activation("relu"),
                   nn.AdaptiveAvgPool2d(1), nn.Flatten(1)]
        return nn.Sequential(*layers)
    layers += [nn.AdaptiveAvgPool2d(spec.pool), nn.Flatten(1)]
    width = spec.features(c_in)
    for h in spec.hidden:
        layers += [nn.Linear(width, h, bias=spec.hidden_bias), activation(spec.hidden_act), nn.Dropout(spec.dropout)]
        width = h
    if not spec.hidden and spec.dropout > 0:
        layers.append(nn.Dropout(spec.dropout))
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)
