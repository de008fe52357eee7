"""Typed, validated, string-codable fields for the frozen spec dataclasses.

Every spec class declares its fields with `fld(key, ...)`: the key is the field's
token prefix in the architecture string (`k3`, `se0.25`), and the optional check
turns a bad value into a `ValueError` naming the field and the value.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, dataclass
from typing import Any, ClassVar, Self

from nasx.arch.limits import MAX_HIDDEN_LAYERS, MAX_MULTIPLIER, MAX_WIDTH, int_limit

ACTIVATIONS = {"relu": "re", "relu6": "r6", "swish": "sw", "hswish": "hs", "tanh": "th", "identity": "id"}
GATES = {"sigmoid": "sig", "hsigmoid": "hsig"}
SE_BASES = {"in": "i", "mid": "m"}
SE_ROUNDINGS = {"floor": "f", "round": "r", "div8": "8"}

Check = tuple[Callable[[Any], bool], str]


def fld(
    key: str,
    default: Any = MISSING,
    *,
    codes: dict[str, str] | None = None,
    check: Check | None = None,
    always: bool = False,
    omit_default: bool = False,
) -> Any:
    """A spec field: `key` is its token prefix in arch strings, `codes` maps enum values to short
    codes; the string shows a field when it has no default, differs from it, or is `always` shown.
    `omit_default`: the dict (and so the key) leaves the field out at its default, so that a field
    added later keeps the keys of the specs written before it."""
    meta = {"key": key, "codes": codes, "check": check, "always": always, "omit_default": omit_default}
    return dataclasses.field(default=default, metadata=meta)


def positive(v: int) -> bool:
    return v >= 1


def odd(v: int) -> bool:
    return v % 2 == 1


def ratio(v: float) -> bool:
    return math.isfinite(v) and 0.0 <= v <= 1.0


POSITIVE: Check = (positive, "must be a positive integer")
ODD_KERNEL: Check = (lambda v: v >= 1 and odd(v), "kernel size must be a positive odd integer")
STRIDE: Check = (lambda v: v in (1, 2), "stride must be 1 or 2")
RATIO: Check = (ratio, "must be a ratio in [0, 1]")
POS_FLOAT: Check = (lambda v: math.isfinite(v) and v > 0, "must be a finite number > 0")


@functools.cache
def base_type(annotation: str) -> tuple[type, bool]:
    """Resolve a string annotation to (python type, optional?)."""
    tp = eval(annotation, {"tuple": tuple, "int": int, "float": float, "str": str, "bool": bool})  # noqa: S307
    optional = False
    if isinstance(tp, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional, tp = True, args[0]
    if typing.get_origin(tp) is tuple:
        tp = tuple
    return tp, optional


def field_type(f: dataclasses.Field[Any]) -> tuple[type, bool]:
    """(python type, optional?) of a spec field; the annotations of the spec modules are strings."""
    return base_type(f.type) if isinstance(f.type, str) else (f.type, False)


@dataclass(frozen=True, kw_only=True)
class Spec:
    """Base of every frozen spec: type coercion, validation, dict round trip."""

    TYPE: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            tp, optional = field_type(f)
            name = f"{self.TYPE}.{f.name}" if self.TYPE else f.name
            if value is None and optional:
                continue
            value = _coerce(name, value, tp)
            object.__setattr__(self, f.name, value)
            codes = f.metadata.get("codes")
            if codes is not None and value not in codes:
                raise ValueError(f"{name}={value!r}: must be one of {', '.join(codes)}")
            check = f.metadata.get("check")
            if check is not None and not check[0](value):
                raise ValueError(f"{name}={value!r}: {check[1]}")
            _bound(name, value, tp, f.metadata.get("key", ""))
        self._check()

    def _check(self) -> None:
        """Cross-field validation of a subclass."""

    @classmethod
    def spec_fields(cls) -> tuple[dataclasses.Field[Any], ...]:
        return dataclasses.fields(cls)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.TYPE} if self.TYPE else {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.metadata.get("omit_default") and v == f.default:
                continue
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        data = dict(data)
        data.pop("type", None)
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"{cls.TYPE or cls.__name__}: unknown field(s) {', '.join(unknown)}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ValueError(f"{cls.TYPE or cls.__name__}: {exc}") from None


def _bound(name: str, value: Any, tp: type, key: str) -> None:
    """The documented limits of nasx.arch.limits."""
    if tp is int and value > int_limit(key):
        raise ValueError(f"{name}={value!r}: must be at most {int_limit(key)}")
    if tp is float and value > MAX_MULTIPLIER:
        raise ValueError(f"{name}={value!r}: must be at most {MAX_MULTIPLIER:g}")
    if tp is tuple and (len(value) > MAX_HIDDEN_LAYERS or any(v > MAX_WIDTH for v in value)):
        raise ValueError(f"{name}={value!r}: at most {MAX_HIDDEN_LAYERS} entries, each at most {MAX_WIDTH}")


def _coerce(name: str, value: Any, tp: type) -> Any:
    if tp is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name}={value!r}: must be true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ValueError(f"{name}={value!r}: must be an integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{name}={value!r}: must be a number")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name}={value!r}: must be finite")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"{name}={value!r}: must be a string")
        return value
    if tp is tuple:
        if not isinstance(value, (tuple, list)):
            raise ValueError(f"{name}={value!r}: must be a list of integers")
        items = tuple(_coerce(name, v, int) for v in value)
        if any(v < 1 for v in items):
            raise ValueError(f"{name}={value!r}: entries must be positive integers")
        return items
    return value
