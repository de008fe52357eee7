"""The compact architecture string: `encode(spec)` / `decode(text)`, an exact round trip.

    res224_cls1000|stem:cn_r1_k3_s2_c32_nsw|ir_r1_k3_s1_e1_c16_se0.25_nsw|...|head:c1280_nsw_d0.2

Parts are separated by `|`: a header (`res` input resolution, `cls` classes, `in` input
channels, `dp` stochastic-depth rate), `stem:` with its layers joined by `+`, one token per
stage, and `head:`. A token is the block type followed by `_`-separated fields, each a key and
its value (`k3`, `se0.25`, `nsw` = activation swish); flags read `bn` / `noskip`. Fields at
their default are left out, except the repeats `r`.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

from nasx.arch.blocks import BLOCKS, Block
from nasx.arch.fields import Spec, field_type
from nasx.arch.head import Head
from nasx.arch.limits import MAX_ARCH_CHARS, MAX_LAYERS
from nasx.arch.spec import ArchSpec

# ASCII digits only: `\d` would also read full-width and other Unicode digits as numbers
_INT = re.compile(r"[0-9]+")
_FLOAT = re.compile(r"[0-9]+(\.[0-9]+)?(e-?[0-9]+)?")
_INTS = re.compile(r"[0-9]+(x[0-9]+)*")
_HEADER = {"res": "resolution", "cls": "num_classes", "in": "in_channels", "dp": "drop_path"}

S = TypeVar("S", bound=Spec)


def format_float(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _field_tokens(spec: Spec) -> list[str]:
    tokens = []
    for f in dataclasses.fields(spec):
        value, meta = getattr(spec, f.name), f.metadata
        key, default = meta["key"], f.default
        if value is None or (value == default and not meta["always"] and default is not dataclasses.MISSING):
            continue
        if isinstance(value, bool):
            tokens.append(key if value else "no" + key)
        elif meta["codes"]:
            tokens.append(key + meta["codes"][value])
        elif isinstance(value, tuple):
            tokens.append(key + "x".join(map(str, value)))
        elif isinstance(value, float):
            tokens.append(key + format_float(value))
        else:
            tokens.append(key + str(value))
    return tokens


def encode_block(block: Spec) -> str:
    return "_".join([block.TYPE, *_field_tokens(block)])


def encode(spec: ArchSpec) -> str:
    """The canonical arch string of `spec`."""
    header = [f"res{spec.resolution}", f"cls{spec.num_classes}"]
    if spec.in_channels != 3:
        header.append(f"in{spec.in_channels}")
    if spec.drop_path:
        header.append(f"dp{format_float(spec.drop_path)}")
    parts = ["_".join(header), "stem:" + "+".join(encode_block(b) for b in spec.stem)]
    parts += [encode_block(b) for b in spec.stages]
    parts.append("head:" + "_".join(_field_tokens(spec.head)))
    return "|".join(parts)


def _parse_value(text: str, f: dataclasses.Field[Any]) -> Any:
    tp, _ = field_type(f)
    codes = f.metadata["codes"]
    if codes:
        for name, code in codes.items():
            if code == text:
                return name
        return None
    pattern = {int: _INT, float: _FLOAT, tuple: _INTS}.get(tp)
    if pattern is None or not pattern.fullmatch(text):
        return None
    if tp is tuple:
        return tuple(int(v) for v in text.split("x"))
    return tp(text)


_BY_KEY_LENGTH: dict[type[Spec], tuple[dataclasses.Field[Any], ...]] = {}


def _fields_by_key_length(cls: type[Spec]) -> tuple[dataclasses.Field[Any], ...]:
    """Longest key first, so `se0.25` is read as `se` and not as `s`; computed once per class."""
    if cls not in _BY_KEY_LENGTH:
        _BY_KEY_LENGTH[cls] = tuple(sorted(dataclasses.fields(cls), key=lambda f: -len(f.metadata["key"])))
    return _BY_KEY_LENGTH[cls]


def _parse_fields(cls: type[S], tokens: list[str], where: str) -> S:
    fields = _fields_by_key_length(cls)
    values: dict[str, Any] = {}
    for token in tokens:
        for f in fields:
            key = f.metadata["key"]
            tp, _ = field_type(f)
            if tp is bool:
                value = True if token == key else False if token == "no" + key else None
            elif token.startswith(key) and len(token) > len(key):
                value = _parse_value(token[len(key) :], f)
            else:
                value = None
            if value is not None:
                break
        else:
            known = ", ".join(f.metadata["key"] for f in dataclasses.fields(cls))
            raise ValueError(f"malformed arch string: {where}: cannot read field {token!r} (fields: {known})")
        if f.name in values:
            raise ValueError(f"malformed arch string: {where}: field {f.metadata['key']!r} given twice")
        values[f.name] = value
    missing = [
        f.metadata["key"] for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING and f.name not in values
    ]
    if missing:
        raise ValueError(f"malformed arch string: {where}: missing field(s) {', '.join(missing)}")
    return cls(**values)


def decode_block(token: str, where: str = "block") -> Block:
    parts = token.split("_")
    cls = BLOCKS.get(parts[0])
    if cls is None:
        raise ValueError(
            f"malformed arch string: {where} {token!r}: unknown block type {parts[0]!r} (known: {', '.join(BLOCKS)})"
        )
    return _parse_fields(cls, parts[1:], f"{where} {token!r}")


def decode(text: str) -> ArchSpec:
    """Parse an arch string; raises ValueError naming the part that cannot be read."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("malformed arch string: empty")
    if len(text) > MAX_ARCH_CHARS:
        raise ValueError(f"malformed arch string: {len(text)} characters, at most {MAX_ARCH_CHARS}")
    if not text.isascii():
        bad = next(ch for ch in text if not ch.isascii())
        raise ValueError(
            f"malformed arch string: non-ASCII character {bad!r} (U+{ord(bad):04X}); arch strings are ASCII"
        )
    parts = [p.strip() for p in text.strip().split("|")]
    if any(not p for p in parts):
        raise ValueError(f"malformed arch string: empty part between '|' in {text!r}")
    if len(parts) - 1 > MAX_LAYERS + 1:
        raise ValueError(
            f"malformed arch string: {len(parts) - 1} parts after the header, at most "
            f"{MAX_LAYERS + 1} (stem, {MAX_LAYERS} stages, head)"
        )
    header: dict[str, Any] = {}
    for token in parts[0].split("_"):
        match = re.fullmatch(r"(res|cls|in|dp)([0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?)", token)
        if not match:
            raise ValueError(
                f"malformed arch string: header {parts[0]!r}: cannot read {token!r} "
                "(expected res<R>_cls<C>[_in<channels>][_dp<rate>])"
            )
        name, value = _HEADER[match[1]], match[2]
        header[name] = float(value) if name == "drop_path" else _int(value, token)
    body = parts[1:]
    stem: list[Block] = []
    if body and body[0].startswith("stem:"):
        stem_text = body.pop(0)[len("stem:") :]
        stem = [decode_block(t, f"stem[{i}]") for i, t in enumerate(stem_text.split("+")) if stem_text]
    head = Head()
    if body and body[-1].startswith("head:"):
        head_text = body.pop()[len("head:") :]
        head = _parse_fields(Head, head_text.split("_") if head_text else [], f"head {head_text!r}")
    stages = [decode_block(t, f"stages[{i}]") for i, t in enumerate(body)]
    return ArchSpec(stem=tuple(stem), stages=tuple(stages), head=head, **header)


def _int(value: str, token: str) -> int:
    if not _INT.fullmatch(value):
        raise ValueError(f"malformed arch string: {token!r} needs an integer")
    return int(value)
