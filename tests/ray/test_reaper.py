"""The reaper of a local Ray: only the processes of its token, and its temp root."""

import os
import signal
import subprocess
import sys
import time

from nasx import results
from nasx.ray import reaper
from tests.helpers.paths import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _row(trial_id, **kw):
    return {**results.empty_row(), "trial_id": trial_id, "status": "ok", **kw}


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
