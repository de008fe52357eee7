"""Compound scaling, the RegNet generator and the ResNe(X)t generator."""

import math

import pytest

from nasx import complexity, compound_scale, families, regnet, regnet_widths, resnet
from nasx.arch.rounding import make_divisible, round_repeats
from nasx.module_cost import module_cost


@pytest.mark.parametrize(
    "value, expected", [(35.2, 32), (38.4, 40), (1280 * 1.1, 1408), (16 * 1.4, 24), (4.0, 8), (100, 104), (19, 24)]
)
def test_make_divisible_10_percent_rule(value, expected):
    assert make_divisible(value) == expected


def test_round_repeats_is_ceil():
    assert [round_repeats(r, 1.4) for r in (1, 2, 2, 3, 3, 4, 1)] == [2, 3, 3, 5, 5, 6, 2]
    assert [round_repeats(r, 3.1) for r in (1, 2, 2, 3, 3, 4, 1)] == [4, 7, 7, 10, 10, 13, 4]


@pytest.mark.parametrize("variant", [f"b{i}" for i in range(8)])
def test_efficientnet_variants_have_published_widths_and_depths(variant, golden):
    ref = golden["efficientnet_scaled_widths"][variant]
    spec = families.get(f"efficientnet_{variant}")
    assert spec.stem[0].c == ref["stem"]
    assert spec.head.c == ref["head"]
    assert [s.c for s in spec.stages] == ref["out"]
    assert [s.r for s in spec.stages] == ref["repeats"]


def test_official_multipliers_reproduce_b4(golden):
    b0 = families.get("efficientnet_b0")
    scaled = compound_scale(b0, width_mult=1.4, depth_mult=1.8, resolution=380)
    b4 = families.get("efficientnet_b4")
    assert scaled.spec.stages == b4.stages and scaled.spec.resolution == 380
    assert scaled.macs_ratio == pytest.approx(4393771024 / 385814752)
    # against the published B4 (tests/golden/families.json), not only the registry's own B4
    ref = golden["efficientnet_scaled_widths"]["b4"]
    assert [s.c for s in scaled.spec.stages] == ref["out"] == [24, 32, 56, 112, 160, 272, 448]
    assert [s.r for s in scaled.spec.stages] == ref["repeats"] == [2, 4, 4, 6, 6, 8, 2]
    assert scaled.spec.stem[0].c == ref["stem"] == 48
    assert scaled.spec.head.c == ref["head"] == 1792


def test_paper_formula_phi_one(golden):
    b0 = families.get("efficientnet_b0")
    scaled = compound_scale(b0, phi=1)
    assert scaled.depth_mult == pytest.approx(1.2)
    assert scaled.width_mult == pytest.approx(1.1)
    assert scaled.resolution == round(224 * 1.15)
    assert scaled.ideal_macs_ratio == pytest.approx(1.2 * 1.1**2 * (258 / 224) ** 2)
    # repeats round up (a 1-block stage becomes 2) and channels to multiples of 8, so B0 at phi=1
    # realises more than the ideal d*w^2*r^2 ~ 1.93
    assert scaled.ideal_macs_ratio < scaled.macs_ratio < 1.5 * scaled.ideal_macs_ratio
    assert scaled.macs_ratio == pytest.approx(complexity(scaled.spec).macs / complexity(b0).macs)
    # phi=1 gives d=1.2, w=1.1: EfficientNet-B2's multipliers, so the network is B2's published one
    # (tests/golden/families.json) at 258 px instead of B2's 288
    ref = golden["efficientnet_scaled_widths"]["b2"]
    assert [s.c for s in scaled.spec.stages] == ref["out"] == [16, 24, 48, 88, 120, 208, 352]
    assert [s.r for s in scaled.spec.stages] == ref["repeats"] == [2, 3, 3, 4, 4, 5, 2]
    assert scaled.spec.stem[0].c == ref["stem"] == 32
    assert scaled.spec.head.c == ref["head"] == 1408
    assert complexity(scaled.spec).params == golden["torchvision"]["efficientnet_b2"]["params"] == 9_109_994
    # MACs at 258 px as counted on the built module (torch's FlopCounterMode), B0's from torchvision's metadata
    assert module_cost(scaled.spec) == (9_109_994, 992_629_472)
    assert complexity(scaled.spec).macs == 992_629_472
    assert golden["torchvision"]["efficientnet_b0"]["macs"] == 385_814_752
    assert scaled.macs_ratio == pytest.approx(992_629_472 / 385_814_752)


