"""`FrontHalving`'s answers to Tune, on a stand-in for Tune's controller: pause, unpause, stop, close."""

from types import SimpleNamespace

from ray.tune.experiment import Trial
from ray.tune.schedulers import TrialScheduler

from nasx.ranking.cohorts import Cohorts
from nasx.ray.front_halving import FrontHalving


class _Controller:
    """What the scheduler calls on Tune's controller: its trials, and stop_trial (here: the trial ends)."""

    def __init__(self, scheduler, trials) -> None:
        self.scheduler, self.trials, self.stopped = scheduler, trials, []

    def get_trials(self):
        return self.trials

    def stop_trial(self, trial) -> None:
        self.stopped.append(trial.config["trial_id"])
        trial.status = Trial.TERMINATED
        self.scheduler.on_trial_remove(self, trial)


def _trial(trial_id):
    return SimpleNamespace(config={"trial_id": trial_id, "family": ""}, status=Trial.RUNNING, is_saving=False)


def _setup(size, *ids):
    scheduler = FrontHalving(Cohorts((1,), eta=2, size=size))
    trials = [_trial(t) for t in ids]
    controller = _Controller(scheduler, trials)
    for trial in trials:
        scheduler.on_trial_add(controller, trial)
    return scheduler, controller, trials


def _rung(val_top1, macs):
    return {"epoch": 1, "val_top1": val_top1, "costs": [macs]}


def test_the_first_to_arrive_pauses_and_resumes_when_it_is_kept():
    scheduler, controller, (a, b) = _setup(2, "a", "b")
    assert scheduler.on_trial_result(controller, a, _rung(0.9, 10)) == TrialScheduler.PAUSE
    a.status = Trial.PAUSED
    assert scheduler.choose_trial_to_run(controller) is None  # not decided yet
    assert scheduler.on_trial_result(controller, b, _rung(0.5, 20)) == TrialScheduler.STOP
    assert scheduler.stop_columns("b") == {
        "stopped_at_rung": 1,
        "stop_reason": "front 2 of 2, position 2 of 2 at epoch 1; the first 1 continue",
    }
    assert scheduler.choose_trial_to_run(controller) is a
    assert scheduler.choose_trial_to_run(controller) is a  # idempotent until it runs again
    a.status = Trial.RUNNING
    assert scheduler.on_trial_result(controller, a, {"epoch": 2, "val_top1": 0.9, "costs": [10]}) == "CONTINUE"
    assert scheduler.choose_trial_to_run(controller) is None and controller.stopped == []


def test_a_paused_trial_ranked_out_is_stopped_and_keeps_its_rung_report():
    scheduler, controller, (a, b) = _setup(2, "a", "b")
    report = _rung(0.5, 20)
    assert scheduler.on_trial_result(controller, a, report) == TrialScheduler.PAUSE
    a.status = Trial.PAUSED
    assert scheduler.on_trial_result(controller, b, _rung(0.9, 10)) == TrialScheduler.CONTINUE
    assert controller.stopped == ["a"]
    assert scheduler.last_result("a") == report
    assert scheduler.stop_columns("a")["stopped_at_rung"] == 1 and scheduler.last_result("a") is None


def test_closing_decides_an_incomplete_cohort_at_the_next_choice():
    scheduler, controller, (a,) = _setup(4, "a")
    assert scheduler.on_trial_result(controller, a, _rung(0.9, 10)) == TrialScheduler.PAUSE
    a.status = Trial.PAUSED
    assert scheduler.waiting() == 1
    scheduler.close()
    assert scheduler.choose_trial_to_run(controller) is a and scheduler.waiting() == 0
