"""Training a supernet: the epoch loop around the sandwich step, the validation of its largest and smallest
networks after each epoch, and a state after each epoch from which a resumed run continues exactly.

Batches are drawn and augmented as `train_and_eval` draws them (order, crop and flip from a generator seeded
by `seed`), the learning rate follows the protocol's schedule per step, and one optimizer (`make_optimizer`
over every supernet parameter; weight decay on every shared weight) steps once per batch.

Data-parallel (`shards`, nasx.supernet.shards): each worker runs this loop on its shard of every global
batch, augmented whole first; the gradients and the epoch's losses are summed over the workers, so each
worker steps as one process does on the whole batch. Worker 0 alone measures the networks and calls
`on_epoch`.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import torch
from torch import nn

from nasx.data.augment import batch_crop, batch_flip
from nasx.data.dataset import Dataset
from nasx.data.images import at_resolution
from nasx.supernet.recalibrate import recalibrate
from nasx.supernet.sandwich import Network, Sandwich, sandwich_step
from nasx.supernet.shards import ShardedRun, Shards
from nasx.train.loop import accuracy, autocast, model_inputs
from nasx.train.optim import lr_factor, make_optimizer
from nasx.train.spec import TrainSpec

ROLES = ("largest", "smallest")  # the networks measured after each epoch
OnEpoch = Callable[[dict, dict], None]


def evaluate(supernet, network: Network, data: Dataset, spec: TrainSpec, images: int, seed: int) -> float:
    """Validation top-1 of `network` as a supernet scores a candidate: extracted, its BatchNorm statistics
    recalibrated on `images` training images drawn by `seed`, on the data resized to its resolution
    (`at_resolution`). Draws nothing from the training's random streams."""
    devices = [data.device] if data.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        model = supernet.standalone(network.spec, network.slots)
        data = at_resolution(data, network.spec.resolution)
        recalibrate(model, data, images, seed)
        return accuracy(model, data.val_x, data.val_y, data, spec, channels_last=True)


def budget(spec: TrainSpec, n_train: int) -> tuple[int, int, int, int]:
    """(batch size, steps per epoch, total steps, total epochs) of `spec` on `n_train` images, as `train_and_eval`
    counts them: a step budget rounds up to whole epochs."""
    batch = min(spec.batch_size, n_train)
    steps_per_epoch = n_train // batch
    total_steps = spec.steps or spec.epochs * steps_per_epoch
    return batch, steps_per_epoch, total_steps, math.ceil(total_steps / steps_per_epoch)


def role_history(history: list[dict], role: str) -> list[dict]:
    """One role's per-epoch history in `train_and_eval`'s keys (train/loss, val/top1), for nasx.results.curves."""
    return [
        {
            "epoch": h["epoch"],
            "step": h["step"],
            "lr": h["lr"],
            "train/loss": h[f"{role}/train/loss"],
            "val/top1": h[f"{role}/val/top1"],
            "evaluated": h["evaluated"],
            "wall_s": h["wall_s"],
        }
        for h in history
    ]


def _state(supernet, optimizer, batches, points, epoch, step, history, wall_s, device) -> dict:
    """A resumable snapshot (deep copies, safe to keep while training goes on)."""
    rng = {"torch": torch.get_rng_state(), "batches": batches.get_state(), "points": points.bit_generator.state}
    if device.type == "cuda":
        rng["cuda"] = torch.cuda.get_rng_state(device)
    return copy.deepcopy(
        {
            "epoch": epoch,
            "step": step,
            "state_dict": supernet.state_dict(),
            "optimizer": optimizer.state_dict(),
            "rng": rng,
            "history": history,
            "wall_s": wall_s,
        }
    )


