"""`LatencyTable`: measured milliseconds per unit of a space and the fitted terms that turn their sum into a
network's latency (Once-for-All's, ProxylessNAS's and FBNet's additive model), keyed by where and how it was
measured. Pure data: predicting costs a decomposition and a sum, no torch.

    predict_ms(spec) = scale * sum(unit_ms) + constant_ms + per_unit_ms * units

The additive model proper is scale 1, per_unit 0; `fit` also finds the least-squares correction of whole-network
measurements, the measure of how far additivity fails (`nasx.latency.calibrate`)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from nasx import checks
from nasx.arch.spec import ArchSpec
from nasx.latency.units import decompose

FORMAT = 1  # the table file's format version
DEVICES = ("cpu", "cuda")
DTYPES = ("fp32", "bf16", "int8")  # int8: each unit quantized alone (nasx.latency.full_scale.runnable)
FINGERPRINT_KEYS = ("device_name", "cores", "torch", "cuda")  # what makes two machines' timings comparable


@dataclass(frozen=True)
class Setting:
    """How a latency is measured: on `device`, a batch of `batch` images, in `dtype`, with `threads` CPU threads."""

    device: str = "cpu"
    batch: int = 1
    dtype: str = "fp32"
    threads: int = 1

    def check(self, prefix: str = "") -> None:
        """The values' checks, each failing as one line naming `prefix + field` (`objective.batch=0: ...`)."""
        checks.check_in(prefix + "device", self.device, DEVICES)
        checks.check_int(prefix + "batch", self.batch, 1)
        checks.check_in(prefix + "dtype", self.dtype, DTYPES)
        checks.check_int(prefix + "threads", self.threads, 1)


@dataclass(frozen=True)
class Fit:
    """The terms added to the sum of a network's units: `scale` of the sum, `constant_ms`, `per_unit_ms`."""

    constant_ms: float = 0.0
    per_unit_ms: float = 0.0
    scale: float = 1.0

    def apply(self, units_ms: float, units: int) -> float:
        return self.scale * units_ms + self.constant_ms + self.per_unit_ms * units


def fit(units_ms: list[float], units: list[int], whole_ms: list[float], *, corrected: bool) -> Fit:
    """Least squares of whole-network measurements on the sums of their units: the additive model's constant
    alone (`corrected=False`: the mean of whole - sum), or scale, constant and per-unit term together (a term
    whose column does not vary over the networks is left at its neutral value)."""
    total, count, whole = (np.asarray(v, dtype=float) for v in (units_ms, units, whole_ms))
    if not len(whole):
        raise ValueError("fit: no calibration networks")
    if not corrected:
        return Fit(constant_ms=float(np.mean(whole - total)))
    columns = [np.ones_like(total)]
    varies = {"per_unit": np.ptp(count) > 0, "scale": np.ptp(total) > 0}
    if varies["per_unit"]:
        columns.append(count)
    if varies["scale"]:
        columns.append(total)
    target = whole if varies["scale"] else whole - total
    if len(whole) <= len(columns):  # too few networks to fit the correction: the additive constant alone
        return Fit(constant_ms=float(np.mean(whole - total)))
    coef = np.linalg.lstsq(np.stack(columns, axis=1), target, rcond=None)[0]
    terms = iter(coef[1:])
    return Fit(
        constant_ms=float(coef[0]),
        per_unit_ms=float(next(terms)) if varies["per_unit"] else 0.0,
        scale=float(next(terms)) if varies["scale"] else 1.0,
    )


def loo_rms_pct(units_ms: list[float], units: list[int], whole_ms: list[float], *, corrected: bool) -> float:
    """Leave-one-out RMS percentage error of `fit` over the calibration networks: each predicted by the fit of
    the others. NaN with fewer than two networks."""
    n = len(whole_ms)
    if n < 2:
        return float("nan")
    errors = []
    for i in range(n):
        rest = [j for j in range(n) if j != i]
        f = fit([units_ms[j] for j in rest], [units[j] for j in rest], [whole_ms[j] for j in rest], corrected=corrected)
        errors.append((f.apply(units_ms[i], units[i]) - whole_ms[i]) / whole_ms[i])
    return float(100 * np.sqrt(np.mean(np.square(errors))))


