"""`nasx confirm RUN_DIR [top_k=K] [seeds=S] [init=scratch|inherited] [quantize=int8] [train.KEY=VALUE ...]`:
retrain a search's best networks and its reference families under a longer protocol with several seeds
(stage=confirm rows in the same results), from scratch or from the weights of the search's supernet, and with
quantize=int8 score each of them in INT8 too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any


def add_parser(sub) -> None:
    p = sub.add_parser(
        "confirm",
        help="retrain the top searched networks and the reference families under a "
        "longer protocol with several seeds, and judge them beyond seed noise",
        description="Reads RUN_DIR/config.yaml and its `confirm` block (conf/search.yaml's when the "
        "run has none); overrides change it: top_k=5 seeds=3 train.epochs=20 "
        "train.lr=0.05 init=inherited (a search with evaluator=supernet: fine-tune from the supernet's "
        "weights), quantize=int8 calibration_images=512 (INT8 scores and full-scale latency). Trials already "
        "confirmed are not run again.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run directory of a finished search")
    p.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="top_k, seeds, init, quantize, calibration_images, train.<setting>",
    )
    p.add_argument(
        "--config-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="a directory of your own configs, searched before nasx's (for a run without a confirm block)",
    )
    p.set_defaults(run=run)


def confirm_setup(run_dir: str, overrides: Sequence[str] = (), config_dirs: Sequence[str] = ()):
    """The search's SearchSetup with its confirmation stage as configured and overridden; its stored config must
    be complete (`check_complete`, as for `nasx resume`)."""
    from nasx.cli.compose import apply_overrides, check_complete, compose, load_run_config
    from nasx.cli.convert import search_setup
    from nasx.search.setup import confirm_train

    cfg = load_run_config(run_dir)
    if "confirm" not in cfg:  # a run from before the confirmation stage existed: the configured defaults
        cfg["confirm"] = compose("search", (), config_dirs)["confirm"]
    # as `nasx resume` checks it: defaults filling a gap would confirm under another protocol, data or objective
    check_complete(cfg, Path(run_dir) / "config.yaml", remedy="restore the file")
    cfg["run_dir"] = str(run_dir)
    setup = search_setup(cfg)
    searched_train = asdict(setup.train)
    block: dict[str, Any] = {
        "top_k": setup.confirm.top_k,
        "seeds": setup.confirm.seeds,
        "init": setup.confirm.init,
        "quantize": setup.confirm.quantize,
        "calibration_images": setup.confirm.calibration_images,
        "train": asdict(confirm_train(setup)),
    }
    block = apply_overrides(
        block,
        list(overrides),
        where="the confirmation stage (top_k, seeds, init, quantize, calibration_images, train.<setting>)",
    )
    unknown = sorted(set(block["train"]) - set(searched_train))
    if unknown:
        raise ValueError(f"train: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(searched_train))}")
    train = {k: v for k, v in block["train"].items() if v != searched_train[k]}
    confirm = replace(
        setup.confirm,
        top_k=block["top_k"],
        seeds=block["seeds"],
        init=block["init"],
        quantize=block["quantize"],
        calibration_images=block["calibration_images"],
        train=train,
    )
    return replace(setup, confirm=confirm)


def run(args) -> int:
    from nasx.cli.search_cmd import validate
    from nasx.search.confirm import run_confirm

    if not Path(args.run_dir).is_dir():
        raise ValueError(f"run directory {args.run_dir} not found")
    setup = confirm_setup(args.run_dir, args.overrides, args.config_dir)
    validate(setup)  # as search and resume: the data, the device, a reachable cluster, a request it can place
    run_confirm(setup)
    return 0
