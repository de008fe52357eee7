"""Hydra's own flags on the commands that compose a config: `--config-dir DIR`, `--cfg job [--package KEY]`,
`--info`. nasx composes with Hydra's compose API (nasx.cli.compose), so the flags are implemented here."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from nasx.cli.config_path import CONFIG_PATH_ENV


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config-dir",
        action="append",
        default=[],
        metavar="DIR",
        help=f"a directory of your own configs (groups such as experiment/, space/, or a whole "
        f"primary config), searched before nasx's; repeatable, first wins; {CONFIG_PATH_ENV} "
        f"adds more after these",
    )
    p.add_argument("--cfg", metavar="job", help="print the composed config as YAML and exit (only `job`)")
    p.add_argument("-p", "--package", metavar="KEY", help="with --cfg job: print only this key (train, space.options)")
    p.add_argument(
        "--info",
        action="store_true",
        help="print the config search path, the option chosen in each group and every group's options, and exit",
    )


def _section(cfg: dict[str, Any], key: str) -> Any:
    value: Any = cfg
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ValueError(f"--package {key}: no such key in the composed config")
        value = value[part]
    return value


def check(args) -> None:
    if args.cfg is not None and args.cfg != "job":
        raise ValueError(
            f"--cfg {args.cfg}: only `--cfg job` (the composed config) is available; nasx runs no "
            "Hydra application, so there is no hydra config to print"
        )
    if args.package is not None and args.cfg is None:
        raise ValueError(f"--package {args.package}: only meaningful with --cfg job")


def cfg_text(config_name: str, overrides: Sequence[str], config_dirs: Sequence[str], package: str | None) -> str:
    """The composed config (or one key of it) as YAML."""
    import yaml

    from nasx.cli.compose import compose

    cfg = compose(config_name, overrides, config_dirs)
    value: Any = cfg
    if package:
        value = _section(cfg, package)
        if not isinstance(value, dict):
            value = {package.rsplit(".", 1)[-1]: value}
    return yaml.safe_dump(value, sort_keys=False).rstrip("\n")


def info_text(config_name: str, overrides: Sequence[str], config_dirs: Sequence[str]) -> str:
    """Hydra-style information: the config search path, where the primary config comes from, the option
    chosen in each group (the defaults list after the overrides) and every group's options."""
    from nasx.cli import compose
    from nasx.cli.config_path import default_groups, groups, primary, search_path
    from nasx.table import render

    dirs = search_path(config_dirs, compose.CONF_DIR)
    _, choices = compose.compose_with_choices(config_name, overrides, config_dirs)
    names = {d: f"{i}" for i, d in enumerate(dirs, 1)}
    source = primary(dirs, config_name)
    order = default_groups(source.path / f"{config_name}.yaml")
    choices = dict(sorted(choices.items(), key=lambda c: order.index(c[0]) if c[0] in order else len(order)))
    found = groups(dirs)
    lines = [
        "Config search path (the first directory holding a file wins):",
        render(["#", "provider", "path"], [[names[d], d.source, d.path] for d in dirs], right=set()),
        "",
        f"Primary config: {config_name}.yaml from #{names[source]} ({source.path})",
        "",
        "Defaults list (the option chosen in each group, after the overrides):",
        render(
            ["group", "option", "from"],
            [
                [g, "null" if o is None else o, f"#{names[found[g][o]]}" if o in found.get(g, {}) else ""]
                for g, o in choices.items()
            ],
            right=set(),
        ),
        "",
        "Groups and their options (#: the directory an option comes from; * the chosen one):",
    ]
    rows = [
        [
            g,
            ", ".join(
                f"{o}{'*' if choices.get(g) == o else ''}{'' if d.source == 'nasx' else ' (#' + names[d] + ')'}"
                for o, d in options.items()
            ),
        ]
        for g, options in found.items()
    ]
    lines.append(render(["group", "options"], rows, right=set()))
    return "\n".join(lines)


def shown(args, config_name: str, jobs: Sequence[Sequence[str]] | None = None) -> bool:
    """Carry out --cfg / --info for `jobs` (lists of overrides; default: the command line's): print, and
    return True (the command then ends, exit 0); False when neither flag is given."""
    check(args)
    if args.cfg is None and not args.info:
        return False
    jobs = [args.overrides] if jobs is None else jobs
    texts = []
    for i, job in enumerate(jobs, 1):
        head = f"# job {i}/{len(jobs)}: {' '.join(job)}\n" if len(jobs) > 1 else ""
        body = (
            info_text(config_name, job, args.config_dir)
            if args.info
            else cfg_text(config_name, job, args.config_dir, args.package)
        )
        texts.append(head + body)
    print("\n\n".join(texts))
    return True
