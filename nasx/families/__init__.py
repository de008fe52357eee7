"""The hand-designed families as ArchSpecs: `names()`, `get(name, num_classes, resolution)`."""
from nasx.families import efficientnet, mnasnet, mobilenet, regnet, resnet, vgg  # noqa: F401  (registers)
from nasx.families.registry import Family, get, info, names

__all__ = ["Family", "get", "info", "names"]
