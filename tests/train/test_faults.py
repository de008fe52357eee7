"""Faults injected on purpose and the per-trial timeout."""

import os
import subprocess
import sys
import threading
import time

import pytest

from nasx import results
from nasx.arch.codec import decode
from nasx.build import build_model
from nasx.data import DataSpec
from nasx.evaluation import evaluate_candidate
from nasx.reward import Objective
from nasx.train import faults
from nasx.train.deadline import TrialTimeout, deadline
from nasx.train.loop import train_and_eval
from nasx.train.spec import TrainSpec
from tests.helpers.paths import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _row(trial_id, **kw):
    return {**results.empty_row(), "trial_id": trial_id, "status": "ok", **kw}


# --- faults on purpose and the per-trial timeout --------------------------------------------------


def test_fault_settings_parse_and_select_trials():
    assert faults.parse("") == ()
    assert faults.parse("nan@2, raise@1:s0003+s0007") == (
        faults.Fault("nan", 2),
        faults.Fault("raise", 1, ("s0003", "s0007")),
    )
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
    record = evaluate_candidate(
        SPEC, digits, TrainSpec(epochs=2, fault="hang@1", timeout_s=1.0, threads=1), Objective()
    )
    assert record.status == "failed" and record.error == "timed out after 1 s (train.timeout_s=1)"
    assert 1.0 <= record.wall_s < 30


def test_a_deadline_that_does_not_expire_changes_nothing():
    with deadline(5.0):
        value = sum(range(1000))
    time.sleep(0.1)
    assert value == 499500
    # nasx.train.deadline arms a threading.Timer: leaving the block must cancel it, so that nothing is
    # raised once its time has passed outside the block and its thread is gone
    before = set(threading.enumerate())
    with deadline(0.3):
        timers = [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t not in before]
        value = sum(range(1000))
    assert len(timers) == 1
    assert timers[0].finished.is_set()  # cancelled as the block ended, well before its 0.3 s
    time.sleep(0.6)  # a TrialTimeout delivered late would be raised here
    assert value == 499500
    assert not timers[0].is_alive()
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t not in before]
    with pytest.raises(TrialTimeout, match=r"timed out after 0\.2 s"):
        with deadline(0.2):
            faults.fire(faults.Fault("hang", 1), 1)
