"""`nasx latency NAME_OR_ARCH ...`: the full-scale network's latency on this device (median, p90, cached);
`nasx latency --families`: every family, with Spearman's rho between MACs and latency and a figure;
`nasx latency table ...`: the per-block latency table's own command (`nasx.cli.latency_table_cmd`)."""

from __future__ import annotations

import importlib
import json
import sys

from nasx.table import human, render

TABLE = "table"  # `nasx latency table ...`: reserved for the per-block latency table
TABLE_MODULE = "nasx.cli.latency_table_cmd"
FAMILIES_OUT = "latency_families"
TOP_MISORDERED = 10


def add_parser(sub) -> None:
    p = sub.add_parser(
        "latency",
        help="full-scale latency of families or arch strings on this device (median, p90; cached)",
        description="Time the full-scale network (its published resolution and width) on this device: warm-up, "
        "a fixed thread count, CUDA events on a GPU. Measurements are cached per (network, device "
        "fingerprint, batch, dtype, threads) in $NASX_CACHE_DIR/latency.jsonl (default ~/.cache/nasx). "
        "`nasx latency table ...` is the per-block latency table's command.",
    )
    p.add_argument(
        "names", nargs="*", metavar="NAME_OR_ARCH", help="family names (see `nasx families`) or arch strings"
    )
    p.add_argument(
        "--families", action="store_true", help="every registered family: a table, rho(MACs, latency), a figure"
    )
    p.add_argument("--match", metavar="GLOB", help="with --families: only the families whose name matches GLOB")
    p.add_argument("--limit", type=int, help="with --families: only the LIMIT families with the fewest MACs")
    p.add_argument(
        "--out", metavar="DIR", help=f"with --families: where the table and figure go (default {FAMILIES_OUT})"
    )
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--batch", type=int, default=1, help="images per forward (default 1)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1; unused on cuda)")
    p.add_argument("--dtype", default="fp32", help="fp32, bf16 or int8 (int8: nasx.quantize, CPU only; default fp32)")
    p.add_argument("--iters", type=int, default=50, help="timed forwards (default 50)")
    p.add_argument("--warmup", type=int, default=10, help="untimed forwards first (default 10)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument("--remeasure", action="store_true", help="measure again and replace the cached entries")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables (progress on stderr)")
    p.set_defaults(run=run)


