"""Hydra at the entry point: compose the configs of the search path (the user's directories, then nasx's
own: nasx.cli.config_path) with overrides, fill in the values they imply, convert to plain dataclasses.

Nothing below the command line sees Hydra or OmegaConf: the library takes DataSpec, TrainSpec,
Objective, TrainSetup and SearchSetup values.
"""
from __future__ import annotations

import json
import os
import re
import time
import types
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from nasx.cli.config_path import CONF_DIR, searching, search_path
from nasx.data import DataSpec
from nasx.reward import Objective
from nasx.search.setup import (ConfirmSpec, LoggingSpec, ProxySpec, Resources, SearcherSpec, SearchSetup, SpaceSpec,
                               smoke)
from nasx.train.spec import TrainSpec

SEARCH_KEYS = ("name", "seed", "seeds", "budget", "smoke", "run_dir", "resume", "references", "scale_phis", "proxy",
               "space", "data", "train", "objective", "search", "resources", "cluster", "save_weights", "confirm",
               "logging")


@dataclass(frozen=True)
class TrainSetup:
    """Everything `nasx train` needs, as values: data, training, objective, proxy scaling, seed."""

    data: DataSpec
    train: TrainSpec
    objective: Objective
    proxy: ProxySpec
    seed: int = 0
    measure_latency: bool = False
    save: str | None = None            # a directory: write the trained state_dict (weights.pt) and row there


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def compose(config_name: str, overrides: typing.Sequence[str] = (), config_dirs: typing.Sequence[str] = ()) \
        -> dict[str, Any]:
    """conf/<config_name>.yaml composed with Hydra overrides (`data=cifar10`, `train.epochs=5`) over the
    search path (`search_path`), resolved to plain Python containers, with the values the config implies
    (`implied`). Any composition error becomes a one-line ValueError."""
    return compose_with_choices(config_name, overrides, config_dirs)[0]


def compose_with_choices(config_name: str, overrides: typing.Sequence[str] = (),
                         config_dirs: typing.Sequence[str] = ()) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`compose`'s config, the option Hydra chose in each config group: {"space": "mnasnet", ...})."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import OmegaConf, open_dict
    from omegaconf.errors import OmegaConfBaseException

    dirs = search_path(config_dirs, CONF_DIR)
    import yaml

    try:
        with searching(dirs) as primary, initialize_config_dir(config_dir=primary, version_base=None,
                                                                job_name="nasx"):
            cfg = hydra_compose(config_name=config_name, overrides=list(overrides), return_hydra_config=True)
        choices = {group: option for group, option in OmegaConf.to_container(cfg.hydra.runtime.choices).items()
                   if not group.startswith("hydra/")}
        with open_dict(cfg):
            del cfg["hydra"]
        cfg = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.name}: line {mark.line + 1}, column {mark.column + 1}" if mark else "a config file"
        raise ValueError(f"{where}: not valid YAML ({getattr(exc, 'problem', None) or _one_line(exc)})") from None
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
            what = {"search": "searcher"}.get(group, group)
            raise ValueError(f"unknown {what} {name!r}; choose one of {', '.join(options.split())}") from None
        raise ValueError(f"bad override: {text}") from None
    if "experiment" in cfg:  # a preset file merges into the top level; this one did not
        chosen = next((o.split("=", 1)[1] for o in overrides if o.lstrip("+~").startswith("experiment=")), "?")
        path = next((p for p in (d.path / "experiment" / f"{chosen}.yaml" for d in dirs) if p.is_file()),
                    dirs[-1].path / "experiment" / f"{chosen}.yaml")
        found = cfg["experiment"]
        what = "a mapping without its first line `# @package _global_`" if isinstance(found, dict) else \
            f"a {type(found).__name__}"
        raise ValueError(f"{path}: an experiment file must be a mapping of config keys starting with "
                         f"`# @package _global_`; found {what}")
    return implied(cfg, overrides), choices


# --- what a composed config implies --------------------------------------------------------------------

RAY_ADDRESS_ENV = "RAY_ADDRESS"


def _chosen(overrides: typing.Sequence[str], key: str) -> bool:
    """Whether the command line sets `key` (or a group of that name, or a key below it)."""
    for o in overrides:
        name = o.split("=", 1)[0].lstrip("+~")
        if name == key or name.startswith(key + "."):
            return True
    return False


def refuse_client(address: str, where: str) -> None:
    """Ray Client (`ray://`) addresses are refused: a nasx search's driver holds the searcher and writes the
    run directory, so it must run on the cluster itself."""
    if address.startswith("ray://"):
        raise ValueError(f"{where}={address}: Ray Client (ray://) addresses are not supported; run nasx on a "
                         f"node of the cluster with cluster.address=auto or HOST:PORT (the GCS address)")


