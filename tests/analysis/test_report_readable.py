"""The report reads as a person expects: every design choice drawn with its own values as categories, titles
and labels in words with units, long arch strings shortened with the full string kept, one channel scale."""

import json

import numpy as np
import pandas as pd
import pytest

import nasx
from nasx import search_spaces
from nasx.analysis import demo, report, reward_view, tables
from nasx.analysis import design_space as ds
from nasx.analysis.analyze import analyze
from tests.helpers.analysis_rows import row, table

M = 1_000_000
ARCH = nasx.encode(nasx.families.get("efficientnet_b0"))


def _samples(space, choices_list):
    errors = np.linspace(0.1, 0.5, len(choices_list))
    return pd.DataFrame(
        {
            "space": [space] * len(choices_list),
            "error": errors,
            "macs": [1e7] * len(choices_list),
            "choices": choices_list,
        }
    )


def _ticks(ax):
    return [t.get_text() for t in ax.get_xticklabels()]


def test_declared_choices_are_categories_with_every_value():
    # the mnasnet space declares b1_k {3, 5}, b1_se {0.0, 0.25}, b1_op {conv, sep, mb1, mb3, mb6}
    space = search_spaces.get("mnasnet")
    ops = [str(v) for v in space.parameter("b1_op").values]
    samples = _samples(
        "mnasnet", [{"b1_k": 3, "b1_se": 0.0, "b1_op": "mb6"}, {"b1_k": 3, "b1_se": 0.25, "b1_op": "mb6"}]
    )
    fig = ds.parameters_figure(samples)
    panels = {ax.get_title().split(" ")[0]: ax for ax in fig.axes if ax.get_visible()}
    assert set(panels) == {"b1_k", "b1_se", "b1_op"}
    assert panels["b1_k"].get_title() == "b1_k (kernel size)"
    assert _ticks(panels["b1_k"]) == ["3", "5"]  # 5 never drawn, still a category
    assert _ticks(panels["b1_se"]) == ["0", "0.25"]  # not 0.0, 0.05, 0.1, ...
    assert _ticks(panels["b1_op"]) == ops  # the space's own order
    offsets = np.asarray(panels["b1_op"].collections[0].get_offsets())
    assert offsets[:, 0].tolist() == [ops.index("mb6")] * 2
    t = ds.parameter_table(samples).set_index(["parameter", "value"])
    assert t.loc[("b1_k", "5"), "n"] == 0 and t.loc[("b1_k", "3"), "n"] == 2
    assert len(t.loc["b1_op"]) == len(ops) and t.loc[("b1_op", "mb6"), "n"] == 2


def test_undeclared_few_values_are_categories_and_ranges_stay_numeric():
    # "e" is no parameter of the space: drawn at 3.0 and 6.0 it is two categories; regnet's wm is a float range
    samples = pd.concat(
        [_samples("nospace", [{"e": 3.0}, {"e": 6.0}, {"e": 6.0}]), _samples("regnet", [{"wm": 2.0}, {"wm": 2.5}])],
        ignore_index=True,
    )
    panels = {ax.get_title(): ax for ax in ds.parameters_figure(samples).axes if ax.get_visible()}
    assert _ticks(panels["e (expansion ratio)"]) == ["3", "6"]
    assert np.asarray(panels["e (expansion ratio)"].collections[0].get_offsets())[:, 0].tolist() == [0, 1, 1]
    wm = panels["wm (width multiplier)"]
    assert np.asarray(wm.collections[1].get_offsets())[:, 0].tolist() == [2.0, 2.5]  # at their values
    assert _ticks(wm) == ["2", "2.5"]


def test_every_choice_gets_a_panel():
    keys = [f"s{i}.{k}" for i in range(1, 8) for k in ("k", "e", "se")]  # 21 choices, more than a page row
    samples = _samples("demo", [{key: 3 + 2 * (j % 2) for key in keys} for j in range(4)])
    titles = [ax.get_title() for ax in ds.parameters_figure(samples).axes if ax.get_visible()]
    assert len(titles) == len(keys) and all(t.split(" ")[0] in keys for t in titles)
    assert set(ds.parameter_table(samples)["parameter"]) == set(keys)


