"""Where Hydra finds nasx's configs: the user's directories (`--config-dir`, NASX_CONFIG_PATH), then nasx's own.

A file found in an earlier directory wins (`experiment/x.yaml`, `space/mnasnet.yaml`, even `search.yaml`);
a group's options are those of all the directories. The user's directories go in front of nasx's
through a Hydra search-path plugin that acts only while `searching(dirs)` is open.
"""

from __future__ import annotations

import contextlib
import os
import typing
from dataclasses import dataclass
from pathlib import Path

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"  # nasx/conf: the project's conf/, shipped as package data
CONFIG_PATH_ENV = "NASX_CONFIG_PATH"


@dataclass(frozen=True)
class ConfigDir:
    """One directory of the config search path and who put it there."""

    path: Path
    source: str  # "--config-dir", "NASX_CONFIG_PATH" or "nasx" (the shipped configs)


def _user_dir(text: str, where: str) -> ConfigDir:
    path = Path(text).expanduser()
    if not path.exists():
        raise ValueError(f"{where} {text}: no such directory")
    if not path.is_dir():
        raise ValueError(f"{where} {text}: not a directory")
    return ConfigDir(path.resolve(), where)


def search_path(config_dirs: typing.Sequence[str] = (), conf_dir: Path | None = None) -> list[ConfigDir]:
    """The config directories in search order: each `--config-dir`, then each entry of NASX_CONFIG_PATH
    (os.pathsep-separated; empty entries are skipped), then nasx's own (`conf_dir`, default CONF_DIR)."""
    conf_dir = conf_dir or CONF_DIR
    user = [_user_dir(d, "--config-dir") for d in config_dirs]
    user += [_user_dir(d, CONFIG_PATH_ENV) for d in os.environ.get(CONFIG_PATH_ENV, "").split(os.pathsep) if d]
    if not conf_dir.is_dir():
        raise ValueError(f"configuration directory {conf_dir} not found")
    return [*user, ConfigDir(conf_dir, "nasx")]


def groups(dirs: typing.Sequence[ConfigDir]) -> dict[str, dict[str, ConfigDir]]:
    """Every config group of the search path with its options, each option from the first directory holding it."""
    out: dict[str, dict[str, ConfigDir]] = {}
    for d in dirs:
        for folder in sorted(
            p for p in d.path.iterdir() if p.is_dir() and p.name.isidentifier() and not p.name.startswith("_")
        ):
            options = out.setdefault(folder.name, {})
            for file in sorted(folder.glob("*.yaml")):
                options.setdefault(file.stem, d)
    return {group: dict(sorted(options.items())) for group, options in sorted(out.items()) if options}


def primary(dirs: typing.Sequence[ConfigDir], config_name: str) -> ConfigDir:
    """The directory `<config_name>.yaml` comes from (the first holding it; nasx's own when none does)."""
    return next((d for d in dirs if (d.path / f"{config_name}.yaml").is_file()), dirs[-1])


def default_groups(path: Path) -> list[str]:
    """The groups a primary config's defaults list names, in order (`- space: mnasnet`, `- experiment: null`)."""
    import yaml

    from nasx.yaml_limits import read_yaml

    try:
        defaults = (read_yaml(path) or {}).get("defaults") or []
    except (OSError, ValueError, yaml.YAMLError, AttributeError):
        return []
    return [str(k).removeprefix("override ").strip("/") for entry in defaults if isinstance(entry, dict) for k in entry]


_FRONT: list[ConfigDir] = []  # the directories `searching` puts in front of Hydra's primary one


@contextlib.contextmanager
def searching(dirs: typing.Sequence[ConfigDir]) -> typing.Iterator[str]:
    """While open, Hydra's config search path is dirs[:-1] (first wins) followed by dirs[-1], the primary
    directory, whose path is yielded for `initialize_config_dir`."""
    _register()
    _FRONT[:] = dirs[:-1]
    try:
        yield str(dirs[-1].path)
    finally:
        _FRONT.clear()


_REGISTERED: list[type] = []


def _register() -> None:
    if _REGISTERED:
        return
    from hydra.core.config_search_path import ConfigSearchPath, SearchPathQuery
    from hydra.core.plugins import Plugins
    from hydra.plugins.search_path_plugin import SearchPathPlugin

    class NasxUserConfigs(SearchPathPlugin):
        """Puts the user's config directories in front of the primary one (only inside `searching`)."""

        def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
            for d in _FRONT:
                search_path.prepend(
                    provider=f"nasx user ({d.source})", path=f"file://{d.path}", anchor=SearchPathQuery(provider="main")
                )

    Plugins.instance().register(NasxUserConfigs)
    _REGISTERED.append(NasxUserConfigs)
