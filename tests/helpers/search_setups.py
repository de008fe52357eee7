"""Small search setups for tests: digits at 8x8 or 16x16, one-epoch trials of tiny networks."""

from dataclasses import replace

from nasx.data import DataSpec
from nasx.reward import Objective
from nasx.search.setup import ProxySpec, Resources, SearcherSpec, SearchSetup, SpaceSpec
from nasx.train.spec import TrainSpec


def tiny_setup(run_dir, **changes) -> SearchSetup:
    setup = SearchSetup(
        name="test",
        space=SpaceSpec("mnasnet"),
        searcher=SearcherSpec("random"),
        data=DataSpec(resolution=8),
        train=TrainSpec(epochs=1, batch_size=128, threads=1),
        objective=Objective(),
        proxy=ProxySpec(width_mult=0.125, depth_mult=0.25),
        resources=Resources(num_cpus=2, max_concurrent=2),
        budget=4,
        seed=0,
        references=(),
        run_dir=str(run_dir),
        config={"name": "test"},
    )
    return replace(setup, **changes)
