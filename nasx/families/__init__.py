"""The hand-designed families as ArchSpecs: `names()`, `get(name, num_classes, resolution)`."""

from nasx.families import (
    compact,
    densenet,
    efficientnet,
    inception,
    lenet,
    mnasnet,
    mobilenet,
    regnet,
    resnet,
    timm_efficientnet,
    timm_mobilenetv3,
    timm_regnet,
    vgg,
)
from nasx.families.registry import Family, get, info, names, reference_name, timm_names

__all__ = ["Family", "get", "info", "names", "reference_name", "timm_names"]
