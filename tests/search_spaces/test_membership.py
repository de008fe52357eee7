"""The hand-designed families that are points of each space, and near misses that are not."""

from dataclasses import replace

import pytest

import nasx
from nasx import families, search_spaces

POINTS = {
    "mnasnet": [
        "efficientnet_b0",
        "mnasnet_a1",
        "mobilenet_v2",
        "mnasnet1_0",
        "efficientnet_lite0",
        "mnasnet_100",
        "semnasnet_100",
        "mobilenetv2_100",
    ],
    "resnext": ["resnet50", "resnext50_32x4d", "wide_resnet50_2", "resnet101", "resnext101_64x4d"],
    "regnet": ["regnetx_400mf", "regnety_400mf", "regnetx_200mf"],
    "anynet": ["regnetx_400mf", "regnety_400mf"],
}


@pytest.mark.parametrize("space_name, family", [(s, f) for s, fs in POINTS.items() for f in fs])
@pytest.mark.parametrize("resolution, classes", [(None, 1000), (32, 10)])
def test_family_is_a_point_whatever_resolution_and_classes(space_name, family, resolution, classes):
    space = search_spaces.get(space_name)
    spec = families.get(family, num_classes=classes, resolution=resolution)
    assert space.contains(spec)
    values = space.params_of(spec)
    assert space.normalize(space.generate(values)) == space.normalize(spec)


def test_timm_families_that_are_mnasnet_points_are_the_documented_ones():
    """search_spaces/mnasnet.py and docs/search-spaces.md list these timm networks as the space's points."""
    for reference_widths, documented in (
        (True, {"efficientnet_b0", "efficientnet_lite0", "mnasnet_100", "semnasnet_100", "mobilenetv2_100"}),
        (False, {"mobilenetv2_100"}),
    ):
        space = search_spaces.get("mnasnet", reference_widths=reference_widths)
        assert {n for n in families.timm_names() if space.contains(families.get(f"timm:{n}"))} == documented


def test_efficientnet_b0_choices_read_as_the_paper_draws_it():
    values = search_spaces.get("mnasnet").params_of(families.get("efficientnet_b0"))
    assert values["act"] == "swish"
    ops = [values[f"b{i}_op"] for i in range(1, 8)]
    kernels = [values[f"b{i}_k"] for i in range(1, 8)]
    filters = [values[f"b{i}_filters"] for i in range(1, 8)]
    layers = [values[f"b{i}_layers"] for i in range(1, 8)]
    assert ops == ["mb1"] + ["mb6"] * 6
    assert kernels == [3, 3, 5, 3, 5, 5, 3]
    assert filters == [16, 24, 40, 80, 112, 192, 320]
    assert layers == [1, 2, 2, 3, 3, 4, 1]
    assert all(values[f"b{i}_se"] == 0.25 for i in range(1, 8))


def test_mnasnet_a1_and_mobilenet_v2_activations_and_se():
    space = search_spaces.get("mnasnet")
    a1 = space.params_of(families.get("mnasnet_a1"))
    assert a1["act"] == "relu" and [a1[f"b{i}_se"] for i in range(1, 8)] == [0, 0, 0.25, 0, 0.25, 0.25, 0]
    assert [a1[f"b{i}_op"] for i in range(1, 8)] == ["mb1", "mb6", "mb3", "mb6", "mb6", "mb6", "mb6"]
    v2 = space.params_of(families.get("mobilenet_v2"))
    assert v2["act"] == "relu6" and [v2[f"b{i}_filters"] for i in range(1, 8)] == [16, 24, 32, 64, 96, 160, 320]


def test_paper_mnasnet_space_without_reference_widths_holds_mobilenet_v2_only():
    space = search_spaces.get("mnasnet", reference_widths=False)
    assert space.parameter("b5_filters").values == (72, 96, 120)
    assert space.parameter("b6_filters").values == (120, 160, 200)
    assert space.contains(families.get("mobilenet_v2"))
    assert not space.contains(families.get("efficientnet_b0"))
    assert not space.contains(families.get("mnasnet_a1"))


def _with_stage(spec, index, **changes):
    stages = list(spec.stages)
    stages[index] = replace(stages[index], **changes)
    return replace(spec, stages=tuple(stages))


