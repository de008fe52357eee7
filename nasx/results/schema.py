"""Columns of a results table: one row per trial, searched candidates and reference families alike.

Metric columns carry their split (`val/top1`, `test/top1`, accuracies in [0, 1]); costs are at the
trained (proxy) scale, `full_params` / `full_macs` are the same architecture at full scale. `int8/...` columns
are the trained network's INT8 copy (`quantize=int8`) and the full-scale network's INT8 and fp32 latency.
"""

from __future__ import annotations

# name -> pandas dtype
COLUMNS: dict[str, str] = {
    "trial_id": "string",  # unique within a run
    "order": "Int64",  # completion order, 0, 1, 2, ... (hypervolume against trials done)
    "status": "string",  # ok | failed | pruned
    "stage": "string",  # search | confirm | fidelity (rows written before stages existed: search)
    "rung": "string",  # training budget of a fidelity or confirm row, e.g. "epochs=10", "zero_cost"
    "error": "string",  # the failure reason, empty when ok
    "arch": "string",  # arch string, nasx.encode(spec) at the trained scale
    "full_arch": "string",  # the same candidate at full scale (the space's resolution and classes)
    "arch_key": "string",  # ArchSpec.key()
    "space": "string",  # search space name; empty for a reference family outside any space
    "family": "string",  # reference family name, empty for a searched candidate
    "choices": "string",  # JSON object: the space's choices that generate the arch ("{}" if none)
    "searcher": "string",  # random | grid | tpe | nsga2 | evolution | reinforce | reference
    "params": "Int64",
    "macs": "Int64",
    "full_params": "Int64",
    "full_macs": "Int64",
    "latency_ms": "float64",  # NaN when not measured; objective.metric=latency_ms scale=full: the full-scale network's
    "latency_source": "string",  # predicted (a latency table) | measured; empty without a latency
    "val/top1": "float64",
    "test/top1": "float64",
    "reward": "float64",
    "zero_cost/grad_norm": "float64",  # rung zero_cost: scores of the untrained network (nasx.zero_cost)
    "zero_cost/synflow": "float64",
    "zero_cost/naswot": "float64",
    "epochs": "Int64",
    "wall_s": "float64",
    "memory_format": "string",  # the format the network trained in: channels_last | contiguous (train.memory_format)
    "compile": "string",  # off (eager) | cold | warm: torch.compile from an empty or a warm cache (train.compile)
    "seed": "Int64",
    "dataset": "string",  # digits | cifar10 | imagefolder | npz | synthetic
    "resolution": "Int64",
    "alpha": "float64",  # compound scaling: the triple and phi; NaN elsewhere
    "beta": "float64",
    "gamma": "float64",
    "phi": "float64",
    "scaling": "string",  # compound | depth | width | resolution; empty elsewhere
    "config_hash": "string",
    "git_commit": "string",
    "versions": "string",  # JSON object of library versions
    "finished_at": "float64",  # unix seconds
    "node": "string",  # the Ray node that trained it
    "evaluator": "string",  # train | supernet | zero_cost: how the candidate was scored (empty before evaluators)
    "supernet_run": "string",  # evaluator=supernet or init=inherited: the supernet's run directory, and its
    "supernet_sha256": "string",  # checkpoint's sha256 (the weights the row's scores came from); empty elsewhere
    "init": "string",  # scratch | inherited (a supernet's weights): how the network started; empty before init existed
    "supernet_train_s": "float64",  # evaluator=supernet: the seconds the supernet's training took; NaN elsewhere
    "int8/val/top1": "float64",  # quantize=int8: the trained network quantized to INT8 (nasx.quantize), its top-1;
    "int8/test/top1": "float64",  # NaN without quantize and in rows from before INT8 existed
    "int8/latency_ms": "float64",  # the full-scale network in INT8, batch 1 on the CPU (median ms), and in fp32
    "int8/fp32_latency_ms": "float64",  # measured beside it under the same conditions (the speed-up's reference)
    "retries": "Int64",  # on Ray: times the trial ran again after its worker or node was lost (null before retries)
    "redone_s": "float64",  # on Ray: the seconds of those lost attempts, run again (NaN before retries)
    "stopped_at_rung": "Int64",  # search.scheduler=mo_asha: the rung epoch where the scheduler stopped the trial
    "stop_reason": "string",  # and why (its front and position there); null and empty elsewhere
}

STATUSES = ("ok", "failed", "pruned")
ZERO_COST_RUNG = "zero_cost"  # the rung of scores at initialisation
SUPERNET_RUNG = "supernet"  # the rung of scores with a supernet's inherited weights (supernet/VARIANT/rN: several)
ZERO_COST_SCORES = ("grad_norm", "synflow", "naswot")  # each in column zero_cost/NAME


def is_supernet_rung(label) -> bool:
    """Whether a rung label is one of inherited weights: `supernet`, `supernet/uniform`, `supernet/r250`, ..."""
    return isinstance(label, str) and (label == SUPERNET_RUNG or label.startswith(SUPERNET_RUNG + "/"))


def empty_row() -> dict:
    """A row with every column at its missing value."""
    return {name: None for name in COLUMNS}


def typed(frame, columns: dict[str, str]):
    """`frame` with exactly `columns`, in order, each cast to its dtype (a missing column becomes all-null)."""
    import pandas as pd

    for name, dtype in columns.items():
        if name not in frame:
            frame[name] = pd.Series([None] * len(frame), dtype=dtype)
        else:
            frame[name] = frame[name].astype(dtype)
    return frame[list(columns)]
