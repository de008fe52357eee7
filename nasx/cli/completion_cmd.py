"""`nasx completion bash`: a bash completion script for the commands, their flags and the config groups'
`group=option` choices (those of the config search path when the script is written)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

SCRIPT = """# bash completion for nasx: eval "$(nasx completion bash)"
_nasx() {{
    local line=${{COMP_LINE:0:$COMP_POINT}}
    local cur=${{line##*[[:space:]]}} cmd=${{COMP_WORDS[1]}} words
    if [[ $COMP_CWORD -le 1 ]]; then
        COMPREPLY=($(compgen -W "{commands}" -- "$cur")); return
    fi
    case $cmd in
{cases}
        *) words="" ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    if [[ $cur == *=* ]]; then  # bash splits words at '=': complete the part after it
        COMPREPLY=("${{COMPREPLY[@]#*=}}")
    fi
}}
complete -o default -F _nasx nasx
"""
COMPOSED = {"search": "search", "train": "train", "fidelity": "fidelity"}  # command -> its primary config


def add_parser(sub) -> None:
    p = sub.add_parser(
        "completion",
        help='print a shell completion script: eval "$(nasx completion bash)"',
        description="Completes commands, flags and group=option choices of the config search "
        "path (with --config-dir and NASX_CONFIG_PATH as given now).",
    )
    p.add_argument("shell", nargs="?", default="bash", help="bash (the only shell supported)")
    p.add_argument(
        "--config-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also complete the options of this config directory",
    )
    p.set_defaults(run=run)


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return sorted(o for action in parser._actions for o in action.option_strings if o.startswith("--"))


def script(config_dirs: Sequence[str] = ()) -> str:
    from nasx.cli import compose
    from nasx.cli.config_path import default_groups, groups, primary, search_path
    from nasx.cli.main import parser

    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    dirs = search_path(config_dirs, compose.CONF_DIR)
    found = groups(dirs)
    cases = []
    for name, command in sorted(sub.choices.items()):
        words = _flags(command)
        if name in COMPOSED:
            own = default_groups(primary(dirs, COMPOSED[name]).path / f"{COMPOSED[name]}.yaml")
            words += [f"{g}={o}" for g, options in found.items() if g in own for o in options]
        cases.append(f'        {name}) words="{" ".join(words)}" ;;')
    return SCRIPT.format(commands=" ".join(sorted(sub.choices)), cases="\n".join(cases))


def run(args) -> int:
    if args.shell != "bash":
        raise ValueError(f"shell {args.shell!r}: only bash is supported")
    print(script(args.config_dir), end="")
    return 0
