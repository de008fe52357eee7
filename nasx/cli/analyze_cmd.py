"""`nasx analyze RUN_DIR [RUN_DIR ...] [--fidelity FIDELITY_RUN]`: frontier, families, hypervolume, reward,
scaling, design-space and proxy-fidelity report of one or more runs (finished or still running), key
tables on the terminal."""

from __future__ import annotations

from pathlib import Path

COMPARISON = "comparison"


def add_parser(sub) -> None:
    p = sub.add_parser(
        "analyze",
        help="report of one or more runs: Pareto frontier with the reference families, "
        "hypervolume, top candidates, compound scaling, design-space EDFs",
    )
    p.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="run directories holding a results table")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where to write the report (default: the run directory; "
        f"with several runs, {COMPARISON}/ inside the first)",
    )
    p.add_argument("--no-figures", action="store_true", help="tables only: no PNG figures")
    p.add_argument("--top", type=int, default=10, help="how many top candidates by reward to list (default 10)")
    p.add_argument("--quiet", action="store_true", help="do not print the key tables")
    p.add_argument(
        "--fidelity",
        metavar="FIDELITY_RUN",
        help="a `nasx fidelity` run: show how well the protocol of the search (same space, data and "
        "training config) ranks networks",
    )
    p.set_defaults(run=run)


def out_dir(run_dirs: list[str], out: str | None) -> Path:
    if out:
        return Path(out)
    return Path(run_dirs[0]) if len(run_dirs) == 1 else Path(run_dirs[0]) / COMPARISON


def run(args) -> None:
    if args.top < 1:
        raise ValueError(f"--top {args.top}: must be at least 1")
    from contextlib import ExitStack

    from nasx.analysis import analyze, report, summary  # matplotlib is imported only for this command
    from nasx.results.record import holding
    from nasx.results.store import compact_if_idle
    from nasx.writable import check_writable_dir

    out = out_dir(args.run_dirs, args.out)
    if args.out:  # before the runs are read and the figures drawn: nothing written when it cannot be
        check_writable_dir(out, "--out")
    result = analyze.analyze(args.run_dirs, figures=not args.no_figures, top=args.top, fidelity_run=args.fidelity)
    with ExitStack() as stack:
        try:  # the report goes into a run directory only while this command holds its writer lock
            stack.enter_context(holding(out))
        except ValueError as exc:
            raise ValueError(f"{exc}; or write the report elsewhere with --out DIR") from None
        for run_dir in args.run_dirs:  # once the runs have been read: a run that does not read is left as it is
            compact_if_idle(run_dir)
        try:
            paths = report.write(result, out)
        except OSError as exc:
            raise ValueError(f"cannot write the report: {exc}") from None
        if not args.quiet:
            print(summary.summary(result))
            print()
        print(f"report: {paths['html']}")
        from nasx.analysis.fidelity import FIDELITY_JSON, write_json

        for name, numbers in result.fidelity.items():  # a fidelity run, finished or cut short
            file = FIDELITY_JSON if len(args.run_dirs) == 1 else f"{name}-{FIDELITY_JSON}"
            path = out / file
            write_json(path, numbers)
            print(f"fidelity: {path}")
