"""Plan: the driver's bookkeeping, exercised with real searchers and spaces and hand-made worker results."""

import json

import nasx
from nasx import results, search_spaces
from nasx.search import searchers
from nasx.search.configs import proxy_spec
from nasx.search.plan import FINISHED, DataShape, Plan
from tests.helpers.search_setups import tiny_setup

SHAPE = DataShape(resolution=8, num_classes=10, channels=3)


def finished(config, acc):
    row = {
        "arch": config["arch"],
        "arch_key": config["arch_key"],
        "status": "ok",
        "val/top1": acc,
        "reward": acc,
        "macs": 1000,
        "params": 10,
        "epochs": 1,
    }
    return {"row": row, "node": "n1"}


def make_plan(tmp_path, lines, **changes):
    setup = tiny_setup(tmp_path, **changes)
    space = setup.space.make()
    searcher = searchers.get(
        setup.searcher.name, space, seed=setup.seed, objectives=setup.objectives(), **setup.searcher.options
    )
    existing = results.load(tmp_path) if (tmp_path / "results.jsonl").exists() else results.empty_frame()
    return Plan(setup, space, searcher, SHAPE, existing, out=lines.append)


def test_budget_references_and_rows(tmp_path):
    lines = []
    plan = make_plan(tmp_path, lines, budget=3, references=("efficientnet_b0", "vgg11"))
    first = plan.next_config()
    assert first["family"] == "efficientnet_b0" and first["trial_id"] == "ref-efficientnet_b0"
    second = plan.next_config()  # vgg11 shrinks 8x8 images to nothing: recorded failed, never launched
    assert second["trial_id"] == "s0000"
    configs = [first, second, plan.next_config(), plan.next_config()]
    assert plan.next_config() is None  # budget reached, trials still running
    for i, c in enumerate(configs):
        plan.complete(c["trial_id"], finished(c, 0.1 * (i + 1)))
    assert plan.next_config() == FINISHED
    frame = results.load(tmp_path)
    assert frame["trial_id"].tolist() == ["ref-vgg11", "ref-efficientnet_b0", "s0000", "s0001", "s0002"]
    vgg = frame.iloc[0]
    assert vgg["status"] == "failed" and "invalid at proxy scale" in vgg["error"] and vgg["family"] == "vgg11"
    assert frame["order"].tolist() == [0, 1, 2, 3, 4]
    assert frame.loc[frame["family"] == "efficientnet_b0", "searcher"].item() == "reference"
    assert json.loads(frame.iloc[1]["choices"])["b6_filters"] == 192  # B0 is a point of the space
    assert "[  5/5]" in lines[-1] and "best reward 0.4000" in lines[-1]


def test_a_known_candidate_is_told_from_the_table_not_trained_again(tmp_path):
    lines = []
    plan = make_plan(tmp_path, lines, budget=2)
    configs = [plan.next_config(), plan.next_config()]
    for c in configs:
        plan.complete(c["trial_id"], finished(c, 0.5))
    # a resumed plan: same seed, so the searcher proposes the same two candidates first
    resumed = make_plan(tmp_path, lines, budget=3)
    config = resumed.next_config()
    assert config["trial_id"] == "s0002"
    assert set(resumed.searcher.outcomes) == {0, 1}  # told from the table
    assert resumed.searcher.outcomes[0].metrics["val/top1"] == 0.5


def test_failed_and_pruned_trials_are_rows_with_reasons(tmp_path):
    plan = make_plan(tmp_path, [], budget=2)
    a, b = plan.next_config(), plan.next_config()
    plan.complete(a["trial_id"], None, "the trial's worker failed")
    plan.complete(b["trial_id"], {"epoch": 1, "val_top1": 0.25})
    frame = results.load(tmp_path)
    assert frame["status"].tolist() == ["failed", "pruned"]
    assert frame["error"].tolist() == ["the trial's worker failed", "stopped early by ASHA after epoch 1"]
    assert frame["val/top1"].iloc[1] == 0.25 and frame["macs"].notna().all()
    assert [o.status for o in plan.searcher.outcomes.values()] == ["failed", "pruned"]


