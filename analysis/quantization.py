"""Quantization sensitivity: per network, its float and INT8 top-1 over seeds, the accuracy drop with its seed
spread, and the full-scale INT8 latency with its speed-up over fp32 (the rows of `quantize=int8` trials)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from nasx.analysis.frame import as_float
from nasx.ranking.seeds import base_trial_id, network_of

INT8_VAL, INT8_TEST = "int8/val/top1", "int8/test/top1"
INT8_LATENCY, FP32_LATENCY = "int8/latency_ms", "int8/fp32_latency_ms"
COLUMNS = [
    "network",
    "stage",
    "seeds",
    "float val/top1",
    "int8 val/top1",
    "val drop",
    "val drop std",
    "val drop se",
    "float test/top1",
    "int8 test/top1",
    "test drop",
    "int8 latency_ms",
    "fp32 latency_ms",
    "speed-up",
]


def quantized_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Finished rows with an INT8 validation top-1 (`quantize=int8`); none from before INT8 existed."""
    if frame.empty or INT8_VAL not in frame:
        return frame.iloc[:0]
    keep = (frame["status"] == "ok").fillna(False).to_numpy(bool) & np.isfinite(as_float(frame[INT8_VAL]))
    return frame[keep]


def _mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else math.nan


def sensitivity_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per network and stage, largest validation drop first; a network is named by its family, else by its
    first trial id without the seed suffix. A drop is float minus INT8 top-1 of the
    same trained weights (one per seed), averaged over seeds; its std is the sample standard deviation over
    seeds (NaN for one seed) and se = std / sqrt(seeds). Latencies are means over the rows (full scale, batch
    1); speed-up = fp32 / INT8 latency, NaN where either is unknown."""
    rows = quantized_rows(frame)
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = rows.assign(_network=network_of(rows).to_numpy(), _stage=rows["stage"].fillna("search").astype(str))
    out = []
    for (_, stage), part in rows.groupby(["_network", "_stage"], sort=False):
        family = part["family"].fillna("").astype(str).iloc[0]
        val, int8_val = as_float(part["val/top1"]), as_float(part[INT8_VAL])
        test, int8_test = as_float(part["test/top1"]), as_float(part[INT8_TEST])
        drops = val - int8_val
        n = len(drops)
        std = float(np.std(drops, ddof=1)) if n > 1 else math.nan
        int8_ms, fp32_ms = _mean(as_float(part[INT8_LATENCY])), _mean(as_float(part[FP32_LATENCY]))
        out.append(
            {
                "network": family or base_trial_id(part["trial_id"].iloc[0]),
                "stage": stage,
                "seeds": n,
                "float val/top1": _mean(val),
                "int8 val/top1": _mean(int8_val),
                "val drop": _mean(drops),
                "val drop std": std,
                "val drop se": std / math.sqrt(n),
                "float test/top1": _mean(test),
                "int8 test/top1": _mean(int8_test),
                "test drop": _mean(test - int8_test),
                "int8 latency_ms": int8_ms,
                "fp32 latency_ms": fp32_ms,
                "speed-up": fp32_ms / int8_ms if int8_ms > 0 else math.nan,
            }
        )
    table = pd.DataFrame(out, columns=COLUMNS)
    return table.sort_values("val drop", ascending=False, kind="stable").reset_index(drop=True)
