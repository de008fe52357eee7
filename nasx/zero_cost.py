"""Zero-cost proxies: scores of an untrained network on one batch, meant to rank architectures without training.

Each score is larger for a network predicted to be more accurate. The naive baselines every proxy
must beat, the parameter count and the MACs, come from `nasx.complexity` and need no network at all.
`evaluate_zero_cost` scores one candidate the way `nasx.evaluation.evaluate_candidate` trains one, and
returns its results row.
"""

from __future__ import annotations

import copy
import math
import time

import torch
import torch.nn.functional as F
from torch import nn

from nasx.arch.codec import encode
from nasx.arch.spec import ArchSpec
from nasx.build import build_model
from nasx.complexity import complexity
from nasx.data.augment import normalize
from nasx.data.dataset import Dataset
from nasx.provenance import versions
from nasx.results.schema import ZERO_COST_SCORES

SCORES = ZERO_COST_SCORES
COLUMNS = {name: f"zero_cost/{name}" for name in SCORES}  # results-table column of each score
BATCH_SIZE = 64
WEIGHTED = (nn.Conv2d, nn.Linear)
PIECEWISE = (nn.ReLU, nn.ReLU6, nn.SiLU, nn.Hardswish)  # activations whose sign pattern NASWOT reads


def _weights(model: nn.Module) -> list[torch.Tensor]:
    return [m.weight for m in model.modules() if isinstance(m, WEIGHTED)]


def grad_norm(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Sum over conv and linear layers of the L2 norm of d(cross-entropy)/d(weight) on one batch, in
    training mode. Abdelfattah, Mehrotra, Dudziak & Lane, "Zero-Cost Proxies for Lightweight NAS",
    ICLR 2021 (the `grad_norm` baseline, section 3)."""
    model = copy.deepcopy(model).train()
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    return float(sum(w.grad.norm().item() for w in _weights(model) if w.grad is not None))


def synflow(model: nn.Module, input_shape: tuple[int, ...]) -> float:
    """SynFlow: with every weight replaced by its absolute value, R = sum of the outputs for an all-ones
    input; the score is the sum over conv and linear weights of |w * dR/dw| (float64, batch norm in
    eval mode with its initial statistics, so it is close to the identity, as the reference code scores
    networks without it). Tanaka, Kunin, Yamins & Ganguli, "Pruning neural networks without any data by
    iteratively conserving synaptic flow", NeurIPS 2020; as a NAS proxy: Abdelfattah et al., ICLR 2021."""
    model = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.abs_()
    model.zero_grad(set_to_none=True)
    model(torch.ones((1, *input_shape), dtype=torch.float64)).sum().backward()
    return float(sum((w * w.grad).abs().sum().item() for w in _weights(model) if w.grad is not None))


def activation_codes(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(batch, units) 0/1 matrix: which units of the piecewise-linear activations receive a positive input."""
    codes: list[torch.Tensor] = []
    hooks = [
        m.register_forward_pre_hook(lambda module, inputs: codes.append((inputs[0] > 0).flatten(1)))
        for m in model.modules()
        if isinstance(m, PIECEWISE)
    ]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    if not codes:
        raise ValueError("naswot: the network has no ReLU-like activation to read")
    return torch.cat(codes, dim=1).double()


def naswot(model: nn.Module, x: torch.Tensor) -> float:
    """NASWOT: log |det K| of the batch's kernel K[i, j] = units on which inputs i and j agree (both active
    or both inactive), i.e. the number of units minus the Hamming distance of their activation codes,
    in training mode. Mellor, Turner, Storkey & Crowley, "Neural Architecture Search without Training",
    ICML 2021."""
    codes = activation_codes(copy.deepcopy(model).train(), x)
    kernel = codes @ codes.T + (1 - codes) @ (1 - codes).T
    sign, logdet = torch.linalg.slogdet(kernel)
    return float(logdet) if sign != 0 else -math.inf


def batch_of(data: Dataset, seed: int, batch_size: int = BATCH_SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """`batch_size` normalised training images and their labels, drawn without replacement by `seed`."""
    order = torch.randperm(data.train_y.shape[0], generator=torch.Generator().manual_seed(seed))[:batch_size]
    return normalize(data.train_x[order], data.mean, data.std), data.train_y[order]


def zero_cost_scores(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Every score of SCORES for one network and one batch (the network is left unchanged)."""
    return {
        "grad_norm": grad_norm(model, x, y),
        "synflow": synflow(model, tuple(x.shape[1:])),
        "naswot": naswot(model, x),
    }


def evaluate_zero_cost(
    spec: ArchSpec, data: Dataset, *, seed: int = 0, batch_size: int = BATCH_SIZE, full_spec: ArchSpec | None = None
) -> dict:
    """The results row of one candidate at rung zero_cost: initialised by `seed`, scored on one batch drawn
    by `seed`. Never raises for a network that fails to score: its row has status failed and the reason."""
    start = time.perf_counter()
    cost, full = complexity(spec), complexity(full_spec if full_spec is not None else spec)
    row = {
        "arch": encode(spec),
        "arch_key": spec.key(),
        "status": "ok",
        "error": "",
        "params": cost.params,
        "macs": cost.macs,
        "full_params": full.params,
        "full_macs": full.macs,
        "epochs": 0,
        "seed": seed,
        "dataset": data.name,
        "resolution": data.resolution,
        "versions": versions(),
    }
    try:
        x, y = batch_of(data, seed, batch_size)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = build_model(spec)
            torch.manual_seed(seed)  # dropout and drop-path draws in training mode
            row.update({COLUMNS[k]: v for k, v in zero_cost_scores(model, x, y).items()})
    except Exception as exc:  # a candidate that cannot be scored fails, like one that cannot train
        row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    return {**row, "wall_s": time.perf_counter() - start, "finished_at": time.time()}
