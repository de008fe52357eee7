"""A Pareto search on a real local Ray with search.scheduler=front_halving: trials paused at the rung, the cohort
decided, the survivors resumed from their checkpoints exactly, the others stopped with the reason in their rows."""

import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from nasx import results
from nasx.ray.executor import _front_halving
from nasx.reward import Objective
from nasx.search.driver import run_search
from nasx.search.evaluators.train import train
from nasx.search.setup import SearcherSpec
from tests.helpers.search_setups import tiny_setup

pytestmark = pytest.mark.slow


class _Marking:
    """The train evaluator, leaving a file per start of a trial on its worker: fresh, or resumed at an epoch."""

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)

    def __call__(self, config, data, setup, report):
        state = config.get("resume_state")
        how = f"resumed-at-{state['epoch']}" if state else "fresh"
        Path(self.folder, f"{config['trial_id']}.{how}.{uuid.uuid4().hex}").touch()
        return train(config, data, setup, report)


def _setup(run_dir, scheduler):
    base = tiny_setup(run_dir)
    return tiny_setup(
        run_dir,
        budget=5,
        searcher=SearcherSpec("random", scheduler=scheduler, reduction_factor=2, cohort=4 if scheduler else None),
        objective=Objective(mode="multi", metric="macs", scale="full"),
        train=replace(base.train, epochs=2),
    )


def test_front_halving_pauses_decides_each_cohort_and_resumes_exactly(local_ray, tmp_path):
    setup = _setup(tmp_path / "halved", "front_halving")
    marks = tmp_path / "marks"
    marks.mkdir()
    run_dir = run_search(setup, evaluator=_Marking(marks), out=lambda line: None)
    frame = results.load(run_dir).set_index("trial_id")
    assert len(frame) == 5 and set(frame["status"]) == {"ok", "pruned"}
    pruned, ok = frame[frame["status"] == "pruned"], frame[frame["status"] == "ok"]
    # cohorts in start order: 4 trials (2 of 4 continue past epoch 1), then the budget's last trial alone,
    # decided once no more trials could join (1 of 1 continues)
    assert len(pruned) == 2 and len(ok) == 3
    assert (pruned["stopped_at_rung"] == 1).all() and (pruned["epochs"] == 1).all()
    assert (
        pruned["stop_reason"].str.match(r"^front \d of \d, position [34] of 4 at epoch 1; the first 2 continue$").all()
    )
    assert pruned["error"].str.startswith("stopped early by front halving: front ").all()
    assert ok["stopped_at_rung"].isna().all() and (ok["epochs"] == 2).all()

    # each trial started fresh once; three of the first cohort waited at the rung, so at least one of its two
    # survivors was paused and started again from its checkpoint at epoch 1 (the last trial too, when it reached
    # the rung before the search saw that no more trials would join it); the stopped ones never started again
    starts = [p.name.rsplit(".", 1)[0] for p in marks.iterdir()]
    assert sorted(s for s in starts if s.endswith(".fresh")) == sorted(f"{t}.fresh" for t in frame.index)
    resumed = [s.split(".")[0] for s in starts if not s.endswith(".fresh")]
    assert 1 <= len(resumed) <= 3 and len(set(resumed)) == len(resumed)
    assert set(resumed) <= set(ok.index) and all(s.endswith(".resumed-at-1") for s in starts if "resumed" in s)

    # the survivors' curves: each epoch once, to the last
    curves = results.curves.load(run_dir)
    for trial_id in ok.index:
        assert list(curves[curves["trial_id"] == trial_id]["epoch"]) == [1, 2]
    for trial_id in pruned.index:
        assert list(curves[curves["trial_id"] == trial_id]["epoch"]) == [1]

    # the same trials trained without a pause end with the same numbers, to the bit
    plain_dir = run_search(_setup(tmp_path / "plain", None), out=lambda line: None)
    plain = results.load(plain_dir).set_index("trial_id")
    plain_curves = results.curves.load(plain_dir)
    assert set(plain.index) == set(frame.index)
    for trial_id in ok.index:
        assert ok.loc[trial_id, "val/top1"] == plain.loc[trial_id, "val/top1"]
        assert ok.loc[trial_id, "test/top1"] == plain.loc[trial_id, "test/top1"]
        mine = curves[curves["trial_id"] == trial_id][["epoch", "val/top1", "train/loss"]].reset_index(drop=True)
        theirs = plain_curves[plain_curves["trial_id"] == trial_id][["epoch", "val/top1", "train/loss"]]
        assert mine.equals(theirs.reset_index(drop=True)), trial_id

    # a resume replays the recorded trials into the first cohorts, each with its point at the rung
    scheduler = _front_halving(setup, run_dir)
    cohorts = scheduler.cohorts
    assert cohorts.size == 4 and cohorts.rungs == (1,)
    assert sum(len(m) for m in cohorts.members) == 5 and cohorts.ended == set(frame.index)
