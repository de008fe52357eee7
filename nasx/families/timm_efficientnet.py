"""timm's EfficientNet-class families under timm's names, defined by timm's own arch_def and builder
arguments through `nasx.timm.decode_arch_def` (timm 1.0.31, timm/models/efficientnet.py)."""

from __future__ import annotations

from nasx.arch.rounding import make_divisible
from nasx.families.timm_registry import register_timm

LITE = [
    ["ds_r1_k3_s1_e1_c16"],
    ["ir_r2_k3_s2_e6_c24"],
    ["ir_r2_k5_s2_e6_c40"],
    ["ir_r3_k3_s2_e6_c80"],
    ["ir_r3_k5_s1_e6_c112"],
    ["ir_r4_k5_s2_e6_c192"],
    ["ir_r1_k3_s1_e6_c320"],
]
TINYNET = [[f"{stage[0]}_se0.25"] for stage in LITE]
# name: (channel_multiplier, depth_multiplier, timm's pretrained_cfg input size)
LITE_VARIANTS = {
    "lite0": (1.0, 1.0, 224),
    "lite1": (1.0, 1.1, 240),
    "lite2": (1.1, 1.2, 260),
    "lite3": (1.2, 1.4, 300),
    "lite4": (1.4, 1.8, 380),
}
TINYNET_VARIANTS = {
    "a": (1.0, 1.2, 192),
    "b": (0.75, 1.1, 188),
    "c": (0.54, 0.85, 184),
    "d": (0.54, 0.695, 152),
    "e": (0.51, 0.6, 106),
}

for _v, (_w, _d, _res) in LITE_VARIANTS.items():
    register_timm(
        f"efficientnet_{_v}",
        _res,
        LITE,
        num_features=1280,
        stem_size=32,
        fix_stem=True,
        channel_multiplier=_w,
        depth_multiplier=_d,
        fix_first_last=True,
        act_layer="relu6",
    )
for _v, (_w, _d, _res) in TINYNET_VARIANTS.items():
    register_timm(
        f"tinynet_{_v}",
        _res,
        TINYNET,
        num_features=max(1280, make_divisible(1280 * _w, 8)),
        stem_size=32,
        fix_stem=True,
        channel_multiplier=_w,
        depth_multiplier=_d,
        depth_trunc="round",
        act_layer="swish",
    )

register_timm(
    "mnasnet_small",
    224,
    [
        ["ds_r1_k3_s1_c8"],
        ["ir_r1_k3_s2_e3_c16"],
        ["ir_r2_k3_s2_e6_c16"],
        ["ir_r4_k5_s2_e6_c32_se0.25"],
        ["ir_r3_k3_s1_e6_c32_se0.25"],
        ["ir_r3_k5_s2_e6_c88_se0.25"],
        ["ir_r1_k3_s1_e6_c144"],
    ],
    stem_size=8,
)
register_timm(
    "mnasnet_100",
    224,
    [
        ["ds_r1_k3_s1_c16_noskip"],
        ["ir_r3_k3_s2_e3_c24"],
        ["ir_r3_k5_s2_e3_c40"],
        ["ir_r3_k5_s2_e6_c80"],
        ["ir_r2_k3_s1_e6_c96"],
        ["ir_r4_k5_s2_e6_c192"],
        ["ir_r1_k3_s1_e6_c320_noskip"],
    ],
    stem_size=32,
)
SEMNASNET = [
    ["ds_r1_k3_s1_e1_c16_noskip"],
    ["ir_r2_k3_s2_e6_c24"],
    ["ir_r3_k5_s2_e3_c40_se0.25"],
    ["ir_r4_k3_s2_e6_c80"],
    ["ir_r2_k3_s1_e6_c112_se0.25"],
    ["ir_r3_k5_s2_e6_c160_se0.25"],
    ["ir_r1_k3_s1_e6_c320"],
]
register_timm("semnasnet_100", 224, SEMNASNET, stem_size=32)  # MnasNet-A1: the same spec as `mnasnet_a1`
register_timm(
    "spnasnet_100",
    224,
    [
        ["ds_r1_k3_s1_c16_noskip"],
        ["ir_r3_k3_s2_e3_c24"],
        ["ir_r1_k5_s2_e6_c40", "ir_r3_k3_s1_e3_c40"],
        ["ir_r1_k5_s2_e6_c80", "ir_r3_k3_s1_e3_c80"],
        ["ir_r1_k5_s1_e6_c96", "ir_r3_k5_s1_e3_c96"],
        ["ir_r4_k5_s2_e6_c192"],
        ["ir_r1_k3_s1_e6_c320_noskip"],
    ],
    stem_size=32,
)
register_timm(
    "fbnetc_100",
    224,
    [
        ["ir_r1_k3_s1_e1_c16"],
        ["ir_r1_k3_s2_e6_c24", "ir_r2_k3_s1_e1_c24"],
        ["ir_r1_k5_s2_e6_c32", "ir_r1_k5_s1_e3_c32", "ir_r1_k5_s1_e6_c32", "ir_r1_k3_s1_e6_c32"],
        ["ir_r1_k5_s2_e6_c64", "ir_r1_k5_s1_e3_c64", "ir_r2_k5_s1_e6_c64"],
        ["ir_r3_k5_s1_e6_c112", "ir_r1_k5_s1_e3_c112"],
        ["ir_r4_k5_s2_e6_c184"],
        ["ir_r1_k3_s1_e6_c352"],
    ],
    stem_size=16,
    num_features=1984,
)
register_timm(
    "mixnet_s",
    224,
    [
        ["ds_r1_k3_s1_e1_c16"],
        ["ir_r1_k3_a1.1_p1.1_s2_e6_c24", "ir_r1_k3_a1.1_p1.1_s1_e3_c24"],
        ["ir_r1_k3.5.7_s2_e6_c40_se0.5_nsw", "ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw"],
        ["ir_r1_k3.5.7_p1.1_s2_e6_c80_se0.25_nsw", "ir_r2_k3.5_p1.1_s1_e6_c80_se0.25_nsw"],
        ["ir_r1_k3.5.7_a1.1_p1.1_s1_e6_c120_se0.5_nsw", "ir_r2_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw"],
        ["ir_r1_k3.5.7.9.11_s2_e6_c200_se0.5_nsw", "ir_r2_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw"],
    ],
    num_features=1536,
    stem_size=16,
)
MIXNET_M = [
    ["ds_r1_k3_s1_e1_c24"],
    ["ir_r1_k3.5.7_a1.1_p1.1_s2_e6_c32", "ir_r1_k3_a1.1_p1.1_s1_e3_c32"],
    ["ir_r1_k3.5.7.9_s2_e6_c40_se0.5_nsw", "ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw"],
    ["ir_r1_k3.5.7_s2_e6_c80_se0.25_nsw", "ir_r3_k3.5.7.9_a1.1_p1.1_s1_e6_c80_se0.25_nsw"],
    ["ir_r1_k3_s1_e6_c120_se0.5_nsw", "ir_r3_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw"],
    ["ir_r1_k3.5.7.9_s2_e6_c200_se0.5_nsw", "ir_r3_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw"],
]
for _name, _w, _d in (("mixnet_m", 1.0, 1.0), ("mixnet_l", 1.3, 1.0), ("mixnet_xl", 1.6, 1.2)):
    register_timm(
        _name,
        224,
        MIXNET_M,
        num_features=1536,
        stem_size=24,
        channel_multiplier=_w,
        depth_multiplier=_d,
        depth_trunc="round",
    )
