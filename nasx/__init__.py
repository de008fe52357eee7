"""nasx: neural architecture search and scaling research on one architecture language.

The names below load on first use (PEP 562), so `import nasx` and the command line's `--help` stay fast.
"""

from __future__ import annotations

from nasx.complexity import Cost, complexity  # eager: the name is also a submodule's, which an import would bind
from nasx.lazy import attributes

__version__ = "0.1.0"

_LAZY = {
    "families": "nasx.families",
    "ArchSpec": "nasx.arch",
    "Head": "nasx.arch",
    "decode": "nasx.arch",
    "encode": "nasx.arch",
    "load_pretrained": "nasx.pretrained",
    "Scaled": "nasx.generators.compound",
    "compound_scale": "nasx.generators.compound",
    "proxy": "nasx.generators.proxy",
    "receptive_field": "nasx.arch.receptive",
    "regnet": "nasx.generators.regnet",
    "regnet_widths": "nasx.generators.regnet",
    "resnet": "nasx.generators.resnet",
}


__getattr__ = attributes("nasx", _LAZY, globals())


def build_model(spec):
    """ArchSpec -> torch.nn.Module (imports torch only when called)."""
    from nasx.build import build_model as _build

    return _build(spec)


__all__ = [
    "ArchSpec",
    "Head",
    "Cost",
    "Scaled",
    "build_model",
    "complexity",
    "compound_scale",
    "decode",
    "encode",
    "families",
    "load_pretrained",
    "proxy",
    "receptive_field",
    "regnet",
    "regnet_widths",
    "resnet",
]
