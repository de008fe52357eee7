"""The search driver without Ray: any evaluator plugs in, the in-process executor runs the trials."""

import json

import pytest

from nasx import results
from nasx.arch.codec import decode
from nasx.complexity import complexity
from nasx.search import evaluators
from nasx.search.configs import proxy_spec, trial_config
from nasx.search.driver import run_search, run_trials
from nasx.search.inprocess import InProcess
from tests.helpers.disk_full import disk_full_after
from tests.helpers.search_setups import tiny_setup


@pytest.fixture(autouse=True)
def no_ray(monkeypatch):
    monkeypatch.setattr("nasx.ray.session.connect", lambda *args: pytest.fail("Ray was started"))


def by_params(config, data, setup, report):
    """An evaluator that trains nothing: a candidate scores 1 / its trained parameter count."""
    params = complexity(decode(config["arch"])).params
    row = {
        "arch": config["arch"],
        "arch_key": config["arch_key"],
        "status": "ok",
        "val/top1": 1 / params,
        "reward": 1 / params,
        "epochs": 0,
    }
    return {"epoch": 0, "val_top1": 1 / params, "reward": 1 / params, "row": row, "curve": []}


def test_a_search_runs_any_evaluator_in_process(tmp_path):
    lines = []
    run_dir = run_search(tiny_setup(tmp_path, budget=5), evaluator=by_params, executor=InProcess(), out=lines.append)
    frame = results.load(run_dir)
    assert len(frame) == 5 and set(frame["status"]) == {"ok"}
    for _, row in frame.iterrows():
        assert row["val/top1"] == pytest.approx(1 / complexity(decode(row["arch"])).params)
        assert row["searcher"] == "random" and row["config_hash"]  # the driver's columns, around the evaluator's
    assert (run_dir / "config.yaml").is_file() and (run_dir / "optuna.log").is_file()
    assert any(line.startswith("[  5/5]") for line in lines)


def test_a_search_in_process_trains_with_the_train_evaluator(tmp_path):
    run_dir = run_search(tiny_setup(tmp_path, budget=2), executor=InProcess(), out=lambda line: None)
    frame = results.load(run_dir)
    assert list(frame["status"]) == ["ok", "ok"] and (frame["epochs"] == 1).all()
    assert frame["val/top1"].between(0, 1).all() and frame["wall_s"].gt(0).all()
    assert len(results.curves.load(run_dir)) == 2  # one epoch each


def test_an_evaluator_that_raises_fails_its_trial_and_the_search_goes_on(tmp_path):
    calls = []

    def flaky(config, data, setup, report):
        calls.append(config["trial_id"])
        if len(calls) == 1:
            raise RuntimeError("out of memory")
        return by_params(config, data, setup, report)

    run_dir = run_search(tiny_setup(tmp_path, budget=3), evaluator=flaky, executor=InProcess(), out=lambda line: None)
    frame = results.load(run_dir)
    assert list(frame["status"]) == ["failed", "ok", "ok"]
    assert frame["error"].iloc[0] == "RuntimeError: out of memory"


def test_a_list_of_trials_in_process_resumes_by_trial_id(tmp_path):
    setup = tiny_setup(tmp_path)
    full = setup.space.make().sample(0)
    trained = proxy_spec(setup, full, resolution=8, num_classes=10, channels=3)
    configs = [trial_config(f"t{i}", full, trained, seed=i, stage="confirm") for i in range(3)]
    run_trials(setup, configs[:2], evaluator=by_params, executor=InProcess(), out=lambda line: None)
    lines = []
    run_trials(setup, configs, evaluator=by_params, executor=InProcess(), out=lines.append)
    frame = results.load(tmp_path)
    assert list(frame["trial_id"]) == ["t0", "t1", "t2"] and list(frame["seed"]) == [0, 1, 2]
    assert lines[0].startswith("trials: 3 trials (2 already done)")


def test_the_in_process_executor_refuses_what_needs_ray(tmp_path):
    setup = tiny_setup(tmp_path)
    searcher = setup.searcher.__class__(name="random", asha=True)
    with pytest.raises(ValueError, match="search.scheduler=asha: early stopping needs the Ray Tune executor"):
        run_search(tiny_setup(tmp_path, searcher=searcher), evaluator=by_params, executor=InProcess())
    with pytest.raises(ValueError, match="runs on this machine only"):
        run_search(tiny_setup(tmp_path, address="127.0.0.1:1"), evaluator=by_params, executor=InProcess())
    assert not any(tmp_path.iterdir())  # refused before anything was written


