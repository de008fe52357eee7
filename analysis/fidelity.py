"""How well each cheap rung of a fidelity study ranks the architectures against its most expensive rung.

Input: the `stage=fidelity` rows of a results table (one row per architecture, rung and seed; rung
`zero_cost` rows carry the scores at initialisation, supernet rungs (`supernet`, `supernet/VARIANT`,
`.../rN`) the scores with inherited weights, one seed per supernet). Every rung is scored by `val/top1`, every
zero-cost score by its value, and the two naive baselines by the trained network's params and MACs;
each is compared, as a mean over seeds, with the reference rung's mean over seeds. No torch here.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from nasx.analysis.rank_stats import (
    N_BOOT,
    TOP_FRACTION,
    bootstrap_interval,
    kendall_tau_b,
    seed_noise_floor,
    spearman,
    top_k_count,
    top_k_recall,
)
from nasx.results.schema import ZERO_COST_RUNG as ZERO_COST
from nasx.results.schema import ZERO_COST_SCORES, is_supernet_rung

METRIC = "val/top1"
BASELINES = ("params", "macs")
TARGET_RHO = 0.8
AMORTISE_AT = 1000  # a supernet rung's cost per candidate is also stated with its training spread over this many
RUNG = re.compile(r"(epochs|steps)=(\d+)")


def fidelity_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["stage"] == "fidelity").fillna(False).to_numpy(bool)]


def training_rungs(frame: pd.DataFrame) -> list[str]:
    """The training rung labels present, cheapest first (`epochs=1`, `epochs=3`, ...)."""
    rungs = [m for m in map(RUNG.fullmatch, {str(r) for r in frame["rung"].dropna()}) if m is not None]
    units = {m.group(1) for m in rungs}
    if len(units) > 1:
        raise ValueError(f"fidelity rows mix epoch and step budgets ({', '.join(sorted(m.group(0) for m in rungs))})")
    return [m.group(0) for m in sorted(rungs, key=lambda m: int(m.group(2)))]


def arch_ids(frame: pd.DataFrame) -> pd.Series:
    """The candidate of each row: its trial id without the rung and seed (`a07`, `ref-efficientnet_b0`)."""
    return frame["trial_id"].astype(str).str.replace(r"-[^-]+-s\d+$", "", regex=True)


def _by_seed(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """(architecture x seed) table of `column` over the ok rows with a finite value."""
    values = pd.to_numeric(rows[column], errors="coerce").astype("float64")
    keep = (rows["status"] == "ok").fillna(False).to_numpy(bool) & np.isfinite(values.to_numpy())
    table = pd.DataFrame(
        {
            "arch": arch_ids(rows)[keep].to_numpy(),
            "seed": rows["seed"][keep].astype(int).to_numpy(),
            "value": values[keep].to_numpy(),
        }
    )
    return table.pivot_table(index="arch", columns="seed", values="value", aggfunc="first")


def _cost(rows: pd.DataFrame) -> tuple[float, float, int]:
    """(mean trial-seconds of an ok trial, total trial-seconds, trials) of one rung's rows."""
    wall = pd.to_numeric(rows["wall_s"], errors="coerce").astype("float64")
    ok = wall[(rows["status"] == "ok").fillna(False).to_numpy(bool)]
    return (float(ok.mean()) if len(ok) else math.nan, float(np.nansum(wall.to_numpy())), len(rows))


def _scoring(name: str, kind: str, by_seed: pd.DataFrame, rows: pd.DataFrame | None) -> dict:
    """A scoring whose cost is its trials' wall seconds (`rows`; None: the analytic baselines, free)."""
    trial_s, total_s, trials = _cost(rows) if rows is not None else (0.0, 0.0, 0)
    return {
        "name": name,
        "kind": kind,
        "by_seed": by_seed,
        "deterministic": rows is None,
        "cost_trial_s": trial_s,
        "cost_trial_s_1000": trial_s,
        "cost_total_s": total_s,
        "trials": trials,
    }


