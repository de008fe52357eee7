"""Everything `nasx analyze` shows, computed from one or more run directories as a list of sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import nasx
from nasx.analysis import (
    compare,
    compound,
    design_space,
    families,
    fidelity,
    fidelity_plots,
    hypervolume,
    labels,
    learning_curves,
    objectives,
    plots,
    quantization,
    reward_view,
)
from nasx.analysis.frame import ACC, as_float, finished, finished_in, load_runs, run_names, searched
from nasx.analysis.pareto import frontier
from nasx.analysis.provenance import provenance
from nasx.ranking import noise, pareto
from nasx.ranking.stages import SEARCH, confirm_networks, confirmed_table, stage_rows
from nasx.ranking.verdicts import family_verdicts

MIN_DESIGN_SAMPLES = 5


@dataclass
class Section:
    """A titled part of the report: short notes, named tables and named figures (name -> PNG file stem)."""

    title: str
    notes: list[str] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, Figure, str]] = field(default_factory=list)


@dataclass
class Analysis:
    runs: list[dict]  # provenance of each run
    frame: pd.DataFrame  # all runs stacked, with a `run` column
    sections: list[Section]
    summary: list[tuple[str, pd.DataFrame]]  # the key tables for the terminal
    notes: list[str] = field(default_factory=list)
    fidelity: dict[str, dict] = field(default_factory=dict)  # run name -> fidelity.json of each fidelity run


def analyze(
    run_dirs: list[str | Path], *, figures: bool = True, top: int = 10, fidelity_run: str | Path | None = None
) -> Analysis:
    """Load the runs and compute every section; raises ValueError (one line) when there is nothing to analyse.
    Fidelity trials (`nasx fidelity`) get their own section; `fidelity_run` adds what that fidelity run
    measured about the protocol the (first) run used."""
    if not run_dirs:
        raise ValueError("no run directory given")
    calibration = fidelity.load_fidelity_run(fidelity_run) if fidelity_run is not None else None
    frame = load_runs(run_dirs)
    runs, notes = [], []
    for run_dir, name in zip(run_dirs, run_names(run_dirs)):
        rows = frame[(frame["run"] == name).to_numpy(bool)]
        runs.append(provenance(run_dir, rows))
        if rows.empty:
            notes.append(f"{run_dir}: no trials yet")
    if frame.empty:
        raise ValueError(f"{', '.join(map(str, run_dirs))}: the results table has no trials yet")
    if finished(frame).empty:
        counts = frame["status"].value_counts().to_dict()
        errors = frame["error"].dropna()
        errors = errors[errors != ""]
        first = f"; first error: {errors.iloc[0]}" if len(errors) else ""
        raise ValueError(
            f"no finished trial with an accuracy and MACs to analyse "
            f"({', '.join(f'{v} {k}' for k, v in counts.items())}){first}"
        )
    summary: list = []
    sections = [_overview(frame, figures, top, summary)]
    studies = {}
    trials = fidelity.fidelity_rows(frame)
    for run_dir, name in zip(run_dirs, run_names(run_dirs)):
        rows = trials[(trials["run"] == name).to_numpy(bool)]
        if len(rows):
            studies[name] = fidelity.study(rows, fidelity.run_config(run_dir))
            sections.append(_fidelity(rows, studies[name], figures, summary, str(run_dir)))
    search = stage_rows(frame, SEARCH)  # confirm and fidelity rows have their own sections
    if calibration is not None:
        sections.append(_calibration(search, calibration, run_dirs[0], fidelity_run, summary))
    costs = objectives.search_objectives([_config(run_dir) for run_dir in run_dirs])
    pareto_k = (lambda *args: _pareto_k(costs, *args)) if costs else None
    for build in (_frontier, pareto_k, _families, _hypervolume, _reward, _compound, _design_space):
        if build is None:
            continue
        section = build(search, figures, top, summary) if len(finished(search)) else None
        if section is not None:
            sections.append(section)
    section = _learning_curves(run_dirs, frame, figures, min(top, learning_curves.TOP))
    if section is not None:
        sections.append(section)
    section = _quantization(frame, figures, top, summary)
    if section is not None:
        sections.append(section)
    section = _confirmed(frame, figures, top, summary)  # last: the terminal summary ends with the verdicts
    if section is not None:
        sections.append(section)
    return Analysis(runs=runs, frame=frame, sections=sections, summary=summary, notes=notes, fidelity=studies)


def _fidelity(rows, numbers, figures, summary, run_dir) -> Section:
    table = fidelity.rung_table(numbers)
    section = Section(
        f"Proxy fidelity ({run_dir})",
        notes=fidelity.notes(numbers),
        tables=[(f"every rung against {numbers['reference']}", table)],
    )
    if figures:
        scorings = fidelity.scorings(rows)
        ids = fidelity.arch_ids(rows)
        families_of = {a: f for a, f in zip(ids, rows["family"].fillna("")) if f}
        section.figures.append(
            (
                "fidelity_rho_cost",
                fidelity_plots.rho_cost_figure(numbers),
                f"Spearman rho against {numbers['reference']} (95% bootstrap interval) per rung, "
                "against its cost in trial-seconds; open circles: seed noise floor",
            )
        )
        section.figures.append(
            (
                "fidelity_scatter",
                fidelity_plots.scatter_figure(scorings, numbers, families_of),
                f"each rung (mean over seeds) against {numbers['reference']}, one point per "
                "architecture; reference families as diamonds",
            )
        )
    summary.append((f"proxy fidelity against {numbers['reference']} ({run_dir})", table))
    summary.append(("recommended rung", pd.DataFrame({"recommendation": fidelity.notes(numbers)[1:]})))
    return section


def _calibration(rest, calibration, run_dir, fidelity_run, summary) -> Section:
    """What a fidelity run measured about the protocol of the search in `run_dir`."""
    rows, config = calibration
    numbers = fidelity.fidelity_summary(rows, **fidelity.options_of(config))
    lines = fidelity.protocol_notes(fidelity.run_config(run_dir), config, numbers, fidelity_run)
    section = Section("Fidelity of this search's protocol", notes=lines)
    if not fidelity.protocol_differences(fidelity.run_config(run_dir), config):
        section.tables.append(
            (f"fidelity run {fidelity_run}: every rung against {numbers['reference']}", fidelity.rung_table(numbers))
        )
    summary.append(("fidelity of this search's protocol", pd.DataFrame({"fidelity": lines})))
    return section


def _overview(frame, figures, top, summary) -> Section:
    counts = frame.groupby("run", sort=False)["status"].value_counts().unstack(fill_value=0)
    for status in ("ok", "failed", "pruned"):
        if status not in counts:
            counts[status] = 0
    table = counts[["ok", "failed", "pruned"]].reset_index()
    table.insert(1, "trials", table[["ok", "failed", "pruned"]].sum(axis=1))
    table["best searched " + ACC] = [
        float(np.nanmax(a)) if np.isfinite(a).any() else float("nan")
        for a in (
            as_float(searched(finished(stage_rows(frame[(frame["run"] == r).to_numpy(bool)], SEARCH)))[ACC])
            for r in table["run"]
        )
    ]
    section = Section("Runs", tables=[("trials by status", table)])
    failed = frame[(frame["status"] == "failed").fillna(False).to_numpy(bool)]
    if len(failed):
        section.tables.append(("failed trials", failed[["run", "trial_id", "arch", "error"]].reset_index(drop=True)))
    summary.append(("runs", table))
    if frame["run"].nunique() > 1:
        searchers = compare.best_per_searcher(frame)
        section.tables.append(("searchers over runs: best accuracy and reward found, mean and spread", searchers))
        summary.append(("searchers over runs", searchers))
    return section


def _frontier(frame, figures, top, summary) -> Section:
    front = frontier(searched(frame))
    table = pd.DataFrame(
        {
            "trial_id": front["trial_id"].to_numpy(),
            "run": front["run"].to_numpy(),
            ACC: as_float(front[ACC]),
            "macs": as_float(front["macs"]),
            "params": as_float(front["params"]),
            "full_macs": as_float(front["full_macs"]),
            "arch": front["arch"].to_numpy(),
        }
    )
    section = Section(
        "Pareto frontier",
        notes=[
            f"{len(table)} searched networks on the Pareto set ({pareto.AXES}), "
            f"out of {len(searched(finished(frame)))} finished searched trials "
            "(one seed each; the search stage's rows); "
            "failed and pruned trials left out."
        ],
        tables=[("searched networks on the frontier, cheapest first", table)],
    )
    if figures:
        section.figures.append(
            (
                "frontier_macs",
                plots.frontier_figure(frame, "macs"),
                f"{ACC} against MACs: frontier (step line), dominated trials faded, reference families labelled",
            )
        )
        if not finished(frame, "full_macs").empty:
            section.figures.append(
                (
                    "frontier_full_macs",
                    plots.frontier_figure(frame, "full_macs"),
                    f"{ACC} against the MACs of the full-scale architecture each trained network "
                    "shrinks (the search's results mapped back to full scale)",
                )
            )
        for cost in ("params", "latency_ms"):
            if not finished(frame, cost).empty:
                section.figures.append(
                    (f"frontier_{cost}", plots.frontier_figure(frame, cost), f"{ACC} against {cost}")
                )
    shown = table.drop(columns=["arch"] if frame["run"].nunique() > 1 else ["arch", "run"])
    summary.append((f"Pareto set ({pareto.AXES}), searched networks", shown.head(top)))
    return section


def _config(run_dir) -> dict:
    """A run's config.yaml as a dict; {} when it has none or it does not read (other sections say so)."""
    try:
        return fidelity.run_config(run_dir)
    except ValueError:
        return {}