def test_a_pruned_trial_counts_the_seconds_it_trained(tmp_path):
    plan = make_plan(tmp_path, [], budget=2)
    a, b = plan.next_config(), plan.next_config()
    curve = [
        {"epoch": 1, "step": 3, "val/top1": 0.2, "wall_s": 1.5},
        {"epoch": 2, "step": 6, "val/top1": 0.3, "wall_s": 2.75},
    ]
    plan.complete(a["trial_id"], {"epoch": 2, "val_top1": 0.3, "curve": curve})
    plan.complete(b["trial_id"], {"epoch": 1, "val_top1": 0.25})  # no curve reported: unknown
    frame = results.load(tmp_path)
    assert frame["status"].tolist() == ["pruned", "pruned"]
    assert frame["wall_s"].iloc[0] == 2.75 and frame["wall_s"].isna().iloc[1]


def test_grid_searcher_exhausts_then_finishes(tmp_path):
    plan = make_plan(
        tmp_path,
        [],
        space=tiny_setup(tmp_path).space.__class__("compound", {"tolerance": 0.005}),
        searcher=tiny_setup(tmp_path).searcher.__class__("grid"),
        budget=100,
    )
    grid = list(search_spaces.get("compound", tolerance=0.005).grid())
    # distinct full-scale networks can shrink to the same proxy network: that one is trained once
    trained = {proxy_spec(plan.setup, spec, **vars(SHAPE), base_resolution=224).key() for _, spec in grid}
    assert 1 < len(trained) < len(grid)
    # 12 triples on the 0.05 grid have alpha * beta^2 * gamma^2 within 0.5% of 2 (checked by brute force
    # over the 11^3 triples): six pairs with beta and gamma swapped, each a distinct full-scale network
    assert [tuple(values.values()) for values, _ in grid] == [
        (1.0, 1.05, 1.35),
        (1.0, 1.35, 1.05),
        (1.05, 1.15, 1.2),
        (1.05, 1.2, 1.15),
        (1.1, 1.0, 1.35),
        (1.1, 1.35, 1.0),
        (1.15, 1.1, 1.2),
        (1.15, 1.2, 1.1),
        (1.25, 1.1, 1.15),
        (1.25, 1.15, 1.1),
        (1.5, 1.05, 1.1),
        (1.5, 1.1, 1.05),
    ]
    assert len(grid) == 12
    # pins today's value: at proxy scale (1.05, 1.2, 1.15) and (1.15, 1.2, 1.1) shrink to one network
    assert len(trained) == 11
    launched = []
    while (c := plan.next_config()) not in (None, FINISHED):
        launched.append(c)
    assert len(launched) == len(trained) and {c["arch_key"] for c in launched} == trained
    for c in launched:
        plan.complete(c["trial_id"], finished(c, 0.5))
    assert plan.next_config() == FINISHED
    assert len(plan.searcher.outcomes) == len(grid)  # every proposal heard its result


def test_compound_study_scales_the_best_triple_after_the_grid(tmp_path):
    from nasx.search.setup import SearcherSpec, SpaceSpec

    lines = []
    plan = make_plan(
        tmp_path,
        lines,
        space=SpaceSpec("compound", {"tolerance": 0.005}),
        data=tiny_setup(tmp_path).data,
        searcher=SearcherSpec("grid"),
        budget=3,
        scale_phis=(2,),
    )
    searched_configs = [plan.next_config() for _ in range(3)]
    assert plan.next_config() is None  # the scaling step waits for the search to finish
    accs = [0.3, 0.9, 0.5]
    for c, acc in zip(searched_configs, accs):
        plan.complete(c["trial_id"], finished(c, acc))
    best = json.loads(searched_configs[1]["choices"])
    follow = []
    while (c := plan.next_config()) not in (None, FINISHED):
        follow.append(c)
    assert [c["trial_id"] for c in follow] == [
        "phi0-compound",
        "phi2-compound",
        "phi2-depth",
        "phi2-width",
        "phi2-resolution",
    ]
    a, b, g = best["alpha"], best["beta"], best["gamma"]
    phi2 = {c["trial_id"]: c for c in follow}
    assert phi2["phi2-compound"]["scaled"] == {"alpha": a, "beta": b, "gamma": g, "phi": 2.0, "scaling": "compound"}
    full = {k: nasx.decode(c["full_arch"]) for k, c in phi2.items()}
    assert full["phi0-compound"].resolution == 224
    assert full["phi2-compound"].resolution == round(224 * g**2)
    assert full["phi2-resolution"].resolution == round(224 * (a * b * b * g * g))  # sqrt(F) with F = (ab²g²)²
    assert full["phi2-depth"].resolution == 224 and full["phi2-width"].resolution == 224
    # proxy resolution follows the candidate's: 8 x 224 * g^2 / 224
    assert nasx.decode(phi2["phi2-compound"]["arch"]).resolution == round(8 * g**2)
    for c in follow:
        plan.complete(c["trial_id"], finished(c, 0.5))
    assert plan.next_config() == FINISHED
    frame = results.load(tmp_path)
    scaled = frame[frame["trial_id"].str.startswith("phi")]
    assert scaled["scaling"].tolist() == ["compound", "compound", "depth", "width", "resolution"]
    assert scaled["phi"].tolist() == [0.0, 2.0, 2.0, 2.0, 2.0] and (scaled["alpha"] == a).all()
    assert plan.searched_done == 3


