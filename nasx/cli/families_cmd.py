"""`nasx families`: every registered family with its exact params and MACs and the search spaces holding it."""

from __future__ import annotations

import json

from nasx.table import render


def add_parser(sub) -> None:
    p = sub.add_parser("families", help="list the hand-designed families with params and MACs")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=run)


def rows() -> list[dict]:
    from nasx import families, search_spaces
    from nasx.complexity import complexity

    out = []
    for name in families.names():
        family, spec = families.info(name), families.get(name)
        cost = complexity(spec)
        out.append(
            {
                "name": name,
                "source": family.source,
                "resolution": spec.resolution,
                "params": cost.params,
                "macs": cost.macs,
                "spaces": search_spaces.containing(spec),
            }
        )
    return out


def run(args) -> None:
    table = rows()
    if args.json:
        print(json.dumps(table, indent=1))
        return
    print(
        render(
            ["family", "source", "resolution", "params", "MACs (M)", "point of space"],
            [
                [
                    r["name"],
                    r["source"],
                    r["resolution"],
                    f"{r['params']:,}",
                    f"{r['macs'] / 1e6:,.1f}",
                    ", ".join(r["spaces"]) or "none",
                ]
                for r in table
            ],
            right={2, 3, 4},
        )
    )
