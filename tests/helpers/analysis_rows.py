"""Hand-made results tables for the analysis tests."""

import json

from nasx import results


def row(trial_id, acc=None, macs=None, *, status="ok", family="", choices=None, order=None, **kw):
    r = results.empty_row()
    r.update(
        {
            "trial_id": trial_id,
            "status": status,
            "error": "" if status == "ok" else "loss is nan",
            "family": family,
            "searcher": "reference" if family else kw.pop("searcher", "random"),
            "arch": kw.pop("arch", f"arch_{trial_id}"),
            "choices": json.dumps(choices or {}),
            "val/top1": acc,
            "macs": macs,
            "params": None if macs is None else macs // 10,
            "order": order,
        }
    )
    r.update(kw)
    return r


def write_run(run_dir, rows):
    for i, r in enumerate(rows):
        if r["order"] is None:
            r["order"] = i
        results.append(run_dir, r, refresh_views=False)
    results.store.write_views(run_dir)
    return run_dir


def table(run_dir, rows):
    """The rows written to `run_dir` and read back as the analysis reads them (with a `run` column)."""
    from nasx.analysis.frame import load_runs

    return load_runs([write_run(run_dir, rows)])


def frame(rows):
    """Rows as a typed results table (no run directory); a row without an arch key gets its trial id's stem."""
    import pandas as pd

    for i, r in enumerate(rows):
        r["order"] = i
        r["arch_key"] = r["arch_key"] or r["trial_id"].split("@")[0]
    return results.store.typed_frame(pd.DataFrame(rows, columns=list(results.COLUMNS)))
