"""timm interop: timm's families reproduce timm's own counts; decode_arch_def reads timm's block strings."""

import json
from dataclasses import replace

import pytest

from nasx import complexity, families
from nasx.arch.blocks import FusedMBConv, MBConv
from nasx.generators.compound import ScaleRules, compound_scale
from nasx.timm import decode_arch_def, encode_arch_def
from tests.helpers.paths import GOLDEN

TIMM = {k: v for k, v in json.loads((GOLDEN / "families.json").read_text())["timm"].items() if not k.startswith("_")}
REQUIRED = [
    "efficientnet_lite0",
    "efficientnet_lite1",
    "efficientnet_lite2",
    "efficientnet_lite3",
    "efficientnet_lite4",
    "tinynet_a",
    "tinynet_b",
    "tinynet_c",
    "tinynet_d",
    "tinynet_e",
    "mnasnet_small",
    "spnasnet_100",
    "fbnetc_100",
    "mixnet_s",
    "mixnet_m",
    "lcnet_050",
    "lcnet_075",
    "lcnet_100",
    "mobilenetv3_rw",
    "mobilenetv3_large_150d",
    "efficientnetv2_rw_s",
    "semnasnet_100",
]
# Every timm model of the golden file is a nasx family, but FBNetV3-G, whose SE rounding nasx cannot express
# (test_fbnetv3_g_se_rounding_is_named_as_not_expressible): taken from the golden file, not from the registry.
REGISTERED = sorted(set(TIMM) - {"fbnetv3_g"})


def test_required_timm_families_are_registered_with_golden_numbers():
    assert set(REQUIRED) <= set(REGISTERED)


@pytest.mark.parametrize("name", REGISTERED)
def test_timm_params_and_macs(name):
    """`timm:NAME` at timm's pretrained_cfg resolution, and at 224: timm's params and MACs exactly."""
    ref = TIMM[name]
    spec = families.get(f"timm:{name}")
    assert spec.resolution == ref["resolution"]
    cost = complexity(spec)
    assert (cost.params, cost.macs) == (ref["params"], ref["macs"])
    assert complexity(families.get(f"timm:{name}", resolution=224)).macs == ref["macs_224"]


def test_timm_names_are_the_golden_ones():
    """Every family `timm:NAME` resolves to has timm's counts in the golden file, and only those resolve."""
    assert set(families.timm_names()) == set(REGISTERED)
    assert set(families.timm_names()) == set(TIMM) & set(families.names())
    assert set(families.timm_names()) == set(TIMM) - {"fbnetv3_g"}
    assert len(families.timm_names()) == 72  # 73 timm models in the golden file, less FBNetV3-G
    for name in ("timm:resnet50", "timm:no_such_model"):  # nasx's resnet50 is registered as torchvision's only
        with pytest.raises(ValueError, match=f"'{name}': nasx has no family under this timm name"):
            families.get(name)


def test_semnasnet_100_is_mnasnet_a1():
    assert families.get("semnasnet_100") == families.get("mnasnet_a1")


def test_timm_families_use_the_new_block_options():
    """FBNet-C keeps the 1x1 expansion at e=1, MixNet mixes kernels and splits its 1x1s, LCNet activates
    after the projection, MobileNetV3-rw rounds its SE (no divisor) and has no head bias, EfficientNetV2-rw's
    e=1 EdgeResidual keeps its 1x1, MobileNetV3-Large-1.5 rounds mid widths to multiples of 8."""
    fbnet = families.get("fbnetc_100").stages[0]
    assert fbnet.e == 1.0 and fbnet.expand
    mixnet = families.get("mixnet_s").stages
    assert {b.mix for b in mixnet} == {1, 2, 3, 4, 5} and {b.exp_groups for b in mixnet} == {1, 2}
    lcnet = families.get("lcnet_100").stages[-1]
    assert lcnet.pw_act and not lcnet.skip and lcnet.se_gate == "hsigmoid" and lcnet.se_act == "relu"
    rw = families.get("mobilenetv3_rw").stages[3]
    assert (rw.se_base, rw.se_round, rw.squeeze(24)) == ("mid", "round", 18)  # round(72 * 0.25), not 24
    v2 = families.get("efficientnetv2_rw_s").stages[0]
    assert isinstance(v2, FusedMBConv) and v2.e == 1.0 and v2.expand and not v2.single_conv(24)
    assert families.get("mobilenetv3_rw").head.hidden_bias is False
    assert {b.mid_div for b in families.get("mobilenetv3_large_150d").stages if isinstance(b, MBConv)} == {1, 8}