def _supernet_scoring(name: str, rows: pd.DataFrame) -> dict:
    """A supernet rung: its seeds are its supernets; its cost per trial is the scoring seconds plus each supernet's
    training seconds amortised over the architectures it scores (and, for comparison, over 1,000 candidates)."""
    out = _scoring(name, "supernet", _by_seed(rows, METRIC), rows)
    train = pd.to_numeric(rows["supernet_train_s"], errors="coerce").astype("float64")
    per_supernet = train.groupby(rows["supernet_run"].astype(str).to_numpy()).max().dropna()
    archs = int(arch_ids(rows).nunique())
    train_s = float(per_supernet.mean()) if len(per_supernet) else math.nan
    amortised = train_s if math.isfinite(train_s) else 0.0
    out.update(
        cost_scoring_s=out["cost_trial_s"],
        cost_trial_s=out["cost_trial_s"] + amortised / max(archs, 1),
        cost_trial_s_1000=out["cost_trial_s"] + amortised / AMORTISE_AT,
        cost_total_s=out["cost_total_s"] + float(per_supernet.sum()),
        supernet_train_s=train_s,
        amortised_over=archs,
    )
    return out


def supernet_rungs(frame: pd.DataFrame) -> list[str]:
    """The supernet rung labels present, variant by variant (by name), then by recalibration size."""

    def key(label: str) -> tuple[str, int]:
        parts = label.split("/")[1:]
        size = parts.pop() if parts and re.fullmatch(r"r\d+", parts[-1]) else "r0"
        return ("/".join(parts), int(size[1:]))

    return sorted({str(r) for r in frame["rung"].dropna() if is_supernet_rung(r)}, key=key)


def scorings(frame: pd.DataFrame) -> list[dict]:
    """Every scoring of the study, cheapest first: the baselines, the zero-cost scores, the supernet rungs
    (inherited weights), then the training rungs; each {name, kind, by_seed (architecture x seed table),
    deterministic, cost_trial_s, cost_trial_s_1000, ...}."""
    rows = fidelity_rows(frame)
    rungs = training_rungs(rows)
    if not rungs:
        raise ValueError("no fidelity rows with a training rung (epochs=N or steps=N)")

    def at(rung: str) -> pd.DataFrame:
        return rows[(rows["rung"] == rung).fillna(False).to_numpy(bool)]

    out = []
    first = rows.assign(arch=arch_ids(rows).to_numpy()).drop_duplicates("arch")
    for name in BASELINES:
        values = pd.to_numeric(first[name], errors="coerce").astype("float64").to_numpy()
        table = pd.DataFrame({0: values}, index=pd.Index(first["arch"].to_numpy(), name="arch")).dropna()
        out.append(_scoring(name, "baseline", table, None))
    zero = at(ZERO_COST)
    if len(zero):
        for score in ZERO_COST_SCORES:
            out.append(_scoring(f"{ZERO_COST}/{score}", "zero_cost", _by_seed(zero, f"{ZERO_COST}/{score}"), zero))
    for rung in supernet_rungs(rows):
        out.append(_supernet_scoring(rung, at(rung)))
    for rung in rungs:
        out.append(_scoring(rung, "training", _by_seed(at(rung), METRIC), at(rung)))
    return out


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _entry(scoring: dict, truth: pd.Series, *, reference: bool, top_fraction: float, n_boot: int, seed: int) -> dict:
    by_seed = scoring["by_seed"]
    mean = by_seed.mean(axis=1)
    common = mean.index.intersection(truth.index)
    x, y = mean[common].to_numpy(float), truth[common].to_numpy(float)
    entry = {
        "rung": scoring["name"],
        "kind": scoring["kind"],
        "reference": reference,
        "n_archs": int(len(common)),
        "seeds": int(by_seed.shape[1]),
        "cost_trial_s": _finite(scoring["cost_trial_s"]),
        "cost_trial_s_1000": _finite(scoring["cost_trial_s_1000"]),
        "cost_total_s": _finite(scoring["cost_total_s"]),
        "trials": scoring["trials"],
        "cost_scoring_s": _finite(scoring.get("cost_scoring_s")),
        "supernet_train_s": _finite(scoring.get("supernet_train_s")),
        "amortised_over": scoring.get("amortised_over"),
    }
    if len(common) >= 3:
        rho, tau = spearman(x, y), kendall_tau_b(x, y)
        rho_ci = bootstrap_interval("spearman", x, y, n_boot=n_boot, seed=seed)
        tau_ci = bootstrap_interval("kendall_tau_b", x, y, n_boot=n_boot, seed=seed)
        recall = top_k_recall(x, y, top_fraction)
    else:
        rho = tau = recall = math.nan
        rho_ci = tau_ci = (math.nan, math.nan)
    entry.update(
        rho=_finite(rho),
        rho_ci=[_finite(v) for v in rho_ci],
        tau=_finite(tau),
        tau_ci=[_finite(v) for v in tau_ci],
        top_k_recall=_finite(recall),
    )
    if scoring["deterministic"]:
        entry.update(noise_floor=None, noise_pairs=0, rho_one_seed=entry["rho"])
    else:
        floor, pairs = seed_noise_floor(by_seed)
        entry.update(
            noise_floor=_finite(floor),
            noise_pairs=pairs,
            rho_one_seed=_finite(_one_seed_rho(by_seed, truth, leave_out=reference)),
        )
    return entry


