"""train_and_eval: the short-trial training loop on device-resident uint8 data."""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable

import torch
from torch import nn

from nasx.build.crop import crop_kernels, uncrop_kernels
from nasx.build.fold_bn import foldable_pairs, folded
from nasx.data.augment import batch_crop, batch_flip, normalize
from nasx.data.dataset import Dataset
from nasx.train import compiled, faults
from nasx.train.memory_format import resolve
from nasx.train.metrics import Metrics
from nasx.train.optim import lr_factor, make_optimizer
from nasx.train.spec import TrainSpec

OnEpoch = Callable[[Metrics, dict], None]


class Diverged(Exception):
    """The training loss became NaN or infinite."""


def autocast(device: torch.device, spec: TrainSpec):
    """bf16 autocast on CUDA when `spec.bf16`; else nothing."""
    if device.type == "cuda" and spec.bf16:
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def model_inputs(x: torch.Tensor, data: Dataset, channels_last: bool) -> torch.Tensor:
    """uint8 images -> a network's input: normalised by the data's statistics, channels-last if asked."""
    x = normalize(x, data.mean, data.std)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


@torch.inference_mode()
def accuracy(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    data: Dataset,
    spec: TrainSpec,
    channels_last: bool = False,
    pairs: list[tuple[str, str]] | None = None,
) -> float:
    """Top-1 accuracy in [0, 1] of `model` (eval mode) on uint8 images `x`; NaN for an empty split. With
    `spec.fold_bn` it runs with batch norm folded into the convs before it (`pairs`: the (conv, BN) names to fold,
    nasx.build.fold_bn's `foldable_pairs` when not given), put back as it was afterwards."""
    if len(y) == 0:
        return math.nan
    model.eval()
    if not spec.fold_bn:
        return _correct(model, x, y, data, spec, channels_last) / len(y)
    with folded(model, pairs) as net:
        return _correct(net, x, y, data, spec, channels_last) / len(y)


def _correct(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, data: Dataset, spec: TrainSpec, channels_last: bool
) -> int:
    """How many of the images `x` `model` classifies as `y`."""
    correct = torch.zeros((), dtype=torch.int64, device=y.device)
    for start in range(0, len(y), spec.eval_batch_size):
        xb = model_inputs(x[start : start + spec.eval_batch_size], data, channels_last)
        with autocast(y.device, spec):
            logits = model(xb)
        correct += (logits.argmax(1) == y[start : start + spec.eval_batch_size]).sum()
    return int(correct.item())


def _state(model, optimizer, generator, epoch: int, step: int, metrics: Metrics, device) -> dict:
    """A resumable snapshot (deep copies, safe to keep while training goes on)."""
    rng = {"torch": torch.get_rng_state(), "batches": generator.get_state()}
    if device.type == "cuda":
        rng["cuda"] = torch.cuda.get_rng_state(device)
    return copy.deepcopy(
        {
            "epoch": epoch,
            "step": step,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": {"step": step},
            "rng": rng,
            "history": metrics.history,
            "wall_s": metrics.wall_s,
        }
    )


def _restore(state: dict, model, optimizer, generator, metrics: Metrics, device) -> tuple[int, int]:
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"]["torch"])
    generator.set_state(state["rng"]["batches"])
    if device.type == "cuda" and "cuda" in state["rng"]:
        torch.cuda.set_rng_state(state["rng"]["cuda"], device)
    metrics.history = copy.deepcopy(list(state["history"]))
    if metrics.history:
        metrics.train_loss = metrics.history[-1]["train/loss"]
        metrics.val_top1 = metrics.history[-1].get("val/top1", math.nan)
    return int(state["epoch"]), int(state["step"])