def implied(cfg: dict[str, Any], overrides: typing.Sequence[str] = ()) -> dict[str, Any]:
    """The values a search or fidelity config implies: `train.device` unset (null) means cuda when
    `resources.gpus_per_trial > 0`, else cpu. With RAY_ADDRESS set in the environment, `cluster.address`
    null and no `cluster` on the command line means that address, and `auto` means it too (as Ray
    resolves `auto`)."""
    if isinstance(cfg.get("train"), dict) and cfg["train"].get("device") is None:
        resources = cfg.get("resources") if isinstance(cfg.get("resources"), dict) else {}
        gpus = resources.get("gpus_per_trial") or 0
        cfg["train"]["device"] = "cuda" if isinstance(gpus, (int, float)) and gpus > 0 else "cpu"
    cluster = cfg.get("cluster")
    env = os.environ.get(RAY_ADDRESS_ENV, "").strip()
    if isinstance(cluster, dict) and env and (cluster.get("address") == "auto" or (
            cluster.get("address") is None and not _chosen(overrides, "cluster"))):
        refuse_client(env, RAY_ADDRESS_ENV)
        cfg["cluster"] = {**cluster, "address": env}
    return cfg


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


_EXPECTED = {int: "an integer", float: "a number", bool: "true or false", str: "a string", dict: "a mapping",
             tuple: "a list", list: "a list"}


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
    args = [a for a in typing.get_args(tp) if a is not type(None)] \
        if typing.get_origin(tp) in (typing.Union, types.UnionType) else [tp]
    names = [_EXPECTED.get(typing.get_origin(a) or a, getattr(a, "__name__", str(a))) for a in args]
    if typing.get_origin(args[0]) in (tuple, list) and typing.get_args(args[0]):
        inner = [a for a in typing.get_args(args[0]) if a is not Ellipsis]
        names[0] = f"a list of {'numbers' if inner[0] is float else _EXPECTED.get(inner[0], 'values')}"
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
    allowed = {"data", "train", "objective", "proxy", "seed", "measure_latency", "save"}
    unknown = sorted(set(cfg) - allowed)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}")
    seed = cfg.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed={_show(seed)}: must be a non-negative integer")
    flag(cfg, "measure_latency")
    return TrainSetup(data=to_dataclass(DataSpec, cfg.get("data"), "data"),
                      train=to_dataclass(TrainSpec, cfg.get("train"), "train"),
                      objective=to_dataclass(Objective, cfg.get("objective"), "objective"),
                      proxy=to_dataclass(ProxySpec, cfg.get("proxy"), "proxy"),
                      seed=seed, measure_latency=bool(cfg.get("measure_latency", False)),
                      save=str(cfg["save"]) if cfg.get("save") else None)


def _count(value, where: str, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{where}={_show(value)}: must be an integer >= {low}")
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
        raise ValueError(f"{cfg.get('name') or 'this preset'} is a `nasx fidelity` preset (it sets fidelity.*): run "
                         "`nasx fidelity experiment=...`")
    unknown = sorted(set(cfg) - set(SEARCH_KEYS))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(SEARCH_KEYS)}")
    for key in ("smoke", "resume"):
        flag(cfg, key)
    for key in ("space", "search", "data", "train", "objective", "proxy", "resources", "cluster"):
        if cfg.get(key) is not None and not isinstance(cfg[key], dict):
            raise ValueError(f"{key}={_show(cfg[key])}: expected a mapping of {key} settings")
    name = cfg.get("name") or "search"
    if not isinstance(name, str) or not re.fullmatch(r"[\w.+-]+", name, re.ASCII):
        raise ValueError(f"name={name!r}: must be a word (letters, digits, _ . + -) usable as a directory name")
    seed = _count(cfg.get("seed", 0), "seed", low=0)
    seeds = _count(cfg.get("seeds", 1), "seeds", low=1)
    confirm = confirm_spec(cfg.get("confirm"))
    budget = cfg.get("budget", 20)
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise ValueError(f"budget={_show(budget)}: must be a positive number of trials")
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
            isinstance(p, (int, float)) and not isinstance(p, bool) for p in scale_phis):
        raise ValueError(f"scale_phis={scale_phis!r}: must be a list of numbers, e.g. [2, 3]")
    for key in ("space.options", "search.options"):
        section, option = key.split(".")
        value = (cfg.get(section) or {}).get(option)
        if value is not None and not isinstance(value, dict):
            raise ValueError(f"{key}={_show(value)}: expected a mapping of options")
    space = dict(cfg.get("space") or {})
    space["macs"] = _range(space.get("macs"), "space.macs")
    space["params"] = _range(space.get("params"), "space.params")
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
    run_dir = cfg.get("run_dir") or default_run_dir(name)
    cfg.update(name=name, run_dir=str(run_dir))
    setup = SearchSetup(name=name, space=to_dataclass(SpaceSpec, space, "space"),
                        searcher=to_dataclass(SearcherSpec, search, "search"),
                        data=to_dataclass(DataSpec, cfg.get("data"), "data"),
                        train=to_dataclass(TrainSpec, cfg.get("train"), "train"),
                        objective=to_dataclass(Objective, cfg.get("objective"), "objective"),
                        proxy=to_dataclass(ProxySpec, cfg.get("proxy"), "proxy"),
                        resources=to_dataclass(Resources, cfg.get("resources"), "resources"),
                        budget=budget, seed=seed, seeds=seeds, save_weights=bool(cfg.get("save_weights", False)),
                        confirm=confirm, logging=to_dataclass(LoggingSpec, cfg.get("logging"), "logging"),
                        references=tuple(references), address=address,
                        scale_phis=tuple(float(p) for p in scale_phis),
                        run_dir=str(run_dir), smoke=False, config=cfg)
    return smoke(setup) if cfg.get("smoke") else setup


