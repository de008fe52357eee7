"""`nasx search [KEY=VALUE ...] [-m]`: compose conf/search.yaml, check everything, run the search on Ray Tune."""

from __future__ import annotations

import itertools
import math
import os
import re
import time
from pathlib import Path

from nasx.cli import hydra_flags
from nasx.cli.compose import check_resumable, compose
from nasx.cli.convert import default_run_dir, flag, search_setup
from nasx.data import FILE_DATASETS
from nasx.search.setup import SearchSetup, check

RESUME_MAY_CHANGE = ("budget", "resume", "run_dir", "resources", "cluster", "confirm", "logging")
MAX_JOBS = 100  # searches of one `-m` sweep: each is composed and checked before the first starts


def add_parser(sub) -> None:
    p = sub.add_parser(
        "search",
        help="search a space on Ray Tune (Hydra overrides of conf/search.yaml)",
        description="Overrides use Hydra syntax on conf/search.yaml: experiment=effnet_b0_search "
        "space=regnet search=tpe budget=40 seed=1 smoke=true cluster=attach "
        "run_dir=PATH resume=true. With -m, comma-separated values (seed=0,1,2) run "
        "one search per combination, one after the other.",
    )
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="Hydra overrides of conf/search.yaml")
    p.add_argument(
        "-m",
        "--multirun",
        action="store_true",
        help="run every combination of comma-separated values, each in its own run directory",
    )
    hydra_flags.add_arguments(p)
    p.set_defaults(run=run)


# --- multirun ---------------------------------------------------------------------------------------


