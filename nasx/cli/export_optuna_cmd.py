"""`nasx export-optuna RUN_DIR [--out PATH]`: a run's trials as an Optuna journal, for optuna-dashboard and
optuna.visualization (`nasx.results.optuna_journal`)."""

from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export-optuna",
        help="write a run's trials as Optuna studies in a journal file "
        "(RUN_DIR/optuna.log) for optuna-dashboard and optuna.visualization",
        description="Rebuilds the journal from the results table: one study per stage (search, "
        "confirm, fidelity), the objectives as values, the space's choices as params, "
        "the arch strings, trial_id, seed and stage as user attributes. A search writes "
        "RUN_DIR/optuna.log itself as trials end; this command is for runs made before, "
        "or to rebuild it.",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run directory of a search or fidelity run")
    p.add_argument(
        "--out",
        metavar="PATH",
        help="the journal file to write (default: RUN_DIR/optuna.log, replaced whole); an existing file needs "
        "--force, and a file of a run's record (results.jsonl, config.yaml, ...) is never replaced",
    )
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    p.set_defaults(run=run)


def run_setup(run_dir: str):
    """The SearchSetup of a run from its config.yaml (a fidelity run's as the search it draws)."""
    from nasx.cli.compose import load_run_config
    from nasx.cli.convert import search_setup
    from nasx.cli.fidelity_cmd import search_cfg

    cfg = load_run_config(run_dir)
    return search_setup(search_cfg(cfg) if "fidelity" in cfg else cfg)


def run(args) -> int:
    from nasx import results
    from nasx.results.lock import writer_lock
    from nasx.results.optuna_journal import JOURNAL, study_name, write
    from nasx.results.record import check_out, holding

    if args.out:
        if Path(args.out).is_dir():
            raise ValueError(f"cannot write the Optuna journal {args.out}: it is a directory")
        check_out(args.out, force=args.force)
    setup = run_setup(args.run_dir)
    frame = results.load(args.run_dir)
    built_from = results.store.log_range(args.run_dir)
    out = Path(args.out) if args.out else Path(args.run_dir) / JOURNAL
    journal = (setup.name, setup.objectives(), setup.space.make().parameters())
    # the run's own journal, or a file inside a run directory: only while holding that run's writer lock
    with writer_lock(args.run_dir) if not args.out else holding(out):
        count = write(out, frame, *journal, log_range=built_from)
    stages = sorted(set(frame["stage"].fillna("search")))
    print(
        f"optuna journal: {out}: {count} trials in {len(stages)} "
        f"stud{'y' if len(stages) == 1 else 'ies'} ({', '.join(study_name(setup.name, s) for s in stages)}); "
        f"open it with `optuna-dashboard {out}`"
    )
    return 0
