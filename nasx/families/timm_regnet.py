"""timm's RegNetX/Y under timm's names (regnetx_002 ... regnety_320), from timm's model_cfgs (timm 1.0.31,
timm/models/regnet.py) through the one RegNet generator; pycls' width rounding, SE width round(c_in * 0.25)."""

from __future__ import annotations

from nasx.families.registry import register
from nasx.generators.regnet import regnet

# name: (depth, w0, wa, wm, group width, SE ratio); stem 32, bottleneck ratio 1, 1x1 projection shortcuts
TIMM_REGNETS = {
    "regnetx_002": (13, 24, 36.44, 2.49, 8, 0.0),
    "regnetx_004": (22, 24, 24.48, 2.54, 16, 0.0),
    "regnetx_006": (16, 48, 36.97, 2.24, 24, 0.0),
    "regnetx_008": (16, 56, 35.73, 2.28, 16, 0.0),
    "regnetx_016": (18, 80, 34.01, 2.25, 24, 0.0),
    "regnetx_032": (25, 88, 26.31, 2.25, 48, 0.0),
    "regnetx_040": (23, 96, 38.65, 2.43, 40, 0.0),
    "regnetx_064": (17, 184, 60.83, 2.07, 56, 0.0),
    "regnetx_080": (23, 80, 49.56, 2.88, 120, 0.0),
    "regnetx_120": (19, 168, 73.36, 2.37, 112, 0.0),
    "regnetx_160": (22, 216, 55.59, 2.1, 128, 0.0),
    "regnetx_320": (23, 320, 69.86, 2.0, 168, 0.0),
    "regnety_002": (13, 24, 36.44, 2.49, 8, 0.25),
    "regnety_004": (16, 48, 27.89, 2.09, 8, 0.25),
    "regnety_006": (15, 48, 32.54, 2.32, 16, 0.25),
    "regnety_008": (14, 56, 38.84, 2.4, 16, 0.25),
    "regnety_016": (27, 48, 20.71, 2.65, 24, 0.25),
    "regnety_032": (21, 80, 42.63, 2.66, 24, 0.25),
    "regnety_040": (22, 96, 31.41, 2.24, 64, 0.25),
    "regnety_064": (25, 112, 33.22, 2.27, 72, 0.25),
    "regnety_080": (17, 192, 76.82, 2.19, 56, 0.25),
    "regnety_120": (19, 168, 73.36, 2.37, 112, 0.25),
    "regnety_160": (18, 200, 106.23, 2.48, 112, 0.25),
    "regnety_320": (20, 232, 115.89, 2.53, 232, 0.25),
}

for _name, (_d, _w0, _wa, _wm, _g, _se) in TIMM_REGNETS.items():
    register(_name, 224, source="timm")(
        lambda d=_d, w0=_w0, wa=_wa, wm=_wm, g=_g, se=_se: regnet(w0, wa, wm, d, g, se_ratio=se, rounding="pycls")
    )
