"""LeNet-5: params and MACs against the layer-by-layer count of nasx's reading (nasx/families/lenet.py)."""

import pytest
import torch

from nasx import build_model, complexity, decode, encode, families
from nasx.module_cost import module_cost

# Sizes: 32 -C1 5x5-> 28 -S2-> 14 -C3 5x5-> 10 -S4-> 5 -C5 5x5-> 1.
# Params of a k x k conv with bias: (k*k*c_in + 1) * c_out; MACs: k*k*c_in*c_out * out_side^2.
C1 = {"params": (5 * 5 * 1 + 1) * 6, "macs": 5 * 5 * 1 * 6 * 28 * 28}  # 156, 117,600
C3 = {"params": (5 * 5 * 6 + 1) * 16, "macs": 5 * 5 * 6 * 16 * 10 * 10}  # 2,416, 240,000
C5 = {"params": (5 * 5 * 16 + 1) * 120, "macs": 5 * 5 * 16 * 120 * 1 * 1}  # 48,120, 48,000
F6 = {"params": (120 + 1) * 84, "macs": 120 * 84}  # 10,164, 10,080
OUT = {"params": (84 + 1) * 10, "macs": 84 * 10}  # 850, 840
LAYERS = (C1, C3, C5, F6, OUT)  # S2, S4: no params, no MACs
PARAMS = sum(layer["params"] for layer in LAYERS)
MACS = sum(layer["macs"] for layer in LAYERS)

# The paper's own reading: C3 through its connection table (6 maps see 3 S2 maps, 9 see 4, 1 sees all 6):
# (6*3 + 9*4 + 1*6) * 25 weights + 16 biases = 1,516; S2 and S4 have a coefficient and a bias per map
# (2*6 = 12, 2*16 = 32); the RBF output units are fixed, not trained.
PAPER_C3 = (6 * 3 + 9 * 4 + 1 * 6) * 25 + 16
PAPER_TRAINABLE = C1["params"] + 12 + PAPER_C3 + 32 + C5["params"] + F6["params"]


def test_the_hand_count_of_both_readings():
    assert (PARAMS, MACS) == (61_706, 416_520)
    assert PAPER_C3 == 1_516 and PAPER_TRAINABLE == 60_000  # the paper's "60,000 trainable parameters"
    assert PARAMS - PAPER_TRAINABLE == (C3["params"] - PAPER_C3) + OUT["params"] - 12 - 32


def test_lenet5_params_and_macs_exactly():
    spec = families.get("lenet5")
    assert (spec.resolution, spec.in_channels, spec.num_classes) == (32, 1, 10)
    cost = complexity(spec)
    assert (cost.params, cost.macs) == (PARAMS, MACS)
    stage_params = [s.params for s in cost.stages]
    assert stage_params == [C1["params"], 0, C3["params"], 0, C5["params"], F6["params"] + OUT["params"]]
    assert [s.resolution_out for s in cost.stages[:-1]] == [28, 14, 10, 5, 1]
    assert module_cost(spec) == (PARAMS, MACS)


def test_lenet5_is_tanh_and_average_pooling_without_bn():
    model = build_model(families.get("lenet5"))
    kinds = [type(m) for m in model.modules()]
    assert kinds.count(torch.nn.Tanh) == 4 and kinds.count(torch.nn.AvgPool2d) == 2
    assert torch.nn.BatchNorm2d not in kinds and torch.nn.MaxPool2d not in kinds and torch.nn.ReLU not in kinds
    torch.manual_seed(0)
    out = model.eval()(torch.randn(3, 1, 32, 32))
    assert out.shape == (3, 10) and torch.isfinite(out).all()


def test_lenet5_arch_string_round_trip():
    text = encode(families.get("lenet5"))
    assert text.split("|")[0] == "res32_cls10_in1"
    assert "mp_k2_s2_avg" in text and "nth" in text and "nobn" in text
    assert decode(text) == families.get("lenet5")


@pytest.mark.parametrize("classes", [10, 1000])
def test_other_class_counts_change_only_the_output_layer(classes):
    cost = complexity(families.get("lenet5", num_classes=classes))
    assert cost.params == PARAMS - OUT["params"] + (84 + 1) * classes
