"""TrainSpec: every knob of a short training trial, as one frozen dataclass."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from nasx.checks import (
    MAX_CROP_PAD,
    MAX_THREADS,
    check,
    check_in,
    check_int,
    check_int_range,
    check_range,
    check_seed,
    is_number,
)
from nasx.train import faults

OPTIMIZERS = ("sgd", "adamw")
SCHEDULES = ("cosine", "onecycle", "constant")
MEMORY_FORMATS = ("device", "auto", "channels_last", "contiguous")


@dataclass(frozen=True)
class TrainSpec:
    """Budget: `epochs`, or `steps` (> 0 overrides epochs). Optimizer `sgd` (momentum, Nesterov) or
    `adamw`; `weight_decay` applies to conv/linear weights only, never to BN parameters or biases.
    Schedule per step: linear warm-up over `warmup_fraction` of the steps, then `cosine` to 0,
    `onecycle` (linear to 0) or `constant`. Augmentation: random crop from a `crop_pad`-pixel
    zero-padded image (0 = off), horizontal flip when `hflip` and the dataset allows it.
    `bf16` autocast applies on CUDA only. `memory_format`: `device` (channels_last on CUDA when
    `channels_last`, contiguous on CPU), `auto` (whichever of the two a short timed probe of the network
    finds faster on this device, nasx.train.memory_format), or `channels_last` / `contiguous` on every
    device. `crop_kernels` trains convs with the taps that can touch real input only (exact,
    nasx.build.crop). `fold_bn` evaluates with each BN folded into the conv before it (nasx.build.fold_bn;
    training unchanged). `compile` trains through `torch.compile` (the model's own weights; checked to have a
    working compiler backend before a run); `auto` compiles only where the trial is long enough to repay the
    compile time (nasx.train.compiled). `threads` > 0 fixes torch's CPU thread count.
    Validation accuracy is measured every `eval_every` epochs (0 = only at the end);
    test accuracy only once, at the end. `timeout_s` > 0 stops a trial running longer (recorded as
    failed); `fault` injects a fault on purpose (see nasx.train.faults, e.g. `nan@2`).

    The defaults are conf/train/proxy.yaml's (tests/test_defaults.py keeps them equal). `batch_size` is 64
    because every number recorded with the default protocol was measured with 64: the `nasx train`
    acceptance runs in README, the demo, and experiments/proxy_fidelity.md (whose step rungs count
    batches of 64: one digits epoch is 19 steps)."""

    epochs: int = 10
    steps: int = 0
    batch_size: int = 64
    eval_batch_size: int = 1024
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    schedule: str = "cosine"
    warmup_fraction: float = 0.1
    label_smoothing: float = 0.1
    grad_clip: float = 0.0
    crop_pad: int = 2
    hflip: bool = True
    eval_every: int = 1
    seed: int = 0
    device: str = "cpu"
    bf16: bool = True
    channels_last: bool = True
    memory_format: str = "device"
    crop_kernels: bool = False
    fold_bn: bool = False
    compile: bool | str = False
    threads: int = 0
    timeout_s: float = 0.0
    fault: str = ""

    def __post_init__(self) -> None:
        check_int("train.steps", self.steps, 0)
        check_int("train.epochs", self.epochs, 0 if self.steps else 1)
        for name in ("batch_size", "eval_batch_size"):
            check_int(f"train.{name}", getattr(self, name), 1)
        check_int("train.eval_every", self.eval_every, 0)
        check_int_range("train.crop_pad", self.crop_pad, 0, MAX_CROP_PAD)
        check_int_range("train.threads", self.threads, 0, MAX_THREADS)
        check_seed("train.seed", self.seed)
        check_in("train.optimizer", self.optimizer, OPTIMIZERS)
        check_in("train.schedule", self.schedule, SCHEDULES)
        check_in("train.memory_format", self.memory_format, MEMORY_FORMATS)
        check(isinstance(self.crop_kernels, bool), "train.crop_kernels", self.crop_kernels, "must be true or false")
        check(isinstance(self.fold_bn, bool), "train.fold_bn", self.fold_bn, "must be true or false")
        check_range("train.lr", self.lr, low=0, closed="(]")
        for name in ("momentum", "warmup_fraction", "label_smoothing"):
            check_range(f"train.{name}", getattr(self, name), 0.0, 1.0, closed="[)")
        for name in ("weight_decay", "grad_clip"):
            check_range(f"train.{name}", getattr(self, name), low=0)
        check(
            is_number(self.timeout_s) and 0 <= self.timeout_s < math.inf,
            "train.timeout_s",
            self.timeout_s,
            "must be a number of seconds >= 0 (0 = no limit)",
        )
        check(
            isinstance(self.compile, bool) or self.compile == "auto",
            "train.compile",
            self.compile,
            "must be true, false or auto",
        )
        faults.parse(self.fault)
        check(
            isinstance(self.device, str) and (self.device == "cpu" or self.device.startswith("cuda")),
            "train.device",
            self.device,
            "must be cpu or cuda[:N]",
        )

    def to_dict(self) -> dict:
        return asdict(self)