def _pareto_k(costs, frame, figures, top, summary) -> Section | None:
    """The front in accuracy and every cost the search optimised (objective.metrics), the hypervolume in all
    of them per searcher, and the front drawn per pair of objectives."""
    if finished_in(searched(frame), costs).empty:
        return None
    k = len(costs) + 1
    names = f"{ACC} (max), " + ", ".join(f"{c} (min)" for c in costs)
    front = objectives.front(frame, costs)
    table = pd.DataFrame(
        {
            "trial_id": front["trial_id"].to_numpy(),
            "run": front["run"].to_numpy(),
            ACC: as_float(front[ACC]),
            **{c: as_float(front[c]) for c in costs},
            "arch": front["arch"].to_numpy(),
        }
    )
    box = hypervolume.reference_box(searched(frame), costs)
    curves = hypervolume.curves(frame, box)
    final = hypervolume.final(curves)
    unit = "accuracy × " + " × ".join(f"decades of {c}" for c in costs)
    notes = [
        f"The search's {k} objectives: {names}. {len(table)} searched networks are on the front in all of them "
        f"(non-dominated in every objective at once), out of {len(finished_in(searched(frame), costs))} "
        "finished searched trials that have every cost (one seed each; the search stage's rows).",
        f"Hypervolume in all {k} objectives, exact: reference point {box}; axes accuracy and log10 of each cost; "
        f"volume in {unit}. Final values at the largest trial count every run reached "
        f"({int(final['trials'].min())} trials), mean and sample standard deviation over runs of the same searcher.",
    ]
    missing = objectives.missing_note(frame, costs)
    if missing:
        notes.append(missing + ".")
    section = Section(
        f"Pareto front in {k} objectives",
        notes=notes,
        tables=[
            (f"searched networks on the front in {k} objectives", table),
            (f"hypervolume in {k} objectives per searcher", final),
        ],
    )
    if figures:
        section.figures.append(
            (
                "front_pairs",
                plots.pairs_figure(frame, costs),
                f"the front in {k} objectives drawn per pair of objectives: trials on the front in all of them "
                "highlighted, reference families at their means",
            )
        )
        section.figures.append(
            (
                "hypervolume_k",
                plots.hypervolume_figure(hypervolume.by_searcher(curves), str(box), unit),
                f"hypervolume in {k} objectives against trials completed (band: one standard deviation over runs)",
            )
        )
    shown = table.drop(columns=["arch"] if frame["run"].nunique() > 1 else ["arch", "run"])
    summary.append((f"Pareto set in {k} objectives ({names}), searched networks", shown.head(top)))
    summary.append((f"hypervolume in {k} objectives, reference point {box}", final))
    return section


