"""`nasx supernet [KEY=VALUE ...]`: compose conf/supernet.yaml, train a weight-sharing supernet of the space."""

from __future__ import annotations

from pathlib import Path

from nasx.cli import hydra_flags
from nasx.cli.compose import check_resumable, compose
from nasx.cli.convert import flag, search_setup
from nasx.cli.search_cmd import check_data, check_device, sweeps
from nasx.search.setup import SearchSetup

# where and on how many workers the run trains: the result is the same
RESUME_MAY_CHANGE = ("resume", "run_dir", "resources", "cluster", "supernet.workers")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "supernet",
        help="train a weight-sharing supernet of a space: sandwich rule, in-place "
        "distillation (Hydra overrides of conf/supernet.yaml)",
        description="Overrides use Hydra syntax on conf/supernet.yaml, whose groups are search.yaml's: "
        "experiment=compound_grid space=compound data=mnist5k train.epochs=20 "
        "supernet.random_subnets=2 supernet.distill=false supernet.progressive=true "
        "supernet.workers=2 cluster=attach smoke=true run_dir=PATH resume=true.",
    )
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="Hydra overrides of conf/supernet.yaml")
    hydra_flags.add_arguments(p)
    p.set_defaults(run=run)


def resumed_config(cfg: dict) -> dict:
    """resume=true: run_dir must be an earlier run whose config.yaml agrees with `cfg` (but for
    `RESUME_MAY_CHANGE`); returns `cfg`."""
    check_resumable(cfg.get("run_dir"), cfg, ignore=RESUME_MAY_CHANGE, what="supernet run")
    return cfg


def prepare(cfg: dict) -> tuple[SearchSetup, bool]:
    """(checked setup, resume) of a composed supernet config; every check that can fail before the run
    directory is written."""
    from nasx.search.supernet_driver import check, check_fresh
    from nasx.writable import check_writable_dir

    # a preset that scores a search with this supernet (evaluator=supernet) trains the supernet too
    cfg = {**cfg, "evaluator": "train"} if "evaluator" in cfg else cfg
    resume = flag(cfg, "resume")
    if resume:
        resumed_config(cfg)
    setup = search_setup(cfg)
    check(setup)
    check_writable_dir(setup.run_dir, "run_dir")
    if not resume:
        check_fresh(Path(setup.run_dir))
    check_data(setup)
    check_device(setup)
    return setup, resume


def run(args) -> int:
    swept = sweeps(args.overrides)
    if swept:
        raise ValueError(f"{swept[0]} sweeps several values: `nasx supernet` trains one supernet per command")
    if hydra_flags.shown(args, "supernet"):
        return 0
    setup, resume = prepare(compose("supernet", args.overrides, args.config_dir))
    from nasx.search.supernet_driver import run_supernet

    run_supernet(setup, resume=resume, overrides=args.overrides)
    return 0
