"""load_pretrained: timm's and torchvision's checkpoints, and nasx's first weights.pt layout, load into
nasx's networks by the documented key maps, with equal outputs.

- timm: every family timm builds under the same name, timm's own model (timm 1.0.31, imported with a
  stand-in for the torchvision modules its import path touches) with random weights and BatchNorm
  statistics measured on a batch, against the nasx network in eval mode.
- torchvision does not import against the CPU torch here, so its models are kept as a golden file of
  their state_dict keys and shapes (tests/golden/make_torchvision_keys.py, torchvision 0.29.1, says how it
  was made), with outputs of one model per torchvision class under the weights of tests/helpers/fill.py.
- nasx's first layout: small networks of every block type, their keys and outputs kept from before
  layers had names (tests/golden/make_legacy_layout.py).
"""

from __future__ import annotations

import gzip
import importlib.abc
import importlib.machinery
import json
import math
import sys
import types

import pytest
import torch
from torch import nn

import nasx
from nasx import families
from nasx.build import Net
from nasx.pretrained import load_pretrained
from tests.helpers.fill import fill_input, fill_state
from tests.helpers.paths import GOLDEN

TORCHVISION = json.loads(gzip.decompress((GOLDEN / "torchvision_state_dict_keys.json.gz").read_bytes()))
LEGACY = json.loads((GOLDEN / "legacy_layout.json").read_text())["networks"]
# torchvision-named families that timm builds under the same name, besides the timm-named ones
TIMM_TOO = [
    "densenet121",
    "densenet169",
    "densenet201",
    "efficientnet_b0",
    "efficientnet_b1",
    "efficientnet_b2",
    "efficientnet_b3",
    "efficientnet_b4",
    "efficientnet_b5",
    "efficientnet_b6",
    "efficientnet_b7",
    "inception_v3",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnext50_32x4d",
    "resnext101_32x8d",
    "resnext101_64x4d",
    "wide_resnet50_2",
    "wide_resnet101_2",
    "vgg11",
    "vgg16",
    "vgg19",
    "vgg11_bn",
    "vgg16_bn",
]
TIMM_FAMILIES = sorted(set(families.timm_names()) | set(TIMM_TOO))
# timm's models whose BatchNorm eps is not nasx's 1e-5 (docs/pretrained.md): compared with nasx's eps set on them;
# timm's published fbnetc_100 weights want 1e-3 too, which timm sets only when it loads them
TIMM_OTHER_EPS = {"inception_v3": 1e-3, "mobilenetv3_rw": 1e-3}
TOLERANCE = 1e-5
# the families each per-family test runs on in a quick run (-m "not slow"): one of each key layout, small
QUICK = {
    "mixnet_s",
    "mobilenetv3_small_050",
    "regnety_002",
    "resnet18",
    "efficientnet_b0",
    "shufflenet_v2_x1_0",
    "squeezenet1_1",
    "mnasnet0_5",
    "mobilenet_v2",
    "mobilenet_v3_small",
    "regnet_y_400mf",
    "googlenet",
}


def _sweep(names) -> list:
    """pytest params of `names`, all but the QUICK ones marked slow."""
    return [pytest.param(n, marks=() if n in QUICK else pytest.mark.slow) for n in sorted(names)]


# -- timm ---------------------------------------------------------------------------------------------------