@pytest.mark.parametrize(
    "variant, width, depth", [("lite1", 1.0, 1.1), ("lite2", 1.1, 1.2), ("lite3", 1.2, 1.4), ("lite4", 1.4, 1.8)]
)
def test_compound_scale_with_fixed_stem_head_and_end_stages_gives_efficientnet_lite(variant, width, depth):
    rules = ScaleRules(fix_stem=True, fix_head=True, fix_first_last=True)
    scaled = compound_scale(families.get("efficientnet_lite0"), width_mult=width, depth_mult=depth, rules=rules).spec
    target = families.get(f"efficientnet_{variant}")
    assert (scaled.stem, scaled.stages, scaled.head) == (target.stem, target.stages, target.head)


@pytest.mark.parametrize(
    "variant, width, depth",
    [("a", 1.0, 1.2), ("b", 0.75, 1.1), ("c", 0.54, 0.85), ("d", 0.54, 0.695), ("e", 0.51, 0.6)],
)
def test_compound_scale_with_round_depth_gives_tinynet(variant, width, depth):
    """TinyNet is EfficientNet-B0 with the stem and head widths fixed and depths rounded, not ceiled."""
    rules = ScaleRules(fix_stem=True, fix_head=True, depth_rounding="round")
    scaled = compound_scale(families.get("efficientnet_b0"), width_mult=width, depth_mult=depth, rules=rules).spec
    target = families.get(f"tinynet_{variant}")
    assert (scaled.stem, scaled.stages, scaled.head.c) == (target.stem, target.stages, target.head.c)
    ceiled = compound_scale(
        families.get("efficientnet_b0"), width_mult=width, depth_mult=depth, rules=replace(rules, depth_rounding="ceil")
    ).spec
    assert [b.r for b in ceiled.stages] != [b.r for b in target.stages]


def test_stage_depth_is_shared_by_the_blocks_of_a_timm_stage():
    """timm rounds a stage's total repeats and hands them out from the last block back; the expected
    repeats are those of timm 1.0.31's own decode_arch_def on these strings."""
    arch_def = [["ds_r1_k3_s1_c16"], ["ir_r1_k3_s2_e6_c24", "ir_r1_k3_s1_e1_c24", "ir_r2_k3_s1_e6_c24"]]
    assert [b.r for b in decode_arch_def(arch_def, depth_multiplier=1.2).stages] == [2, 1, 2, 2]
    rounded = decode_arch_def(arch_def, depth_multiplier=0.7, depth_trunc="round")
    assert [b.r for b in rounded.stages] == [1, 1, 1, 2]


@pytest.mark.parametrize(
    "arch_def, fragment",
    [
        ([["xx_r1_k3_s1_c16"]], "unknown block type 'xx'"),
        ([["ir_r1_k3_s1_e6_c16_q7"]], "unknown option 'q7'"),
        ([["ds_r1_k3_s1_e1_c16_nmi"]], "unknown activation 'nmi'"),
        ([["ir_r1_k3_s1_c16"]], "missing option(s) e"),
        ([["ir_r1_k3.7_s1_e6_c16"]], "consecutive odd"),
        ([["ir_r1_k3_a3_s1_e6_c16"]], "kernels other than 1"),
        ([["ir_r1_k3_s1_e6_c16_r2"]], "given twice"),
        ([["er_r1_k3_s1_e4_c16_se0.25"]], "not expressible"),
        ([["uir_r1_a3_k3_s1_e4_c16"]], "not expressible"),
        ([["ir_r1_kx_s1_e6_c16"]], "cannot read option 'kx'"),
        ([], "non-empty list"),
        ([[]], "non-empty list"),
        (
            [["ir_r1_k3_s1_e6_c16_se2"]],
            "timm arch_def stage 0 block 0 'ir_r1_k3_s1_e6_c16_se2': ir.se=2.0: must be a ratio",
        ),
        ([["ds_r1_k3_s1_c16"], ["ir_r1_k3_s1_e6_c16", 5]], "stage 1 block 1: expected a block string, got 5"),
    ],
)
def test_bad_arch_defs_raise_one_line_naming_the_token(arch_def, fragment):
    with pytest.raises(ValueError) as info:
        decode_arch_def(arch_def)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_bad_builder_arguments_are_named():
    with pytest.raises(ValueError, match="act_layer='gelu'"):
        decode_arch_def([["ds_r1_k3_s1_c16"]], act_layer="gelu")
    with pytest.raises(ValueError, match="net='resnet'"):
        decode_arch_def([["ds_r1_k3_s1_c16"]], net="resnet")
    with pytest.raises(TypeError):
        decode_arch_def([["ds_r1_k3_s1_c16"]], bn_momentum=0.1)


def test_uir_without_outer_depthwise_convs_is_an_inverted_residual():
    uir = decode_arch_def([["uir_r1_a0_k3_p0_s2_e4_c24"]], stem_size=16).stages[0]
    ir = decode_arch_def([["ir_r1_k3_s2_e4_c24"]], stem_size=16).stages[0]
    assert uir == ir


