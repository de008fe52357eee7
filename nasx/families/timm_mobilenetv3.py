"""timm's MobileNetV3-class families (pooled 1x1 head) under timm's names, from timm's arch_def and builder
arguments through `nasx.timm.decode_arch_def` (timm 1.0.31, timm/models/mobilenetv3.py)."""

from __future__ import annotations

from nasx.families.timm_registry import register_timm

MOBILENETV3_LARGE = [
    ["ds_r1_k3_s1_e1_c16_nre"],
    ["ir_r1_k3_s2_e4_c24_nre", "ir_r1_k3_s1_e3_c24_nre"],
    ["ir_r3_k5_s2_e3_c40_se0.25_nre"],
    ["ir_r1_k3_s2_e6_c80", "ir_r1_k3_s1_e2.5_c80", "ir_r2_k3_s1_e2.3_c80"],
    ["ir_r2_k3_s1_e6_c112_se0.25"],
    ["ir_r3_k5_s2_e6_c160_se0.25"],
    ["cn_r1_k1_s1_c960"],
]
MOBILENETV3_RW = [["ds_r1_k3_s1_e1_c16_nre_noskip"], *MOBILENETV3_LARGE[1:]]
LCNET = [
    ["dsa_r1_k3_s1_c32"],
    ["dsa_r2_k3_s2_c64"],
    ["dsa_r2_k3_s2_c128"],
    ["dsa_r1_k3_s2_c256", "dsa_r1_k5_s1_c256"],
    ["dsa_r4_k5_s1_c256"],
    ["dsa_r2_k5_s2_c512_se0.25"],
]
V3_SE = dict(se_gate="hard_sigmoid", se_act="relu", se_round="round_channels")

MOBILENETV3_SMALL = [
    ["ds_r1_k3_s2_e1_c16_se0.25_nre"],
    ["ir_r1_k3_s2_e4.5_c24_nre", "ir_r1_k3_s1_e3.67_c24_nre"],
    ["ir_r1_k5_s2_e4_c40_se0.25", "ir_r2_k5_s1_e6_c40_se0.25"],
    ["ir_r2_k5_s1_e3_c48_se0.25"],
    ["ir_r3_k5_s2_e6_c96_se0.25"],
    ["cn_r1_k1_s1_c576"],
]

for _name, _w, _d, _res in (
    ("mobilenetv3_large_075", 0.75, 1.0, 224),
    ("mobilenetv3_large_100", 1.0, 1.0, 224),
    ("mobilenetv3_large_150d", 1.5, 1.2, 256),
):
    register_timm(
        _name,
        _res,
        MOBILENETV3_LARGE,
        net="mobilenetv3",
        num_features=1280,
        stem_size=16,
        fix_stem=_w < 0.75,
        channel_multiplier=_w,
        depth_multiplier=_d,
        act_layer="hard_swish",
        **V3_SE,
    )
for _name, _w in (("mobilenetv3_small_050", 0.5), ("mobilenetv3_small_075", 0.75), ("mobilenetv3_small_100", 1.0)):
    register_timm(
        _name,
        224,
        MOBILENETV3_SMALL,
        net="mobilenetv3",
        num_features=1024,
        stem_size=16,
        fix_stem=_w < 0.75,
        channel_multiplier=_w,
        act_layer="hard_swish",
        **V3_SE,
    )
register_timm(
    "mobilenetv3_rw",
    224,
    MOBILENETV3_RW,
    net="mobilenetv3",
    head_bias=False,
    act_layer="hard_swish",
    se_gate="hard_sigmoid",
)
for _name, _w in (("lcnet_035", 0.35), ("lcnet_050", 0.5), ("lcnet_075", 0.75), ("lcnet_100", 1.0), ("lcnet_150", 1.5)):
    register_timm(
        _name,
        224,
        LCNET,
        net="mobilenetv3",
        stem_size=16,
        channel_multiplier=_w,
        act_layer="hard_swish",
        se_gate="hard_sigmoid",
        se_act="relu",
        num_features=1280,
    )

# FBNetV3-B and D (timm's preliminary definitions): widths and SE squeezes rounded with round_limit=0.95; nasx's
# div8 SE rule (limit 0.9) gives the same squeezes for these two, not for FBNetV3-G (decoding it raises)
FBNETV3 = {
    "b": (
        16,
        [
            ["ds_r2_k3_s1_e1_c16"],
            ["ir_r1_k5_s2_e4_c24", "ir_r3_k5_s1_e2_c24"],
            ["ir_r1_k5_s2_e5_c40_se0.25", "ir_r4_k5_s1_e3_c40_se0.25"],
            ["ir_r1_k5_s2_e5_c72", "ir_r4_k3_s1_e3_c72"],
            ["ir_r1_k3_s1_e5_c120_se0.25", "ir_r5_k5_s1_e3_c120_se0.25"],
            ["ir_r1_k3_s2_e6_c184_se0.25", "ir_r5_k5_s1_e4_c184_se0.25", "ir_r1_k5_s1_e6_c224_se0.25"],
            ["cn_r1_k1_s1_c1344"],
        ],
    ),
    "d": (
        24,
        [
            ["ds_r2_k3_s1_e1_c16"],
            ["ir_r1_k3_s2_e5_c24", "ir_r5_k3_s1_e2_c24"],
            ["ir_r1_k5_s2_e4_c40_se0.25", "ir_r4_k3_s1_e3_c40_se0.25"],
            ["ir_r1_k3_s2_e5_c72", "ir_r4_k3_s1_e3_c72"],
            ["ir_r1_k3_s1_e5_c128_se0.25", "ir_r6_k5_s1_e3_c128_se0.25"],
            ["ir_r1_k3_s2_e6_c208_se0.25", "ir_r5_k5_s1_e5_c208_se0.25", "ir_r1_k5_s1_e6_c240_se0.25"],
            ["cn_r1_k1_s1_c1440"],
        ],
    ),
}
for _v, (_stem, _arch_def) in FBNETV3.items():
    register_timm(
        f"fbnetv3_{_v}",
        224,
        _arch_def,
        net="mobilenetv3",
        num_features=1984,
        head_bias=False,
        stem_size=_stem,
        round_limit=0.95,
        se_from_exp=False,
        se_gate="hard_sigmoid",
        se_round="round_channels",
        se_round_limit=0.95,
        act_layer="hard_swish",
    )
