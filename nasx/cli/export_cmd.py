"""`nasx export RUN_DIR TRIAL_ID --out DIR`: a trial's network as files (arch strings, spec, row, weights)."""

from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write a trial's network out: full-scale and trained arch strings, spec "
        "JSON, row, provenance, README and weights.pt when saved",
    )
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run directory holding the trial")
    p.add_argument(
        "trial_id",
        metavar="TRIAL_ID",
        help="a trial id of the run, or `best`: the best confirmed network, else the best searched one",
    )
    p.add_argument("--out", metavar="DIR", required=True, help="a new (or empty) directory to write")
    p.set_defaults(run=run)


def run(args) -> int:
    from nasx.export import export_trial
    from nasx.results.record import check_out, holding
    from nasx.writable import check_writable_dir

    check_out(args.out, force=True)  # never into a run's record; an existing file is export_trial's to refuse
    if not Path(args.out).is_file():
        check_writable_dir(args.out, "--out")  # before the run is read: nothing written when it cannot be
    with holding(args.out):  # an export inside a run directory is written while holding its lock
        try:
            files = export_trial(args.run_dir, args.trial_id, args.out)
        except OSError as exc:
            raise ValueError(f"cannot write --out {args.out}: {exc}") from None
    print(f"exported {files['row.json'].parent} ({', '.join(files)})")
    return 0
