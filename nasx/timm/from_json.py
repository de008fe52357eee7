"""A timm arch_def given as JSON text (the command line's `timm:[...]` and `timm:{...}`) -> ArchSpec."""

from __future__ import annotations

import inspect
import json

from nasx.arch.spec import ArchSpec
from nasx.timm.decode import decode_arch_def


def arch_def_from_json(text: str) -> ArchSpec:
    """`[[block strings], ...]` with timm's default builder arguments, or `{"arch_def": [...], ARG: VALUE, ...}`
    with decode_arch_def's arguments; raises ValueError in one line naming what cannot be read."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"timm arch_def: not JSON ({exc.msg}, character {exc.pos})") from None
    if isinstance(data, list):
        return decode_arch_def(data)
    if not isinstance(data, dict) or "arch_def" not in data:
        raise ValueError(
            "timm arch_def: expected a JSON list of lists of block strings, or an object with "
            '"arch_def" and builder arguments'
        )
    kwargs = dict(data)
    arch_def = kwargs.pop("arch_def")
    known = set(inspect.signature(decode_arch_def).parameters) - {"arch_def"}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise ValueError(
            f"timm arch_def: unknown builder argument(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    try:
        return decode_arch_def(arch_def, **kwargs)
    except TypeError as exc:
        raise ValueError(f"timm arch_def: {exc}") from None
