"""How well predicted latencies match measured ones: RMSE, RMS percentage error, the share within ±5% and ±10%,
and Kendall's τ-b of the two rankings (numpy only)."""

from __future__ import annotations

import numpy as np

from nasx.analysis.rank_stats import kendall_tau_b


def prediction_error(measured_ms, predicted_ms) -> dict[str, float]:
    """n, rmse_ms, rms_pct (percent of the measured), within_5pct and within_10pct (shares in [0, 1]), kendall_tau."""
    measured, predicted = np.asarray(measured_ms, dtype=float), np.asarray(predicted_ms, dtype=float)
    if measured.shape != predicted.shape or not len(measured):
        raise ValueError(f"prediction_error: {len(measured)} measured against {len(predicted)} predicted latencies")
    relative = (predicted - measured) / measured
    return {
        "n": int(len(measured)),
        "rmse_ms": float(np.sqrt(np.mean((predicted - measured) ** 2))),
        "rms_pct": float(100 * np.sqrt(np.mean(relative**2))),
        "within_5pct": float(np.mean(np.abs(relative) <= 0.05)),
        "within_10pct": float(np.mean(np.abs(relative) <= 0.10)),
        "kendall_tau": kendall_tau_b(measured, predicted) if len(measured) > 1 else float("nan"),
    }
