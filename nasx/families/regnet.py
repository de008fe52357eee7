"""RegNetX/Y: torchvision's models (torchvision rounding) and the pycls model zoo (pycls rounding)."""

from __future__ import annotations

from nasx.families.registry import register
from nasx.generators.regnet import regnet

# (depth, w0, wa, wm, group width), pycls configs/dds_baselines
REGNET_X = {
    "200mf": (13, 24, 36.44, 2.49, 8),
    "400mf": (22, 24, 24.48, 2.54, 16),
    "600mf": (16, 48, 36.97, 2.24, 24),
    "800mf": (16, 56, 35.73, 2.28, 16),
    "1_6gf": (18, 80, 34.01, 2.25, 24),
    "3_2gf": (25, 88, 26.31, 2.25, 48),
    "8gf": (23, 80, 49.56, 2.88, 120),
}
REGNET_Y = {
    "200mf": (13, 24, 36.44, 2.49, 8),
    "400mf": (16, 48, 27.89, 2.09, 8),
    "600mf": (15, 48, 32.54, 2.32, 16),
    "800mf": (14, 56, 38.84, 2.4, 16),
    "1_6gf": (27, 48, 20.71, 2.65, 24),
    "3_2gf": (21, 80, 42.63, 2.66, 24),
    "8gf": (17, 192, 76.82, 2.19, 56),
}
TORCHVISION = ("400mf", "800mf", "1_6gf", "3_2gf", "8gf")
PYCLS = {"x": ("200mf", "400mf", "600mf", "800mf", "1_6gf", "3_2gf"), "y": ("200mf", "400mf", "600mf", "800mf")}


def _make(params, se: float, rounding: str):
    d, w0, wa, wm, g = params
    return lambda: regnet(w0, wa, wm, d, g, se_ratio=se, rounding=rounding)


for _kind, _table, _se in (("x", REGNET_X, 0.0), ("y", REGNET_Y, 0.25)):
    for _size in TORCHVISION:
        register(f"regnet_{_kind}_{_size}", 224)(_make(_table[_size], _se, "torchvision"))
for _kind, _table, _se in (("x", REGNET_X, 0.0), ("y", REGNET_Y, 0.25)):
    for _size in PYCLS[_kind]:
        register(f"regnet{_kind}_{_size}", 224, source="pycls")(_make(_table[_size], _se, "pycls"))