class _StandIn(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Empty `torchvision.*` modules whose every attribute is a placeholder class: all timm's import path
    needs (it reads names such as FrozenBatchNorm2d and InterpolationMode.BILINEAR, and calls none)."""

    def find_spec(self, name, path, target=None):
        if name == "torchvision" or name.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []

        def placeholder(attr: str):
            if attr.startswith("__"):
                raise AttributeError(attr)
            return _Placeholder(attr, (), {})

        module.__getattr__ = placeholder
        return module

    def exec_module(self, module) -> None:
        pass


class _Placeholder(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return f"{cls.__name__}.{name}"


@pytest.fixture(scope="module")
def timm():
    """timm, imported with the torchvision stand-in; the stand-in leaves sys.modules afterwards."""
    finder = _StandIn()
    sys.meta_path.insert(0, finder)
    try:
        import timm as module
    except ImportError:
        sys.meta_path.remove(finder)
        pytest.skip("timm is not installed (`make test` installs it)")
    yield module
    sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[name]


def _smallest_resolution(name: str) -> int:
    for size in (32, 64, 75):
        try:
            return families.get(name, resolution=size).resolution
        except ValueError:
            continue
    raise AssertionError(f"{name}: no small resolution builds")


def _empty_net(spec) -> Net:
    """The network without its initialisation (the weights are loaded next): built on the meta device."""
    with torch.device("meta"):
        model = Net(spec)
    return model.to_empty(device="cpu")


def _timm_checkpoint(timm, name: str, resolution: int) -> tuple[nn.Module, dict, float]:
    """timm's model with random weights (seed 0) and BatchNorm statistics measured on a batch (so activations
    stay near unit size), nasx's BN eps set on it; returns it, its state_dict, and its own eps."""
    with torch.device("meta"):
        model = timm.create_model(name, pretrained=False)
    model = model.to_empty(device="cpu").eval()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for key, value in model.named_parameters():
            noise = torch.randn(value.shape, generator=generator)
            if value.dim() > 1:  # conv and linear weights, scaled by their fan-in
                value.copy_(noise / math.sqrt(value[0].numel()))
            else:  # BN scales near 1, biases near 0
                value.copy_(1.0 + 0.2 * noise if key.endswith("weight") else 0.1 * noise)
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    eps = norms[0].eps if norms else 1e-5
    for m in norms:
        m.eps, m.momentum = 1e-5, None
        m.reset_running_stats()
        m.train()
    with torch.no_grad():
        model(fill_input(8, 3, resolution))  # a batch holding the compared one: activations stay near unit size
    model.eval()
    return model, model.state_dict(), eps


def test_the_timm_families_are_those_timm_builds(timm):
    assert set(timm.list_models()) & set(families.names()) == set(TIMM_FAMILIES)


@pytest.mark.parametrize("name", _sweep(TIMM_FAMILIES))
def test_timm_checkpoint_loads_with_equal_outputs(timm, name):
    resolution = _smallest_resolution(name)
    theirs, state, eps = _timm_checkpoint(timm, name, resolution)
    assert eps == TIMM_OTHER_EPS.get(name, 1e-5)
    ours = load_pretrained(_empty_net(families.get(name, resolution=resolution)), state, source="timm").eval()
    x = fill_input(2, 3, resolution)
    with torch.no_grad():
        expected, got = theirs(x), ours(x)
    assert expected.abs().max() > 0.01
    assert (expected - got).abs().max().item() <= TOLERANCE


def test_a_timm_checkpoint_fine_tunes_on_other_classes(timm):
    """skip=("head.classifier",): every other layer loads, the new classifier keeps its initialisation."""
    _, state, _ = _timm_checkpoint(timm, "mobilenetv3_small_050", 32)
    model = nasx.build_model(families.get("mobilenetv3_small_050", num_classes=10, resolution=32))
    fresh = model.head.classifier.weight.clone()
    load_pretrained(model, state, source="timm", skip=("head.classifier",))
    assert torch.equal(model.head.classifier.weight, fresh)
    assert torch.equal(model.stages[0][0].conv_dw.weight, state["blocks.0.0.conv_dw.weight"])
    with pytest.raises(
        ValueError,
        match=r"shape mismatch at 'classifier.weight': \(1000, 1024\) in the "
        r"checkpoint, \(10, 1024\) in nasx's 'head.classifier.weight'",
    ):
        load_pretrained(model, state, source="timm")
    with pytest.raises(ValueError, match="skip='head.fc': no layer of the nasx model has this path"):
        load_pretrained(model, state, source="timm", skip=("head.fc",))


# -- torchvision --------------------------------------------------------------------------------------------


