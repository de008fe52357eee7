"""The `nasx` command: one sub-command per job, errors as one line on stderr with exit code 2; Ctrl-C (SIGINT)
ends any command with one line and exit code 130 (128 + SIGINT, as shells report it)."""

from __future__ import annotations

import argparse
import os
import sys

from nasx import log
from nasx.cli import (
    analyze_cmd,
    completion_cmd,
    confirm_cmd,
    export_cmd,
    export_optuna_cmd,
    families_cmd,
    fidelity_cmd,
    latency_cmd,
    profile_cmd,
    resume_cmd,
    search_cmd,
    space_cmd,
    supernet_cmd,
    train_cmd,
)

COMMANDS = (
    families_cmd,
    profile_cmd,
    latency_cmd,
    space_cmd,
    analyze_cmd,
    train_cmd,
    search_cmd,
    resume_cmd,
    fidelity_cmd,
    supernet_cmd,
    confirm_cmd,
    export_cmd,
    export_optuna_cmd,
    completion_cmd,
)


INTERRUPTED = 130  # the exit code of a command ended by Ctrl-C


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nasx", description="Neural architecture search and scaling research.")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:2] == ["latency", latency_cmd.TABLE]:  # its own command, with its own options
        return latency_cmd.table(argv[2:])
    args = parser().parse_args(argv)
    try:
        with log.to_terminal(), log.command(f"nasx {args.command}"):  # progress lines and warnings: stdout
            code = args.run(args)
    except ValueError as exc:
        print(f"nasx {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print(f"nasx {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    return code if isinstance(code, int) else 0


def entry() -> None:
    """The `nasx` command: `main`, then exit. After Ctrl-C (every record already written, Ray already let go) the
    process ends without the interpreter's teardown, where Ray's and torch's native threads can crash it."""
    code = main()
    if code == INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
