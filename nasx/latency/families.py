"""Every registered family measured at full scale on this device, cached: the rows behind
`nasx latency --families`."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

from nasx.latency.cache import LatencyCache
from nasx.latency.full_scale import LatencyRequest, latency_of


def family_names(match: str | None = None, limit: int | None = None) -> list[str]:
    """The registered families whose name matches the glob `match` (all without one); with `limit`, the
    `limit` of them with the fewest MACs, in registry order."""
    from nasx import families
    from nasx.complexity import complexity

    names = [n for n in families.names() if match is None or fnmatch.fnmatchcase(n, match)]
    if match is not None and not names:
        raise ValueError(f"--match={match!r}: no family name matches it (see `nasx families`)")
    if limit is not None:
        if limit < 1:
            raise ValueError(f"--limit={limit}: must be an integer >= 1")
        cheapest = set(sorted(names, key=lambda n: complexity(families.get(n)).macs)[:limit])
        names = [n for n in names if n in cheapest]
    return names


def measure_families(
    names: list[str],
    request: LatencyRequest,
    cache: LatencyCache | None = None,
    *,
    remeasure: bool = False,
    out: Callable[[str], None] = lambda line: None,
) -> list[dict]:
    """One row per family: name, resolution, params, MACs and the cache entry's latency fields, with
    `cached` saying whether it was measured now; a progress line through `out` after each."""
    from nasx import families
    from nasx.complexity import complexity

    rows = []
    for i, name in enumerate(names, 1):
        spec = families.get(name)
        cost = complexity(spec)
        entry, cached = latency_of(spec, request, cache, remeasure=remeasure)
        rows.append(
            {
                "family": name,
                "resolution": spec.resolution,
                "params": cost.params,
                "macs": cost.macs,
                "latency_ms": entry["median_ms"],
                "p90_ms": entry["p90_ms"],
                "iters": entry["iters"],
                "cached": cached,
            }
        )
        out(f"[{i}/{len(names)}] {name}: {entry['median_ms']:.2f} ms{' (cached)' if cached else ''}")
    return rows