def _golden_shapes(name: str) -> dict[str, tuple[int, ...]]:
    pairs = (line.rsplit(" ", 1) for line in TORCHVISION["models"][name]["keys"])
    return {key: tuple(int(d) for d in shape.split(",") if d) for key, shape in pairs}


def test_the_golden_file_has_every_torchvision_family():
    assert TORCHVISION["torchvision"] == "0.29.1"
    assert set(TORCHVISION["models"]) == {n for n in families.names() if families.info(n).source == "torchvision"}


@pytest.mark.parametrize("name", _sweep(TORCHVISION["models"]))
def test_torchvision_keys_and_shapes_load_every_tensor(name):
    """Each checkpoint tensor i holds the number i: after loading, every nasx tensor holds the number of the
    key its map names, and every checkpoint key but the auxiliary classifiers' went somewhere."""
    shapes = _golden_shapes(name)
    state = {
        key: torch.full(shape, float(i) if not key.endswith("num_batches_tracked") else i)
        for i, (key, shape) in enumerate(shapes.items())
    }
    model = _empty_net(families.get(name))
    for value in model.state_dict().values():
        value.fill_(-1)
    load_pretrained(model, state, source="torchvision")
    index = {key: i for i, key in enumerate(shapes)}
    held = {key: int(value.flatten()[0]) for key, value in model.state_dict().items()}
    assert all((value == held[key]).all() for key, value in model.state_dict().items())
    assert min(held.values()) >= 0
    assert len(set(held.values())) == len(held)
    left_out = {key for key in shapes if index[key] not in set(held.values())}
    assert all(key.startswith(("aux1.", "aux2.", "AuxLogits.")) for key in left_out), sorted(left_out)[:3]


@pytest.mark.parametrize("name", _sweep(TORCHVISION["outputs"]))
def test_torchvision_weights_give_torchvision_outputs(name):
    """The outputs torchvision's own model gave under these weights (torch 2.14.1; nasx's BN eps set on it)."""
    ref = TORCHVISION["outputs"][name]
    spec = families.get(name, resolution=ref["resolution"])
    model = load_pretrained(_empty_net(spec), fill_state(_golden_shapes(name)), source="torchvision").eval()
    with torch.no_grad():
        got = model(fill_input(2, 3, ref["resolution"]))[:, :20]
    expected = torch.tensor(ref["output"])
    assert (got - expected).abs().max().item() <= TOLERANCE * max(1.0, expected.abs().max().item())


# -- nasx's first layout ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LEGACY))
def test_first_layout_weights_load_with_equal_outputs(name):
    ref = LEGACY[name]
    spec = nasx.decode(ref["arch"])
    old = fill_state({k: tuple(v) for k, v in ref["keys"].items()})
    model = load_pretrained(nasx.build_model(spec), old).eval()
    with torch.no_grad():
        got = model(fill_input(2, spec.in_channels, spec.resolution))
    assert (got - torch.tensor(ref["output"])).abs().max().item() <= TOLERANCE


def test_first_layout_weights_file_loads(tmp_path):
    """A weights.pt of the first layout, as `nasx export` copied it, loads through load_pretrained."""
    ref = LEGACY["mixnet_s"]
    torch.save(fill_state({k: tuple(v) for k, v in ref["keys"].items()}), tmp_path / "weights.pt")
    model = nasx.build_model(nasx.decode(ref["arch"]))
    nasx.load_pretrained(model, torch.load(tmp_path / "weights.pt", weights_only=True))
    assert torch.equal(
        model.stages[1][0].conv_dw.weight,
        fill_state({k: tuple(v) for k, v in ref["keys"].items()})["stages.1.0.branch.1.0.weight"],
    )


def test_current_layout_loads_as_itself():
    model = nasx.build_model(families.get("resnet18", num_classes=10, resolution=32))
    other = nasx.build_model(model.spec)
    load_pretrained(other, model.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), other.state_dict().values()))


# -- names and errors ---------------------------------------------------------------------------------------


