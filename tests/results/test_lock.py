"""One writer per run directory: a second writer is refused, before anything is written."""

import os
import signal
import subprocess
import sys

import pytest

from nasx import results
from nasx.results.lock import writer_lock
from tests.helpers.paths import ROOT
from tests.helpers.search_setups import tiny_setup

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _row(trial_id, **kw):
    return {**results.empty_row(), "trial_id": trial_id, "status": "ok", **kw}


# --- one writer per run directory -----------------------------------------------------------------

HOLD = (
    "import sys, time\nfrom nasx.results.lock import writer_lock\nwith writer_lock(sys.argv[1]):\n"
    "    print('held', flush=True)\n    time.sleep(60)\n"
)


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT
    )
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


def test_a_block_of_the_holding_process_may_take_it_again(tmp_path):
    with writer_lock(tmp_path):
        with writer_lock(tmp_path, again=True):
            assert (tmp_path / "writer.lock").read_text().strip() == str(os.getpid())
        with pytest.raises(ValueError, match=f"in use by pid {os.getpid()}"):  # still held by the outer block
            with writer_lock(tmp_path):
                pass
    with writer_lock(tmp_path, again=True):  # released: taken afresh
        pass


def test_an_unwritable_run_dir_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"^run_dir=/sys/nasx-run: cannot write there"):
        with writer_lock("/sys/nasx-run"):
            pass
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match=r"cannot write there"):
        with writer_lock(tmp_path / "file" / "run"):
            pass


def test_a_list_of_trials_takes_the_same_lock_before_ray(tmp_path, monkeypatch):
    from nasx.ray import session
    from nasx.search import driver

    monkeypatch.setattr(session, "connect", lambda *args: pytest.fail("Ray was started"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ValueError, match=rf"is in use by pid {holder.pid} "):
            driver.run_trials(tiny_setup(tmp_path), [], out=lambda line: None)
    finally:
        holder.kill()
        holder.wait()