def _one_seed_rho(by_seed: pd.DataFrame, truth: pd.Series, *, leave_out: bool) -> float:
    """Mean over seeds of one seed's rho against the reference (for the reference rung itself, against
    the mean of its other seeds)."""
    values = []
    for s in by_seed.columns:
        target = by_seed.drop(columns=[s]).mean(axis=1) if leave_out else truth
        both = pd.concat([by_seed[s], target], axis=1).dropna()
        if len(both) >= 3:
            rho = spearman(both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy())
            if math.isfinite(rho):
                values.append(rho)
    return float(np.mean(values)) if values else math.nan


def _recommend(entries: list[dict], key: str, target_rho: float, reference: str, what: str) -> tuple[str | None, str]:
    candidates = [e for e in entries if not e["reference"] and e[key] is not None and e["cost_trial_s"] is not None]
    good = [e for e in candidates if e[key] >= target_rho]
    ref = next(e for e in entries if e["reference"])
    if good:
        best = min(good, key=lambda e: (e["cost_trial_s"], -e[key]))
        share = f", {best['cost_trial_s'] / ref['cost_trial_s']:.0%} of the reference's" if ref["cost_trial_s"] else ""
        return best["rung"], (
            f"{what}: {best['rung']} ranks like {reference} (rho {best[key]:.2f} >= "
            f"{target_rho:g}) at {best['cost_trial_s']:.1f} trial-seconds per architecture and "
            f"seed{share}"
        )
    top = max(candidates, key=lambda e: e[key], default=None)
    closest = f"; the closest is {top['rung']} at rho {top[key]:.2f}" if top else ""
    return None, f"{what}: no rung cheaper than {reference} reaches rho >= {target_rho:g}{closest}"


