"""The supernet of a search space: an extracted network is build_model's network of the point holding the
inherited weights, and computes what the supernet computes in that configuration."""

from __future__ import annotations

import ast
from dataclasses import replace
from functools import partial

import numpy as np
import pytest
import torch

from nasx import build_model, complexity, families, proxy, search_spaces
from nasx.arch.rounding import round_half_up
from nasx.arch.spec import ArchSpec
from nasx.search.setup import ProxySpec
from nasx.search_spaces.base import Space
from nasx.supernet import Supernet, build_supernet
from nasx.supernet.skeleton import layout
from nasx.supernet.slots import tensor_name
from tests.helpers.paths import ROOT

N_POINTS = 200
FAMILIES = ("efficientnet_b0", "mnasnet_a1", "mobilenet_v2")


def search_shrink(space) -> partial:
    """A search's shrink (proxy_spec's rule) on digits: 8x8 scaled by the point's resolution, 1 channel,
    10 classes, the default proxy (width 0.25, depth 0.5, stem stride 1)."""
    return partial(shrunk, base_resolution=space.resolution)


def shrunk(full: ArchSpec, *, base_resolution: int) -> ArchSpec:
    p = ProxySpec()
    spec = proxy(
        full,
        resolution=max(1, round_half_up(8 * full.resolution / base_resolution)),
        num_classes=10,
        width_mult=p.width_mult,
        depth_mult=p.depth_mult,
        stem_stride=p.stem_stride,
    )
    return replace(spec, in_channels=1)


def perturb(supernet: Supernet, seed: int) -> Supernet:
    """Random weights and BN statistics, so that a match is not one of initial values."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in supernet.state_dict().items():
            if name.endswith("running_var"):
                tensor.copy_(0.5 + torch.rand(tensor.shape, generator=gen))
            elif tensor.is_floating_point() and "kernel_transforms" not in name:
                tensor.add_(0.1 * torch.randn(tensor.shape, generator=gen))
    return supernet


def make(name: str, seed: int = 0, **options) -> Supernet:
    space = search_spaces.get(name)
    torch.manual_seed(seed)
    return perturb(build_supernet(space, search_shrink(space), **options), seed)


@pytest.fixture(scope="module")
def mnasnet():
    return make("mnasnet").eval()


def check_point(supernet: Supernet, point, trained, *, layout_too: bool = True) -> None:
    """Extraction is build_model(trained) (keys, shapes, params) and computes the supernet's output."""
    model = supernet.extract(point).eval()
    assert model.spec == trained and sum(p.numel() for p in model.parameters()) == complexity(trained).params
    if layout_too:
        assert {k: v.shape for k, v in model.state_dict().items()} == {
            k: v.shape for k, v in build_model(trained).state_dict().items()
        }
    x = torch.randn(2, trained.in_channels, trained.resolution, trained.resolution)
    with torch.no_grad():
        assert (model(x) - supernet(x, point)).abs().max().item() <= 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mnasnet", "compound"])
def test_random_points_extract_as_built_and_compute_the_supernets_output(name):
    """200 draws each (compound's grid has 50 points: a repeated draw is checked once): the model is built from
    the trained spec (every tenth also compared key by key with a fresh build_model), the point given as a
    spec (every tenth) or as values."""
    supernet = make(name).eval()
    space, rng, seen = supernet.space, np.random.default_rng(0), set()
    for i in range(N_POINTS):
        values, spec = space.sample_point(rng)
        if spec.key() not in seen:
            seen.add(spec.key())
            check_point(supernet, spec if i % 10 == 0 else values, supernet.shrink(spec), layout_too=i % 10 == 5)
    assert len(seen) >= min(N_POINTS, space.size().count) - 5


@pytest.mark.parametrize("name", FAMILIES)
def test_families_are_points_of_the_mnasnet_supernet(mnasnet, name):
    spec = families.get(name)
    check_point(mnasnet, spec, mnasnet.shrink(spec))


def test_largest_points_bound_sampled_points():
    for space in (search_spaces.get("compound", mode="continuous"), search_spaces.get("compound", phi=2.0)):
        supernet = build_supernet(space, search_shrink(space))
        held = {name: t.shape for name, t in supernet.state_dict().items()}
        rng = np.random.default_rng(1)
        for _ in range(20):
            values, spec = space.sample_point(rng)
            for _, big, shape in layout(supernet.shrink(spec), space.stage_slots(values, spec)):
                assert all(s <= m for s, m in zip(shape, held[tensor_name(big)])), big


