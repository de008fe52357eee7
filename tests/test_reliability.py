"""Reliability without Ray: torn log tails, one writer per run directory, views never torn, the budget
kept when views fail, bounded cost counting, injected faults, the per-trial timeout, the Ray reaper."""
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from nasx import results
from nasx.arch.codec import decode
from nasx.build import build_model
from nasx.complexity import complexity
from nasx.data import DataSpec
from nasx.reward import Objective
from nasx.results import store
from nasx.results.lock import writer_lock
from nasx.ray import reaper
from nasx.search import searchers
from nasx.search.plan import FINISHED, DataShape, Plan
from nasx.train import faults
from nasx.train.deadline import TrialTimeout, deadline
from nasx.train.loop import train_and_eval
from nasx.train.spec import TrainSpec
from nasx.evaluation import evaluate_candidate
from tests.search_setups import tiny_setup

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _row(trial_id, **kw):
    return {**results.empty_row(), "trial_id": trial_id, "status": "ok", **kw}


# --- torn tails -----------------------------------------------------------------------------------

def test_repair_cuts_a_torn_tail_keeps_the_fragment_and_says_so(tmp_path):
    results.append(tmp_path, _row("a"))
    good = (tmp_path / store.LOG).read_bytes()
    with open(tmp_path / store.LOG, "ab") as f:
        f.write(b'{"trial_id": "b", "sta')
    message = store.repair_tail(tmp_path)
    assert (tmp_path / store.LOG).read_bytes() == good
    kept = list(tmp_path.glob(store.TORN + "*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b'{"trial_id": "b", "sta'
    assert message.count("\n") == 0 and "removed an incomplete last line of 22 bytes" in message
    assert kept[0].name in message
    assert store.repair_tail(tmp_path) is None  # a clean log is left alone


def test_a_whole_last_row_missing_only_its_newline_is_kept(tmp_path):
    results.append(tmp_path, _row("a"))
    with open(tmp_path / store.LOG, "a") as f:
        f.write(json.dumps(_row("b")))
    assert store.repair_tail(tmp_path) is None
    assert results.load(tmp_path)["trial_id"].tolist() == ["a", "b"]
    assert not list(tmp_path.glob(store.TORN + "*"))


def test_every_append_starts_on_a_fresh_line(tmp_path):
    results.append(tmp_path, _row("a"))
    with open(tmp_path / store.LOG, "a") as f:
        f.write('{"trial_id": "torn')
    results.append(tmp_path, _row("c"), refresh_views=False)
    lines = (tmp_path / store.LOG).read_text().splitlines()
    assert len(lines) == 3 and lines[1] == '{"trial_id": "torn' and json.loads(lines[2])["trial_id"] == "c"
    with pytest.raises(ValueError, match=r"results\.jsonl: line 2 is not a JSON object"):
        results.load(tmp_path)  # the fragment is not glued to the row: it is named, the row survives


def test_analyze_skips_a_torn_last_line_without_changing_the_file(tmp_path):
    results.append(tmp_path, _row("a"))
    with open(tmp_path / store.LOG, "a") as f:
        f.write('{"trial_id": "b"')
    before = (tmp_path / store.LOG).read_bytes()
    assert results.load(tmp_path)["trial_id"].tolist() == ["a"]
    assert (tmp_path / store.LOG).read_bytes() == before


def test_a_reader_never_sees_a_torn_view(tmp_path):
    results.append(tmp_path, _row("r0"))
    store.write_views(tmp_path)
    stop, seen, errors = threading.Event(), [], []

    def read():
        while not stop.is_set():
            try:
                # one open of a view sees one whole version of it (pyarrow given a path may reopen it)
                seen.append(len(pd.read_parquet(io.BytesIO((tmp_path / store.PARQUET).read_bytes()))))
                seen.append(len(pd.read_csv(tmp_path / store.CSV)))
                seen.append(len(results.load(tmp_path)))
            except Exception as exc:  # noqa: BLE001 - any failure to read is what this test looks for
                errors.append(repr(exc))

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(1, 40):
        results.append(tmp_path, _row(f"r{i}"))
        if i % 3 == 0:
            store.write_views(tmp_path)  # the compacted table and CSV, replaced while the reader reads them
    stop.set()
    reader.join()
    assert errors == [] and len(seen) > 10 and max(seen) <= 40
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


# --- one writer per run directory -----------------------------------------------------------------

HOLD = "import sys, time\nfrom nasx.results.lock import writer_lock\nwith writer_lock(sys.argv[1]):\n" \
       "    print('held', flush=True)\n    time.sleep(60)\n"


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              env=ENV, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ValueError, match=rf"^run_dir={tmp_path} is in use by pid {holder.pid} "):
            with writer_lock(tmp_path):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with writer_lock(tmp_path):  # SIGKILL left no stale lock
        assert (tmp_path / "writer.lock").read_text().strip() == str(os.getpid())


def test_the_lock_is_exclusive_within_one_process_too(tmp_path):
    with writer_lock(tmp_path):
        with pytest.raises(ValueError, match=f"in use by pid {os.getpid()}"):
            with writer_lock(tmp_path):
                pass


def test_an_unwritable_run_dir_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"^run_dir=/sys/nasx-run: cannot write there"):
        with writer_lock("/sys/nasx-run"):
            pass
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match=r"cannot write there"):
        with writer_lock(tmp_path / "file" / "run"):
            pass