def fidelity_summary(
    frame: pd.DataFrame,
    *,
    target_rho: float = TARGET_RHO,
    top_fraction: float = TOP_FRACTION,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> dict:
    """The study's numbers, JSON-able: one entry per scoring against the most expensive rung (mean over
    seeds), and the recommended rung (the cheapest whose rho reaches `target_rho`, or None)."""
    all_scorings = scorings(frame)
    reference = all_scorings[-1]
    truth = reference["by_seed"].mean(axis=1).dropna()
    if len(truth) < 3:
        raise ValueError(
            f"the reference rung {reference['name']} has {len(truth)} finished architectures; "
            "at least 3 are needed to rank"
        )
    entries = [
        _entry(s, truth, reference=s is reference, top_fraction=top_fraction, n_boot=n_boot, seed=seed)
        for s in all_scorings
    ]
    name = reference["name"]
    recommended, text = _recommend(entries, "rho", target_rho, name, "mean over seeds")
    one, one_text = _recommend(entries, "rho_one_seed", target_rho, name, "one seed")
    seeds = sorted({int(s) for s in fidelity_rows(frame)["seed"].dropna()})
    return {
        "metric": METRIC,
        "reference": name,
        "target_rho": target_rho,
        "top_fraction": top_fraction,
        "top_k": top_k_count(len(truth), top_fraction),
        "n_archs": int(len(truth)),
        "seeds": seeds,
        "n_boot": n_boot,
        "rungs": entries,
        "recommended": recommended,
        "recommendation": text,
        "recommended_one_seed": one,
        "recommendation_one_seed": one_text,
    }


def _interval(value, ci) -> str:
    if value is None:
        return "-"
    low, high = ci
    return f"{value:.2f} [{low:.2f}, {high:.2f}]" if low is not None else f"{value:.2f}"


def rung_table(summary: dict) -> pd.DataFrame:
    """The summary as a table, one row per scoring, cheapest first."""
    rows = []
    for e in summary["rungs"]:
        floor = (
            "deterministic"
            if e["kind"] == "baseline"
            else (f"{e['noise_floor']:.2f}" if e["noise_floor"] is not None else "-")
        )
        rows.append(
            {
                "rung": e["rung"] + (" (reference)" if e["reference"] else ""),
                "kind": e["kind"],
                "trial_s": e["cost_trial_s"],
                f"trial_s, {AMORTISE_AT:,} archs": e["cost_trial_s_1000"],
                "archs": e["n_archs"],
                "seeds": e["seeds"],
                "rho [95% CI]": _interval(e["rho"], e["rho_ci"]),
                "tau [95% CI]": _interval(e["tau"], e["tau_ci"]),
                f"top-{summary['top_k']} recall": e["top_k_recall"],
                "noise floor": floor,
                "rho, one seed": e["rho_one_seed"],
            }
        )
    return pd.DataFrame(rows)


def notes(summary: dict) -> list[str]:
    supernet = [e for e in summary["rungs"] if e["kind"] == "supernet"]
    amortised = ""
    if supernet:
        e = supernet[0]
        train = f"{e['supernet_train_s']:.1f} s" if e["supernet_train_s"] is not None else "unrecorded"
        amortised = (
            f" Supernet rungs: the seeds are the supernets (seeds {e['seeds']}: the noise floor is between supernets "
            f"of different seeds, and rho is of the mean over them); trial_s is the scoring seconds of one "
            f"architecture plus its supernet's training seconds ({train} for {e['rung']}) amortised over the "
            f"{e['amortised_over']} architectures it scores here, each rung carrying its supernets' whole training "
            f"(scoring them at another recalibration size costs only the scoring); trial_s, {AMORTISE_AT:,} archs: "
            f"the same amortised over {AMORTISE_AT:,} candidates, as a search would (for the other rungs it equals "
            "trial_s)."
        )
    return [
        f"Every scoring against {summary['reference']} ({summary['metric']}, mean over seeds "
        f"{', '.join(map(str, summary['seeds']))}) on {summary['n_archs']} architectures; intervals: "
        f"{summary['n_boot']} bootstrap resamples of the architectures; top-k recall: how many of the true "
        f"top {summary['top_k']} ({summary['top_fraction']:.0%}) the scoring puts in its own top "
        f"{summary['top_k']}; noise floor: Spearman rho between two seeds of the same rung, averaged over "
        "seed pairs; trial_s: mean wall seconds of one trial (one architecture, one seed); the three "
        "zero-cost scores are computed together, so they share one cost." + amortised,
        summary["recommendation"] + ".",
        summary["recommendation_one_seed"] + ".",
    ]


# --- a fidelity run as the report reads it, and the protocol a search used ---------------------------

CONFIG = "config.yaml"
FIDELITY_JSON = "fidelity.json"
PROTOCOL_KEYS = ("space", "data", "proxy", "train", "smoke")
BUDGET_KEYS = ("epochs", "steps", "eval_every", "threads", "seed", "device")  # what a rung may change


def run_config(run_dir) -> dict:
    """RUN_DIR/config.yaml as a dict ({} when the run directory has none)."""
    from pathlib import Path

    import yaml

    from nasx.yaml_limits import read_yaml

    path = Path(run_dir) / CONFIG
    if not path.is_file():
        return {}
    try:
        cfg = read_yaml(path)
    except yaml.YAMLError:
        raise ValueError(f"{path}: not readable YAML") from None
    return cfg if isinstance(cfg, dict) else {}


def options_of(config: dict) -> dict:
    """fidelity_summary's keywords from a fidelity run's config (defaults where it has none)."""
    f = config.get("fidelity") or {}
    return {
        "target_rho": float(f.get("target_rho", TARGET_RHO)),
        "top_fraction": float(f.get("top_fraction", TOP_FRACTION)),
        "n_boot": int(f.get("n_boot", N_BOOT)),
        "seed": int(config.get("seed") or 0),
    }


def load_fidelity_run(run_dir) -> tuple[pd.DataFrame, dict]:
    """(fidelity rows, config) of a fidelity run; one ValueError line when `run_dir` is not one."""
    from pathlib import Path

    from nasx import results

    if not Path(run_dir).is_dir():
        raise ValueError(f"--fidelity {run_dir}: no such run directory")
    try:
        frame = results.load(run_dir)
    except ValueError as exc:
        raise ValueError(f"--fidelity {run_dir}: {exc}") from None
    rows = fidelity_rows(frame)
    if rows.empty:
        raise ValueError(f"--fidelity {run_dir}: not a fidelity run (no stage=fidelity trials; run `nasx fidelity`)")
    return rows, run_config(run_dir)


def _flat(value, where: str = "") -> dict:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flat(v, f"{where}.{k}" if where else str(k)))
        return out
    return {where: value}