def _families(frame, figures, top, summary) -> Section | None:
    table = _family_table(frame, "macs", summary)
    if table is None:
        return None
    notes = [
        "acc_gap_at_equal_macs: the family's accuracy minus the searched frontier's at the family's MACs "
        "(negative: the search found a better network for the same MACs). macs_ratio_at_equal_acc: the "
        "family's MACs over the least MACs of a searched network as accurate (above 1: the search gets "
        "there cheaper). nearest: the searched network closest in the space's choices (normalised Hamming "
        "distance), for families that are points of the space. seeds: the family's trained rows (runs x "
        f"seeds), acc its mean, acc_std their standard deviation. verdict: dominated only when a searched "
        f"network of no more MACs is better beyond the measured noise ({noise.RULE}; a one-seed network "
        "borrows the pooled seed spread of the networks with several), else within noise."
    ]
    section = Section("Reference families on the frontier", notes=notes, tables=[("families", table)])
    latency = _family_table(frame, "latency_ms", summary)
    if latency is not None:
        section.notes.append(
            "On the accuracy–latency frontier: the same, with the latency measured on each trained network "
            "(latency_ms, median at batch 1) in place of MACs; a family is dominated only when a searched network "
            "no slower is better beyond the measured seed noise. Rows without a latency are left out."
        )
        section.tables.append(("families on the accuracy–latency frontier", latency))
    return section