def test_one_more_block_outside_the_space_is_not_a_point():
    mnasnet = search_spaces.get("mnasnet")
    b0 = families.get("efficientnet_b0")
    assert not mnasnet.contains(_with_stage(b0, 5, r=5))  # skeleton 3 layers: 2..4 allowed
    assert mnasnet.contains(_with_stage(b0, 5, r=2))
    extra = replace(b0, stages=b0.stages + (b0.stages[-1],))  # an eighth block
    assert not mnasnet.contains(extra)
    assert not mnasnet.contains(_with_stage(b0, 6, c=328))  # a width off the choices

    resnext = search_spaces.get("resnext")
    r50 = families.get("resnet50")
    assert not resnext.contains(_with_stage(r50, 0, r=9))  # stage 1 holds 1..8 blocks
    assert resnext.contains(_with_stage(r50, 0, r=8))
    assert not resnext.contains(families.get("resnet18"))  # basic blocks
    assert not resnext.contains(replace(r50, stages=r50.stages + (r50.stages[-1],)))

    anynet = search_spaces.get("anynet")
    x400 = families.get("regnetx_400mf")
    assert not anynet.contains(_with_stage(x400, 3, r=17))  # 1..16 blocks per stage
    assert not anynet.contains(replace(x400, stages=x400.stages + (x400.stages[-1],)))  # five stages

    regnet = search_spaces.get("regnet", ranges="pycls")
    assert not regnet.contains(_with_stage(x400, 3, r=12 + 7))  # d = 29 > 28
    assert not regnet.contains(_with_stage(x400, 2, c=352, g=22))  # widths no (w0, wm) quantize to


def test_regnet_points_regenerate_the_pycls_model_exactly(golden):
    space = search_spaces.get("regnet")
    for name in ("regnetx_400mf", "regnety_400mf"):
        values = space.params_of(families.get(name))
        spec = space.generate(values)
        cost = nasx.complexity(spec)
        assert cost.params == golden["pycls"][name]["params"]
        assert [st.c for st in spec.stages] == golden["pycls"][name]["widths"]
        assert [st.r for st in spec.stages] == golden["pycls"][name]["depths"]
        assert values["se"] == (0.25 if name.startswith("regnety") else 0.0)
        for key, q in (("w0", 8), ("wa", 0.1), ("wm", 0.001)):
            assert abs(values[key] / q - round(values[key] / q)) < 1e-6  # on the sweep's quantization


def test_compound_grid_holds_the_paper_triple_and_only_constrained_triples():
    space = search_spaces.get("compound")
    paper = space.generate({"alpha": 1.2, "beta": 1.1, "gamma": 1.15})
    assert space.params_of(paper) == {"alpha": 1.2, "beta": 1.1, "gamma": 1.15}
    assert paper.resolution == 258  # round(224 * 1.15) = round(257.6)
    assert paper.stages[5].r == 5  # ceil(4 * 1.2)
    assert paper.stages[0].c == 16 and paper.stages[1].c == 24 and paper.stages[2].c == 48  # 40*1.1=44 -> 48
    points = list(space.grid())
    triples = [(v["alpha"], v["beta"], v["gamma"]) for v, _ in points]
    assert triples == sorted(triples)  # itertools.product order: deterministic
    assert (1.2, 1.1, 1.15) in triples
    assert all(abs(a * b * b * g * g / 2 - 1) <= 0.05 + 1e-12 for a, b, g in triples)
    assert len({spec.key() for _, spec in points}) == len(points)
    with pytest.raises(ValueError, match="not within 5% of 2"):
        space.generate({"alpha": 1.5, "beta": 1.5, "gamma": 1.5})
    assert not space.contains(families.get("efficientnet_b1"))  # alpha*beta^2*gamma^2 = 1.26


def test_compound_continuous_mode_samples_meet_the_constraint():
    space = search_spaces.get("compound", mode="continuous", tolerance=0.02)
    for seed in range(10):
        values, _ = space.sample_point(seed)
        assert abs(values["alpha"] * values["beta"] ** 2 * values["gamma"] ** 2 / 2 - 1) <= 0.02
    assert 0 < space.stats.acceptance < 1
    assert space.contains(space.generate({"alpha": 1.2, "beta": 1.1, "gamma": 1.17}))


def test_families_report_the_spaces_they_belong_to():
    assert search_spaces.containing(families.get("efficientnet_b0")) == ["mnasnet"]
    assert search_spaces.containing(families.get("regnetx_400mf")) == ["anynet", "regnet"]
    assert search_spaces.containing(families.get("vgg16")) == []
