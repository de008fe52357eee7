"""Searches on a real Ray: local, killed and resumed, and a two-node cluster on 127.0.0.1."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from nasx import results
from nasx.ray.loopback import Cluster
from nasx.search.driver import run_search
from nasx.search.setup import SearcherSpec
from tests.helpers.paths import ROOT
from tests.helpers.search_setups import tiny_setup

pytestmark = pytest.mark.slow


def test_search_on_local_ray_fills_the_table(local_ray, tmp_path):
    lines = []
    setup = tiny_setup(
        tmp_path / "run",
        budget=4,
        references=("efficientnet_b0", "vgg11"),
        searcher=SearcherSpec("evolution", asha=True, grace_epochs=1),
        train=replace(tiny_setup(tmp_path).train, epochs=2),
    )
    run_dir = run_search(setup, out=lines.append)
    frame = results.load(run_dir)
    assert len(frame) == 6 and frame["trial_id"].is_unique
    assert sorted(frame["order"]) == list(range(6))
    searched = frame[frame["family"] == ""]
    assert len(searched) == 4 and set(searched["searcher"]) == {"evolution"}
    assert frame.set_index("family").loc["vgg11", "status"] == "failed"
    ok = frame[frame["status"] == "ok"]
    assert len(ok) >= 1 and ok["val/top1"].between(0, 1).all() and (ok["full_macs"] > ok["macs"]).all()
    assert set(frame["status"]) <= {"ok", "failed", "pruned"}
    assert (run_dir / "config.yaml").is_file() and (run_dir / "results.parquet").is_file()
    assert any(line.startswith("[  6/6]") for line in lines)
    assert any(line.startswith("Pareto set") for line in lines)


def test_any_evaluator_runs_on_ray_without_touching_the_driver(local_ray, tmp_path):
    """An evaluator written without Ray (tests/search/test_driver.py's) runs on Ray Tune's workers unchanged."""
    from tests.search.test_driver import by_params

    run_dir = run_search(tiny_setup(tmp_path, budget=3), evaluator=by_params, out=lambda line: None)
    frame = results.load(run_dir)
    assert len(frame) == 3 and set(frame["status"]) == {"ok"} and frame["node"].str.len().gt(0).all()
    assert (frame["val/top1"] == 1 / frame["params"]).all()


def _descendants_named(root_pid: int, title: str) -> list[int]:
    """Pids of processes below root_pid (any depth) whose command line starts with `title`."""
    parent = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found = []
    for pid in parent:
        ancestor, hops = parent.get(pid), 0
        while ancestor and ancestor != root_pid and hops < 10:
            ancestor, hops = parent.get(ancestor), hops + 1
        if ancestor == root_pid:
            try:
                cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if cmdline.startswith(title):
                found.append(pid)
    return found


def test_a_worker_killed_mid_trial_is_retried(local_ray, tmp_path):
    killed = []
    stale = set(_descendants_named(os.getpid(), "ray::ImplicitFunc"))  # actors of earlier searches

    def kill_first_worker():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            pids = [p for p in _descendants_named(os.getpid(), "ray::ImplicitFunc") if p not in stale]
            if pids:
                time.sleep(1.0)  # into the trial's training
                try:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
                except ProcessLookupError:
                    stale.add(pids[0])
            time.sleep(0.1)

    thread = threading.Thread(target=kill_first_worker, daemon=True)
    thread.start()
    setup = tiny_setup(tmp_path / "run", budget=3, train=replace(tiny_setup(tmp_path).train, epochs=4))
    frame = results.load(run_search(setup, out=lambda line: None))
    thread.join(timeout=1)
    assert killed
    assert len(frame) == 3 and frame["trial_id"].is_unique and (frame["status"] == "ok").all()
    assert sorted(frame["retries"]) == [0, 0, 1]  # the killed trial's row says so


DRIVER = textwrap.dedent("""
    import sys
    from tests.helpers.search_setups import tiny_setup
    from nasx.search.driver import run_search
    run_search(tiny_setup(sys.argv[1], budget=6, references=("mobilenet_v2",)), out=lambda line: None)
""")


def test_killed_search_resumes_with_every_trial_once(local_ray, tmp_path):
    run_dir = tmp_path / "run"
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(run_dir)],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = run_dir / "results.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and (not log.exists() or len(log.read_text().splitlines()) < 2):
        time.sleep(0.2)
    os.killpg(driver.pid, signal.SIGKILL)  # the driver and the local Ray it started die mid-search
    driver.wait()
    before = results.load(run_dir)
    assert 2 <= len(before) < 7
    run_search(tiny_setup(run_dir, budget=6, references=("mobilenet_v2",)), resume=True, out=lambda line: None)
    after = results.load(run_dir)
    assert len(after) == 7 and after["trial_id"].is_unique and after["arch_key"].is_unique
    assert after.head(len(before)).equals(before)  # nothing finished before was lost or re-run
    with pytest.raises(ValueError, match="already holds results"):
        run_search(tiny_setup(run_dir, budget=6))


def test_two_node_cluster_runs_trials_on_both_nodes(tmp_path):
    """`ray start --head` and `ray start --address` on 127.0.0.1 with token authentication, as
    docs/clusters.md's recipe: the driver attaches with the cluster's RAY_AUTH_MODE and RAY_AUTH_TOKEN."""
    cluster = Cluster(nodes=2, cpus=1, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        search = subprocess.run(
            [sys.executable, "-m", "nasx", "search", "budget=6", "data.resolution=8", "proxy.width_mult=0.125",
             "proxy.depth_mult=0.25", "train.epochs=1", "train.batch_size=128", "resources.cpus_per_trial=1",
             "resources.max_concurrent=2", f"cluster.address={cluster.address}", f"run_dir={tmp_path / 'run'}"],
            cwd=ROOT, env=cluster.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        cluster.stop()
    assert search.returncode == 0 and search.stderr == "", search.stderr
    frame = results.load(tmp_path / "run")
    assert len(frame) == 6 and (frame["status"] == "ok").all()
    assert frame["node"].nunique() == 2


def test_run_trials_applies_each_trials_seed_and_protocol_and_resumes(local_ray, tmp_path):
    import nasx
    from nasx.search.configs import proxy_spec, trial_config
    from nasx.search.driver import run_trials

    setup = tiny_setup(tmp_path / "run")
    full = nasx.families.get("mobilenet_v2")
    trained = proxy_spec(setup, full, resolution=8, num_classes=10, channels=3)
    configs = [
        trial_config(
            f"c-mv2@s{s}",
            full,
            trained,
            family="mobilenet_v2",
            seed=s,
            stage="confirm",
            rung="epochs=2",
            train={"epochs": 2},
        )
        for s in (0, 1)
    ]
    lines = []
    run_dir = run_trials(setup, configs, out=lines.append, title="confirm")
    frame = results.load(run_dir).set_index("trial_id")
    assert sorted(frame.index) == ["c-mv2@s0", "c-mv2@s1"]
    assert (frame["status"] == "ok").all() and (frame["epochs"] == 2).all()
    assert frame.loc["c-mv2@s1", "seed"] == 1 and (frame["stage"] == "confirm").all()
    assert frame.loc["c-mv2@s0", "config_hash"] != frame.loc["c-mv2@s1", "config_hash"]
    assert lines[0].startswith("confirm: 2 trials (0 already done)")
    again = []
    run_trials(setup, configs, out=again.append, title="confirm")
    assert again[0].startswith("confirm: 2 trials (2 already done)") and len(results.load(run_dir)) == 2


def test_a_search_scored_by_a_supernet_through_the_command_line(local_ray, tmp_path):
    """`nasx search evaluator=supernet supernet.run=DIR` on Ray: every row scored from that supernet; then
    `nasx confirm RUN init=inherited`: the confirmed networks fine-tuned from its weights."""
    from nasx.cli.compose import compose
    from nasx.cli.convert import search_setup
    from nasx.cli.main import main
    from nasx.supernet import store

    overrides = ["experiment=effnet_b0_search", "smoke=true", "budget=3"]
    setup = search_setup(compose("search", overrides + [f"run_dir={tmp_path / 'unused'}"]))
    supernet_dir = store.initial(tmp_path / "supernet", setup)
    run_dir = tmp_path / "run"
    assert main(["search", *overrides, "evaluator=supernet", f"supernet.run={supernet_dir}", f"run_dir={run_dir}"]) == 0
    frame = results.load(run_dir)
    searched = frame[frame["family"] == ""]
    assert len(searched) == 3 and set(searched["status"]) == {"ok"}
    assert set(frame["evaluator"]) == {"supernet"} and set(frame["supernet_sha256"]) == {store.sha256(supernet_dir)}

    # then `nasx confirm RUN init=inherited` on Ray: the best network and the family fine-tuned from the supernet
    assert main(["confirm", str(run_dir), "init=inherited", "top_k=1", "seeds=1"]) == 0
    confirm = results.load(run_dir).query("stage == 'confirm'")
    assert len(confirm) == 2 and "confirm-ref-efficientnet_b0" in set(confirm["trial_id"])
    assert set(confirm["status"]) == {"ok"} and set(confirm["init"]) == {"inherited"}
    assert set(confirm["evaluator"]) == {"train"} and set(confirm["supernet_sha256"]) == {store.sha256(supernet_dir)}