@pytest.mark.parametrize("name", ["mnasnet", "compound"])
def test_the_largest_networks_use_every_tensor_whole(name):
    supernet = make(name).train()
    for spec, slots in supernet.largest():
        supernet.run(torch.randn(2, 1, spec.resolution, spec.resolution), spec, slots).square().sum().backward()
    held = dict(supernet.named_parameters())
    used = {
        tensor_name(big): shape
        for spec, slots in supernet.largest()
        for _, big, shape in layout(spec, slots)
        if held.get(tensor_name(big)) is not None and held[tensor_name(big)].shape == shape
    }
    assert set(used) == set(held)
    assert all(p.grad is not None for p in held.values())


def test_a_full_scale_supernet_serves_the_papers_compound_point():
    torch.manual_seed(0)
    supernet = build_supernet("compound").eval()
    values = {"alpha": 1.2, "beta": 1.1, "gamma": 1.15}
    spec = supernet.space.generate(values)
    model = supernet.extract(values).eval()
    assert sum(p.numel() for p in model.parameters()) == complexity(spec).params
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert (model(x) - supernet(x, spec)).abs().max().item() <= 1e-5


def values_of(space, **changes) -> dict:
    return {**space.params_of(families.get("efficientnet_b0")), **changes}


def stage_state(model, stage: int) -> dict:
    return {k.split(".", 2)[2]: v for k, v in model.state_dict().items() if k.startswith(f"stages.{stage}.")}


def test_mbconv_ops_share_the_first_channels_and_kernels_the_centre(mnasnet):
    space = mnasnet.space
    mb6, mb3, mb1 = (stage_state(mnasnet.extract(values_of(space, b3_op=op)), 2) for op in ("mb6", "mb3", "mb1"))
    dw6, dw3, dw1 = mb6["0.conv_dw.weight"], mb3["0.conv_dw.weight"], mb1["0.conv_dw.weight"]
    assert dw1.shape[0] < dw3.shape[0] < dw6.shape[0]
    assert torch.equal(dw3, dw6[: dw3.shape[0]]) and torch.equal(dw1, dw6[: dw1.shape[0]])
    assert torch.equal(mb3["0.conv_pwl.weight"], mb6["0.conv_pwl.weight"][:, : dw3.shape[0]])
    assert "0.conv_pw.weight" not in mb1
    assert torch.equal(mb1["0.bn2.running_var"], mb6["0.bn2.running_var"][: dw1.shape[0]])
    k5, k3 = (stage_state(mnasnet.extract(values_of(space, b3_k=k)), 2)["0.conv_dw.weight"] for k in (5, 3))
    assert k5.shape[2:] == (5, 5) and torch.equal(k3, k5[:, :, 1:4, 1:4])
    deep, shallow = (stage_state(mnasnet.extract(values_of(space, b4_layers=n)), 3) for n in (5, 3))
    assert set(shallow) < set(deep) and all(torch.equal(v, deep[k]) for k, v in shallow.items())


def test_a_supernet_weight_is_seen_by_every_configuration_of_its_slot_only():
    supernet = make("mnasnet")
    space = supernet.space
    points = {op: values_of(space, b3_op=op) for op in ("mb3", "mb6", "conv", "sep")}
    before = {op: stage_state(supernet.extract(v), 2) for op, v in points.items()}
    with torch.no_grad():
        for name, tensor in supernet.named_parameters():
            if name.startswith("b3/mb/"):
                tensor.add_(1.0)
    after = {op: stage_state(supernet.extract(v), 2) for op, v in points.items()}
    with torch.no_grad():
        for tensor in supernet.extract(points["mb6"]).parameters():
            tensor.add_(1.0)  # an extracted network holds copies
    assert all(torch.equal(v, stage_state(supernet.extract(points["mb6"]), 2)[k]) for k, v in after["mb6"].items())
    for op in ("mb3", "mb6"):
        assert all(
            not torch.equal(after[op][k], v)
            for k, v in before[op].items()
            if "running" not in k and "num_batches" not in k
        )
    for op in ("conv", "sep"):
        assert all(torch.equal(after[op][k], v) for k, v in before[op].items())