def test_scaling_reuses_the_reference_row_for_phi_zero(tmp_path):
    from nasx.search.setup import SearcherSpec, SpaceSpec

    plan = make_plan(
        tmp_path,
        [],
        space=SpaceSpec("compound", {"tolerance": 0.005}),
        searcher=SearcherSpec("grid"),
        budget=1,
        scale_phis=(1,),
        references=("efficientnet_b0",),
    )
    ref, searched = plan.next_config(), plan.next_config()
    plan.complete(ref["trial_id"], finished(ref, 0.7))
    plan.complete(searched["trial_id"], finished(searched, 0.8))
    launched = [plan.next_config() for _ in range(3)]
    # phi = 0 is the reference and phi = 1 with the best triple is the searched network: both reused
    assert [c["trial_id"] for c in launched] == ["phi1-depth", "phi1-width", "phi1-resolution"]
    assert plan.next_config() is None
    frame = results.load(tmp_path).set_index("trial_id")
    assert frame.loc["phi0-compound", "val/top1"] == 0.7 and frame.loc["phi0-compound", "scaling"] == "compound"
    assert frame.loc["phi0-compound", "arch_key"] == frame.loc["ref-efficientnet_b0", "arch_key"]
    assert frame.loc["phi1-compound", "val/top1"] == 0.8 and frame.loc["phi1-compound", "phi"] == 1.0


def test_status_line_names_the_running_trials(tmp_path):
    plan = make_plan(tmp_path, [], budget=2)
    plan.next_config(), plan.next_config()
    line = plan.status_line()
    assert line.startswith("[  0/2] running 2: s0000, s0001 |") and "elapsed" in line


def test_references_train_under_every_seed_and_resume_by_trial_id(tmp_path):
    lines = []
    plan = make_plan(tmp_path, lines, budget=1, seeds=3, seed=4, references=("efficientnet_b0",))
    refs = [plan.next_config() for _ in range(3)]
    assert [c["trial_id"] for c in refs] == ["ref-efficientnet_b0", "ref-efficientnet_b0@s5", "ref-efficientnet_b0@s6"]
    assert [c["seed"] for c in refs] == [4, 5, 6] and len({c["arch_key"] for c in refs}) == 1
    assert plan.total_trials() == 4
    plan.complete(refs[1]["trial_id"], finished(refs[1], 0.5))
    frame = results.load(tmp_path)
    assert frame["seed"].tolist() == [5] and frame["trial_id"].tolist() == ["ref-efficientnet_b0@s5"]
    again = make_plan(tmp_path, [], budget=1, seeds=3, seed=4, references=("efficientnet_b0",))
    assert [f"{f}:{s}" for f, s in again.refs] == ["efficientnet_b0:4", "efficientnet_b0:6"]


def test_weights_are_asked_for_only_with_save_weights(tmp_path):
    assert "weights" not in make_plan(tmp_path / "a", [], budget=1).next_config()
    config = make_plan(tmp_path / "b", [], budget=1, save_weights=True).next_config()
    assert config["weights"] == str((tmp_path / "b" / "weights" / f"{config['trial_id']}.pt").resolve())