def _family_table(frame, cost: str, summary) -> pd.DataFrame | None:
    """families.family_table on the accuracy–`cost` frontier with its columns named by the cost, and its
    line of the terminal summary; None when no family has a finished row with that cost."""
    table = families.family_table(frame, cost=cost)
    if table.empty:
        return None
    table = table.rename(
        columns={
            "cost": cost,
            "gap_at_equal_cost": f"acc_gap_at_equal_{cost}",
            "cost_ratio_at_equal_acc": f"{cost}_ratio_at_equal_acc",
        }
    )
    against = "the frontier" if cost == "macs" else f"the accuracy–{labels.cost_name(cost).lower()} frontier"
    summary.append(
        (
            f"reference families against {against} (n = seeds)",
            table[["family", "seeds", "acc", "acc_std", cost, "verdict"]],
        )
    )
    return table


def _confirmed(frame, figures, top, summary) -> Section | None:
    """The confirmation stage (`nasx confirm`): finalists' search rank against confirmed rank, the frontier
    of confirmed numbers with the families on it, one verdict per family."""
    table = confirmed_table(frame)
    if table.empty:
        return None
    stats = confirm_networks(frame)
    verdicts = family_verdicts(stats)
    rungs = ", ".join(sorted({str(r) for r in stage_rows(frame, "confirm")["rung"].dropna() if str(r)})) or "-"
    ranks = table[
        ["trial_id", "search_rank", "search_mean", "confirmed_rank", "n", "mean", "std", "se", "macs", "beaten_by"]
    ].rename(
        columns={
            "search_mean": f"search {ACC}",
            "n": "seeds",
            "mean": f"confirmed {ACC}",
            "beaten_by": "beaten beyond noise by",
        }
    )
    families = (
        verdicts[["family", "n", "mean", "std", "cost", "verdict", "text"]]
        .rename(columns={"n": "seeds", "mean": ACC, "cost": "macs", "text": "verdict line"})
        .drop(columns=["verdict"])
    )
    section = Section(
        "Confirmed",
        notes=[
            f"The search's top networks and the reference families retrained under the confirmation protocol "
            f"({rungs}), each with several seeds (stage=confirm rows). Ranks use the search's objective (means over "
            f"seeds). Frontier: {pareto.AXES}, from the confirmed means. A family is dominated only when a finalist "
            f"of no more MACs is better beyond the seed noise ({noise.RULE}), otherwise within noise."
        ],
        tables=[
            ("finalists: search rank against confirmed rank", ranks),
            ("reference families: confirmed verdict", families),
        ],
    )
    if figures:
        section.figures.append(
            (
                "confirmed_frontier",
                plots.confirmed_figure(stats),
                f"confirmed {ACC} (mean, error bar: one standard deviation over seeds) against "
                "MACs: finalists, their frontier, and the reference families",
            )
        )
    summary.append((f"confirmed: search rank against confirmed rank ({rungs})", ranks.drop(columns=["se"])))
    summary.append(("confirmed verdicts per reference family (seeds, mean ± std)", families))
    return section


