"""Plain configs (composed by nasx.cli.compose, or a run's config.yaml) -> the library's dataclasses
(DataSpec, TrainSpec, Objective, TrainSetup, SearchSetup, ...), with the values the config implies filled in.
A conversion checks what it needs: unknown keys and wrong types, named by their config path. Values are the
dataclasses' to check (nasx.checks), so a Python user building them meets the same one-line errors.
"""

from __future__ import annotations

import json
import time
import types
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from nasx import checks
from nasx.data import DataSpec
from nasx.quantize.spec import CALIBRATION_IMAGES, check_quantize
from nasx.ray.address import environment_address, refuse_client
from nasx.reward import Objective
from nasx.search.setup import (
    BUDGET_RULE,
    ConfirmSpec,
    LoggingSpec,
    ProxySpec,
    Resources,
    SearcherSpec,
    SearchSetup,
    SpaceSpec,
    SupernetSpec,
    smoke,
)
from nasx.train.spec import TrainSpec

SEARCH_KEYS = (
    "name",
    "seed",
    "seeds",
    "budget",
    "smoke",
    "run_dir",
    "resume",
    "references",
    "scale_phis",
    "proxy",
    "space",
    "data",
    "train",
    "objective",
    "search",
    "resources",
    "cluster",
    "save_weights",
    "confirm",
    "logging",
    "evaluator",
    "supernet",
)


@dataclass(frozen=True)
class TrainSetup:
    """Everything `nasx train` needs, as values: data, training, objective, proxy scaling, seed."""

    data: DataSpec
    train: TrainSpec
    objective: Objective
    proxy: ProxySpec
    seed: int = 0
    measure_latency: bool = False
    save: str | None = None  # a directory: write the trained state_dict (weights.pt) and row there
    quantize: str | None = None  # int8: also score the trained network quantized (nasx.quantize)
    calibration_images: int = CALIBRATION_IMAGES  # training images that calibrate the INT8 scales

    def __post_init__(self) -> None:
        checks.check_seed("seed", self.seed)
        check_quantize("", self.quantize, self.calibration_images)


# --- what a composed config implies --------------------------------------------------------------------


def _chosen(overrides: typing.Sequence[str], key: str) -> bool:
    """Whether the command line sets `key` (or a group of that name, or a key below it)."""
    for o in overrides:
        name = o.split("=", 1)[0].lstrip("+~")
        if name == key or name.startswith(key + "."):
            return True
    return False


def implied(cfg: dict[str, Any], overrides: typing.Sequence[str] = ()) -> dict[str, Any]:
    """The values a search or fidelity config implies: `train.device` unset (null) means cuda when
    `resources.gpus_per_trial > 0`, else cpu. With RAY_ADDRESS set in the environment, `cluster.address`
    null and no `cluster` on the command line means that address, and `auto` means it too (as Ray
    resolves `auto`)."""
    if isinstance(cfg.get("train"), dict) and cfg["train"].get("device") is None:
        resources = cfg.get("resources")
        gpus = (resources.get("gpus_per_trial") if isinstance(resources, dict) else None) or 0
        cfg["train"]["device"] = "cuda" if isinstance(gpus, (int, float)) and gpus > 0 else "cpu"
    cluster = cfg.get("cluster")
    if isinstance(cluster, dict):
        address = environment_address(cluster.get("address"), chosen=_chosen(overrides, "cluster"))
        if address != cluster.get("address"):
            cfg["cluster"] = {**cluster, "address": address}
    return cfg


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


_EXPECTED = {
    int: "an integer",
    float: "a number",
    bool: "true or false",
    str: "a string",
    dict: "a mapping",
    tuple: "a list",
    list: "a list",
}


_PLURAL = {int: "integers", float: "numbers", bool: "true or false values", str: "strings"}


