"""Hydra at the entry point: a config as plain Python containers, composed from the search path (the user's
directories, then nasx's own: nasx.cli.config_path) with overrides, or read back from a run directory and
overridden. nasx.cli.convert turns it into dataclasses; nothing below the command line sees Hydra or OmegaConf.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasx.cli.config_path import CONF_DIR, search_path, searching
from nasx.cli.convert import implied
from nasx.yaml_limits import check_file, read_yaml

if TYPE_CHECKING:  # imported where used: `nasx --help` stays light
    from omegaconf import DictConfig


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _plain(conf: DictConfig, *, resolve: bool = False, throw_on_missing: bool = False) -> dict[str, Any]:
    """OmegaConf.to_container of a mapping: a dict with string keys (its declared type is any container)."""
    from omegaconf import OmegaConf

    return typing.cast(dict[str, Any], OmegaConf.to_container(conf, resolve=resolve, throw_on_missing=throw_on_missing))


def compose(
    config_name: str, overrides: typing.Sequence[str] = (), config_dirs: typing.Sequence[str] = ()
) -> dict[str, Any]:
    """conf/<config_name>.yaml composed with Hydra overrides (`data=cifar10`, `train.epochs=5`) over the
    search path (`search_path`), resolved to plain Python containers, with the values the config implies
    (`implied`). Any composition error becomes a one-line ValueError."""
    return compose_with_choices(config_name, overrides, config_dirs)[0]


def compose_with_choices(
    config_name: str, overrides: typing.Sequence[str] = (), config_dirs: typing.Sequence[str] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`compose`'s config, the option Hydra chose in each config group: {"space": "mnasnet", ...})."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf import open_dict
    from omegaconf.errors import OmegaConfBaseException

    dirs = search_path(config_dirs, CONF_DIR)
    import yaml

    try:
        for d in dirs[:-1]:  # the user's files, bounded before Hydra reads any (nasx's own are known)
            for file in sorted(f for pattern in ("*.yaml", "*/*.yaml", "*/*/*.yaml") for f in d.path.glob(pattern)):
                check_file(file)
        with searching(dirs) as primary, initialize_config_dir(config_dir=primary, version_base=None, job_name="nasx"):
            composed = hydra_compose(config_name=config_name, overrides=list(overrides), return_hydra_config=True)
        choices = {
            group: option
            for group, option in _plain(composed.hydra.runtime.choices).items()
            if not group.startswith("hydra/")
        }
        with open_dict(composed):
            del composed["hydra"]
        cfg = _plain(composed, resolve=True, throw_on_missing=True)
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
        path = next(
            (p for p in (d.path / "experiment" / f"{chosen}.yaml" for d in dirs) if p.is_file()),
            dirs[-1].path / "experiment" / f"{chosen}.yaml",
        )
        found = cfg["experiment"]
        what = (
            "a mapping without its first line `# @package _global_`"
            if isinstance(found, dict)
            else f"a {type(found).__name__}"
        )
        raise ValueError(
            f"{path}: an experiment file must be a mapping of config keys starting with "
            f"`# @package _global_`; found {what}"
        )
    return implied(cfg, overrides), choices


def load_run_config(run_dir: str | Path) -> dict[str, Any]:
    """RUN_DIR/config.yaml, the resolved config a search wrote when it started."""
    import yaml

    from nasx.results.run_paths import check_no_links  # here, not above: nasx.results loads pandas

    path = Path(run_dir) / "config.yaml"
    if not Path(run_dir).is_dir():
        raise ValueError(f"run directory {run_dir} not found")
    check_no_links(run_dir)
    if not path.exists():
        raise ValueError(f"{path} not found: {run_dir} is not the directory of a nasx search")
    try:
        cfg = read_yaml(path)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not readable YAML ({_one_line(exc)})") from None
    if not isinstance(cfg, dict):
        raise ValueError(f"{path}: expected a mapping of config keys")
    return cfg


FREE_FORM = ("options", "confirm.train")  # sections whose keys are the user's (a group's options, overrides)
SET_BY_COMMAND = ("resume", "run_dir")  # a resumed run's are set by the command
# Keys nasx added after runs were already written. A stored config without one takes its default, which keeps
# what the run did before the key existed (the key's neutral value: no latency objective, no scheduler, the
# per-device memory format, nominal kernels, batch norm unfolded, eager training, no INT8); any other missing key
# is refused.
LATER_KEYS = (
    "confirm.calibration_images",
    "confirm.quantize",
    "objective.batch",
    "objective.device",
    "objective.dtype",
    "objective.latency_measure",
    "objective.latency_table",
    "objective.metrics",
    "objective.threads",
    "search.cohort",
    "search.rungs",
    "search.scheduler",
    "space.latency_ms",
    "train.compile",
    "train.crop_kernels",
    "train.fold_bn",
    "train.memory_format",
)


def key_paths(cfg: dict[str, Any], where: str = "") -> set[str]:
    """The dotted key paths of a plain config, not descending into `FREE_FORM` sections."""
    out = set()
    for key, value in cfg.items():
        path = f"{where}.{key}" if where else str(key)
        out.add(path)
        if isinstance(value, dict) and key not in FREE_FORM and path not in FREE_FORM:
            out |= key_paths(value, path)
    return out


def check_complete(
    cfg: dict[str, Any],
    path: Path,
    *,
    ignore: tuple[str, ...] = (),
    remedy: str = "restore the file, or give each as +KEY=VALUE",
) -> None:
    """A run's stored config holds every key of the config its command composes (`nasx fidelity`'s when it has a
    `fidelity` block, else `nasx search`'s): one ValueError line naming the missing ones, which defaults would
    otherwise fill silently (another searcher, budget, ...), and ending with what to do (`remedy`). The
    `LATER_KEYS` of a config written before they existed take their defaults."""
    name = "fidelity" if "fidelity" in cfg else "search"
    skip = SET_BY_COMMAND + LATER_KEYS + ignore
    wanted = {p for p in key_paths(compose(name)) if not any(p == s or p.startswith(s + ".") for s in skip)}
    missing = sorted(wanted - key_paths(cfg))
    if missing:
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        raise ValueError(
            f"{path}: incomplete: no {shown}; a run's config holds every key its run used, and nasx does not guess "
            f"them ({remedy})"
        )


def differences(a: Any, b: Any, *, ignore: tuple[str, ...] = (), where: str = "") -> list[str]:
    """Dotted paths at which two plain configs differ; the paths in `ignore` (a top-level key such as
    `budget`, or a dotted one such as `supernet.workers`) are skipped with everything below them."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            path = f"{where}.{key}" if where else str(key)
            if path in ignore:
                continue
            if key not in a or key not in b:
                out.append(path)
            else:
                out += differences(a[key], b[key], ignore=ignore, where=path)
        return out
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return [] if len(a) == len(b) and all(not differences(x, y) for x, y in zip(a, b)) else [where]
    return [] if a == b else [where]


def check_resumable(
    run_dir: str | None, cfg: dict[str, Any], *, ignore: tuple[str, ...], what: str, hint: str = ""
) -> None:
    """resume=true: `run_dir` must be an earlier run of `what` whose config.yaml agrees with `cfg` except at
    `ignore`; else one ValueError line (ending with `hint` when the config differs)."""
    if not run_dir:
        raise ValueError(f"resume=true needs run_dir=PATH (the {what} to continue)")
    changed = differences(load_run_config(run_dir), cfg, ignore=ignore)
    if changed:
        raise ValueError(
            f"resume: the configuration differs from {Path(run_dir) / 'config.yaml'} at "
            f"{', '.join(changed[:4])}; repeat the original overrides{hint}"
        )


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
            raise ValueError(
                f"{o.input_line}: {key} is a section; a group choice cannot change here, set its "
                f"values instead (e.g. {key}.name=...)"
            )
        try:
            OmegaConf.update(conf, key, value, merge=False)
        except OmegaConfBaseException as exc:
            raise ValueError(f"{o.input_line}: {_one_line(exc)}") from None
    return _plain(conf, resolve=True)


_MISSING = object()
