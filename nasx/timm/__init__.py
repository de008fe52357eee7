"""timm interop: read timm's arch_def block strings with their builder arguments as an ArchSpec, and back.

No timm import: the rules are timm's (`_efficientnet_builder`, `_efficientnet_blocks`), written as data.
"""

from nasx.timm.decode import decode_arch_def
from nasx.timm.encode import encode_arch_def
from nasx.timm.from_json import arch_def_from_json

__all__ = ["arch_def_from_json", "decode_arch_def", "encode_arch_def"]