def _quantization(frame, figures, top, summary) -> Section | None:
    """Quantization sensitivity of the networks trained with quantize=int8 (any stage)."""
    table = quantization.sensitivity_table(frame)
    if table.empty:
        return None
    section = Section(
        "Quantization sensitivity",
        notes=[
            "Each trained network quantized to INT8 after training (post-training static quantization, PyTorch FX "
            "graph mode, x86 backend; calibrated on training images drawn by the trial's seed). Drop = float minus "
            "INT8 top-1 of the same weights, mean over seeds, with its sample std and standard error over those "
            "seeds. Latency: the full-scale network at batch 1 on the CPU (median ms, one thread), INT8 and fp32 "
            "measured side by side inside the trial; speed-up = fp32 / INT8. A drop or a speed-up is a finding "
            "only where it exceeds its seed spread and the machine's timing noise."
        ],
        tables=[("quantization sensitivity, largest validation drop first", table)],
    )
    summary.append(
        (
            "quantization sensitivity (float - int8 top-1, mean over seeds)",
            table.drop(columns=["val drop se"]).head(top),
        )
    )
    return section


def _learning_curves(run_dirs, frame, figures, top: int) -> Section | None:
    """Validation accuracy per epoch of the best trials, the families and the confirmed networks (curves.parquet)."""
    try:
        curve_frame = learning_curves.load_curves(run_dirs)
    except ValueError as exc:  # a damaged curves log leaves the rest of the report as it is
        return Section("Learning curves", notes=[f"not shown: {exc}"])
    table = learning_curves.curves_table(frame, curve_frame, top)
    if table.empty:
        return None
    section = Section(
        "Learning curves",
        notes=[
            f"Validation top-1 after each epoch (epochs where it was measured), from the runs' curves "
            f"({learning_curves.trials_with_curves(curve_frame)} trials have one): the "
            f"{int((table['curve'].str.startswith('#')).sum())} "
            f"best searched trials of the search stage by its objective (one seed each), each reference family and "
            f"each confirmed network as its mean over its trials (seeds x runs, `trials`), the band spanning the "
            f"lowest to the highest."
        ],
        tables=[("learning curves shown", table)],
    )
    if figures:
        section.figures.append(
            (
                "learning_curves",
                learning_curves.curves_figure(frame, curve_frame, top),
                f"{ACC} against epoch: searched trials (solid), reference families (dashed, mean "
                "over their trials), confirmed networks (mean over seeds); bands: lowest to highest",
            )
        )
    return section


def _hypervolume(frame, figures, top, summary) -> Section | None:
    if searched(finished(frame)).empty:
        return None
    ref = hypervolume.reference_point(searched(frame))
    curves = hypervolume.curves(frame, ref)
    final = hypervolume.final(curves)
    section = Section(
        "Hypervolume",
        notes=[
            f"Reference point {ref}; area in accuracy x decades of MACs (log10 axis). Final values are taken at "
            f"the largest trial count every run reached ({int(final['trials'].min())} trials), mean and sample "
            "standard deviation over runs of the same searcher."
        ],
        tables=[("hypervolume per searcher", final)],
    )
    if figures:
        section.figures.append(
            (
                "hypervolume",
                plots.hypervolume_figure(hypervolume.by_searcher(curves), str(ref)),
                "hypervolume against trials completed (band: one standard deviation over runs)",
            )
        )
    summary.append((f"hypervolume, reference point {ref}", final))
    return section