GROUP_WIDTHS = {
    k: v
    for k, v in json.loads((GOLDEN / "families.json").read_text())["timm_regnet_group_widths"].items()
    if not k.startswith("_")
}


@pytest.mark.parametrize("group_w", sorted(GROUP_WIDTHS))
def test_regnet_se_width_is_rounded_as_timm_for_any_group_width(group_w):
    from nasx.generators.regnet import regnet

    ref = GROUP_WIDTHS[group_w]
    spec = regnet(24, 36.44, 2.49, 13, int(group_w), se_ratio=0.25, rounding="pycls")
    assert [s.c for s in spec.stages] == ref["widths"]
    cost = complexity(spec)
    assert (cost.params, cost.macs) == (ref["params"], ref["macs"])
    floored = complexity(replace(spec, stages=tuple(replace(s, se_round="floor") for s in spec.stages)))
    whole = all(c * 0.25 == int(c * 0.25) for c in [32, *ref["widths"]])
    assert (floored.params == ref["params"]) == whole  # floor differs exactly when some c_in / 4 is not whole


ENCODABLE = [
    "efficientnet_b0",
    "efficientnet_b7",
    "efficientnet_v2_s",
    "mnasnet0_5",
    "mnasnet_a1",
    "mobilenet_v2",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
] + [n for n in REQUIRED if not n.startswith("regnet")]


@pytest.mark.parametrize("name", families.names())
def test_encode_arch_def_round_trips_or_names_what_timm_cannot_express(name):
    from nasx.timm import encode_arch_def

    spec = families.get(name)
    try:
        arch_def, kwargs = encode_arch_def(spec)
    except ValueError as exc:
        assert name not in ENCODABLE
        assert str(exc).split(" ")[0].split(":")[0] in {"stem", "head"} or str(exc).startswith("stages[")
        assert "\n" not in str(exc)
        return
    decoded = decode_arch_def(arch_def, **kwargs)
    assert (complexity(decoded).params, complexity(decoded).macs) == (complexity(spec).params, complexity(spec).macs)
    if not (spec.head.c and spec.head.hidden):  # a MobileNetV3 head conv comes back as timm's cn stage
        assert decoded == spec


def test_required_encodable_families_encode():
    from nasx.timm import encode_arch_def

    for name in ENCODABLE:
        arch_def, kwargs = encode_arch_def(families.get(name))  # raises for a block timm cannot express
        assert arch_def and all(isinstance(stage, list) and stage for stage in arch_def), name


def test_encoded_strings_are_timms_own():
    """MixNet-S and LCNet come back as the block strings of timm's own arch_def (one stage per block)."""
    from nasx.families.timm_mobilenetv3 import LCNET
    from nasx.timm import encode_arch_def

    mixnet_s = [
        "ds_r1_k3_s1_c16",
        "ir_r1_k3_a1.1_p1.1_s2_e6_c24",
        "ir_r1_k3_a1.1_p1.1_s1_e3_c24",
        "ir_r1_k3.5.7_s2_e6_c40_se0.5_nsw",
        "ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw",
        "ir_r1_k3.5.7_p1.1_s2_e6_c80_se0.25_nsw",
        "ir_r2_k3.5_p1.1_s1_e6_c80_se0.25_nsw",
        "ir_r1_k3.5.7_a1.1_p1.1_s1_e6_c120_se0.5_nsw",
        "ir_r2_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw",
        "ir_r1_k3.5.7.9.11_s2_e6_c200_se0.5_nsw",
        "ir_r2_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw",
    ]
    arch_def, kwargs = encode_arch_def(families.get("mixnet_s"))
    assert [s for stage in arch_def for s in stage] == mixnet_s
    assert (kwargs["stem_size"], kwargs["num_features"], kwargs["act_layer"]) == (16, 1536, "relu")
    arch_def, kwargs = encode_arch_def(families.get("lcnet_100"))
    assert [s for stage in arch_def for s in stage] == [s for stage in LCNET for s in stage]
    # timm 1.0.31's own arch_def of _gen_lcnet (timm/models/mobilenetv3.py), written out
    assert [s for stage in arch_def for s in stage] == [
        "dsa_r1_k3_s1_c32",
        "dsa_r2_k3_s2_c64",
        "dsa_r2_k3_s2_c128",
        "dsa_r1_k3_s2_c256",
        "dsa_r1_k5_s1_c256",
        "dsa_r4_k5_s1_c256",
        "dsa_r2_k5_s2_c512_se0.25",
    ]
    assert kwargs["net"] == "mobilenetv3" and kwargs["se_act"] == "relu" and kwargs["se_gate"] == "hard_sigmoid"


def test_encode_names_the_block_timm_cannot_express():
    from nasx.timm import encode_arch_def

    with pytest.raises(ValueError, match=r"stages\[0\] 'bot'"):
        encode_arch_def(families.get("regnety_040"))
    with pytest.raises(ValueError, match="^stem"):
        encode_arch_def(families.get("resnet50"))