def _parse(overrides: list[str]) -> list:
    """Hydra's override grammar (the parser Hydra's own multirun uses)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    try:
        return OverridesParser.create().parse_overrides(list(overrides))
    except HydraException as exc:
        raise ValueError(f"bad override: {' '.join(str(exc).split())}") from None


def _sweep_size(override) -> int:
    """How many values a sweep override gives, counted without listing them (a range is arithmetic)."""
    from hydra.core.override_parser.types import ChoiceSweep, RangeSweep

    sweep = override.value()
    if isinstance(sweep, RangeSweep) and sweep.start is not None and sweep.stop is not None and sweep.step:
        return max(0, math.ceil((sweep.stop - sweep.start) / sweep.step))
    if isinstance(sweep, ChoiceSweep):
        return len(sweep.list)
    return sum(1 for _ in itertools.islice(override.sweep_string_iterator(), MAX_JOBS + 1))


def expand(overrides: list[str]) -> list[list[str]]:
    """The cartesian product of sweep overrides (`seed=0,1,2`, `space=regnet,anynet`, `seed=range(0,3)`),
    as one list of plain overrides per job, in order (the last sweep varies fastest); at most MAX_JOBS jobs,
    counted before any is listed."""
    from hydra.errors import HydraException

    parsed = _parse(overrides)
    jobs = 1
    for o in parsed:
        if o.is_sweep_override():
            try:
                jobs *= _sweep_size(o)
            except HydraException:
                raise ValueError(f"{o.input_line}: only lists of values and range() can be swept") from None
    if jobs > MAX_JOBS:
        raise ValueError(
            f"-m: the sweep makes {jobs:,} searches, at most {MAX_JOBS} in one command; split the sweep over "
            "several commands"
        )
    choices = []
    for o in parsed:
        if not o.is_sweep_override():
            choices.append([o.input_line])
            continue
        try:
            values = list(o.sweep_string_iterator())
        except HydraException:
            raise ValueError(f"{o.input_line}: only lists of values and range() can be swept") from None
        choices.append([f"{o.get_key_element()}={v}" for v in values])
    return [list(job) for job in itertools.product(*choices)]


def sweeps(overrides: list[str]) -> list[str]:
    """The overrides that sweep several values."""
    return [o.input_line for o in _parse(overrides) if o.is_sweep_override()]


def job_label(job: list[str], swept_keys: set[str]) -> str:
    """Directory name of one multirun job: its swept overrides, `space=regnet,seed=0`."""
    parts = [o for o in job if o.split("=", 1)[0].lstrip("+~") in swept_keys]
    return re.sub(r"[^\w.,=+-]", "_", ",".join(parts)) or "job"


# --- checks ---------------------------------------------------------------------------------------


def check_data(setup: SearchSetup) -> None:
    """The dataset exists where the config says and fits in memory (the data is loaded later, once, by the
    runner)."""
    from nasx.memory import check_data_fits

    spec = setup.data
    check_data_fits(spec.name, spec.channels, spec.resolution)
    if spec.name in FILE_DATASETS and spec.root is not None:  # DataSpec requires a root for these
        root = Path(spec.root).expanduser()
        if root.is_symlink() and not root.exists():
            raise ValueError(
                f"data.root={spec.root}: a broken symbolic link (to {os.readlink(root)}; dataset {spec.name})"
            )
        if not root.exists():
            raise ValueError(f"data.root={spec.root}: no such file or directory (dataset {spec.name})")


def check_searcher(setup: SearchSetup) -> None:
    """The searcher accepts its options, the space and the objectives (e.g. grid needs a finite space)."""
    from nasx.search import searchers

    try:
        searchers.get(
            setup.searcher.name,
            setup.space.make(),
            seed=setup.seed,
            objectives=setup.objectives(),
            **setup.searcher.options,
        )
    except TypeError as exc:
        raise ValueError(f"search.options: {exc}") from None


def check_device(setup: SearchSetup) -> None:
    if setup.address is None and setup.train.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            gpus = setup.resources.gpus_per_trial
            why = f" (resources.gpus_per_trial={gpus:g} asks for GPUs; train.device=cpu runs on CPUs)" if gpus else ""
            raise ValueError(f"train.device={setup.train.device}: CUDA is not available on this machine{why}")


def validate(setup: SearchSetup) -> None:
    """Every check that can fail before Ray starts; each failure is one ValueError line."""
    from nasx.search import executors

    check(setup)
    check_data(setup)
    check_searcher(setup)
    check_device(setup)
    if setup.train.compile:
        from nasx.train.compiler import check_compiler

        check_compiler(setup.train.device, setup.train.compile)
    executors.get().check(setup)


def check_fresh(setup: SearchSetup) -> None:
    run_dir = Path(setup.run_dir)
    if run_dir.exists() and any(run_dir.glob("results.*")):
        raise ValueError(f"run_dir={run_dir} already holds results; resume it (resume=true) or choose another")


def resumed_config(cfg: dict) -> dict:
    """resume=true: run_dir must be an earlier run whose config.yaml agrees with `cfg` except in
    budget, resources and cluster; returns `cfg`."""
    hint = f", or use `nasx resume {cfg.get('run_dir')} [budget=N]`"
    check_resumable(cfg.get("run_dir"), cfg, ignore=RESUME_MAY_CHANGE, what="run directory", hint=hint)
    return cfg


# --- running ----------------------------------------------------------------------------------------


def prepare(cfg: dict) -> tuple[SearchSetup, bool]:
    """(checked setup, resume) of one composed search config."""
    resume = flag(cfg, "resume")
    if resume:
        resumed_config(cfg)
    setup = search_setup(cfg)
    if not resume:
        check_fresh(setup)
    validate(setup)
    return setup, resume


def launch(setup: SearchSetup, resume: bool, overrides: list[str] | None = None) -> Path:
    """Run the search (then its confirmation stage if confirm.after_search, on the same Ray); `overrides`, the
    command line's, are recorded in RUN_DIR/overrides.yaml."""
    try:
        from nasx.search import executors
        from nasx.search.driver import run_search
    except ImportError as exc:
        raise ValueError(f"the search driver is not available: {exc}") from None
    executor = executors.get()
    if not setup.confirm.after_search:
        return run_search(setup, resume=resume, overrides=overrides, executor=executor)
    from nasx.search.confirm import run_confirm, with_available_top_k

    with executor.session(setup, Path(setup.run_dir)):  # one Ray for both stages
        run_dir = run_search(setup, resume=resume, overrides=overrides, executor=executor)
        run_confirm(with_available_top_k(setup), executor=executor)
    return run_dir


def run(args) -> int:
    swept = sweeps(args.overrides)
    if not args.multirun:
        if swept:
            raise ValueError(f"{swept[0]} sweeps several values: add -m to run one search per value")
        if hydra_flags.shown(args, "search"):
            return 0
        launch(*prepare(compose("search", args.overrides, args.config_dir)), overrides=args.overrides)
        return 0
    if hydra_flags.shown(args, "search", expand(args.overrides)):
        return 0
    swept_keys = {o.split("=", 1)[0].lstrip("+~") for o in swept}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    setups = []
    for job in expand(args.overrides):  # every job is checked before the first one starts
        cfg = compose("search", job, args.config_dir)
        if cfg.get("resume"):
            raise ValueError("resume=true cannot be combined with -m; resume each run with `nasx resume RUN_DIR`")
        if "run_dir" not in swept_keys:
            base = cfg.get("run_dir") or default_run_dir(cfg.get("name") or "search", stamp)
            cfg["run_dir"] = str(Path(base) / job_label(job, swept_keys))
        setups.append((job, prepare(cfg)[0]))
    dirs = [s.run_dir for _, s in setups]
    if len(set(dirs)) < len(dirs):
        raise ValueError("multirun: two jobs would share a run directory (sweep distinct run_dir values)")
    for i, (job, setup) in enumerate(setups, 1):
        print(f"multirun job {i}/{len(setups)}: {' '.join(job)} -> {setup.run_dir}", flush=True)
        launch(setup, False, overrides=job)
    return 0
