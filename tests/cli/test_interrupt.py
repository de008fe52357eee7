"""Ctrl-C (SIGINT) ends every command in one line on stderr, exit code 130, no traceback; a run's results stay
readable. Each command is stopped at a blocking point: a trial that hangs (`train.fault=hang@1`)."""

import os
import signal
import subprocess
import sys
import time

import pytest

from nasx import results
from nasx.cli.main import INTERRUPTED
from tests.helpers.paths import ROOT


def _default_sigint() -> None:
    """In the child before it starts: SIGINT as a terminal delivers it, whatever the test process inherited or
    set (an ignored SIGINT is inherited across exec, and Python then installs no KeyboardInterrupt handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupted(argv: list[str], cwd, ready: str) -> tuple[int, str]:
    """Run `nasx argv`, send SIGINT once a line holding `ready` is printed (and a moment later, so that the
    command is blocked), return (exit code, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nasx", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
        preexec_fn=_default_sigint,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if ready in line:
                break
        else:
            raise AssertionError(f"never printed {ready!r}: {proc.communicate()[1]}")
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err


def test_ctrl_c_ends_nasx_train_in_one_line(tmp_path):
    code, err = _interrupted(["train", "resnet18", "train.fault=hang@1"], tmp_path, "params")
    assert (code, err) == (INTERRUPTED, "nasx train: interrupted\n")


@pytest.mark.slow
def test_ctrl_c_ends_a_search_and_its_confirmation_in_one_line(tmp_path):
    run_dir = tmp_path / "run"
    finished = subprocess.run(
        [sys.executable, "-m", "nasx", "search", "smoke=true", f"run_dir={run_dir}"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    rows = len(results.load(run_dir))

    code, err = _interrupted(
        ["confirm", str(run_dir), "top_k=1", "seeds=1", "train.fault=hang@1"], tmp_path, "trials ("
    )
    assert (code, err) == (INTERRUPTED, "nasx confirm: interrupted\n")
    assert len(results.load(run_dir)) == rows  # the search's rows are all there, readable

    code, err = _interrupted(
        ["search", "smoke=true", f"run_dir={tmp_path / 'hung'}", "train.fault=hang@1"], tmp_path, "results:"
    )
    assert (code, err) == (INTERRUPTED, "nasx search: interrupted\n")