@pytest.mark.parametrize("name", ["efficientnet_b0", "efficientnet_b2", "mixnet_m"])
def test_profile_accepts_timm_names(name, capsys):
    from nasx.cli.main import main

    assert main(["profile", f"timm:{name}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = TIMM[name]
    assert (out["resolution"], out["params"], out["macs"]) == (ref["resolution"], ref["params"], ref["macs"])


def test_profile_reads_a_timm_arch_def_as_json(capsys):
    """`timm:{"arch_def": ..., ARG: VALUE}` is decode_arch_def's input; LCNet-0.5's gives timm's counts."""
    from nasx.cli.main import main
    from nasx.families.timm_mobilenetv3 import LCNET

    arg = json.dumps(
        {
            "arch_def": LCNET,
            "net": "mobilenetv3",
            "stem_size": 16,
            "channel_multiplier": 0.5,
            "act_layer": "hard_swish",
            "se_gate": "hard_sigmoid",
            "se_act": "relu",
            "num_features": 1280,
        }
    )
    assert main(["profile", f"timm:{arg}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["params"], out["macs"]) == (TIMM["lcnet_050"]["params"], TIMM["lcnet_050"]["macs"])
    assert main(["profile", f"timm:{json.dumps(LCNET)}", "--num-classes", "10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["num_classes"] == 10


def _timm_shaped_spec(rng):
    """A random spec with a timm stem and head, and random ir / fr / cn stages with every option."""
    from nasx.arch import ArchSpec, ConvBNAct, Head
    from tests.helpers.specgen import random_block

    act = rng.choice(["relu", "relu6", "swish", "hswish"])
    stages = tuple(random_block(rng.choice(["ir", "ir", "fr", "cn"]), rng) for _ in range(rng.randint(1, 4)))
    width = rng.choice([0, 16, 40])
    head = (
        Head(c=width, act=act)
        if rng.random() < 0.5
        else Head(hidden=(width or 24,), hidden_act=act, hidden_bias=rng.random() < 0.5)
    )
    return ArchSpec(
        stem=(ConvBNAct(k=3, s=2, c=rng.choice([8, 16, 12]), act=act),),
        stages=stages,
        head=head,
        resolution=32,
        num_classes=10,
    )


def test_encode_of_random_specs_round_trips_or_raises_value_error():
    """Random timm-shaped specs over ir, fr and cn with every option: encode_arch_def gives timm strings that
    decode back to the same spec, or a one-line ValueError; nothing else."""
    import random

    outcomes = {"ok": 0, "error": 0}
    rng = random.Random(0)
    for _ in range(400):
        try:
            spec = _timm_shaped_spec(rng)
        except ValueError:
            continue  # e.g. too many mixed kernels for the widths drawn
        try:
            arch_def, kwargs = encode_arch_def(spec)
        except ValueError as exc:
            assert "\n" not in str(exc)
            outcomes["error"] += 1
            continue
        assert decode_arch_def(arch_def, **kwargs) == spec
        outcomes["ok"] += 1
    assert outcomes["ok"] > 20 and outcomes["error"] > 20


def test_fbnetv3_g_se_rounding_is_named_as_not_expressible():
    """FBNetV3-G's SE squeeze rounds 26 up to 32 (timm's round_limit=0.95); nasx's div8 rule keeps 24."""
    from nasx.families.timm_mobilenetv3 import FBNETV3

    assert "fbnetv3_g" in TIMM and "fbnetv3_g" not in families.names()
    g = [
        ["ds_r3_k3_s1_e1_c24"],
        ["ir_r1_k5_s2_e4_c40", "ir_r4_k5_s1_e2_c40"],
        ["ir_r1_k5_s2_e4_c56_se0.25", "ir_r4_k5_s1_e3_c56_se0.25"],
        ["ir_r1_k5_s2_e5_c104", "ir_r4_k3_s1_e3_c104"],
        ["ir_r1_k3_s1_e5_c160_se0.25", "ir_r8_k5_s1_e3_c160_se0.25"],
    ]
    kwargs = dict(
        net="mobilenetv3",
        num_features=1984,
        head_bias=False,
        stem_size=32,
        round_limit=0.95,
        se_from_exp=False,
        se_gate="hard_sigmoid",
        se_round="round_channels",
        act_layer="hard_swish",
    )
    decode_arch_def(g, **kwargs)  # with nasx's 0.9 the squeeze is 24 and the strings decode
    with pytest.raises(ValueError, match=r"stage 4 block 0 .*SE width not expressible .*\[32\]"):
        decode_arch_def(g, **kwargs, se_round_limit=0.95)
    assert set(FBNETV3) == {"b", "d"}