def table(argv: list[str]) -> int:
    """`nasx latency table ARGS`: `nasx.cli.latency_table_cmd.main(ARGS)`, where this install has it."""
    try:
        module = importlib.import_module(TABLE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != TABLE_MODULE:
            raise
        print(
            f"nasx latency: error: `nasx latency table` needs {TABLE_MODULE}, which this install lacks", file=sys.stderr
        )
        return 2
    return module.main(argv)


def _check_args(args) -> None:
    if args.families and args.names:
        raise ValueError("give NAME_OR_ARCH ... or --families, not both")
    if not args.families and not args.names:
        raise ValueError("give NAME_OR_ARCH ... (a family name or an arch string) or --families")
    if not args.families:
        options = (("--match", args.match), ("--limit", args.limit), ("--out", args.out))
        given = [flag for flag, value in options if value is not None]
        if given:
            raise ValueError(f"{given[0]}: only with --families")
    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit={args.limit}: must be an integer >= 1")


def run(args) -> None:
    from pathlib import Path

    from nasx import log
    from nasx.latency.cache import LatencyCache
    from nasx.latency.full_scale import LatencyRequest, check_available

    _check_args(args)
    request = LatencyRequest(
        device=args.device,
        batch=args.batch,
        threads=args.threads,
        dtype=args.dtype,
        iters=args.iters,
        warmup=args.warmup,
    )
    if args.families:
        from nasx.latency.families import family_names

        names = family_names(args.match, args.limit)
        out_dir = Path(args.out or FAMILIES_OUT)
        if out_dir.exists() and not out_dir.is_dir():
            raise ValueError(f"--out={out_dir}: exists and is not a directory")
    else:
        from nasx.cli.profile_cmd import resolve

        specs = [resolve(text) for text in args.names]  # every name read before anything is measured
    check_available(request)
    cache = None if args.no_cache else LatencyCache()
    progress = (lambda line: print(line, file=sys.stderr)) if args.json else log.lines("latency")
    if args.families:
        _families(args, names, request, cache, progress, out_dir)
    else:
        _networks(args, specs, request, cache, progress)


def _machine_line(machine: dict, request) -> str:
    where = f"{machine['device']}, {machine['cores']} cores, torch {machine['torch']}, Python {machine['python']}"
    if machine.get("cuda"):
        where += f", CUDA {machine['cuda']}"
    threads = f"{request.threads} thread(s)" if request.device == "cpu" else "CUDA events"
    return f"{machine['device_name']} ({where}); batch {request.batch}, {request.dtype}, {threads}"


def _networks(args, specs, request, cache, progress) -> None:
    from nasx.complexity import complexity
    from nasx.latency.full_scale import latency_of, machine

    rows = []
    for i, (text, spec) in enumerate(zip(args.names, specs), 1):
        cost = complexity(spec)
        entry, cached = latency_of(spec, request, cache, remeasure=args.remeasure)
        progress(
            f"[{i}/{len(specs)}] {text if '|' not in text else f'arch {i}'}: {entry['median_ms']:.2f} ms"
            f"{' (cached)' if cached else ''}"
        )
        rows.append({"name": text, "params": cost.params, "macs": cost.macs, "cached": cached, **entry})
    device = machine(request)
    if args.json:
        print(json.dumps({"machine": device, "networks": rows}, indent=1))
        return
    print(
        render(
            ["network", "resolution", "params", "MACs", "median ms", "p90 ms", "iters", "cached"],
            [
                [
                    r["name"] if "|" not in r["name"] else f"arch {i}",
                    r["resolution"],
                    human(r["params"]),
                    human(r["macs"]),
                    f"{r['median_ms']:.3f}",
                    f"{r['p90_ms']:.3f}",
                    r["iters"],
                    "yes" if r["cached"] else "no",
                ]
                for i, r in enumerate(rows, 1)
            ],
        )
    )
    for i, r in enumerate(rows, 1):
        if "|" in r["name"]:
            print(f"arch {i}: {r['arch']}")
    print(f"machine: {_machine_line(device, request)}")


def _families(args, names, request, cache, progress, out_dir) -> None:
    from dataclasses import asdict

    import pandas as pd

    from nasx.analysis import latency_macs
    from nasx.latency.families import measure_families
    from nasx.latency.full_scale import machine

    rows = measure_families(names, request, cache, remeasure=args.remeasure, out=progress)
    frame = pd.DataFrame(rows)
    device = machine(request)
    result = latency_macs.summary(frame, device, asdict(request), TOP_MISORDERED)
    title = (
        f"Latency against MACs, {len(frame)} families: {device['device_name']}, batch {request.batch}, {request.dtype}"
    )
    written = latency_macs.save(out_dir, frame, result, title)
    if args.json:
        print(json.dumps({**result, "families": rows, "written": written}, indent=1))
        return
    print(
        render(
            ["family", "resolution", "params", "MACs (M)", "median ms", "p90 ms"],
            [
                [
                    r["family"],
                    r["resolution"],
                    human(r["params"]),
                    f"{r['macs'] / 1e6:,.1f}",
                    f"{r['latency_ms']:.2f}",
                    f"{r['p90_ms']:.2f}",
                ]
                for r in rows
            ],
        )
    )
    print(f"machine: {_machine_line(device, request)}")
    print(latency_macs.rho_text(result))
    print(latency_macs.misordered_text(result))
    print("wrote " + ", ".join(written))