def test_gradients_and_bn_statistics_reach_only_the_slices_used():
    supernet = make("mnasnet").train()
    values = values_of(supernet.space, b3_op="mb3", b3_k=3, b4_layers=3)
    spec, slots = supernet.resolve(values)
    used = {tensor_name(big): shape for _, big, shape in layout(spec, slots)}
    buffers = {name: t.clone() for name, t in supernet.named_buffers()}
    supernet(torch.randn(4, 1, 8, 8), values).square().sum().backward()
    for name, tensor in [*supernet.named_parameters(), *supernet.named_buffers()]:
        grad = tensor.grad if tensor.requires_grad else tensor - buffers[name]
        if name not in used:
            assert grad is None or not grad.any(), name
            continue
        region = torch.zeros(tensor.shape, dtype=torch.bool)
        index = tuple(
            slice((m - s) // 2, (m - s) // 2 + s) if tensor.dim() == 4 and d >= 2 else slice(0, s)
            for d, (s, m) in enumerate(zip(used[name], tensor.shape))
        )
        region[index] = True
        assert not grad[~region].any(), name
        assert grad[region].any(), name


@pytest.mark.parametrize(("name", "choice"), [("resnext", "`groups`"), ("regnet", "`group_w`"), ("anynet", "`g1`")])
def test_spaces_whose_choices_cannot_share_weights_refuse(name, choice):
    with pytest.raises(ValueError) as info:
        build_supernet(name)
    assert choice in str(info.value) and "\n" not in str(info.value)


def test_a_space_that_declares_nothing_and_a_grouped_compound_base_refuse():
    with pytest.raises(ValueError, match="does not declare its elastic structure"):
        Supernet(Space())
    with pytest.raises(ValueError, match=r"compound: the base's stages\[0\] is a `bot` block"):
        build_supernet(search_spaces.get("compound", base="resnext50_32x4d"))


def test_what_is_not_a_point_is_one_line(mnasnet):
    space = mnasnet.space
    cases = [families.get("resnet18"), {**values_of(space), "b1_filters": 17}]
    shrink = mnasnet.shrink
    try:
        for wider in (
            lambda s: replace(shrink(s), num_classes=20),
            lambda s: replace(shrink(s), head=replace(shrink(s).head, hidden=(16,))),
        ):
            mnasnet.shrink = wider
            with pytest.raises(ValueError) as info:
                mnasnet.extract(values_of(space))
            message = str(info.value)
            assert message.startswith("not a point of the supernet's space: head.") and "\n" not in message
    finally:
        mnasnet.shrink = shrink
    for point in cases:
        with pytest.raises(ValueError) as info:
            mnasnet.extract(point)
        assert str(info.value).startswith("not a point of the supernet's space: ") and "\n" not in str(info.value)


def test_kernel_transform_is_the_identity_at_initialisation_and_learns():
    plain, transformed = (make("mnasnet", seed=3, kernel_transform=flag).eval() for flag in (False, True))
    assert plain.kernel_transforms is None and len(transformed.kernel_transforms) > 0
    x = torch.randn(2, 1, 8, 8)
    k3, k5 = values_of(plain.space, b3_k=3), values_of(plain.space, b3_k=5)
    with torch.no_grad():
        for point in (k3, k5):
            assert torch.equal(plain(x, point), transformed(x, point))
        transformed.kernel_transforms["b3/mb/0/conv_dw/weight/k3"].add_(0.1)
        assert not torch.equal(plain(x, k3), transformed(x, k3)) and torch.equal(plain(x, k5), transformed(x, k5))
        assert torch.allclose(transformed.extract(k3).eval()(x), transformed(x, k3), atol=1e-5)
    transformed(x, k3).square().sum().backward()
    assert transformed.kernel_transforms["b3/mb/0/conv_dw/weight/k3"].grad.any()
    assert transformed.kernel_transforms["b5/mb/0/conv_dw/weight/k3"].grad is None  # b5 of B0 has k=5


def test_the_package_imports_no_framework_at_the_edges():
    banned = ("ray", "hydra", "omegaconf", "nasx.cli", "nasx.analysis", "nasx.search")
    for path in (ROOT / "nasx" / "supernet").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not [n for n in names if any(n == b or n.startswith(b + ".") for b in banned)], (path, names)


def test_an_extracted_network_is_whole_and_trainable():
    """Built on the meta device and filled by assignment: no tensor is left on meta, every parameter is a
    leaf that learns, and the network comes back in training mode as build_model returns it."""
    space = search_spaces.get("mnasnet")
    supernet = build_supernet(space)
    model = supernet.extract(space.sample_point(7)[0])
    assert model.training
    assert all(p.requires_grad and p.is_leaf and not p.is_meta for p in model.parameters())
    assert not any(b.is_meta for b in model.buffers())
    model(torch.randn(2, 3, 32, 32)).sum().backward()
    assert all(p.grad is not None for p in model.parameters() if p.dim() > 1)