# --- the budget is kept whatever happens to the views ---------------------------------------------

def _plan(run_dir, out, budget=4):
    setup = tiny_setup(run_dir, budget=budget)
    space = setup.space.make()
    searcher = searchers.get("random", space, seed=0, objectives=setup.objectives())
    return Plan(setup, space, searcher, DataShape(8, 10, 3), results.empty_frame(), out=out)


def test_a_failing_view_refresh_never_stops_counting_or_passes_the_budget(tmp_path, monkeypatch):
    def broken(run_dir):
        raise ValueError("line 12 is not a JSON object")
    monkeypatch.setattr(store, "update_views", broken)
    lines = []
    plan = _plan(tmp_path, lines.append, budget=4)
    launched = 0
    for _ in range(20):
        config = plan.next_config()
        if config == FINISHED:
            break
        launched += 1
        plan.complete(config["trial_id"], None, "worker lost")
    assert launched == 4 and plan.searched_done == 4
    assert len(store.read_log(tmp_path / store.LOG)) == 4
    warnings = [line for line in lines if line.startswith("warning: results.parquet/.csv not refreshed")]
    assert len(warnings) == 4 and "line 12 is not a JSON object" in warnings[0]


# --- bounded, exact counting ----------------------------------------------------------------------

@pytest.mark.parametrize("stage", ["ir_r{}_k3_s2_e6_c24_se0.25", "cn_r{}_k3_s1_c16_g4", "bot_r{}_s2_c32_b0.5_g4_se0.25",
                                   "vgg_r{}_c16", "fire_r{}_q8_x16"])
def test_repeats_cost_the_same_per_block_once_the_shape_settles(stage):
    def cost(r):
        return complexity(decode(f"res32_cls10|stem:cn_r1_k3_s1_c16|{stage.format(r)}|head:"))
    one, two, deep = cost(1), cost(2), cost(1000)
    for field in ("params", "macs", "activations"):
        step = getattr(two, field) - getattr(one, field)
        assert step > 0 and getattr(deep, field) == getattr(one, field) + 999 * step
    built = build_model(decode(f"res32_cls10|stem:cn_r1_k3_s1_c16|{stage.format(3)}|head:"))
    assert cost(3).params == sum(p.numel() for p in built.parameters())


def test_dense_block_cost_in_closed_form_matches_the_built_module():
    for r in (1, 2, 7):
        spec = decode(f"res16_cls10|stem:cn_r1_k3_s1_c16|dense_r{r}_gr12|head:bn")
        assert complexity(spec).params == sum(p.numel() for p in build_model(spec).parameters())
    deep = complexity(decode("res16_cls10|stem:cn_r1_k3_s1_c16|dense_r1024_gr12|head:bn"))
    assert deep.params == sum(p.numel() for p in build_model(
        decode("res16_cls10|stem:cn_r1_k3_s1_c16|dense_r1024_gr12|head:bn")).parameters())


# --- faults on purpose and the per-trial timeout --------------------------------------------------

