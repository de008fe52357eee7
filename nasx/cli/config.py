"""Hydra at the entry point: compose conf/*.yaml with overrides, convert to plain dataclasses.

Nothing below the command line sees Hydra or OmegaConf: the library takes DataSpec, TrainSpec,
Objective and TrainSetup values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from nasx.data import DataSpec
from nasx.reward import Objective
from nasx.train.spec import TrainSpec

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"


@dataclass(frozen=True)
class ProxySpec:
    """How a full-scale family is shrunk for the proxy task (arguments of nasx.proxy)."""

    width_mult: float = 0.25
    depth_mult: float = 0.5
    stem_stride: int = 1


@dataclass(frozen=True)
class TrainSetup:
    """Everything `nasx train` needs, as values: data, training, objective, proxy scaling, seed."""

    data: DataSpec
    train: TrainSpec
    objective: Objective
    proxy: ProxySpec
    seed: int = 0
    measure_latency: bool = False


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def compose(config_name: str, overrides: list[str] = ()) -> dict[str, Any]:
    """conf/<config_name>.yaml composed with Hydra overrides (`data=cifar10`, `train.epochs=5`), resolved
    to plain Python containers. Any composition error becomes a one-line ValueError."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    if not CONF_DIR.is_dir():
        raise ValueError(f"configuration directory {CONF_DIR} not found")
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None, job_name="nasx"):
            cfg = hydra_compose(config_name=config_name, overrides=list(overrides))
        return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    except OmegaConfBaseException as exc:
        if "Missing mandatory value" in str(exc):
            key = getattr(exc, "full_key", "") or "a value"
            raise ValueError(f"{key} is required (add {key}=...)") from None
        raise ValueError(f"bad configuration: {_one_line(exc)}") from None
    except HydraException as exc:
        text = _one_line(exc).split(" Config search path:")[0]
        found = re.search(r"Could not find '(\w+)/([^']*)' Available options in '\w+': (.*)", text)
        if found:
            group, name, options = found.groups()
            raise ValueError(f"unknown {group} {name!r}; choose one of {', '.join(options.split())}") from None
        raise ValueError(f"bad override: {text}") from None


def to_dataclass(cls, values: dict[str, Any] | None, where: str):
    """cls(**values), with unknown keys reported by their config path."""
    values = dict(values or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    try:
        return cls(**values)
    except TypeError as exc:
        raise ValueError(f"{where}: {exc}") from None


def train_setup(cfg: dict[str, Any]) -> TrainSetup:
    """The composed `train` config -> TrainSetup."""
    allowed = {"data", "train", "objective", "proxy", "seed", "measure_latency"}
    unknown = sorted(set(cfg) - allowed)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}")
    seed = cfg.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed={seed!r}: must be a non-negative integer")
    return TrainSetup(data=to_dataclass(DataSpec, cfg.get("data"), "data"),
                      train=to_dataclass(TrainSpec, cfg.get("train"), "train"),
                      objective=to_dataclass(Objective, cfg.get("objective"), "objective"),
                      proxy=to_dataclass(ProxySpec, cfg.get("proxy"), "proxy"),
                      seed=seed, measure_latency=bool(cfg.get("measure_latency", False)))
