"""Evaluators that train nothing, for benchmarks that measure nasx and Ray alone."""

from __future__ import annotations

import time


def row_of(config: dict, start: float, end: float) -> dict:
    """The results row of a trial that ran from `start` to `end` without training."""
    from nasx.arch.codec import decode
    from nasx.complexity import complexity

    cost, full = complexity(decode(config["arch"])), complexity(decode(config["full_arch"]))
    return {
        "arch": config["arch"],
        "arch_key": config["arch_key"],
        "status": "ok",
        "val/top1": 0.5,
        "reward": 0.5,
        "epochs": 0,
        "wall_s": end - start,
        "seed": 0,
        "finished_at": end,
        "params": cost.params,
        "macs": cost.macs,
        "full_params": full.params,
        "full_macs": full.macs,
    }


def sleeper(duration_s: float):
    """An evaluator (`nasx.search.evaluators`) that sleeps `duration_s` (0: returns at once) and returns its row."""

    def evaluate(config: dict, data, setup, report) -> dict:
        start = time.time()
        if duration_s:
            time.sleep(duration_s)
        return {"row": row_of(config, start, time.time())}

    return evaluate
