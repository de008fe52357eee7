"""The fidelity summary on a hand-made study: 6 architectures, 2 seeds, zero-cost scores and two rungs."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from nasx.analysis.fidelity import fidelity_summary, notes, rung_table, scorings
from nasx.analysis.fidelity_plots import rho_cost_figure, scatter_figure
from tests.helpers.analysis_rows import table

REF = {0: [0.10, 0.20, 0.30, 0.40, 0.50, 0.60], 1: [0.15, 0.25, 0.20, 0.45, 0.55, 0.65]}  # epochs=3
SHORT = {0: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], 1: [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]}  # epochs=1


def study(short=SHORT, zero_cost=True, failed=False):
    rows = []
    for seed in (0, 1):
        for i in range(6):
            arch = dict(stage="fidelity", seed=seed, macs=600 - 100 * i, arch=f"net{i}", arch_key=f"k{i}")
            if zero_cost:
                rows.append(
                    dict(
                        trial_id=f"a0{i}-zc-s{seed}",
                        rung="zero_cost",
                        wall_s=0.1,
                        epochs=0,
                        **arch,
                        **{
                            "zero_cost/grad_norm": float(i + seed),
                            "zero_cost/synflow": float(-i),
                            "zero_cost/naswot": [3.0, 1.0, 2.0, 6.0, 5.0, 4.0][i],
                        },
                    )
                )
            rows.append(dict(trial_id=f"a0{i}-e1-s{seed}", rung="epochs=1", wall_s=1.0, acc=short[seed][i], **arch))
            status = "failed" if failed and i == 0 and seed == 1 else "ok"
            rows.append(
                dict(trial_id=f"a0{i}-e3-s{seed}", rung="epochs=3", wall_s=3.0, acc=REF[seed][i], status=status, **arch)
            )
    return rows


def as_rows(rows):
    from tests.helpers.analysis_rows import row

    return [row(r.pop("trial_id"), r.pop("acc", None), r.pop("macs"), **r) for r in rows]


@pytest.fixture
def summary(tmp_path):
    return fidelity_summary(table(tmp_path / "f", as_rows(study())), n_boot=200)


def by_name(summary):
    return {e["rung"]: e for e in summary["rungs"]}


def test_every_scoring_cheapest_first(summary):
    assert [e["rung"] for e in summary["rungs"]] == [
        "params",
        "macs",
        "zero_cost/grad_norm",
        "zero_cost/synflow",
        "zero_cost/naswot",
        "epochs=1",
        "epochs=3",
    ]
    assert summary["reference"] == "epochs=3" and summary["n_archs"] == 6 and summary["top_k"] == 1
    assert summary["seeds"] == [0, 1] and summary["metric"] == "val/top1"


def test_rank_numbers_by_hand(summary):
    e = by_name(summary)
    ref = e["epochs=3"]
    # seed 1 ranks the reference 1,3,2,4,5,6: rho = 1 - 6 * 2 / (6 * 35)
    assert ref["reference"] and ref["rho"] == 1.0 and ref["noise_floor"] == pytest.approx(1 - 12 / 210)
    assert ref["rho_one_seed"] == pytest.approx(1 - 12 / 210) and ref["noise_pairs"] == 1
    # the two epochs=1 seeds disagree completely (rho +1 and -1 against the reference); their mean is
    # constant, which ranks nothing
    short = e["epochs=1"]
    assert short["noise_floor"] == -1.0 and short["rho"] is None and short["rho_one_seed"] == 0.0
    assert e["macs"]["rho"] == -1.0 and e["params"]["rho"] == -1.0 and e["macs"]["noise_floor"] is None
    assert e["zero_cost/grad_norm"]["rho"] == 1.0 and e["zero_cost/grad_norm"]["noise_floor"] == 1.0
    assert e["zero_cost/grad_norm"]["top_k_recall"] == 1.0 and e["zero_cost/synflow"]["top_k_recall"] == 0.0
    assert e["zero_cost/synflow"]["tau"] == -1.0
    # naswot 3,1,2,6,5,4 against 1..6: d = 2,-1,-1,2,0,-2 -> rho = 1 - 6 * 14 / 210
    assert e["zero_cost/naswot"]["rho"] == pytest.approx(1 - 6 * 14 / 210)
    low, high = e["zero_cost/naswot"]["rho_ci"]
    assert low < e["zero_cost/naswot"]["rho"] < high
    assert e["epochs=1"]["cost_trial_s"] == 1.0 and e["epochs=3"]["cost_total_s"] == 36.0
    assert e["zero_cost/naswot"]["cost_trial_s"] == pytest.approx(0.1) and e["macs"]["cost_trial_s"] == 0.0


def test_recommends_the_cheapest_rung_reaching_the_target(summary):
    assert summary["recommended"] == "zero_cost/grad_norm"
    assert summary["recommendation"].startswith("mean over seeds: zero_cost/grad_norm ranks like epochs=3 (rho 1.00")
    assert "3% of the reference's" in summary["recommendation"]


def test_says_plainly_when_no_rung_reaches_the_target(tmp_path):
    reversed_short = {0: SHORT[1], 1: SHORT[1]}
    s = fidelity_summary(table(tmp_path / "f", as_rows(study(reversed_short, zero_cost=False))), n_boot=50)
    assert s["recommended"] is None and s["recommended_one_seed"] is None
    assert s["recommendation"] == (
        "mean over seeds: no rung cheaper than epochs=3 reaches rho >= 0.8; the closest is params at rho -1.00"
    )


def test_failed_trials_are_left_out(tmp_path):
    s = fidelity_summary(table(tmp_path / "f", as_rows(study(failed=True))), n_boot=50)
    ref = by_name(s)["epochs=3"]
    assert ref["n_archs"] == 6 and ref["noise_pairs"] == 1  # a00 keeps its seed-0 value
    frame = table(tmp_path / "g", as_rows(study(failed=True)))
    by_seed = [x for x in scorings(frame) if x["name"] == "epochs=3"][0]["by_seed"]
    assert pd.isna(by_seed.loc["a00", 1]) and by_seed.loc["a01", 1] == 0.25


def test_table_and_json(summary):
    shown = rung_table(summary)
    assert list(shown["rung"])[-1] == "epochs=3 (reference)" and shown["noise floor"].iloc[0] == "deterministic"
    assert shown["rho [95% CI]"].iloc[1].startswith("-1.00 [")
    json.dumps(summary, allow_nan=False)  # strict JSON: missing numbers are null


def test_analysis_needs_no_torch():
    code = "import sys, nasx.analysis.fidelity, nasx.analysis.rank_stats; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_figures_plot_the_summary(summary, tmp_path):
    from nasx.analysis.fidelity_plots import rho_cost_figure, scatter_figure

    ax = rho_cost_figure(summary).axes[0]
    assert sorted(ax.get_legend_handles_labels()[1]) == ["baseline", "noise floor", "target", "training", "zero-cost"]
    training = [c for c in ax.containers if c.get_label() == "training"][0]
    xs, ys = training.lines[0].get_data()
    assert list(ys) == [1.0] and list(xs) == [3.0]  # epochs=1 has no rho (constant mean): not drawn
    frame = table(tmp_path / "f", as_rows(study()))
    fig = scatter_figure(scorings(frame), summary, {"a05": "efficientnet_b0"})
    assert len(fig.axes) == 6 and fig.axes[5].get_title() == "epochs=1"
    assert fig.axes[4].get_title() == f"zero_cost/naswot: rho {1 - 6 * 14 / 210:.2f}"


def with_supernets(rows, label="supernet", train_s=(40.0, 60.0), scoring_s=0.5):
    """`study()` plus a supernet rung: two supernets (seeds 0 and 1) of the given training seconds, each scoring
    the 6 architectures in the reference's order (seed 1 swapping the last two)."""
    for seed, trained in zip((0, 1), train_s):
        order = [0, 1, 2, 3, 5, 4] if seed else list(range(6))
        for i in range(6):
            rows.append(
                dict(
                    trial_id=f"a0{i}-{label.replace('supernet', 'sn').replace('/', '.')}-s{seed}",
                    rung=label,
                    wall_s=scoring_s,
                    acc=0.1 * order[i],
                    stage="fidelity",
                    seed=seed,
                    macs=600 - 100 * i,
                    arch=f"net{i}",
                    arch_key=f"k{i}",
                    evaluator="supernet",
                    supernet_run=f"runs/x/supernets/sandwich-s{seed}",
                    supernet_train_s=trained,
                )
            )
    return rows


