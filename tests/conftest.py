import json
from pathlib import Path

import pytest
import torch

# one thread: small CPU ops run fastest and results stay bit-stable on a shared 2-core machine
torch.set_num_threads(1)

GOLDEN = json.loads((Path(__file__).parent / "golden" / "families.json").read_text())


@pytest.fixture(scope="session", autouse=True)
def latency_cache(tmp_path_factory):
    """Latencies measured by the tests are cached apart from the user's (`$NASX_CACHE_DIR`), for subprocesses too."""
    import os

    previous = os.environ.get("NASX_CACHE_DIR")
    os.environ["NASX_CACHE_DIR"] = str(tmp_path_factory.mktemp("latency-cache"))
    yield
    if previous is None:
        os.environ.pop("NASX_CACHE_DIR")
    else:
        os.environ["NASX_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def golden() -> dict:
    return GOLDEN


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for a test module (2 CPUs, no dashboard), shut down after it."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()