def _restore(state: dict, supernet, optimizer, batches, points, device) -> tuple[int, int, list[dict], float]:
    supernet.load_state_dict(state["state_dict"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"]["torch"])
    batches.set_state(state["rng"]["batches"])
    points.bit_generator.state = state["rng"]["points"]
    if device.type == "cuda" and "cuda" in state["rng"]:
        torch.cuda.set_rng_state(state["rng"]["cuda"], device)
    return int(state["epoch"]), int(state["step"]), copy.deepcopy(list(state["history"])), float(state["wall_s"])


def train_supernet(
    supernet,
    data: Dataset,
    spec: TrainSpec,
    sandwich: Sandwich,
    *,
    distill: bool,
    seed: int,
    recalibration_images: int,
    state: dict | None = None,
    on_epoch: OnEpoch | None = None,
    shards: Shards | None = None,
) -> list[dict]:
    """Train `supernet` on data's train split under `spec` by `sandwich`'s rule (or its uniform sampling); returns
    the per-epoch history (epoch, step, lr, phase, train/loss: the mean summed loss of a step, and per role
    `largest/train/loss`, `largest/val/top1`, ... : NaN where not trained or not measured, evaluated, wall_s:
    the seconds trained so far, across resumes). `on_epoch(entry,
    state)` runs after every epoch; passing that `state` back continues the run exactly. A non-finite loss
    stops training with a ValueError (the last epoch's state is intact). `shards`: this process is one worker
    of a data-parallel run (module docstring); only worker 0 measures the networks and calls `on_epoch`."""
    start = time.perf_counter()
    device = torch.device(spec.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"train.device={spec.device!r}: CUDA is not available on this machine")
    if spec.threads:
        torch.set_num_threads(spec.threads)
    data = data.to(device)
    supernet.to(device)
    channels_last = device.type == "cuda" and spec.channels_last
    n = len(data.train_y)
    batch, steps_per_epoch, total_steps, total_epochs = budget(spec, n)
    crop = min(spec.crop_pad, data.resolution)
    flip = spec.hflip and data.hflip
    lead = shards is None or shards.lead
    if shards is not None and batch < shards.world:
        raise ValueError(f"supernet: a batch of {batch} images cannot be split across {shards.world} workers")

    optimizer = make_optimizer(supernet, spec)
    batches = torch.Generator().manual_seed(seed)
    points = np.random.default_rng(seed)
    step_of = partial(
        sandwich_step,
        supernet if shards is None else ShardedRun(supernet, shards),
        inputs=lambda x: model_inputs(x, data, channels_last),
        label_smoothing=spec.label_smoothing,
        distill=distill,
        autocast=lambda: autocast(device, spec),
    )
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        epoch, step, history, wall_before = (
            _restore(state, supernet, optimizer, batches, points, device) if state else (0, 0, [], 0.0)
        )
        while epoch < total_epochs:
            phase = sandwich.phase(epoch, total_epochs)
            supernet.train()
            order = torch.randperm(n, generator=batches).to(device)
            sums = torch.zeros(3, device=device)  # summed loss, largest's, smallest's
            steps = 0
            for i in range(min(steps_per_epoch, total_steps - step)):
                idx = order[i * batch : (i + 1) * batch]
                x, y = data.train_x[idx], data.train_y[idx]
                if crop:
                    x = batch_crop(x, crop, batches)
                if flip:
                    x = batch_flip(x, batches)
                weight = 1.0
                if shards is not None:  # this worker's rows of the batch augmented whole
                    part = shards.split(len(y))
                    x, y, weight = x[part], y[part], shards.share()
                lr = spec.lr * lr_factor(step, total_steps, spec)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                optimizer.zero_grad(set_to_none=True)
                losses = step_of(sandwich.networks(phase, points), x, y, weight=weight)
                if shards is not None:
                    shards.sum_grads(supernet.parameters())
                if spec.grad_clip:
                    nn.utils.clip_grad_norm_(supernet.parameters(), spec.grad_clip)
                optimizer.step()
                nan = losses[0] * math.nan
                largest = losses[0] if sandwich.trains_largest else nan
                smallest = losses[1] if sandwich.trains_largest and len(losses) > 1 else nan
                sums += torch.stack([torch.stack(losses).sum(), largest, smallest])
                steps += 1
                step += 1
            epoch += 1
            if shards is not None:
                shards.sum(sums)
            total, largest_loss, smallest_loss = (sums / max(steps, 1)).tolist()
            if not math.isfinite(total):
                raise ValueError(
                    f"supernet: non-finite training loss at epoch {epoch}, step {step}; the run "
                    f"directory keeps epoch {epoch - 1}"
                )
            evaluated = epoch == total_epochs or bool(spec.eval_every and epoch % spec.eval_every == 0)
            entry = {
                "epoch": epoch,
                "step": step,
                "lr": lr,
                "phase": phase,
                "train/loss": total,
                "largest/train/loss": largest_loss,
                "smallest/train/loss": smallest_loss,
                "evaluated": evaluated,
            }
            for role in ROLES:
                network = getattr(sandwich, role)
                entry[f"{role}/val/top1"] = (
                    evaluate(supernet, network, data, spec, recalibration_images, seed)
                    if evaluated and lead
                    else math.nan
                )
            entry["wall_s"] = wall_before + time.perf_counter() - start
            history.append(entry)
            if on_epoch is not None and lead:
                on_epoch(
                    entry, _state(supernet, optimizer, batches, points, epoch, step, history, entry["wall_s"], device)
                )
    return history