@pytest.mark.parametrize("phi", [-2.0, -0.5, 0.5, 2.5])
def test_any_real_phi(phi):
    b0 = families.get("efficientnet_b0")
    scaled = compound_scale(b0, phi=phi)
    assert (scaled.macs_ratio < 1) == (phi < 0)
    assert all(s.c % 8 == 0 and s.r >= 1 for s in scaled.spec.stages)
    ideal = (1.2 * 1.1**2 * 1.15**2) ** phi
    assert scaled.ideal_macs_ratio == pytest.approx(ideal, rel=0.02)  # resolution is rounded to pixels
    assert abs(math.log(scaled.macs_ratio / ideal)) < math.log(1.8)


def test_macs_grow_with_phi():
    b0 = families.get("efficientnet_b0")
    ratios = [compound_scale(b0, phi=phi).macs_ratio for phi in (-1, 0, 1, 2, 3)]
    assert ratios == sorted(ratios) and ratios[1] == 1.0


def test_phi_zero_is_identity():
    b0 = families.get("efficientnet_b0")
    assert compound_scale(b0, phi=0).spec == b0


def test_compound_scale_keeps_bottleneck_groups_valid():
    scaled = compound_scale(families.get("resnext50_32x4d"), phi=1).spec
    assert all(round(s.c * s.b) % s.g == 0 for s in scaled.stages)
    assert complexity(scaled).macs > complexity(families.get("resnext50_32x4d")).macs


def test_compound_scale_rejects_bad_multipliers():
    with pytest.raises(ValueError, match="width_mult"):
        compound_scale(families.get("efficientnet_b0"), width_mult=0)


@pytest.mark.parametrize("name", ["regnetx_200mf", "regnetx_400mf", "regnetx_3_2gf", "regnety_800mf"])
def test_regnet_widths_match_pycls(name, golden):
    ref = golden["pycls"][name]
    widths, depths = regnet_widths(ref["w0"], ref["wa"], ref["wm"], ref["d"])
    assert sum(depths) == ref["d"]
    spec = regnet(ref["w0"], ref["wa"], ref["wm"], ref["d"], ref["group_w"], se_ratio=ref["se"])
    assert [s.c for s in spec.stages] == ref["widths"] and [s.r for s in spec.stages] == ref["depths"]
    assert complexity(spec).params == ref["params"]


def test_regnet_group_width_and_se():
    spec = regnet(48, 27.89, 2.09, 16, 8, se_ratio=0.25)
    assert all(round(s.c * s.b) // s.g == 8 for s in spec.stages)
    assert all(s.se == 0.25 for s in spec.stages)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(w0=20, wa=10, wm=2.0, depth=10, group_w=8), "multiple of 8"),
        (dict(w0=24, wa=10, wm=1.0, depth=10, group_w=8), "wm > 1"),
        (dict(w0=24, wa=10, wm=2.0, depth=10, group_w=8, rounding="timm"), "rounding"),
    ],
)
def test_regnet_rejects_bad_parameters(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        regnet(**kwargs)


def test_resnet_generator_cardinality_and_width():
    x = resnet((3, 4, 6, 3), groups=32, width_per_group=4)
    assert [round(s.c * s.b) for s in x.stages] == [128, 256, 512, 1024]
    assert [s.g for s in x.stages] == [32] * 4
    wide = resnet((3, 4, 6, 3), width_per_group=128)
    assert [round(s.c * s.b) for s in wide.stages] == [128, 256, 512, 1024]
    assert [s.g for s in wide.stages] == [1] * 4
    with pytest.raises(ValueError, match="block"):
        resnet((2, 2), block="dense")
