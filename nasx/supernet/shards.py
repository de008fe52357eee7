"""Data-parallel supernet training, the arithmetic side: every worker takes a contiguous shard of each global
batch, and the step computes what one process computes on the whole batch.

What a step shares between shards, and how it stays the one-process step's (`supernet.workers`,
docs/supernet.md, "Workers"):

- the loss: each shard's mean loss is weighted by its share of the batch (rows / global rows) before its
  backward pass, so the weighted losses, and the gradients, summed over the workers are the whole batch's;
- the gradients: after the sandwich step every parameter's gradient is summed over the workers (one
  all-reduce of them flattened). A parameter that no network of the step used has no gradient on any worker
  and keeps none, as in one process (the optimizer skips it: no weight decay, no momentum);
- BatchNorm in training mode: the batch statistics are the global batch's (a sum over the workers in the
  forward pass, differentiable: its backward pass sums the gradients the same way), so every shard is
  normalised as the whole batch is, and the running statistics, updated with the global mean and unbiased
  variance, are the same on every worker and equal to the one-process run's;
- dropout and stochastic depth: each worker draws the mask of the whole global batch from the same
  generator and keeps its shard's rows, so the random streams advance as in one process and a row gets the
  mask it gets there (on a CPU the numbers are the same as `torch.nn.functional.dropout`'s);
- everything else of a step is the same on every worker without communication: the batch order, the
  augmentation (of the whole global batch, then sharded), the random networks (the same seeded Generator).

The sums use torch.distributed's default process group (gloo on CPUs, NCCL on GPUs), set up by whoever
starts the workers (nasx.ray.train_supernet, through Ray Train); this module knows nothing of Ray.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.func import functional_call

from nasx.arch.spec import ArchSpec
from nasx.build.layers import DropPath
from nasx.supernet.skeleton import CACHED, skeleton


class Shards:
    """This worker's part of each global batch: worker `rank` of `world`, the rows `bounds(n)` of a batch of
    `n` (contiguous; the first n % world workers take one row more). `split(n)` records the current step's
    global batch, which the sharded BatchNorm and dropout layers read."""

    def __init__(self, rank: int, world: int) -> None:
        if not 0 <= rank < world:
            raise ValueError(f"worker {rank} of {world}")
        self.rank, self.world = rank, world
        self.rows = 0  # the current global batch
        self.part = slice(0, 0)  # this worker's rows of it
        self._skeletons: OrderedDict[ArchSpec, nn.Module] = OrderedDict()

    @property
    def lead(self) -> bool:
        """Worker 0: the one that measures the networks and hands the epoch's state on."""
        return self.rank == 0

    def bounds(self, n: int) -> slice:
        """This worker's rows of a batch of `n`."""
        size, extra = divmod(n, self.world)
        start = self.rank * size + min(self.rank, extra)
        return slice(start, start + size + (self.rank < extra))

    def split(self, n: int) -> slice:
        """This worker's rows of a global batch of `n` (at least one each), recorded for the layers."""
        if n < self.world:
            raise ValueError(f"supernet: a batch of {n} images cannot be split across {self.world} workers")
        self.rows, self.part = n, self.bounds(n)
        return self.part

    def share(self) -> float:
        """This worker's share of the current global batch: the weight of its shard's mean loss."""
        return (self.part.stop - self.part.start) / self.rows

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """`tensor` summed over the workers, in place (no gradient)."""
        dist.all_reduce(tensor)
        return tensor

    def sum_grads(self, parameters: Iterable[nn.Parameter]) -> None:
        """Every gradient summed over the workers (one all-reduce); parameters without one keep none."""
        grads = [p.grad for p in parameters if p.grad is not None]
        if not grads:
            return
        flat = self.sum(torch.cat([g.reshape(-1) for g in grads]))
        for g, part in zip(grads, flat.split([g.numel() for g in grads])):
            g.copy_(part.view_as(g))

    def skeleton(self, spec: ArchSpec) -> nn.Module:
        """`skeleton(spec)` with its BatchNorm, dropout and stochastic-depth layers sharded (the CACHED most
        recently used kept, as `skeleton` keeps them)."""
        net = self._skeletons.get(spec)
        if net is None:
            net = self._skeletons[spec] = sharded(skeleton(spec), self)
            if len(self._skeletons) > CACHED:
                self._skeletons.popitem(last=False)
        self._skeletons.move_to_end(spec)
        return net


def sharded(net: nn.Module, shards: Shards) -> nn.Module:
    """A copy of `net` whose layers that couple a batch's rows or draw per row are the sharded ones; a
    layer of such a kind that has no sharded version is refused (it would break the equality silently)."""
    net = copy.deepcopy(net)
    for m in net.modules():
        kind = SHARDED.get(type(m))
        if kind is not None:
            m.__class__ = kind  # the same parameters and buffers, the sharded forward
            m.shards = shards  # type: ignore[assignment]  # a plain attribute; Module's annotation has tensors
        elif isinstance(m, (nn.modules.batchnorm._NormBase, nn.modules.dropout._DropoutNd)):
            raise ValueError(f"supernet.workers: no sharded version of {type(m).__name__}")
    return net


def _narrow(x: torch.Tensor) -> torch.dtype:
    """The type a BatchNorm computes its output in: float32 for half types, else the input's."""
    return torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype


