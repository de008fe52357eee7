"""A timm arch_def given as JSON text (the command line's `timm:[...]` and `timm:{...}`) -> ArchSpec."""

from __future__ import annotations

import inspect
import json

from nasx.arch.limits import MAX_ARCH_CHARS
from nasx.arch.spec import ArchSpec
from nasx.timm.decode import decode_arch_def

MAX_DEPTH = 8  # nesting of lists and objects: an arch_def is an object holding a list of lists of strings


def _depth(text: str) -> int:
    """The deepest nesting of [ and { in JSON text, outside strings (read before parsing: Python's parser
    recurses once per level)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            in_string = escaped or ch != '"'
            escaped = not escaped and ch == "\\"
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def arch_def_from_json(text: str) -> ArchSpec:
    """`[[block strings], ...]` with timm's default builder arguments, or `{"arch_def": [...], ARG: VALUE, ...}`
    with decode_arch_def's arguments; raises ValueError in one line naming what cannot be read."""
    if len(text) > MAX_ARCH_CHARS:
        raise ValueError(f"timm arch_def: {len(text):,} characters, at most {MAX_ARCH_CHARS}")
    if _depth(text) > MAX_DEPTH:
        raise ValueError(f"timm arch_def: nested {_depth(text)} levels deep, at most {MAX_DEPTH}")
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