def test_a_supernet_rung_amortises_its_supernets_training_over_the_architectures(tmp_path):
    rows = with_supernets(with_supernets(study(), "supernet/uniform/r2000"), "supernet/uniform/r250")
    frame = table(tmp_path / "f", as_rows(rows))
    s = fidelity_summary(frame, n_boot=50)
    names = [e["rung"] for e in s["rungs"]]
    assert names[5:] == ["supernet/uniform/r250", "supernet/uniform/r2000", "epochs=1", "epochs=3"]  # sizes by number
    e = by_name(s)["supernet/uniform/r250"]
    assert e["kind"] == "supernet" and e["seeds"] == 2 and e["n_archs"] == 6 and e["amortised_over"] == 6
    assert e["noise_pairs"] == 1 and e["noise_floor"] == pytest.approx(1 - 6 * 2 / 210)  # seeds swap two networks
    assert e["cost_scoring_s"] == 0.5 and e["supernet_train_s"] == 50.0  # the mean over the two supernets
    assert e["cost_trial_s"] == pytest.approx(0.5 + 50.0 / 6)
    assert e["cost_trial_s_1000"] == pytest.approx(0.5 + 50.0 / 1000)
    assert e["cost_total_s"] == pytest.approx(12 * 0.5 + 40.0 + 60.0)
    assert by_name(s)["epochs=3"]["cost_trial_s_1000"] == by_name(s)["epochs=3"]["cost_trial_s"] == 3.0
    assert by_name(s)["epochs=3"]["amortised_over"] is None and by_name(s)["macs"]["cost_scoring_s"] is None
    shown = rung_table(s)
    assert list(shown.columns[2:4]) == ["trial_s", "trial_s, 1,000 archs"]
    assert shown.loc[5, "trial_s"] == pytest.approx(0.5 + 50.0 / 6)
    note = notes(s)[0]
    assert "Supernet rungs: the seeds are the supernets" in note and "amortised over the 6 architectures" in note
    json.dumps(s, allow_nan=False)
    ax = rho_cost_figure(s).axes[0]  # the supernet rungs are drawn at their amortised cost, with their noise floor
    assert "supernet" in ax.get_legend_handles_labels()[1]
    titles = [a.get_title() for a in scatter_figure(scorings(frame), s, {}).axes]
    assert titles[5] == f"supernet/uniform/r250: rho {e['rho']:.2f}"
