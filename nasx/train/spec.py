"""TrainSpec: every knob of a short training trial, as one frozen dataclass."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from nasx.train import faults

OPTIMIZERS = ("sgd", "adamw")
SCHEDULES = ("cosine", "onecycle", "constant")


@dataclass(frozen=True)
class TrainSpec:
    """Budget: `epochs`, or `steps` (> 0 overrides epochs). Optimizer `sgd` (momentum, Nesterov) or
    `adamw`; `weight_decay` applies to conv/linear weights only, never to BN parameters or biases.
    Schedule per step: linear warm-up over `warmup_fraction` of the steps, then `cosine` to 0,
    `onecycle` (linear to 0) or `constant`. Augmentation: random crop from a `crop_pad`-pixel
    zero-padded image (0 = off), horizontal flip when `hflip` and the dataset allows it.
    `bf16` autocast and `channels_last` apply on CUDA only. `threads` > 0 fixes torch's CPU
    thread count. Validation accuracy is measured every `eval_every` epochs (0 = only at the end);
    test accuracy only once, at the end. `timeout_s` > 0 stops a trial running longer (recorded as
    failed); `fault` injects a fault on purpose (see nasx.train.faults, e.g. `nan@2`)."""

    epochs: int = 10
    steps: int = 0
    batch_size: int = 128
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
    threads: int = 0
    timeout_s: float = 0.0
    fault: str = ""

    def __post_init__(self) -> None:
        def positive_int(name, value, minimum):
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"train.{name}={value!r}: must be an integer >= {minimum}")
        positive_int("steps", self.steps, 0)
        positive_int("epochs", self.epochs, 0 if self.steps else 1)
        for name in ("batch_size", "eval_batch_size"):
            positive_int(name, getattr(self, name), 1)
        for name in ("crop_pad", "eval_every", "threads", "seed"):
            positive_int(name, getattr(self, name), 0)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"train.optimizer={self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"train.schedule={self.schedule!r}: choose one of {', '.join(SCHEDULES)}")
        if not self.lr > 0:
            raise ValueError(f"train.lr={self.lr!r}: must be > 0")
        for name, low, high in (("momentum", 0.0, 1.0), ("warmup_fraction", 0.0, 1.0), ("label_smoothing", 0.0, 1.0)):
            value = getattr(self, name)
            if not low <= value < high:
                raise ValueError(f"train.{name}={value!r}: must be in [{low}, {high})")
        if self.weight_decay < 0 or self.grad_clip < 0:
            raise ValueError(f"train.weight_decay={self.weight_decay}, train.grad_clip={self.grad_clip}: must be >= 0")
        if isinstance(self.timeout_s, bool) or not isinstance(self.timeout_s, (int, float)) or \
                not 0 <= self.timeout_s < float("inf"):
            raise ValueError(f"train.timeout_s={self.timeout_s!r}: must be a number of seconds >= 0 (0 = no limit)")
        faults.parse(self.fault)
        if not (self.device == "cpu" or self.device.startswith("cuda")):
            raise ValueError(f"train.device={self.device!r}: must be cpu or cuda[:N]")

    def to_dict(self) -> dict:
        return asdict(self)
