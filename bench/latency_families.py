"""Every registered family's full-scale latency on this machine against its MACs.

    python -m bench.latency_families [--device cpu] [--iters 20] [--warmup 3] [--limit N] [--out DIR]

Measures each family at its published resolution, batch 1, one torch thread, fp32 (`nasx latency
--families`, through the same cache: `--remeasure` times everything again), then prints Spearman's rho
between MACs and median latency with its 95% bootstrap interval, the families the MACs ranking misorders
most, the timing spread (p90 / median - 1, median over families) and the wall time. The table, the
summary and the figure go to --out (default latency_families).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import asdict

import pandas as pd

from nasx import log
from nasx.analysis import latency_macs
from nasx.cli.latency_cmd import FAMILIES_OUT
from nasx.latency.cache import LatencyCache
from nasx.latency.families import family_names, measure_families
from nasx.latency.full_scale import LatencyRequest, check_available, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--limit", type=int, help="only the LIMIT families with the fewest MACs (a check)")
    parser.add_argument("--match", help="only the families whose name matches this glob")
    parser.add_argument("--remeasure", action="store_true", help="time every family again (the cache is refreshed)")
    parser.add_argument("--out", default=FAMILIES_OUT)
    args = parser.parse_args()
    request = LatencyRequest(device=args.device, batch=1, threads=1, dtype="fp32", iters=args.iters, warmup=args.warmup)
    check_available(request)
    names = family_names(args.match, args.limit)
    device = machine(request)
    print(f"machine: {device['device_name']} ({device['device']}, {device['cores']} cores, torch {device['torch']})")
    print(f"{len(names)} families, batch 1, 1 thread, fp32, {args.iters} timed forwards after {args.warmup}")
    started = time.perf_counter()
    with log.to_terminal():
        rows = measure_families(names, request, LatencyCache(), remeasure=args.remeasure, out=log.lines("bench"))
    wall_s = time.perf_counter() - started
    frame = pd.DataFrame(rows)
    result = latency_macs.summary(frame, device, asdict(request))
    title = f"Latency against MACs, {len(frame)} families: {device['device_name']}, batch 1, 1 thread, fp32"
    written = latency_macs.save(args.out, frame, result, title)
    print(latency_macs.rho_text(result))
    spread = statistics.median(r["p90_ms"] / r["latency_ms"] - 1 for r in rows)
    print(f"timing spread: p90 / median - 1 = {spread:.1%} (median over families)")
    print(latency_macs.misordered_text(result))
    measured = sum(not r["cached"] for r in rows)
    print(f"wall {wall_s:.1f} s ({measured} measured, {len(rows) - measured} from the cache)")
    print("wrote " + ", ".join(written))


if __name__ == "__main__":
    main()