def confirm_spec(values: dict[str, Any] | None) -> ConfirmSpec:
    """The `confirm` block of a search config -> ConfirmSpec (None: the dataclass defaults)."""
    values = dict(values or {})
    values["train"] = dict(values.get("train") or {})
    spec = to_dataclass(ConfirmSpec, values, "confirm")
    for name in ("top_k", "seeds"):
        _count(getattr(spec, name), f"confirm.{name}", low=1)
    if not isinstance(spec.after_search, bool):
        raise ValueError(f"confirm.after_search={spec.after_search!r}: must be true or false")
    return spec


def load_run_config(run_dir: str | Path) -> dict[str, Any]:
    """RUN_DIR/config.yaml, the resolved config a search wrote when it started."""
    import yaml

    path = Path(run_dir) / "config.yaml"
    if not Path(run_dir).is_dir():
        raise ValueError(f"run directory {run_dir} not found")
    if not path.is_file():
        raise ValueError(f"{path} not found: {run_dir} is not the directory of a nasx search")
    try:
        cfg = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not readable YAML ({_one_line(exc)})") from None
    if not isinstance(cfg, dict):
        raise ValueError(f"{path}: expected a mapping of config keys")
    return cfg


def differences(a: Any, b: Any, *, ignore: tuple[str, ...] = (), where: str = "") -> list[str]:
    """Dotted paths at which two plain configs differ (top-level keys in `ignore` are skipped)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            if not where and key in ignore:
                continue
            path = f"{where}.{key}" if where else str(key)
            if key not in a or key not in b:
                out.append(path)
            else:
                out += differences(a[key], b[key], where=path)
        return out
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return [] if len(a) == len(b) and all(not differences(x, y) for x, y in zip(a, b)) else [where]
    return [] if a == b else [where]


def apply_overrides(cfg: dict[str, Any], overrides: list[str], *, where: str = "the config") -> dict[str, Any]:
    """Hydra-syntax value overrides (`budget=40`, `resources.max_concurrent=4`) applied to a plain config;
    keys must exist already (`+key=value` adds one); group choices and sweeps are refused."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except HydraException as exc:
        raise ValueError(f"bad override: {_one_line(exc)}") from None
    conf = OmegaConf.create(cfg)
    for o in parsed:
        key = o.key_or_group
        if o.is_sweep_override():
            raise ValueError(f"{o.input_line}: a sweep cannot be applied here; give one value")
        if o.is_delete():
            raise ValueError(f"{o.input_line}: keys cannot be deleted here")
        exists = OmegaConf.select(conf, key, default=_MISSING) is not _MISSING
        if not exists and not (o.is_add() or o.is_force_add()):
            raise ValueError(f"{key}: no such key in {where} (use +{key}=... to add one)")
        old, value = OmegaConf.select(conf, key, default=None), o.value()
        if OmegaConf.is_dict(old) and not isinstance(value, dict):
            raise ValueError(f"{o.input_line}: {key} is a section; a group choice cannot change here, set its "
                                 f"values instead (e.g. {key}.name=...)")
        try:
            OmegaConf.update(conf, key, value, merge=False)
        except OmegaConfBaseException as exc:
            raise ValueError(f"{o.input_line}: {_one_line(exc)}") from None
    return OmegaConf.to_container(conf, resolve=True)


_MISSING = object()
