"""Every family reproduces its published params exactly and its MACs to the multiply-accumulate."""

import json

import pytest
import torch

from nasx import build_model, complexity, families
from nasx.module_cost import module_cost
from tests.helpers.paths import GOLDEN

GOLDEN = json.loads((GOLDEN / "families.json").read_text())
TORCHVISION = {**GOLDEN["torchvision"], **GOLDEN["paper"]}
PYCLS = GOLDEN["pycls"]


def test_every_required_family_is_registered():
    assert set(TORCHVISION) | set(PYCLS) <= set(families.names())


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_published_params_and_macs(name):
    ref = TORCHVISION[name]
    spec = families.get(name)
    assert spec.resolution == ref["resolution"]
    cost = complexity(spec)
    assert cost.params == ref["params"]
    assert cost.macs == ref["macs"]
    assert cost.flops == 2 * ref["macs"]


@pytest.mark.parametrize("name", sorted(PYCLS))
def test_pycls_regnets(name):
    """pycls 'flops' add the bias additions of the FC and SE layers to the MACs."""
    ref = PYCLS[name]
    spec = families.get(name)
    cost = complexity(spec)
    assert cost.params == ref["params"]
    widths = [stage.c for stage in spec.stages]
    depths = [stage.r for stage in spec.stages]
    assert (widths, depths) == (ref["widths"], ref["depths"])
    # every conv / linear bias in a RegNet (SE convs, classifier) acts on a 1x1 map: one add each
    with torch.device("meta"):
        model = build_model(spec)
    bias_adds = sum(
        m.bias.numel()
        for m in model.modules()
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) and m.bias is not None
    )
    assert cost.macs + bias_adds == ref["flops_pycls"]


@pytest.mark.parametrize("name", families.names())
def test_built_module_matches_analytic_count(name):
    spec = families.get(name)
    cost = complexity(spec)
    assert module_cost(spec) == (cost.params, cost.macs)


@pytest.mark.parametrize("name", ["regnet_x_400mf", "regnet_y_800mf", "regnet_y_8gf"])
def test_torchvision_rounding_differs_from_pycls(name):
    spec = families.get(name)
    assert [s.c for s in spec.stages] == GOLDEN["regnet_torchvision_widths"][name]


@pytest.mark.slow
@pytest.mark.parametrize("name", families.names())
def test_forward_at_small_resolution(name):
    spec = families.get(name, num_classes=10, resolution=80)  # Inception-v3's unpadded convs need >= 75
    torch.manual_seed(0)
    model = build_model(spec).eval()
    with torch.no_grad():
        out = model(torch.randn(2, spec.in_channels, 80, 80))
    assert out.shape == (2, 10)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", sorted(k for k in GOLDEN["paper_approx"] if not k.startswith("_")))
def test_paper_only_families_within_one_percent(name):
    ref = GOLDEN["paper_approx"][name]
    cost = complexity(families.get(name))
    assert abs(cost.params / ref["params"] - 1) < 0.01
    assert abs(cost.macs / ref["macs"] - 1) < 0.01