def test_the_depthwise_conv_has_one_name_at_every_expansion():
    """`conv_dw` is the depthwise conv and `conv_pw` the expansion whether e is 1 or 6, family or searched."""
    spec = nasx.decode("res32_cls10|stem:cn_r1_k3_s2_c16|ir_r1_k3_s1_c16|ir_r2_k5_s2_e6_c24_se0.25|head:c64")
    keys = nasx.build_model(spec).state_dict()
    assert keys["stages.0.0.conv_dw.weight"].shape == (16, 1, 3, 3) and "stages.0.0.conv_pw.weight" not in keys
    assert keys["stages.1.0.conv_pw.weight"].shape == (96, 16, 1, 1)
    assert keys["stages.1.1.conv_dw.weight"].shape == (144, 1, 5, 5)
    assert {
        "stages.1.0.se.conv_reduce.weight",
        "stages.1.0.conv_pwl.weight",
        "stages.1.0.bn3.weight",
        "head.conv.weight",
        "head.bn.weight",
        "head.classifier.weight",
    } <= set(keys)
    bottleneck = nasx.build_model(families.get("resnet50", resolution=32)).state_dict()
    assert {
        "stem.0.conv.weight",
        "stages.0.0.conv3.weight",
        "stages.0.0.downsample.conv.weight",
        "stages.0.0.downsample.bn.running_var",
    } <= set(bottleneck)


def _as_torchvision_resnet(model: nn.Module) -> dict:
    """The model's keys renamed by torchvision's ResNet layout (written out here), with tests/helpers/fill.py's
    weights."""
    state = {}
    for key, value in fill_state({k: tuple(v.shape) for k, v in model.state_dict().items()}).items():
        key = key.replace("stem.0.conv", "conv1").replace("stem.0.bn", "bn1").replace("head.classifier", "fc")
        key = key.replace("downsample.conv", "downsample.0").replace("downsample.bn", "downsample.1")
        parts = key.split(".")
        state[".".join([f"layer{int(parts[1]) + 1}", *parts[2:]]) if parts[0] == "stages" else key] = value
    return state


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda s: s.pop("layer1.0.conv2.weight"),
            "missing key 'layer1.0.conv2.weight' (for nasx's 'stages.0.0.conv2.weight', shape (64, 64, 3, 3))",
        ),
        (lambda s: s.update({"layer5.0.conv1.weight": torch.zeros(1)}), "unexpected key 'layer5.0.conv1.weight'"),
        (
            lambda s: s.update({"layer1.0.bn1.weight": torch.zeros(32)}),
            "shape mismatch at 'layer1.0.bn1.weight': (32,)",
        ),
    ],
)
def test_a_checkpoint_that_does_not_fit_raises_naming_the_key_and_loads_nothing(change, message):
    model = nasx.build_model(families.get("resnet18", num_classes=10, resolution=32))
    state = _as_torchvision_resnet(model)
    load_pretrained(nasx.build_model(model.spec), dict(state), source="torchvision")  # the unchanged one loads
    before = {k: v.clone() for k, v in model.state_dict().items()}
    change(state)
    with pytest.raises(ValueError) as info:
        load_pretrained(model, state, source="torchvision")
    assert message in str(info.value)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize(
    "state, source, message",
    [
        ({"conv1.weight": torch.zeros(1)}, "keras", "source='keras': must be one of nasx, timm, torchvision"),
        ({"unknown.weight": torch.zeros(1)}, "timm", "none of the timm layouts nasx maps"),
        ({"blocks.0.0.conv_dw.weight": torch.zeros(1)}, "nasx", "no key of the checkpoint is one of nasx's"),
        ({"stem.0.conv.weight": torch.zeros(64, 3, 7, 7)}, "nasx", "missing key 'stem.0.bn.weight'"),
        ({"state_dict": {"a": torch.zeros(1)}}, "nasx", "expected a mapping of names to tensors"),
    ],
)
def test_unknown_sources_and_layouts_are_named(state, source, message):
    model = nasx.build_model(families.get("resnet18", num_classes=10, resolution=32))
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_pretrained(model, state, source=source)