register_timm(
    "efficientnetv2_rw_s",
    288,
    [
        ["er_r2_k3_s1_e1_c24"],
        ["er_r4_k3_s2_e4_c48"],
        ["er_r4_k3_s2_e4_c64"],
        ["ir_r6_k3_s2_e4_c128_se0.25"],
        ["ir_r9_k3_s1_e6_c160_se0.25"],
        ["ir_r15_k3_s2_e6_c272_se0.25"],
    ],
    num_features=1792,
    stem_size=24,
    act_layer="swish",
)
MOBILENETV2 = [
    ["ds_r1_k3_s1_c16"],
    ["ir_r2_k3_s2_e6_c24"],
    ["ir_r3_k3_s2_e6_c32"],
    ["ir_r4_k3_s2_e6_c64"],
    ["ir_r3_k3_s1_e6_c96"],
    ["ir_r3_k3_s2_e6_c160"],
    ["ir_r1_k3_s1_e6_c320"],
]
# name: (channel_multiplier, depth_multiplier, fix_stem_head)
MOBILENETV2_VARIANTS = {
    "050": (0.5, 1.0, False),
    "100": (1.0, 1.0, False),
    "140": (1.4, 1.0, False),
    "110d": (1.1, 1.2, True),
    "120d": (1.2, 1.4, True),
}
for _v, (_w, _d, _fixed) in MOBILENETV2_VARIANTS.items():
    register_timm(
        f"mobilenetv2_{_v}",
        224,
        MOBILENETV2,
        stem_size=32,
        act_layer="relu6",
        channel_multiplier=_w,
        depth_multiplier=_d,
        fix_stem=_fixed,
        fix_first_last=_fixed,
        num_features=1280 if _fixed else max(1280, make_divisible(1280 * _w, 8)),
    )
register_timm(
    "efficientnet_es",
    224,
    [  # EfficientNet-EdgeTPU-S; `fc24`: its first mid sized from 24 channels
        ["er_r1_k3_s1_e4_c24_fc24_noskip"],
        ["er_r2_k3_s2_e8_c32"],
        ["er_r4_k3_s2_e8_c48"],
        ["ir_r5_k5_s2_e8_c96"],
        ["ir_r4_k5_s1_e8_c144"],
        ["ir_r2_k5_s2_e8_c192"],
    ],
    num_features=1280,
    stem_size=32,
)
