"""The evaluation of one candidate by training it: complexity, build, train, optional latency and reward.

`evaluate_candidate(spec, data, train_spec, objective) -> Evaluation`, the ground truth every cheaper way
of scoring a candidate is measured against."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import torch

from nasx.arch.codec import decode, encode
from nasx.arch.spec import ArchSpec
from nasx.build import build_model
from nasx.complexity import complexity
from nasx.data.dataset import Dataset
from nasx.memory import check_network_fits
from nasx.profile import Latency, measure_latency
from nasx.provenance import versions
from nasx.quantize.int8 import QuantizeError
from nasx.quantize.scores import Int8Scores, int8_scores
from nasx.quantize.spec import CALIBRATION_IMAGES
from nasx.reward import Objective, cost_column
from nasx.train.deadline import TrialTimeout, deadline
from nasx.train.loop import train_and_eval
from nasx.train.metrics import Metrics
from nasx.train.spec import TrainSpec
from nasx.train.weights import save_weights

NAN = math.nan


@dataclass(frozen=True)
class Evaluation:
    """One candidate evaluated by training. params/macs are the trained (proxy) network's, full_params/full_macs the
    full-scale architecture's; `cost` is what the objective used; `reward` is NaN in multi-objective
    mode and for failed runs. `metrics` holds the per-epoch history, `latency` the measurement."""

    arch: str
    arch_key: str
    status: str
    error: str = ""
    full_arch: str = ""
    params: int | None = None
    macs: int | None = None
    full_params: int | None = None
    full_macs: int | None = None
    latency_ms: float = NAN
    latency_source: str = ""
    val_top1: float = NAN
    test_top1: float = NAN
    cost: float = NAN
    reward: float = NAN
    epochs: int = 0
    wall_s: float = 0.0
    seed: int = 0
    dataset: str = ""
    resolution: int | None = None
    metrics: Metrics | None = None
    latency: Latency | None = None
    int8: Int8Scores | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def objectives(self) -> tuple[float, float]:
        """(validation accuracy, cost): the pair a multi-objective search maximises / minimises."""
        return (self.val_top1, self.cost)

    def to_row(self) -> dict:
        """The results-table columns this evaluation fills (a subset of nasx.results.COLUMNS)."""
        row = {
            "arch": self.arch,
            "arch_key": self.arch_key,
            "status": self.status,
            "error": self.error,
            "params": self.params,
            "macs": self.macs,
            "full_params": self.full_params,
            "full_macs": self.full_macs,
            "latency_ms": self.latency_ms,
            "latency_source": self.latency_source,
            "val/top1": self.val_top1,
            "test/top1": self.test_top1,
            "reward": self.reward,
            "epochs": self.epochs,
            "wall_s": self.wall_s,
            "seed": self.seed,
            "dataset": self.dataset,
            "resolution": self.resolution,
            "versions": versions(),
            "finished_at": time.time(),
        }
        if self.metrics is not None:
            row["memory_format"] = self.metrics.memory_format
            row["compile"] = self.metrics.compile
        if self.full_arch:  # absent (not None) when unknown, so a caller's own full_arch is kept
            row["full_arch"] = self.full_arch
        if self.int8 is not None:
            row.update(self.int8.to_row())
        return row


def _check_fit(spec: ArchSpec, data: Dataset) -> None:
    for field, want in (
        ("resolution", data.resolution),
        ("num_classes", data.num_classes),
        ("in_channels", data.channels),
    ):
        if getattr(spec, field) != want:
            raise ValueError(f"spec.{field}={getattr(spec, field)} does not match the data ({data.name}: {want})")


def evaluate_candidate(
    spec: ArchSpec | str,
    data: Dataset,
    train_spec: TrainSpec,
    objective: Objective,
    seed: int = 0,
    full_spec: ArchSpec | None = None,
    on_epoch=None,
    measure: bool = False,
    latency_iters: int = 30,
    weights_path=None,
    initial_state: dict | None = None,
    resume_state: dict | None = None,
    full_latency: tuple[float, str] | None = None,
    quantize: str | None = None,
    calibration_images: int = CALIBRATION_IMAGES,
) -> Evaluation:
    """Score one candidate, trained at the proxy scale of `spec` (which must match the data's resolution,
    classes and channels). `full_spec` (default: `spec`) gives full_arch, full_params and full_macs.
    Latency is measured after training when `measure` is set or latency_ms is one of the objective's costs at
    scale proxy; the full-scale latency of `objective.full_latency` is had before training: `full_latency` (ms,
    `predicted` or `measured`) when the caller knows it, else from the objective's table or a measurement. With
    `weights_path` the trained state_dict of a finished run is saved there (atomically). `initial_state`: a state_dict
    of `build_model(spec)` that training starts from (fine-tuning; e.g. weights inherited from a
    supernet) instead of the seed's initialisation. `resume_state`: a state `on_epoch` was handed, to continue
    that run exactly (a paused trial). `quantize="int8"`: the trained network is also quantized
    (calibrated on `calibration_images` training images drawn by the seed) and scored, and the full-scale
    network's INT8 and fp32 latency measured (nasx.quantize.scores); a network that does not quantize keeps
    its float scores, with the reason in `error`. Never raises for a bad candidate or a failed run: those give
    a record with status "failed" and the reason."""
    start = time.perf_counter()
    failed = Evaluation(
        arch="", arch_key="", status="failed", seed=seed, dataset=data.name, resolution=data.resolution
    )  # filled in as the evaluation gets further
    try:
        spec = decode(spec) if isinstance(spec, str) else spec
        arch, key = encode(spec), spec.key()
    except ValueError as exc:
        return replace(failed, arch=str(spec), error=f"invalid architecture: {exc}")
    failed = replace(failed, arch=arch, arch_key=key)
    try:
        full_arch = encode(full_spec) if full_spec is not None else arch
        failed = replace(failed, full_arch=full_arch)
        _check_fit(spec, data)
        cost, full = complexity(spec), complexity(full_spec if full_spec is not None else spec)
    except ValueError as exc:
        return replace(failed, error=f"invalid architecture: {exc}", wall_s=time.perf_counter() - start)

    sizes = {"params": cost.params, "macs": cost.macs, "full_params": full.params, "full_macs": full.macs}
    failed = replace(failed, params=cost.params, macs=cost.macs, full_params=full.params, full_macs=full.macs)
    try:  # before anything is built: a network that cannot fit fails at once, not on its first batch
        check_network_fits(cost, train_spec.batch_size, train_spec.device, bf16=train_spec.bf16)
    except ValueError as exc:
        return replace(failed, error=str(exc), wall_s=time.perf_counter() - start)
    if objective.full_latency:
        try:
            if full_latency is None:
                from nasx.latency.source import latency_of

                full_latency = latency_of(objective)(full_spec if full_spec is not None else spec)
        except ValueError as exc:
            return replace(failed, error=f"full-scale latency: {exc}", wall_s=time.perf_counter() - start)
        failed = replace(failed, latency_ms=full_latency[0], latency_source=full_latency[1])
    try:
        with deadline(train_spec.timeout_s):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                model = build_model(spec)
            if initial_state is not None:
                model.load_state_dict(initial_state, strict=True)
            metrics = train_and_eval(model, data, replace(train_spec, seed=seed), on_epoch=on_epoch, state=resume_state)
            latency = None
            if metrics.ok and (measure or ("latency_ms" in objective.costs and not objective.full_latency)):
                latency = measure_latency(
                    model,
                    spec.resolution,
                    batch_size=1,
                    device=train_spec.device,
                    iters=latency_iters,
                    in_channels=spec.in_channels,
                )
            int8, int8_error = None, ""
            if metrics.ok and quantize == "int8":
                try:
                    int8 = int8_scores(
                        model,
                        data,
                        train_spec,
                        images=calibration_images,
                        seed=seed,
                        full=full_spec if full_spec is not None else spec,
                        iters=latency_iters,
                    )
                except QuantizeError as exc:
                    int8_error = f"int8: {exc}"
        if metrics.ok and weights_path is not None:
            save_weights(model, weights_path)
    except TrialTimeout as exc:
        return replace(failed, error=str(exc), wall_s=time.perf_counter() - start)
    except Exception as exc:  # a candidate that cannot be built or trained is a failed evaluation
        return replace(failed, error=f"{type(exc).__name__}: {exc}", wall_s=time.perf_counter() - start)
    latency_ms, source = (latency.median_ms, "measured") if latency else (failed.latency_ms, failed.latency_source)
    first = objective.costs[0]  # the `cost` column: the reward's cost, or the first of a Pareto search's
    if first == "latency_ms":
        value = failed.latency_ms if objective.full_latency else latency_ms
    else:
        value = sizes[cost_column(first, objective.scale)]
    score = NAN
    if metrics.ok:
        score = objective.reward_of(metrics.val_top1, value)
    return replace(
        failed,
        status=metrics.status,
        error="; ".join(e for e in (metrics.error, int8_error) if e),
        latency_ms=latency_ms,
        latency_source=source,
        val_top1=metrics.val_top1,
        test_top1=metrics.test_top1,
        cost=float(value),
        reward=score,
        epochs=metrics.epochs,
        wall_s=time.perf_counter() - start,
        metrics=metrics,
        latency=latency,
        int8=int8,
    )