def test_fault_settings_parse_and_select_trials():
    assert faults.parse("") == ()
    assert faults.parse("nan@2, raise@1:s0003+s0007") == (faults.Fault("nan", 2), faults.Fault("raise", 1, ("s0003", "s0007")))
    assert str(faults.for_trial("raise@1:s0003,exit@2", "s0003")) == "raise@1"
    assert str(faults.for_trial("raise@1:s0003,exit@2", "s0004")) == "exit@2"
    assert faults.for_trial("raise@1:s0003", None) is None
    with pytest.raises(ValueError, match=r"^train\.fault=melt@1: cannot read 'melt@1'"):
        TrainSpec(fault="melt@1")


@pytest.fixture(scope="module")
def digits():
    return DataSpec(resolution=8).load()


SPEC = "res8_cls10|stem:cn_r1_k3_s1_c8|ir_r1_k3_s1_c8|head:"


def test_nan_fault_fails_the_trial_naming_the_fault(digits):
    metrics = train_and_eval(build_model(decode(SPEC)), digits, TrainSpec(epochs=3, fault="nan@2", threads=1))
    assert metrics.status == "failed" and metrics.epochs == 1
    assert metrics.error.startswith("non-finite training loss") and metrics.error.endswith("(injected fault nan@2)")


def test_raise_fault_is_a_failed_trial_with_its_reason(digits):
    record = evaluate_candidate(SPEC, digits, TrainSpec(epochs=2, fault="raise@2", threads=1), Objective())
    assert record.status == "failed" and record.error == "InjectedFault: injected fault raise@2"


def test_exit_fault_ends_the_process():
    code = "from nasx.train import faults\nfaults.fire(faults.Fault('exit', 1), 1)\nprint('still here')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, cwd=ROOT)
    assert result.returncode == faults.EXIT_CODE and "still here" not in result.stdout


def test_a_hung_trial_is_stopped_by_its_timeout_and_recorded_failed(digits):
    record = evaluate_candidate(SPEC, digits, TrainSpec(epochs=2, fault="hang@1", timeout_s=1.0, threads=1), Objective())
    assert record.status == "failed" and record.error == "timed out after 1 s (train.timeout_s=1)"
    assert 1.0 <= record.wall_s < 30


def test_a_deadline_that_does_not_expire_changes_nothing():
    with deadline(5.0):
        value = sum(range(1000))
    time.sleep(0.1)
    assert value == 499500
    with pytest.raises(TrialTimeout, match=r"timed out after 0\.2 s"):
        with deadline(0.2):
            faults.fire(faults.Fault("hang", 1), 1)


# --- the reaper -----------------------------------------------------------------------------------

def test_reaper_stops_only_the_processes_of_its_token_and_removes_the_temp_root(tmp_path):
    token = f"test-{os.getpid()}-{time.monotonic_ns()}"
    sleeper = [sys.executable, "-c", "import time; time.sleep(120)"]
    mine = [subprocess.Popen(sleeper, env={**os.environ, reaper.OWNER_ENV: token}) for _ in range(2)]
    other = subprocess.Popen(sleeper, env={**os.environ, reaper.OWNER_ENV: token + "-other"})
    temp = tmp_path / "nasx-ray-x"
    (temp / "session_1" / "logs").mkdir(parents=True)
    try:
        time.sleep(0.3)
        assert sorted(reaper.owned_pids(token)) == sorted(p.pid for p in mine)
        assert reaper.reap(token, str(temp), grace_s=2.0) == 2
        for p in mine:
            assert p.wait(timeout=10) == -signal.SIGTERM
        assert other.poll() is None and not temp.exists()
    finally:
        for p in (*mine, other):
            p.kill()
            p.wait()


def test_a_list_of_trials_takes_the_same_lock_before_ray(tmp_path, monkeypatch):
    from nasx.ray import session
    from nasx.search import driver

    monkeypatch.setattr(session, "connect", lambda *args: pytest.fail("Ray was started"))
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              env=ENV, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ValueError, match=rf"is in use by pid {holder.pid} "):
            driver.run_trials(tiny_setup(tmp_path), [], out=lambda line: None)
    finally:
        holder.kill()
        holder.wait()
