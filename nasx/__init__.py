"""nasx: neural architecture search and scaling research on one architecture language."""
from nasx import families
from nasx.arch import ArchSpec, Head, decode, encode
from nasx.complexity import Cost, complexity
from nasx.generators.compound import Scaled, compound_scale
from nasx.generators.proxy import proxy
from nasx.generators.regnet import regnet, regnet_widths
from nasx.generators.resnet import resnet

__version__ = "0.1.0"


def build_model(spec: ArchSpec):
    """ArchSpec -> torch.nn.Module (imports torch only when called)."""
    from nasx.build import build_model as _build
    return _build(spec)


__all__ = ["ArchSpec", "Head", "Cost", "Scaled", "build_model", "complexity", "compound_scale", "decode",
           "encode", "families", "proxy", "regnet", "regnet_widths", "resnet"]