class _GlobalBatchNorm(torch.autograd.Function):
    """Training-mode batch normalisation of a shard by the global batch's statistics, with torch's kernel's
    formulas (output x * alpha + beta; the input's gradient from the sums of dy and of dy * (x - mean)) and
    one all-reduce each way: forward, each channel's sum and sum of squares (from the shard's own mean and
    squared deviations, in float64, so that the variance keeps float32's precision); backward, the sums of
    dy and dy * (x - mean). The weight's and bias's gradients are this shard's part (Shards.sum_grads adds
    them up). The running statistics are updated in place with the global mean and unbiased variance."""

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        weight: torch.Tensor | None,
        bias: torch.Tensor | None,
        running_mean: torch.Tensor | None,
        running_var: torch.Tensor | None,
        factor: float,
        eps: float,
        shards: Shards,
    ) -> torch.Tensor:
        shape, dims, count = _geometry(x, shards)
        wide = x.to(torch.float64)
        here = wide.mean(dims)  # this shard's
        rows = wide[:, 0].numel()
        sums = torch.stack([here * rows, (wide - here.view(shape)).square().sum(dims) + here.square() * rows])
        total, squares = shards.sum(sums) / count
        mean, var = total, (squares - total.square()).clamp_min(0.0)
        invstd = (var + eps).rsqrt()
        if running_mean is not None and running_var is not None:
            running_mean.copy_(factor * mean + (1 - factor) * running_mean.to(mean.dtype))
            unbiased = var * (count / max(count - 1, 1))
            running_var.copy_(factor * unbiased + (1 - factor) * running_var.to(var.dtype))
        narrow = _narrow(x)
        alpha = invstd.to(narrow) if weight is None else invstd.to(narrow) * weight.to(narrow)
        beta = -mean.to(narrow) * alpha if bias is None else bias.to(narrow) - mean.to(narrow) * alpha
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.shards = shards
        return (x.to(narrow) * alpha.view(shape) + beta.view(shape)).to(x.dtype)

    @staticmethod
    def backward(ctx: Any, dy: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, weight, mean, invstd = ctx.saved_tensors
        shape, dims, count = _geometry(x, ctx.shards)
        wide = dy.to(mean.dtype)
        local = torch.stack([wide.sum(dims), (wide * (x.to(mean.dtype) - mean.view(shape))).sum(dims)])
        grad_weight = grad_bias = None
        if weight is not None and ctx.needs_input_grad[1]:
            grad_weight = (local[1] * invstd).to(weight.dtype)
        if ctx.needs_input_grad[2]:
            grad_bias = local[0].to(dy.dtype if weight is None else weight.dtype)
        grad_x = None
        if ctx.needs_input_grad[0]:
            sum_dy, dot = ctx.shards.sum(local.clone())
            narrow = _narrow(x)
            scale = invstd.to(narrow) if weight is None else invstd.to(narrow) * weight.to(narrow)
            k = (dot * invstd.square() / count).to(narrow)
            centred = x.to(narrow) - mean.to(narrow).view(shape)
            grad_x = dy.to(narrow) - (sum_dy / count).to(narrow).view(shape) - centred * k.view(shape)
            grad_x = (grad_x * scale.view(shape)).to(x.dtype)
        return grad_x, grad_weight, grad_bias, None, None, None, None, None


def _geometry(x: torch.Tensor, shards: Shards) -> tuple[tuple[int, ...], list[int], int]:
    """(per-channel broadcast shape, reduced dimensions, values per channel in the global batch)."""
    return (1, -1) + (1,) * (x.dim() - 2), [0, *range(2, x.dim())], shards.rows * x[0, 0].numel()


class ShardedBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training-mode statistics are the global batch's (module docstring)."""

    shards: Shards

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        running = (self.running_mean, self.running_var) if self.track_running_stats else (None, None)
        out: torch.Tensor = _GlobalBatchNorm.apply(x, self.weight, self.bias, *running, factor, self.eps, self.shards)
        return out


class ShardedDropout(nn.Dropout):
    """Dropout drawing the whole global batch's mask and keeping this shard's rows."""

    shards: Shards

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * torch.zeros((), dtype=x.dtype, device=x.device)
        noise = x.new_empty((self.shards.rows, *x.shape[1:])).bernoulli_(1 - self.p)
        noise.div_(1 - self.p)
        return x * noise[self.shards.part]


class ShardedDropPath(DropPath):
    """Stochastic depth drawing the whole global batch's per-row mask and keeping this shard's rows."""

    shards: Shards

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        shape = (self.shards.rows,) + (1,) * (x.dim() - 1)
        mask = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(keep)
        return x * mask[self.shards.part] / keep


SHARDED: dict[type, type] = {nn.BatchNorm2d: ShardedBatchNorm2d, nn.Dropout: ShardedDropout, DropPath: ShardedDropPath}


class ShardedRun:
    """What the sandwich step runs networks through (`run(x, spec, slots)`, as `Supernet.run`), with the
    sharded layers: the supernet's slices in `skeleton(spec)` made sharded."""

    def __init__(self, supernet: Any, shards: Shards) -> None:
        self.supernet, self.shards = supernet, shards

    def run(self, x: torch.Tensor, spec: ArchSpec, slots: tuple[str, ...]) -> torch.Tensor:
        net = self.shards.skeleton(spec).train(self.supernet.training)
        out: torch.Tensor = functional_call(net, self.supernet.sliced(spec, slots), (x,), strict=True)
        return out
