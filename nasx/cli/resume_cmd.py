"""`nasx resume RUN_DIR [KEY=VALUE ...]`: continue a search from the config.yaml in its run directory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nasx.cli import search_cmd
from nasx.cli.compose import apply_overrides, check_complete, load_run_config
from nasx.cli.convert import implied, search_setup


def add_parser(sub) -> None:
    p = sub.add_parser(
        "resume",
        help="continue an interrupted search (optionally with a larger budget)",
        description="Reads RUN_DIR/config.yaml; overrides change its values, e.g. budget=40 "
        "resources.max_concurrent=4 cluster.address=auto. Finished trials are not "
        "re-run and the searcher continues where it stopped.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run directory of the search to continue")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="changes to the run's config, e.g. budget=40")
    p.set_defaults(run=run)


def resume_setup(run_dir: str, overrides: Sequence[str] = ()):
    """The checked SearchSetup that continues the search in `run_dir`."""
    path = Path(run_dir) / "config.yaml"
    cfg = apply_overrides(load_run_config(run_dir), list(overrides), where=str(path))
    check_complete(cfg, path)
    cfg = implied(cfg, overrides)
    cfg.update(run_dir=str(run_dir), resume=True)
    try:
        setup = search_setup(cfg)
    except ValueError as exc:
        if "unknown key" not in str(exc):
            raise
        raise ValueError(f"{Path(run_dir) / 'config.yaml'}: {exc}; was it written by a newer nasx?") from None
    search_cmd.validate(setup)
    if (Path(run_dir) / "results.jsonl").is_file():  # its rows read and its views checked before any write
        from nasx import results

        results.load(run_dir)
    return setup


def run(args) -> int:
    search_cmd.launch(resume_setup(args.run_dir, args.overrides), True)
    return 0