def fingerprint_difference(table: dict[str, Any], here: dict[str, Any]) -> str | None:
    """The first fingerprint field that tells two machines apart, as `NAME 'TABLE' (the table) against 'HERE'
    (this machine)`; None when they agree."""
    for name in FINGERPRINT_KEYS:
        if table.get(name) != here.get(name):
            return f"{name} {table.get(name)!r} (the table) against {here.get(name)!r} (this machine)"
    return None


@dataclass(frozen=True)
class LatencyTable:
    """Per-unit latencies of a space measured under one `setting` on the machine of `fingerprint`. `fit` is the
    prediction's correction, `additive` the plain sum-plus-constant fit of the same calibration networks (kept to
    show how far additivity fails). `coverage`: the share of a fresh sample's units (and networks) the table
    holds; `validation`: the error of its predictions against whole networks; `build`: how it was made."""

    space: str
    setting: Setting
    fingerprint: dict[str, Any]
    units_ms: dict[str, float]
    fit: Fit = field(default_factory=Fit)
    additive: Fit = field(default_factory=Fit)
    enumeration: str = "exact"  # exact: every unit the space can produce; sampled: those of a seeded sample
    coverage: dict[str, Any] = field(default_factory=dict)
    calibration: list[dict[str, Any]] = field(default_factory=list)
    validation: dict[str, Any] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=dict)

    def unit_keys(self, spec: ArchSpec) -> list[str]:
        """The keys of `spec`'s units; ValueError naming the first one the table does not hold."""
        keys = [unit.key for unit in decompose(spec)]
        for key in keys:
            if key not in self.units_ms:
                raise ValueError(f"the latency table of space {self.space} has no unit {key}")
        return keys

    def units_sum_ms(self, spec: ArchSpec) -> tuple[float, int]:
        """(sum of the units' latencies, number of units) of `spec`."""
        keys = self.unit_keys(spec)
        return sum(self.units_ms[k] for k in keys), len(keys)

    def predict_ms(self, spec: ArchSpec, *, additive: bool = False) -> float:
        """The predicted latency of `spec` in ms (`additive`: by the plain sum-plus-constant model)."""
        total, count = self.units_sum_ms(spec)
        return (self.additive if additive else self.fit).apply(total, count)

    def mismatch(self, setting: Setting, here: dict[str, Any] | None = None) -> str | None:
        """Why this table does not answer for `setting` on the machine of `here` (one phrase), or None."""
        for f in fields(Setting):
            mine, wanted = getattr(self.setting, f.name), getattr(setting, f.name)
            if mine != wanted:
                return f"the latency table was measured with {f.name}={mine}, not {f.name}={wanted}"
        if here is not None:
            diff = fingerprint_difference(self.fingerprint, here)
            if diff is not None:
                return f"the latency table was measured on another machine: {diff}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LatencyTable:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a latency table of format {FORMAT}")
        data = {k: v for k, v in data.items() if k != "format"}
        try:
            return cls(
                **{
                    **data,
                    "setting": Setting(**data["setting"]),
                    "fit": Fit(**data["fit"]),
                    "additive": Fit(**data["additive"]),
                }
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a latency table: {exc}") from None

    def save(self, path: str | Path) -> Path:
        """Write the table as JSON, atomically (a reader sees the old file or the new one)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)
        return path


def load(path: str | Path) -> LatencyTable:
    """The table in `path`; ValueError (one line naming the file) when it is missing or not a table."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"latency table {path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"latency table {path}: cannot be read ({exc})") from None
    try:
        return LatencyTable.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"latency table {path}: {exc}") from None