def protocol_differences(search: dict, fidelity: dict) -> list[str]:
    """Where a search's space, data, proxy scaling and training protocol (budget aside) differ from those
    a fidelity run calibrated: `data.name (digits here, mnist5k there)`, ..."""
    a = _flat({k: search.get(k) for k in PROTOCOL_KEYS})
    b = _flat({k: fidelity.get(k) for k in PROTOCOL_KEYS})
    out = []
    for key in sorted(set(a) | set(b)):
        if key.startswith("train.") and key.split(".", 1)[1] in BUDGET_KEYS:
            continue
        if (a.get(key) or None) != (b.get(key) or None) and not (key == "smoke" and not a.get(key) and not b.get(key)):
            out.append(f"{key} ({a.get(key)!r} here, {b.get(key)!r} there)")
    return out


def budget_rung(config: dict) -> str:
    """The rung label of a run's training budget: `epochs=3`, or `steps=N` when it trains by steps."""
    train = config.get("train") or {}
    steps = int(train.get("steps") or 0)
    return f"steps={steps}" if steps > 0 else f"epochs={int(train.get('epochs') or 0)}"


def protocol_notes(search: dict, fidelity: dict, summary: dict, fidelity_dir) -> list[str]:
    """What a fidelity run says about the protocol a search used, or plainly why it says nothing."""
    changed = protocol_differences(search, fidelity)
    if changed:
        return [
            f"The fidelity run {fidelity_dir} calibrates a different protocol, so its numbers do not apply to "
            f"this search: it differs at {'; '.join(changed[:6])}."
        ]
    rung = budget_rung(search)
    entry = next((e for e in summary["rungs"] if e["rung"] == rung), None)
    if entry is None:
        rungs = ", ".join(e["rung"] for e in summary["rungs"] if e["kind"] == "training")
        return [
            f"This search trains for {rung}, which is not a rung of the fidelity run {fidelity_dir} "
            f"(rungs {rungs}): no measured fidelity for it.",
            summary["recommendation"] + ".",
        ]
    return [
        f"This search trains each candidate once for {rung}. Against {summary['reference']} ({summary['metric']},"
        f" {summary['n_archs']} architectures of the same space, data and protocol, fidelity run "
        f"{fidelity_dir}): Spearman rho {_interval(entry['rho_one_seed'], (None, None))} for one seed, "
        f"{_interval(entry['rho'], entry['rho_ci'])} for the mean of {entry['seeds']} seeds; seed noise floor "
        f"{_interval(entry['noise_floor'], (None, None))}; top-{summary['top_k']} recall "
        f"{_interval(entry['top_k_recall'], (None, None))}.",
        summary["recommendation"] + ".",
        summary["recommendation_one_seed"] + ".",
    ]


def protocol_of(config: dict) -> dict:
    """What a fidelity run calibrates, from its config: space, data, proxy scaling, the training protocol
    without its budget, the rungs and their unit, the references, the supernet rungs' settings, and whether it
    was a smoke run."""
    f = config.get("fidelity") or {}
    train = {k: v for k, v in (config.get("train") or {}).items() if k not in BUDGET_KEYS}
    return {
        "space": config.get("space"),
        "data": config.get("data"),
        "proxy": config.get("proxy"),
        "train": train,
        "unit": f.get("unit"),
        "rungs": f.get("rungs"),
        "references": config.get("references"),
        "supernet": config.get("supernet"),
        "smoke": bool(config.get("smoke")),
    }


def study(frame: pd.DataFrame, config: dict) -> dict:
    """fidelity.json of a fidelity run: its summary (options from its config) and the protocol it calibrates."""
    return {**fidelity_summary(frame, **options_of(config)), "protocol": protocol_of(config)}


def write_json(path, value: dict) -> None:
    """Write strict JSON atomically (a temporary file, never written through a link, renamed over the target)."""
    import json
    import os
    from pathlib import Path

    from nasx.results.run_paths import write_bytes

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    write_bytes(tmp, (json.dumps(value, indent=2, allow_nan=False) + "\n").encode())
    os.replace(tmp, path)
