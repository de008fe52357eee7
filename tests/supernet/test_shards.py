"""Data-parallel supernet training without Ray (nasx.supernet.shards): each worker's rows of a batch, the
sharded BatchNorm, dropout and stochastic depth against torch's own in one process, and two processes
(gloo) that train as one process does: equal to 1e-6 in float64 (the logits are float32), where rounding
cannot hide a difference."""

import contextlib
import socket
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch import nn

from nasx.build.layers import DropPath
from nasx.data import DataSpec
from nasx.supernet.sandwich import Sandwich, sandwich_step
from nasx.supernet.shards import ShardedRun, Shards, sharded
from nasx.supernet.training import train_supernet
from nasx.train.spec import TrainSpec
from tests.supernet.test_training import inputs, supernet


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _group(rank: int, world: int, port: int):
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        yield
    finally:
        dist.destroy_process_group()


@pytest.fixture
def alone():
    """A process group of this process alone: the sums over the workers are the identity."""
    with _group(0, 1, _port()):
        yield


@pytest.mark.parametrize("n, world", [(32, 2), (33, 2), (7, 3), (5, 5)])
def test_the_shards_cover_the_batch_in_order_and_differ_by_at_most_one(n, world):
    parts = [Shards(rank, world).bounds(n) for rank in range(world)]
    assert [i for p in parts for i in range(p.start, p.stop)] == list(range(n))
    sizes = [p.stop - p.start for p in parts]
    assert max(sizes) - min(sizes) <= 1
    shards = Shards(1, world)
    shards.split(n)
    assert shards.share() == pytest.approx(sizes[1] / n)


def test_a_batch_smaller_than_the_workers_is_refused():
    with pytest.raises(ValueError, match="a batch of 2 images cannot be split across 3 workers"):
        Shards(0, 3).split(2)


def _layers(shards):
    net = nn.Sequential(nn.BatchNorm2d(4), nn.Dropout(0.3), DropPath(0.4))
    return net, sharded(net, shards)


def test_one_worker_normalises_drops_and_updates_statistics_as_torch(alone):
    shards = Shards(0, 1)
    shards.split(16)
    plain, mine = _layers(shards)
    assert [type(m).__name__ for m in mine] == ["ShardedBatchNorm2d", "ShardedDropout", "ShardedDropPath"]
    x = (torch.randn(16, 4, 5, 5, generator=torch.Generator().manual_seed(0)) * 3 + 1).requires_grad_()
    grad = torch.randn(16, 4, 5, 5, generator=torch.Generator().manual_seed(1))
    outputs = []
    for net in (plain, mine):
        torch.manual_seed(0)
        y = net(x)
        outputs.append((y, *torch.autograd.grad(y, (x, net[0].weight, net[0].bias), grad)))
    for a, b in zip(*outputs):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    for key, value in plain.state_dict().items():
        torch.testing.assert_close(value, mine.state_dict()[key], rtol=1e-6, atol=1e-7)
    torch.manual_seed(0)
    dropped = F.dropout(x.detach(), 0.3, True)
    torch.manual_seed(0)
    assert torch.equal(mine[1](x.detach()), dropped)  # the same draws as torch's dropout on a CPU


def test_a_layer_without_a_sharded_version_is_refused():
    with pytest.raises(ValueError, match="no sharded version of BatchNorm1d"):
        sharded(nn.Sequential(nn.BatchNorm1d(3)), Shards(0, 1))


@contextlib.contextmanager
def _float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def _data(n: int):
    digits = DataSpec(resolution=8).load()
    return replace(digits, train_x=digits.train_x[:n], train_y=digits.train_y[:n])


def _run(shards=None) -> dict:
    """Three steps (batches of 32) of a mnasnet supernet in float64: the last epoch's state."""
    with _float64():
        net, states = supernet("mnasnet"), []
        train_supernet(
            net,
            _data(96),
            TrainSpec(epochs=1, batch_size=32, threads=1),
            Sandwich(net, 1),
            distill=True,
            seed=0,
            recalibration_images=16,
            on_epoch=lambda entry, state: states.append(state),
            shards=shards,
        )
        return states[-1] if states else {}


def _step(shards=None) -> dict[str, torch.Tensor]:
    """The gradients of one sandwich step on 33 images (shards of 17 and 16), float64."""
    with _float64():
        net, data = supernet("mnasnet"), _data(33)
        sandwich = Sandwich(net, 1)
        x, y = data.train_x, data.train_y
        weight, runner = 1.0, net
        if shards is not None:
            part = shards.split(len(y))
            x, y, weight, runner = x[part], y[part], shards.share(), ShardedRun(net, shards)
        torch.manual_seed(0)
        networks = sandwich.networks("every", np.random.default_rng(0))
        sandwich_step(
            runner,
            networks,
            x,
            y,
            inputs,
            label_smoothing=0.1,
            distill=True,
            autocast=contextlib.nullcontext,
            weight=weight,
        )
        if shards is not None:
            shards.sum_grads(net.parameters())
        return {name: p.grad for name, p in net.named_parameters() if p.grad is not None}


def _worker(rank: int, world: int, port: int, path: str) -> None:
    with _group(rank, world, port):
        state, grads = _run(Shards(rank, world)), _step(Shards(rank, world))
    if rank == 0:
        torch.save({"state": state, "grads": grads}, path)


def _close(a, b) -> None:
    if isinstance(a, torch.Tensor):
        if a.is_floating_point():
            torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-9)
        else:
            assert torch.equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            if key != "wall_s":
                _close(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y)
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-6, nan_ok=True)
    else:
        assert a == b


@pytest.mark.slow
def test_two_workers_train_as_one_process(tmp_path):
    path = tmp_path / "worker0.pt"
    mp.spawn(_worker, args=(2, _port(), str(path)), nprocs=2)
    two, one = torch.load(path, weights_only=False), _run()
    assert two["state"]["epoch"] == one["epoch"] == 1 and two["state"]["step"] == one["step"] == 3
    _close(one, two["state"])  # weights, BatchNorm statistics, optimizer state, random states, history
    grads = _step()
    assert grads.keys() == two["grads"].keys()
    for name, grad in grads.items():  # uneven shards, each weighted by its share: float32 logits' rounding
        torch.testing.assert_close(two["grads"][name], grad, rtol=1e-6, atol=1e-6 * grad.abs().max().item() + 1e-12)
