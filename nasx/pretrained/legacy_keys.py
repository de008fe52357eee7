"""nasx's first state_dict layout, before layers had names: keys such as `stages.1.0.branch.0.0.weight`
(that of every weights.pt written by nasx up to 0.1.0's commit c72e492).

That layout held the same tensors in the same order as today's; its keys map to today's by position, each
pair checked to end in the same tensor name (weight, bias, running_mean, ...), and the engine checks shapes.
"""

from __future__ import annotations

import re

from torch import nn

from nasx.pretrained.keymap import KeyMap, zipped

# every module and tensor name the first layout used; its other parts were numbers
NAMES = {
    "stem",
    "stages",
    "head",
    "branch",
    "shortcut",
    "post",
    "reduce",
    "expand",
    "convs",
    "branches",
    "layers",
    "pre",
    "proj",
    "branch1",
    "branch2",
    "weight",
    "bias",
    "running_mean",
    "running_var",
    "num_batches_tracked",
}


def is_first_layout(keys: list[str]) -> bool:
    return bool(keys) and all(re.fullmatch(r"\d+", part) or part in NAMES for key in keys for part in key.split("."))


def key_map(model: nn.Module, keys: list[str]) -> KeyMap:
    pairs = zipped(list(model.state_dict()), keys, "tensors")
    for ours, theirs in pairs:
        if ours.rsplit(".", 1)[-1] != theirs.rsplit(".", 1)[-1]:
            raise ValueError(f"checkpoint key {theirs!r} is at the place of nasx's {ours!r}: not the same network")
    return KeyMap(dict(pairs))
