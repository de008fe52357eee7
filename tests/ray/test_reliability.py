"""Reliability on a real local Ray: a torn log resumed, two writers on one run directory, no orphans
after SIGKILLs of the driver, and faults injected on purpose (each recorded, the budget reached)."""

import json
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest

from nasx import results, search_spaces
from nasx.ray import reaper
from nasx.results import store
from nasx.search.driver import run_search
from nasx.search.evaluators.train import FAULTS_DIR
from tests.helpers.paths import ROOT
from tests.helpers.search_setups import tiny_setup

pytestmark = pytest.mark.slow
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"}


@pytest.fixture(autouse=True)
def no_ray_yet():
    import ray

    if ray.is_initialized():  # each search here starts and stops its own local Ray
        ray.shutdown()


def temp_roots(driver_pid: int) -> list[str]:
    """Ray temp roots named in the command lines of that session's processes (read while they live)."""
    roots = set()
    for pid in reaper.driver_pids(driver_pid):
        try:
            cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        roots.update(re.findall(r"(/[^\s\0=]*?/nasx-ray-[A-Za-z0-9_]+)", cmdline))
    return sorted(roots)


def test_a_torn_tail_is_cut_on_resume_and_the_budget_holds(tmp_path):
    run_dir = tmp_path / "run"
    run_search(tiny_setup(run_dir, budget=2), out=lambda line: None)
    before = results.load(run_dir)
    with open(run_dir / store.LOG, "a") as f:
        f.write('{"trial_id": "s0009", "status": "o')  # a crash inside the write
    lines = []
    run_search(tiny_setup(run_dir, budget=4), resume=True, out=lines.append)
    after = results.load(run_dir)
    assert len(after) == 4 and after["trial_id"].is_unique and sorted(after["order"]) == [0, 1, 2, 3]
    assert after.head(2).equals(before)
    assert sum("removed an incomplete last line" in line for line in lines) == 1
    kept = list(run_dir.glob(store.TORN + "*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"trial_id": "s0009", "status": "o'


def test_two_searches_on_one_run_dir_one_refuses_with_the_holders_pid(tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "nasx", "search", "smoke=true", "budget=2", "references=[]", f"run_dir={run_dir}"]
    first = subprocess.Popen(command, cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (run_dir / "writer.lock").is_file():
        time.sleep(0.1)
    time.sleep(1.0)
    second = subprocess.run(command, cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert second.returncode == 2 and second.stdout == ""
    assert (
        second.stderr == f"nasx search: error: run_dir={run_dir} is in use by pid {first.pid} (a search, resume "
        "or confirm writing there); wait for it to end or choose another run_dir\n"
    )
    frame = results.load(run_dir)
    assert len(frame) == 2 and frame["trial_id"].is_unique and sorted(frame["order"]) == [0, 1]


DRIVER = textwrap.dedent("""
    import sys
    from tests.helpers.search_setups import tiny_setup
    from nasx.search.driver import run_search
    run_search(tiny_setup(sys.argv[1], budget=int(sys.argv[2])), resume=True, out=lambda line: None)
""")


def test_no_ray_process_outlives_a_killed_driver(tmp_path):
    run_dir, rng, kills = tmp_path / "run", random.Random(13), 0
    for _ in range(5):
        driver = subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(run_dir), "6"],
            cwd=ROOT,
            env=ENV,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and len(reaper.driver_pids(driver.pid)) < 4:
            time.sleep(0.2)  # Ray's GCS, raylet and agents are up
        time.sleep(rng.uniform(0.5, 4.0))
        alive, roots = reaper.driver_pids(driver.pid), temp_roots(driver.pid)
        assert alive and roots and all(Path(r).is_dir() for r in roots)
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
        kills += 1
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (reaper.driver_pids(driver.pid) or any(Path(r).exists() for r in roots)):
            time.sleep(0.2)
        assert reaper.driver_pids(driver.pid) == [], f"Ray processes of the killed driver alive 15 s after kill {kills}"
        assert not any(Path(r).exists() for r in roots)  # and its Ray temp root is gone
    assert kills == 5
    run_search(tiny_setup(run_dir, budget=6), resume=True, out=lambda line: None)
    frame = results.load(run_dir)
    assert len(frame) == 6 and frame["trial_id"].is_unique and frame["arch_key"].is_unique


def test_injected_faults_are_recorded_and_the_search_reaches_its_budget(tmp_path):
    run_dir = tmp_path / "run"
    setup = tiny_setup(run_dir, budget=6)
    fault = "nan@1:s0000,raise@1:s0001,exit@1:s0002,hang@1:s0003"
    setup = replace(setup, train=replace(setup.train, epochs=2, fault=fault, timeout_s=20.0))
    run_search(setup, out=lambda line: None)
    frame = results.load(run_dir).set_index("trial_id")
    assert len(frame) == 6 and frame.index.is_unique
    assert frame.loc["s0000", "status"] == "failed" and frame.loc["s0000", "error"].endswith("(injected fault nan@1)")
    assert (
        frame.loc["s0001", "status"] == "failed"
        and frame.loc["s0001", "error"] == "InjectedFault: injected fault raise@1"
    )
    assert frame.loc["s0002", "status"] == "ok"
    assert frame.loc["s0002", "error"] == "injected fault exit@1 killed the worker; retried"
    assert frame.loc["s0002", "retries"] == 1 and frame.loc["s0002", "redone_s"] > 0
    assert (frame.drop(index="s0002")["retries"] == 0).all() and (frame.drop(index="s0002")["redone_s"] == 0).all()
    assert (run_dir / "ray.log").is_file()
    assert frame.loc["s0003", "status"] == "failed"
    assert frame.loc["s0003", "error"] == "timed out after 20 s (train.timeout_s=20)"
    assert (frame.drop(index=["s0000", "s0001", "s0002", "s0003"])["status"] == "ok").all()
    fired = sorted(p.name for p in (run_dir / FAULTS_DIR).iterdir())
    assert fired == ["s0000.nan", "s0001.raise", "s0002.exit", "s0003.hang"]
    assert json.loads(frame.loc["s0004", "choices"]) is not None
    mnasnet = {p.name for p in search_spaces.get("mnasnet").parameters()}  # tiny_setup's space
    assert len(mnasnet) == 43  # 6 choices for each of the 7 blocks, and act
    assert set(json.loads(frame.loc["s0004", "choices"])) == mnasnet