def test_evaluators_are_registered_by_name():
    assert "train" in evaluators.names()
    with pytest.raises(ValueError, match="unknown evaluator 'nope'; choose one of"):
        evaluators.get("nope")


def test_the_train_evaluator_result_is_plain_json(tmp_path):
    """What an evaluator returns crosses process boundaries: it must survive JSON unchanged."""
    setup = tiny_setup(tmp_path)
    full = setup.space.make().sample(1)
    trained = proxy_spec(setup, full, resolution=8, num_classes=10, channels=3)
    config = trial_config("t0", full, trained)
    reports = []
    result = evaluators.get("train")(config, setup.data.load(), setup, reports.append)
    assert json.loads(json.dumps(result)) == json.loads(json.dumps(result, allow_nan=True))
    assert result["row"]["status"] == "ok" and result["row"]["arch_key"] == trained.key()
    assert [h["epoch"] for h in result["curve"]] == [1]
    assert reports == []  # progress is reported only when a scheduler stops trials early


def test_a_three_objective_search_tells_every_value(tmp_path, monkeypatch):
    """NSGA-II on (val/top1 up, trained MACs down, measured latency down), trained in process: the searcher's
    study has three directions and every finished row is told as its three recorded values."""
    import optuna

    from nasx.reward import preset
    from nasx.search import searchers
    from nasx.search.setup import SearcherSpec

    made = []
    real_get = searchers.get
    monkeypatch.setattr(searchers, "get", lambda *a, **kw: made.append(real_get(*a, **kw)) or made[-1])
    setup = tiny_setup(
        tmp_path,
        budget=3,
        searcher=SearcherSpec("nsga2", options={"population_size": 2}),
        objective=preset("multi", scale="proxy", metrics=("macs", "latency_ms")),
    )
    run_dir = run_search(setup, executor=InProcess(), out=lambda line: None)
    frame = results.load(run_dir)
    assert list(frame["status"]) == ["ok"] * 3 and frame["latency_ms"].gt(0).all()
    (searcher,) = made
    max_, min_ = optuna.study.StudyDirection.MAXIMIZE, optuna.study.StudyDirection.MINIMIZE
    assert searcher.study.directions == [max_, min_, min_]
    told = sorted(tuple(t.values) for t in searcher.study.trials if t.state == optuna.trial.TrialState.COMPLETE)
    rows = sorted(zip(frame["val/top1"].astype(float), frame["macs"].astype(float), frame["latency_ms"].astype(float)))
    assert told == rows


def test_a_row_that_cannot_be_written_stops_the_search_naming_the_unrecorded_trials(tmp_path, monkeypatch):
    disk_full_after(monkeypatch, 1)
    lines = []
    # the train evaluator: trials really train, then their rows cannot be written
    with pytest.raises(ValueError) as caught:
        run_search(tiny_setup(tmp_path, budget=4), executor=InProcess(), out=lines.append)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{tmp_path / 'results.jsonl'}: No space left on device: ")
    # in process, one trial at a time: the first row is written, the second trial's is not, and nothing more runs
    assert "ended without their row being written: s0001 (trained but not recorded" in message
    assert message.endswith("1 row(s) are recorded")
    frame = results.load(tmp_path)
    assert frame["trial_id"].tolist() == ["s0000"]  # the durable row, and only it
    assert not any(line.startswith("[  2/4]") for line in lines)  # the unrecorded trial is not counted
    assert not (tmp_path / results.store.PARQUET).exists()  # stopped before the views were compacted


def test_a_list_of_trials_stops_at_the_first_row_that_cannot_be_written(tmp_path, monkeypatch):
    setup = tiny_setup(tmp_path)
    full = setup.space.make().sample(0)
    trained = proxy_spec(setup, full, resolution=8, num_classes=10, channels=3)
    configs = [trial_config(f"t{i}", full, trained, seed=i, stage="confirm") for i in range(3)]
    disk_full_after(monkeypatch, 0)
    with pytest.raises(
        ValueError,
        match=r"No space left on device: stopped after 1 trial\(s\) ended without their "
        r"row being written: t0 \(trained but not recorded; .*\); 0 row\(s\) are recorded$",
    ):
        run_trials(setup, configs, evaluator=by_params, executor=InProcess(), out=lambda line: None)
    assert not (tmp_path / results.store.LOG).exists()