def _reward(frame, figures, top, summary) -> Section | None:
    best = reward_view.top_candidates(frame, top)
    if best.empty:
        return None
    section = Section("Top candidates by reward", tables=[(f"top {len(best)} by reward", best)])
    if figures:
        try:
            spec = nasx.decode(best["arch"].iloc[0])
        except ValueError as exc:
            section.notes.append(f"best candidate's arch string does not decode: {exc}")
        else:
            section.figures.append(
                (
                    "best_vs_b0",
                    reward_view.stages_figure(
                        [
                            (f"best candidate {best['trial_id'].iloc[0]}, as trained (proxy widths)", spec),
                            reward_view.b0_panel(frame),
                        ],
                        title="Block widths of the best candidate and EfficientNet-B0, on one channel scale",
                    ),
                    "blocks of the best candidate beside EfficientNet-B0, as the search trained them (proxy widths, "
                    "not full scale): width (bar), kernel (colour), SE (hatch), expansion (label)",
                )
            )
    summary.append(("top candidates by reward", best.drop(columns=["arch"]).head(5)))
    return section


def _compound(frame, figures, top, summary) -> Section | None:
    grid = compound.grid_table(frame)
    curves = compound.scaling_curves(frame)
    if grid.empty and curves.empty:
        return None
    section = Section("Compound scaling")
    if len(grid):
        section.tables.append(("α/β/γ grid at φ=1, best first", grid))
        try:
            best = compound.best_triple(grid)
        except ValueError as exc:
            best = None
            section.notes.append(str(exc))
        if best is not None:
            paper = grid[
                (grid["alpha"] == compound.PAPER[0])
                & (grid["beta"] == compound.PAPER[1])
                & (grid["gamma"] == compound.PAPER[2])
            ]
            versus = pd.DataFrame(
                [
                    {"triple": "best", **{k: best[k] for k in ("alpha", "beta", "gamma", "acc", "constraint")}},
                    {
                        "triple": "paper",
                        "alpha": 1.2,
                        "beta": 1.1,
                        "gamma": 1.15,
                        "acc": float(paper["acc"].iloc[0]) if len(paper) else float("nan"),
                        "constraint": 1.2 * 1.1**2 * 1.15**2,
                    },
                ]
            )
            section.tables.append(("best triple against the paper's (1.2, 1.1, 1.15)", versus))
            summary.append(("compound scaling: best α/β/γ", versus))
        if figures:
            section.figures.append(("compound_grid", compound.heatmap_figure(grid, best), "accuracy at φ=1"))
    if len(curves):
        section.tables.append(("scaling curves", curves))
        if figures:
            section.figures.append(
                ("scaling_curves", compound.curves_figure(curves), "accuracy against MACs for φ = 0..k")
            )
    return section


def _design_space(frame, figures, top, summary) -> Section | None:
    samples = design_space.design_samples(frame)
    if len(samples) < MIN_DESIGN_SAMPLES:
        return None
    edfs = design_space.edf_table(samples)
    section = Section(
        "Design-space statistics",
        notes=[
            "Error EDFs per space, complexity-normalised: samples reweighted so every space has the same "
            "(uniform) distribution over shared log-MACs bins (Radosavovic et al. 2019)."
        ],
        tables=[
            ("error EDF summary (normalised)", edfs),
            ("error by design parameter", design_space.parameter_table(samples)),
        ],
    )
    if figures:
        section.figures.append(("edf", design_space.edf_figure(samples), "complexity-normalised error EDF"))
        section.figures.append(("edf_raw", design_space.edf_figure(samples, normalized=False), "error EDF"))
        if any(samples["choices"]):
            section.figures.append(
                ("error_by_parameter", design_space.parameters_figure(samples), "error against each design parameter")
            )
    summary.append(("design spaces (normalised EDF)", edfs))
    return section
