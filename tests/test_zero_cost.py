"""Zero-cost scores on tiny networks, checked against hand computations; one real candidate scored end to end."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from nasx import data, families
from nasx.generators.proxy import proxy
from nasx.zero_cost import (
    COLUMNS,
    activation_codes,
    batch_of,
    evaluate_zero_cost,
    grad_norm,
    naswot,
    synflow,
    zero_cost_scores,
)

W1 = [[1.0, -2.0], [0.5, 1.0], [-1.0, -0.5]]  # Linear(2, 3)
W2 = [[2.0, -1.0, 1.0]]  # Linear(3, 1)


def two_layer(out: list[list[float]] = W2) -> nn.Module:
    net = nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU(inplace=True), nn.Linear(3, len(out), bias=False))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(W1))
        net[2].weight.copy_(torch.tensor(out))
    return net


def test_synflow_by_hand():
    # all weights positive, input ones: R = 1^T |W2| |W1| 1 = 2*3 + 1*1.5 + 1*1.5 = 9; the synaptic saliency
    # of each layer sums to R (Tanaka et al.'s conservation), so the score of two layers is 2R = 18
    net = two_layer()
    assert synflow(net, (2,)) == pytest.approx(18.0)
    assert net[0].weight[0, 1].item() == -2.0  # the network itself is left unchanged


def test_grad_norm_by_hand():
    net = two_layer([[2.0, -1.0, 1.0], [0.0, 1.0, -1.0]])
    x = torch.tensor([[1.0, 0.5], [-1.0, 2.0]])
    y = torch.tensor([0, 1])
    w1, w2 = np.array(W1), np.array([[2.0, -1.0, 1.0], [0.0, 1.0, -1.0]])
    h_pre = x.numpy() @ w1.T
    h = np.maximum(h_pre, 0)
    logits = h @ w2.T
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    dlogits = (p - np.eye(2)[y.numpy()]) / 2  # mean cross-entropy over the batch of 2
    g2 = dlogits.T @ h
    g1 = ((dlogits @ w2) * (h_pre > 0)).T @ x.numpy()
    assert grad_norm(net, x, y) == pytest.approx(np.linalg.norm(g1) + np.linalg.norm(g2), rel=1e-6)
    assert net[0].weight.grad is None


def test_naswot_by_hand():
    net = two_layer()
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    # pre-activations W1 x: (1, 0.5, -1), (-2, 1, -0.5), (1, -1.5, 1.5) -> codes 110, 010, 101
    codes = activation_codes(net, x)
    assert codes.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    # K[i, j] = 3 - Hamming(c_i, c_j): distances 1, 3, 2
    kernel = np.array([[3, 2, 0], [2, 3, 1], [0, 1, 3]], dtype=float)
    assert naswot(net, x) == pytest.approx(math.log(abs(np.linalg.det(kernel))))  # det = 27 - 3 - 12 = 12
    assert naswot(net, x) == pytest.approx(math.log(12.0))
    same = torch.tensor([[1.0, 0.0], [2.0, 0.0]])  # identical codes: a singular kernel
    assert naswot(net, same) == -math.inf


def test_naswot_reads_activations_before_they_act_in_place():
    net = two_layer()
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert activation_codes(net, x).sum().item() == 3  # (1,1,0) + (0,1,0), not the zeros the ReLU writes


def test_network_without_activation_fails_clearly():
    with pytest.raises(ValueError, match="no ReLU-like activation"):
        naswot(nn.Linear(2, 2), torch.ones(2, 2))


@pytest.fixture(scope="module")
def digits8():
    return data.load("digits", resolution=8, seed=0)


def test_batch_is_seeded_and_normalised(digits8):
    x, y = batch_of(digits8, seed=3, batch_size=16)
    again, _ = batch_of(digits8, seed=3, batch_size=16)
    other, _ = batch_of(digits8, seed=4, batch_size=16)
    assert x.shape == (16, 3, 8, 8) and x.dtype == torch.float32 and y.shape == (16,)
    assert torch.equal(x, again) and not torch.equal(x, other)


def test_a_real_candidate_scores_by_seed(digits8):
    full = families.get("mobilenet_v2")
    spec = proxy(full, resolution=8, num_classes=10, width_mult=0.125, depth_mult=0.25, stem_stride=1)
    a = evaluate_zero_cost(spec, digits8, seed=0, batch_size=32, full_spec=full)
    assert a["status"] == "ok" and a["epochs"] == 0 and a["full_macs"] == 300_774_272
    scores = [a[c] for c in COLUMNS.values()]
    assert all(math.isfinite(s) for s in scores) and a["zero_cost/synflow"] > 0 and a["zero_cost/grad_norm"] > 0
    assert scores == [evaluate_zero_cost(spec, digits8, seed=0, batch_size=32)[c] for c in COLUMNS.values()]
    assert scores != [evaluate_zero_cost(spec, digits8, seed=1, batch_size=32)[c] for c in COLUMNS.values()]
    assert set(
        zero_cost_scores(nn.Sequential(nn.Flatten(), nn.Linear(192, 10), nn.ReLU()), *batch_of(digits8, 0, 8))
    ) == {"grad_norm", "synflow", "naswot"}
