"""`load_pretrained(model, state_dict, source)`: a nasx network takes the weights of a checkpoint written by
timm, torchvision or nasx itself (its current layout or its first one), through a documented map from the
source's state_dict keys to nasx's (docs/pretrained.md).

nasx names its layers by role: a stage's blocks are `stages.I.J`; inside an inverted residual `conv_pw` `bn1`
(the 1x1 expansion, absent without one), `conv_dw` `bn2`, `se` (`conv_reduce`, `conv_expand`), `conv_pwl` `bn3`; a
Fused-MBConv `conv_exp` `bn1` [`conv_pwl` `bn2`]; ResNet blocks `conv1` `bn1` ... `conv3` `bn3`, `downsample`
(`conv`, `bn`); a conv-bn-act unit `conv` `bn`; the head `conv` `bn`, `fc1` ..., `classifier`.

Each source's map (`timm_keys`, `torchvision_keys`, `legacy_keys`, and `shared` for what timm and torchvision
share) renames module paths, the longest matching path winning, and numbers blocks in the order they run.
Loading is all or nothing: the first nasx key without its source key, the first source key nothing takes,
or the first shape that differs raises one ValueError naming it; nothing is loaded then (a missing
`num_batches_tracked`, which checkpoints older than torch 0.4.1 lack, keeps nasx's own). A Linear takes a
conv's weight of the same numbers flattened (timm's VGG and MobileNetV3 heads keep 1x1 / 7x7 convs there).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nasx.pretrained import legacy_keys, timm_keys, torchvision_keys
from nasx.pretrained.keymap import KeyMap

SOURCES = ("nasx", "timm", "torchvision")


def key_map(model: nn.Module, keys: list[str], source: str) -> KeyMap:
    """The KeyMap of a checkpoint with `keys` from `source` for `model`; ValueError when no layout fits."""
    if source == "nasx":
        ours = list(model.state_dict())
        if legacy_keys.is_first_layout(keys) and set(keys) != set(ours):
            return legacy_keys.key_map(model, keys)
        if not set(keys) & set(ours):
            raise ValueError(
                f"source='nasx': no key of the checkpoint is one of nasx's (its first: {keys[0]!r}); "
                "was it written by timm or torchvision (source='timm' / 'torchvision')?"
            )
        return KeyMap({k: k for k in ours})
    module = {"timm": timm_keys, "torchvision": torchvision_keys}.get(source)
    if module is None:
        raise ValueError(f"source={source!r}: must be one of {', '.join(SOURCES)}")
    present = set(keys)
    for signature, layout in module.LAYOUTS:
        if signature in present:
            return layout(model, keys)
    raise ValueError(
        f"source={source!r}: the checkpoint is none of the {source} layouts nasx maps ({module.NAMES}); "
        f"its first key is {keys[0]!r}"
    )


def _fits(value: torch.Tensor, target: torch.Tensor) -> bool:
    """Same shape, or a conv weight whose numbers a Linear weight takes flattened."""
    return value.shape == target.shape or (
        target.dim() == 2
        and value.dim() == 4
        and value.shape[0] == target.shape[0]
        and math.prod(value.shape) == target.numel()
    )


def load_pretrained(model: nn.Module, state_dict: dict, source: str = "nasx", skip: tuple[str, ...] = ()) -> nn.Module:
    """Load `state_dict` (from `source`: "timm", "torchvision" or "nasx", the current layout or the first one)
    into `model`, built by nasx.build_model, and return it. `skip`: nasx module paths (e.g. "head.classifier",
    to fine-tune on other classes) whose weights stay as they are; their source keys are left out.

    All or nothing: ValueError naming the first missing key, unexpected key or shape mismatch."""
    if not isinstance(state_dict, dict) or not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ValueError(
            "state_dict: expected a mapping of names to tensors (a checkpoint that wraps one, "
            "e.g. under 'state_dict' or 'model', needs it taken out first)"
        )
    if not state_dict:
        raise ValueError("state_dict: empty")
    keys = list(state_dict)
    mapping = key_map(model, keys, source)
    if len(set(mapping.keys.values())) != len(mapping.keys):
        raise ValueError(f"source={source!r}: two nasx keys take the same checkpoint key (a key map error)")
    target = model.state_dict()
    kept = {k for k in target if any(k == s or k.startswith(s + ".") for s in skip)}
    for path in skip:
        if not any(k == path or k.startswith(path + ".") for k in target):
            raise ValueError(f"skip={path!r}: no layer of the nasx model has this path (e.g. 'head.classifier')")
    loaded = {}
    for ours, value in target.items():
        if ours in kept:
            loaded[ours] = value
            continue
        theirs = mapping.keys[ours]
        if theirs not in state_dict and ours.endswith(".num_batches_tracked"):  # older checkpoints have none
            loaded[ours] = value
            continue
        if theirs not in state_dict:
            raise ValueError(
                f"source={source!r}: missing key {theirs!r} (for nasx's {ours!r}, shape {tuple(value.shape)})"
            )
        got = state_dict[theirs]
        if not _fits(got, value):
            raise ValueError(
                f"source={source!r}: shape mismatch at {theirs!r}: {tuple(got.shape)} in the checkpoint,"
                f" {tuple(value.shape)} in nasx's {ours!r}"
            )
        loaded[ours] = got.reshape(value.shape)
    taken = set(mapping.keys.values())
    for key in keys:
        if key not in taken and not key.startswith(mapping.ignored):
            raise ValueError(f"source={source!r}: unexpected key {key!r}: no layer of the nasx model takes it")
    model.load_state_dict(loaded)
    return model


__all__ = ["SOURCES", "key_map", "load_pretrained"]
