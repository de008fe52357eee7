"""Analytic cost of the primitive layers, in the convention of paper tables.

`macs` counts the multiply-accumulates of conv and linear layers only (no bias adds,
no BN, activation or pooling work), which equals torch's `FlopCounterMode` total / 2.
`acts` counts the output elements of conv and linear layers (pycls' activations).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tally:
    """Running totals for one block or stage; mutable while a cost is being summed."""

    params: int = 0
    macs: int = 0
    acts: int = 0

    def add(self, other: Tally) -> Tally:
        self.params += other.params
        self.macs += other.macs
        self.acts += other.acts
        return self


def conv_out(size: int, k: int, s: int, p: int, ceil: bool = False) -> int:
    """Output side length of a conv or pool; `ceil` as torch's pooling ceil_mode."""
    if not ceil:
        return (size + 2 * p - k) // s + 1
    out = -(-(size + 2 * p - k) // s) + 1
    return out - 1 if (out - 1) * s >= size + p else out


def conv(
    t: Tally,
    c_in: int,
    c_out: int,
    k: int,
    s: int,
    size: int,
    *,
    groups: int = 1,
    bias: bool = False,
    p: int | None = None,
    kw: int | None = None,
) -> int:
    """Add a k x kw conv to `t`; returns the output side length. `p` defaults to (k-1)//2."""
    kw = k if kw is None else kw
    p = (k - 1) // 2 if p is None else p
    out = conv_out(size, k, s, p)
    positions = out * out
    t.params += k * kw * (c_in // groups) * c_out + (c_out if bias else 0)
    t.macs += k * kw * (c_in // groups) * c_out * positions
    t.acts += c_out * positions
    return out


def bn(t: Tally, c: int) -> None:
    t.params += 2 * c


def linear(t: Tally, c_in: int, c_out: int, *, bias: bool = True) -> None:
    t.params += c_in * c_out + (c_out if bias else 0)
    t.macs += c_in * c_out
    t.acts += c_out


def squeeze_excite(t: Tally, c: int, squeeze: int) -> None:
    """SE on `c` channels: pool, 1x1 conv c->squeeze (bias), act, 1x1 conv squeeze->c (bias), gate."""
    conv(t, c, squeeze, 1, 1, 1, bias=True)
    conv(t, squeeze, c, 1, 1, 1, bias=True)
