"""The Ray a run uses: an existing cluster at `cluster.address`, or a local Ray started for the run alone."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import uuid
from typing import Any

from nasx.ray import reaper

# Tune's defaults nasx does not want: its own CSV/JSON/TensorBoard loggers per trial (nasx writes the run's
# records), its new console output, and a warning about syncing experiment checkpoints
ENVIRONMENT = {
    "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1",
    "RAY_AIR_NEW_OUTPUT": "0",
    "TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S": "0",
}

# Ray's driver-side loggers, quieter during a run (`log.quieter`) and as they were after it
RAY_QUIET = {"ray": logging.ERROR, "ray.tune.analysis.experiment_analysis": logging.ERROR}


def set_environment() -> None:
    """Tune's settings for nasx (`ENVIRONMENT`), unless the user set them; before Ray starts."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)


class LocalRay:
    """A local Ray started by nasx for one run: its own temp root, and a reaper process (see
    nasx.ray.reaper) that stops it and removes the temp root when the driver ends, even by SIGKILL."""

    def __init__(self, num_cpus: int | None, num_gpus: int | None, **kwargs) -> None:
        import ray

        self.temp_root = tempfile.mkdtemp(prefix="nasx-ray-")  # short: Ray's socket paths live below it
        self.token = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        env = {k: v for k, v in os.environ.items() if k != reaper.OWNER_ENV}
        self.reaper = subprocess.Popen(
            [sys.executable, "-m", "nasx.ray.reaper", self.token, self.temp_root],
            stdin=subprocess.PIPE,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.environ[reaper.OWNER_ENV] = self.token  # inherited by every process of this Ray session
        try:
            ray.init(address="local", num_cpus=num_cpus, num_gpus=num_gpus, _temp_dir=self.temp_root, **kwargs)
        except BaseException:
            self.stop()
            raise
        finally:
            os.environ.pop(reaper.OWNER_ENV, None)

    def stop(self) -> None:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        if self.reaper.stdin is not None:  # a pipe (stdin=PIPE)
            self.reaper.stdin.close()  # end of file: the reaper stops what is left and removes the temp root
        try:
            self.reaper.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass


def connect(address: str | None, num_cpus: int | None, num_gpus: int | None) -> LocalRay | bool:
    """Connect to `address`, or start a LocalRay (returned, for `stop`); False if Ray was already up."""
    import ray

    set_environment()
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = dict(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    if address:
        ray.init(address=address, **kwargs)  # an existing cluster: nasx never stops it
        return True
    return LocalRay(num_cpus, num_gpus, **kwargs)


def disconnect(started: LocalRay | bool) -> None:
    """Undo `connect`: stop a LocalRay, leave a cluster (never stopping it), or nothing."""
    if isinstance(started, LocalRay):
        started.stop()
    elif started:
        import ray

        ray.shutdown()
