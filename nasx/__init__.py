"""nasx: neural architecture search and scaling research on one architecture language.

The names below load on first use (PEP 562), so `import nasx` and the command line's `--help` stay fast.
"""
from __future__ import annotations

import importlib

from nasx.complexity import Cost, complexity  # eager: the name is also a submodule's, which an import would bind

__version__ = "0.1.0"

_LAZY = {"families": "nasx.families", "ArchSpec": "nasx.arch", "Head": "nasx.arch", "decode": "nasx.arch",
         "encode": "nasx.arch", "Scaled": "nasx.generators.compound", "compound_scale": "nasx.generators.compound",
         "proxy": "nasx.generators.proxy", "regnet": "nasx.generators.regnet",
         "regnet_widths": "nasx.generators.regnet", "resnet": "nasx.generators.resnet"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'nasx' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if module.__name__ == f"nasx.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def build_model(spec):
    """ArchSpec -> torch.nn.Module (imports torch only when called)."""
    from nasx.build import build_model as _build
    return _build(spec)


__all__ = ["ArchSpec", "Head", "Cost", "Scaled", "build_model", "complexity", "compound_scale", "decode",
           "encode", "families", "proxy", "regnet", "regnet_widths", "resnet"]