def test_html_and_markdown_tables_shorten_arch_strings_and_keep_them_whole():
    frame = pd.DataFrame({"trial_id": ["t1", "t2"], "arch": [ARCH, "res32_cls10|stem:|cn_r1_k3_c8|head:"]})
    page = tables.html_table(frame)
    assert f"title='{ARCH}'" in page
    visible = page.split(f"title='{ARCH}'>")[1].split("</td>")[0]
    assert visible.endswith("\u2026") and len(visible) <= tables.ARCH_CHARS and visible[2:20] in ARCH
    assert "<td>res32_cls10|stem:|cn_r1_k3_c8|head:</td>" in page  # short strings stay as they are
    text = tables.markdown(frame, label="x")
    lines = text.splitlines()
    assert "\u2026[^x1]" in lines[2] and ARCH.replace("|", "\\|") not in lines[2]
    assert f"[^x1]: `{ARCH}`" in lines


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("readable")
    runs = [
        demo.search_run(root / "search"),
        demo.compound_run(root / "compound"),
        demo.design_space_run(root / "design_space"),
    ]
    result = analyze(runs)
    return result, report.write(result, root / "report")


def test_report_titles_and_labels_are_words_with_units(demo_report):
    result, _ = demo_report
    figures = {name: fig for s in result.sections for name, fig, _ in s.figures}
    for name, fig in figures.items():
        texts = [fig.get_suptitle()] + [
            t for ax in fig.axes for t in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel())
        ]
        for text in texts:
            assert "val/top1" not in text and "latency_ms" not in text and " macs" not in text, (name, text)
    ax = figures["frontier_macs"].axes[0]
    assert ax.get_ylabel() == "Validation top-1 (%)" and ax.get_xlabel() == "MACs (millions, log scale)"
    assert ax.get_title() == "Pareto frontier: Validation top-1 against MACs"
    assert ax.yaxis.get_major_formatter()(0.8, 0) == "80" and ax.xaxis.get_major_formatter()(2e7, 0) == "20"
    assert figures["frontier_latency_ms"].axes[0].get_xlabel() == "Latency (ms, log scale)"


def test_best_vs_b0_shares_one_channel_scale_and_says_proxy_widths(demo_report, tmp_path):
    result, paths = demo_report
    fig = next(f for s in result.sections for name, f, _ in s.figures if name == "best_vs_b0")
    best, b0 = fig.axes[0], fig.axes[1]
    assert best.get_shared_y_axes().joined(best, b0) and best.get_ylim() == b0.get_ylim()
    assert "proxy widths" in best.get_title() and "proxy widths" in b0.get_title()
    assert "proxy widths" in paths["html"].read_text()
    # without an EfficientNet-B0 row the panel says it is at full scale
    frame = table(tmp_path, [row("a", 0.7, 10 * M, reward=0.5, arch=ARCH)])
    name, spec = reward_view.b0_panel(frame)
    assert "full scale" in name and spec == nasx.families.get("efficientnet_b0")


def test_report_pages_hold_the_full_arch_of_every_shortened_cell(demo_report):
    result, paths = demo_report
    page, md = paths["html"].read_text(), paths["md"].read_text()
    archs = {a for s in result.sections for _, t in s.tables if "arch" in t for a in t["arch"].dropna()}
    long = [a for a in archs if len(a) > tables.ARCH_CHARS]
    assert long
    for arch in long:
        assert f"title='{arch}'" in page and f"`{arch}`" in md
    footnotes = [line.split("]:")[0] for line in md.splitlines() if line.startswith("[^")]
    assert len(footnotes) == len(set(footnotes))  # one label per footnote on the page
    assert "td.arch" in page and "overflow-wrap" in page
    choices = json.loads(result.frame["choices"].dropna().iloc[0])
    assert choices  # the demo search has choices, and the design-parameter table has every one of them
    params = next(t for s in result.sections for c, t in s.tables if c == "error by design parameter")
    assert set(choices) <= set(params["parameter"])
