"""What the run's Optuna journal costs the driver: per trial appended, file size, and reopening it.

    python -m bench.journal_cost [--trials N] [--space mnasnet]

N results rows of random points of the space (status ok, a reward) are added one by one with
`Journal.record`, as a driver does when trials end; then the journal is opened again and its study read,
as a resumed driver does. Prints the mean cost per trial of the first and the last 100, the file size per
trial and the reopening time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from nasx import results, search_spaces
from nasx.results.optuna_journal import JOURNAL, Journal

OBJECTIVES = (("reward", "max"),)


def rows(space, n: int) -> list[dict]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        values, _ = space.sample_point(rng)
        row = results.empty_row()
        row.update(
            trial_id=f"s{i:05d}",
            status="ok",
            stage="search",
            arch=f"arch{i}",
            full_arch=f"full{i}",
            choices=json.dumps(values),
            reward=0.5,
            seed=0,
            finished_at=1.7e9 + i,
            wall_s=1.0,
        )
        out.append(row)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=2000)
    p.add_argument("--space", default="mnasnet")
    args = p.parse_args()
    space = search_spaces.get(args.space)
    todo = rows(space, args.trials)
    with tempfile.TemporaryDirectory(prefix="nasx-journal-") as tmp:
        path = Path(tmp) / JOURNAL
        journal = Journal(path, "bench", OBJECTIVES, space.parameters())
        spans = []
        for row in todo:
            start = time.perf_counter()
            journal.record(row)
            spans.append(time.perf_counter() - start)
        start = time.perf_counter()
        Journal(path, "bench", OBJECTIVES, space.parameters())._study("search")
        reopen_s = time.perf_counter() - start
        size = path.stat().st_size
    print(
        f"{args.trials} trials of space {args.space}: {1000 * statistics.mean(spans[:100]):.2f} ms per trial "
        f"(first 100), {1000 * statistics.mean(spans[-100:]):.2f} ms (last 100), {sum(spans):.1f} s in all; "
        f"{size / args.trials / 1000:.1f} KB per trial; reopened in {reopen_s:.2f} s"
    )


if __name__ == "__main__":
    main()