def _fits(value: Any, tp: Any) -> bool:
    """Whether a plain config value has the annotated type (int for float is fine; bool is not a number)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in typing.get_args(tp))
    if tp is type(None):
        return value is None
    if tp is typing.Any:
        return True
    base = origin or tp
    if base is bool:
        return isinstance(value, bool)
    if base in (int, float):
        return not isinstance(value, bool) and isinstance(value, int if base is int else (int, float))
    if base in (tuple, list):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        return isinstance(value, (list, tuple)) and all(any(_fits(v, a) for a in args) or not args for v in value)
    return isinstance(value, base)


def _expected(tp: Any) -> str:
    args = (
        [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) in (typing.Union, types.UnionType)
        else [tp]
    )
    names = [_EXPECTED.get(typing.get_origin(a) or a, getattr(a, "__name__", str(a))) for a in args]
    if typing.get_origin(args[0]) in (tuple, list) and typing.get_args(args[0]):
        inner = [a for a in typing.get_args(args[0]) if a is not Ellipsis]
        names[0] = f"a list of {_PLURAL.get(inner[0], 'values')}"
    optional = len(args) < len(typing.get_args(tp))
    return " or ".join(names) + (" (or null)" if optional else "")


def check_types(cls, values: dict[str, Any], where: str) -> None:
    """Every value has its field's annotated type, else one error naming the key path:
    `train.lr=abc: expected a number`."""
    hints = typing.get_type_hints(cls)
    for key, value in values.items():
        if key in hints and not _fits(value, hints[key]):
            path = f"{where}.{key}" if where else key
            raise ValueError(f"{path}={_show(value)}: expected {_expected(hints[key])}")


def to_dataclass(cls, values: dict[str, Any] | None, where: str):
    """cls(**values), with unknown keys and wrong-typed values reported by their config path."""
    if values is not None and not isinstance(values, dict):
        raise ValueError(f"{where}={_show(values)}: expected a mapping of {where} settings")
    values = dict(values or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    check_types(cls, values, where)
    try:
        return cls(**values)
    except TypeError as exc:
        raise ValueError(f"{where}: {exc}") from None


def train_setup(cfg: dict[str, Any]) -> TrainSetup:
    """The composed `train` config -> TrainSetup."""
    allowed = {
        "data",
        "train",
        "objective",
        "proxy",
        "seed",
        "measure_latency",
        "save",
        "quantize",
        "calibration_images",
    }
    unknown = sorted(set(cfg) - allowed)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}")
    seed = _integer(cfg.get("seed", 0), "seed", checks.SEED_RULE)
    flag(cfg, "measure_latency")
    return TrainSetup(
        data=to_dataclass(DataSpec, cfg.get("data"), "data"),
        train=to_dataclass(TrainSpec, cfg.get("train"), "train"),
        objective=to_dataclass(Objective, cfg.get("objective"), "objective"),
        proxy=to_dataclass(ProxySpec, cfg.get("proxy"), "proxy"),
        seed=seed,
        measure_latency=bool(cfg.get("measure_latency", False)),
        save=str(cfg["save"]) if cfg.get("save") else None,
        quantize=cfg.get("quantize"),
        calibration_images=_integer(
            cfg.get("calibration_images", CALIBRATION_IMAGES), "calibration_images", checks.int_rule(1)
        ),
    )


def _integer(value, where: str, rule: str) -> int:
    """A top-level integer value, else `where=value: rule` (the rule its dataclass checks the value by)."""
    if not checks.is_int(value):
        raise ValueError(f"{where}={_show(value)}: {rule}")
    return value


def flag(cfg: dict[str, Any], key: str) -> bool:
    value = cfg.get(key, False)
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{key}={_show(value)}: expected true or false")
    return bool(value)


def _range(value, where: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{where}={_show(value)}: must be null or [min, max]")
    try:
        return float(value[0]), float(value[1])
    except (TypeError, ValueError):
        raise ValueError(f"{where}={_show(value)}: bounds must be numbers") from None


def default_run_dir(name: str, stamp: str | None = None) -> str:
    """runs/<name>/<YYYYmmdd-HHMMSS> (relative to the working directory)."""
    return str(Path("runs") / name / (stamp or time.strftime("%Y%m%d-%H%M%S")))


def search_setup(cfg: dict[str, Any]) -> SearchSetup:
    """The composed `search` config (or a run's config.yaml) -> SearchSetup: unknown keys are named by
    their path, run_dir gets its default, smoke=true shrinks the setup; `config` keeps the resolved dict."""
    cfg = dict(cfg)
    if "fidelity" in cfg:
        raise ValueError(
            f"{cfg.get('name') or 'this preset'} is a `nasx fidelity` preset (it sets fidelity.*): run "
            "`nasx fidelity experiment=...`"
        )
    unknown = sorted(set(cfg) - set(SEARCH_KEYS))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(SEARCH_KEYS)}")
    for key in ("smoke", "resume"):
        flag(cfg, key)
    for key in ("space", "search", "data", "train", "objective", "proxy", "resources", "cluster"):
        if cfg.get(key) is not None and not isinstance(cfg[key], dict):
            raise ValueError(f"{key}={_show(cfg[key])}: expected a mapping of {key} settings")
    name = cfg.get("name") or "search"
    seed = _integer(cfg.get("seed", 0), "seed", checks.SEED_RULE)
    seeds = _integer(cfg.get("seeds", 1), "seeds", checks.int_rule(1))
    confirm = confirm_spec(cfg.get("confirm"))
    budget = _integer(cfg.get("budget", 20), "budget", BUDGET_RULE)
    references = cfg.get("references") or []
    if not isinstance(references, (list, tuple)) or not all(isinstance(r, str) for r in references):
        raise ValueError(f"references={references!r}: must be a list of family names")
    from nasx import families

    try:
        references = [families.reference_name(r) for r in references]  # timm:NAME -> the registered name
    except ValueError as exc:
        raise ValueError(str(exc) if str(exc).startswith("references:") else f"references: {exc}") from None
    scale_phis = cfg.get("scale_phis") or []
    if not isinstance(scale_phis, (list, tuple)) or not all(
        isinstance(p, (int, float)) and not isinstance(p, bool) for p in scale_phis
    ):
        raise ValueError(f"scale_phis={scale_phis!r}: must be a list of numbers, e.g. [2, 3]")
    for key in ("space.options", "search.options"):
        section, option = key.split(".")
        value = (cfg.get(section) or {}).get(option)
        if value is not None and not isinstance(value, dict):
            raise ValueError(f"{key}={_show(value)}: expected a mapping of options")
    space = dict(cfg.get("space") or {})
    space["macs"] = _range(space.get("macs"), "space.macs")
    space["params"] = _range(space.get("params"), "space.params")
    space["latency_ms"] = _range(space.get("latency_ms"), "space.latency_ms")
    space["options"] = dict(space.get("options") or {})
    search = dict(cfg.get("search") or {})
    search["options"] = dict(search.get("options") or {})
    cluster = dict(cfg.get("cluster") or {})
    if set(cluster) - {"address"}:
        raise ValueError(f"cluster: unknown key(s) {', '.join(sorted(set(cluster) - {'address'}))}; known: address")
    address = cluster.get("address")
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise ValueError(f"cluster.address={address!r}: must be null, auto or HOST:PORT")
    if address is not None:
        refuse_client(address, "cluster.address")
    run_dir = cfg.get("run_dir") or default_run_dir(str(name))
    cfg.update(name=name, run_dir=str(run_dir))
    setup = SearchSetup(
        name=name,
        space=to_dataclass(SpaceSpec, space, "space"),
        searcher=to_dataclass(SearcherSpec, search, "search"),
        data=to_dataclass(DataSpec, cfg.get("data"), "data"),
        train=to_dataclass(TrainSpec, cfg.get("train"), "train"),
        objective=to_dataclass(Objective, cfg.get("objective"), "objective"),
        proxy=to_dataclass(ProxySpec, cfg.get("proxy"), "proxy"),
        resources=to_dataclass(Resources, cfg.get("resources"), "resources"),
        budget=budget,
        seed=seed,
        seeds=seeds,
        save_weights=bool(cfg.get("save_weights", False)),
        confirm=confirm,
        logging=to_dataclass(LoggingSpec, cfg.get("logging"), "logging"),
        evaluator=cfg.get("evaluator", "train"),
        supernet=to_dataclass(SupernetSpec, cfg.get("supernet"), "supernet"),
        references=tuple(references),
        address=address,
        scale_phis=tuple(float(p) for p in scale_phis),
        run_dir=str(run_dir),
        smoke=False,
        config=cfg,
    )
    return smoke(setup) if cfg.get("smoke") else setup


def confirm_spec(values: dict[str, Any] | None) -> ConfirmSpec:
    """The `confirm` block of a search config -> ConfirmSpec (None: the dataclass defaults)."""
    values = dict(values or {})
    values["train"] = dict(values.get("train") or {})
    return to_dataclass(ConfirmSpec, values, "confirm")
