"""`nasx space [NAME]`: a search space's choices, its size, and what 1,000 samples look like."""

from __future__ import annotations

import sys
import time

from nasx.checks import MAX_SEED, SEED_RULE
from nasx.table import human, render

SUFFIXES = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
QUANTILES = (0.0, 0.1, 0.5, 0.9, 1.0)
MAX_SAMPLES = 100_000  # --samples: about a minute of sampling and counting


def add_parser(sub) -> None:
    p = sub.add_parser("space", help="describe a search space: choices, size, sampled MACs/params")
    p.add_argument("name", nargs="?", help="space name (omit to list the spaces)")
    p.add_argument("--macs", nargs=2, metavar=("MIN", "MAX"), help="MACs budget, e.g. 300M 400M")
    p.add_argument("--params", nargs=2, metavar=("MIN", "MAX"), help="params budget, e.g. 2M 6M")
    p.add_argument("--samples", type=int, default=1000, help=f"samples to draw (default 1000, at most {MAX_SAMPLES:,})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="space options, e.g. mode=continuous, ranges=pycls, resolution=32",
    )
    p.set_defaults(run=run)


def count(text: str) -> float:
    """'300M' -> 3e8, '1.5G' -> 1.5e9, '2e6' -> 2e6."""
    t = text.strip().upper()
    scale = SUFFIXES.get(t[-1:], 1.0)
    try:
        return float(t[:-1] if t[-1:] in SUFFIXES else t) * scale
    except ValueError:
        raise ValueError(f"{text!r} is not a count (examples: 400M, 1.2G, 5e6)") from None


def options(pairs: list[str]) -> dict:
    from nasx.yaml_limits import loads

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {pair!r}: expected KEY=VALUE")
        out[key] = loads(value, f"--set {key}")
    return out


def summary(space) -> str:
    """First line of the space module's docstring."""
    doc = sys.modules[type(space).__module__].__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def run(args) -> None:
    import numpy as np

    from nasx import families, search_spaces
    from nasx.complexity import complexity

    if args.name is None:
        rows = []
        for name in search_spaces.names():
            space = search_spaces.get(name)
            size = space.size()
            rows.append(
                [name, len(space.parameters()), f"{size.count:.3g}" + ("" if size.exact else " (est.)"), summary(space)]
            )
        print(render(["space", "parameters", "size", "description"], rows, right={1, 2}))
        return
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed {args.seed}: {SEED_RULE}")
    if not 1 <= args.samples <= MAX_SAMPLES:
        raise ValueError(f"--samples {args.samples}: must be in [1, {MAX_SAMPLES:,}]")
    budget = {k: [count(v) for v in getattr(args, k)] for k in ("macs", "params") if getattr(args, k)}
    space = search_spaces.get(args.name, **options(args.set), **budget)
    print(f"space {space.name}: {summary(space)}")
    print(render(["parameter", "kind", "values"], [list(r) for r in space.describe()], right=set()))
    size = space.size()
    print(
        f"size: {size.count:,.0f}"
        if size.exact and size.count != float("inf")
        else f"size: {size.count:.4g}{'' if size.exact else ' (estimate)'}",
        f"- {size.note}" if size.note else "",
    )
    points = [n for n in families.names() if space.contains(families.get(n))]
    print(f"families that are points: {', '.join(points) or 'none'}")

    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    costs = [complexity(space.sample(rng)) for _ in range(args.samples)]
    wall_s = time.perf_counter() - start
    stats = space.stats
    print(
        f"{args.samples:,} samples (seed {args.seed}) with {space.budget.describe()}: acceptance "
        f"{stats.acceptance:.1%} of {stats.tries:,} tries ({stats.invalid:,} invalid, "
        f"{stats.over_budget:,} outside the budget), {wall_s:.1f} s"
    )
    rows = []
    for label, values in (("MACs", [c.macs for c in costs]), ("params", [c.params for c in costs])):
        rows.append([label, *(human(q) for q in np.quantile(values, QUANTILES))])
    print(render(["", *(f"p{round(q * 100)}" if 0 < q < 1 else ("min" if q == 0 else "max") for q in QUANTILES)], rows))