def train_and_eval(
    model: nn.Module, data: Dataset, spec: TrainSpec, on_epoch: OnEpoch | None = None, state: dict | None = None
) -> Metrics:
    """Train `model` on data's train split under `spec`, report validation accuracy (the search signal)
    and test accuracy (reporting only). `on_epoch(metrics, state)` runs after every epoch with a
    resumable `state`; passing that state back continues the run exactly. With `spec.crop_kernels` the
    network trains with cropped kernels (its state snapshots too) and is handed back uncropped; with
    `spec.fold_bn` it is evaluated with batch norm folded (`accuracy`), its own Parameters and BNs put back
    after. A NaN/inf loss ends the run early with status "failed"; the caller never sees an exception for it."""
    start = time.perf_counter()
    device = torch.device(spec.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"train.device={spec.device!r}: CUDA is not available on this machine")
    if spec.threads:
        torch.set_num_threads(spec.threads)
    data = data.to(device)
    model.to(device)
    n = len(data.train_y)
    batch = min(spec.batch_size, n)
    input_shape = (data.channels, data.resolution, data.resolution)
    if spec.crop_kernels:
        crop_kernels(model, input_shape)
    pairs = foldable_pairs(model) if spec.fold_bn else None  # traced once, folded at each evaluation
    metrics = Metrics(memory_format=resolve(spec, model, input_shape, batch))
    channels_last = metrics.memory_format == "channels_last"
    if channels_last:
        model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stubs omit this keyword
    steps_per_epoch = n // batch
    total_steps = spec.steps or spec.epochs * steps_per_epoch
    forward: Callable[[torch.Tensor], torch.Tensor] = model
    unmarked = False
    if spec.compile:  # true or auto
        key = compiled.network_key(
            repr(model), input_shape, batch, str(device), torch.get_num_threads(), metrics.memory_format
        )
        metrics.compile = compiled.decide(spec.compile, key, total_steps)
        if metrics.compile != "off":
            compiled.use_cache_dir()
            forward = torch.compile(model)  # the same parameters, compiled on the first step
            unmarked = metrics.compile == "cold"
    total_epochs = math.ceil(total_steps / steps_per_epoch)
    crop = min(spec.crop_pad, data.resolution)
    flip = spec.hflip and data.hflip

    optimizer = make_optimizer(model, spec)
    criterion = nn.CrossEntropyLoss(label_smoothing=spec.label_smoothing)
    generator = torch.Generator().manual_seed(spec.seed)
    check_every = 1 if device.type == "cpu" else 50
    fault, poison = faults.for_trial(spec.fault, None), False
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(spec.seed)
        epoch, step = _restore(state, model, optimizer, generator, metrics, device) if state else (0, 0)
        wall_before = float(state["wall_s"]) if state else 0.0
        try:
            while epoch < total_epochs:
                faults.fire(fault, epoch + 1)
                poison = faults.poisons(fault, epoch + 1)
                model.train()
                order = torch.randperm(n, generator=generator).to(device)
                loss_sum = torch.zeros((), device=device)
                seen = 0
                for i in range(min(steps_per_epoch, total_steps - step)):
                    idx = order[i * batch : (i + 1) * batch]
                    x, y = data.train_x[idx], data.train_y[idx]
                    if crop:
                        x = batch_crop(x, crop, generator)
                    if flip:
                        x = batch_flip(x, generator)
                    x = model_inputs(x, data, channels_last)
                    lr = spec.lr * lr_factor(step, total_steps, spec)
                    for group in optimizer.param_groups:
                        group["lr"] = lr
                    with autocast(device, spec):
                        logits = forward(x)
                    loss = criterion(logits.float(), y)
                    if poison:
                        loss = loss * math.nan
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    if spec.grad_clip:
                        nn.utils.clip_grad_norm_(model.parameters(), spec.grad_clip)
                    optimizer.step()
                    if unmarked:  # the first step compiled the network: the cache holds it now
                        compiled.mark_compiled(key)
                        unmarked = False
                    loss_sum += loss.detach() * len(y)
                    seen += len(y)
                    step += 1
                    if step % check_every == 0 and not torch.isfinite(loss_sum):
                        raise Diverged(f"non-finite training loss at epoch {epoch + 1}, step {step}")
                epoch += 1
                metrics.train_loss = loss_sum.item() / max(seen, 1)
                if not math.isfinite(metrics.train_loss):
                    raise Diverged(f"non-finite training loss ({metrics.train_loss}) at epoch {epoch}, step {step}")
                evaluated = epoch == total_epochs or bool(spec.eval_every and epoch % spec.eval_every == 0)
                if evaluated:
                    metrics.val_top1 = accuracy(model, data.val_x, data.val_y, data, spec, channels_last, pairs)
                metrics.epochs, metrics.steps = epoch, step
                metrics.wall_s = wall_before + time.perf_counter() - start
                metrics.history.append(
                    {
                        "epoch": epoch,
                        "step": step,
                        "lr": lr,
                        "train/loss": metrics.train_loss,
                        "val/top1": metrics.val_top1,
                        "evaluated": evaluated,
                        "wall_s": metrics.wall_s,
                    }
                )
                if on_epoch is not None:
                    on_epoch(metrics, _state(model, optimizer, generator, epoch, step, metrics, device))
        except Diverged as exc:
            metrics.status, metrics.error = "failed", str(exc) + (f" (injected fault {fault})" if poison else "")
            metrics.val_top1 = metrics.test_top1 = math.nan
            metrics.epochs, metrics.steps = epoch, step
            metrics.wall_s = wall_before + time.perf_counter() - start
            uncrop_kernels(model)
            return metrics
    metrics.test_top1 = accuracy(model, data.test_x, data.test_y, data, spec, channels_last, pairs)
    uncrop_kernels(model)
    metrics.wall_s = wall_before + time.perf_counter() - start
    return metrics
