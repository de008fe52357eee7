"""MOASHA's decisions on a scripted sequence of reports (Ray's TrialScheduler API, fake trials)."""

from types import SimpleNamespace

from ray.tune.schedulers import TrialScheduler

from nasx.ray.mo_scheduler import MOASHA

GO, STOP = TrialScheduler.CONTINUE, TrialScheduler.STOP


def _report(scheduler, trial_id, epoch, val, costs):
    trial = SimpleNamespace(config={"trial_id": trial_id})
    return scheduler.on_trial_result(None, trial, {"epoch": epoch, "val_top1": val, "costs": costs})


def test_scripted_reports_at_two_rungs():
    s = MOASHA(rungs=(1, 2), eta=2)
    # rung 1, in arrival order (points (-acc, macs)):
    # t0 (-0.5, 100): alone -> continues
    assert _report(s, "t0", 1, 0.5, [100]) == GO
    # t1 (-0.4, 200): dominated by t0; n = 2, ceil(2/2) = 1 continues; t1 is second -> stops
    assert _report(s, "t1", 1, 0.4, [200]) == STOP
    # t2 (-0.6, 50): dominates t0 and t1; first of 3, ceil(3/2) = 2 -> continues
    assert _report(s, "t2", 1, 0.6, [50]) == GO
    # t3 (-0.3, 10): front 0 with t2 (cheaper, less accurate); order: t2 (best acc), t3; 4 points keep 2 -> continues
    assert _report(s, "t3", 1, 0.3, [10]) == GO
    # epochs that are not rungs, and the final report, always pass
    assert s.on_trial_result(None, SimpleNamespace(config={"trial_id": "t0"}), {"epoch": 3, "val_top1": 0.1}) == GO
    final = {"epoch": 1, "val_top1": 0.0, "costs": [1e9], "row": "{}"}
    assert s.on_trial_result(None, SimpleNamespace(config={"trial_id": "t9"}), final) == GO
    # rung 2: t2 first alone, then t0 (-0.55, 100) dominated by t2 (-0.7, 50): 2 points keep 1 -> t0 stops
    assert _report(s, "t2", 2, 0.7, [50]) == GO
    assert _report(s, "t0", 2, 0.55, [100]) == STOP
    assert s.stop_columns("t1") == {
        "stopped_at_rung": 1,
        "stop_reason": "front 2 of 2, position 2 of 2 at epoch 1; the first 1 continue",
    }
    assert s.stop_columns("t0")["stopped_at_rung"] == 2
    assert s.stop_columns("t2") == {}  # never stopped
    assert s.stop_columns("t1") == {}  # handed out once


def test_records_replayed_from_a_resumed_run_rank_new_reports():
    # rung 1 already holds two points from the rows: (-0.9, 10) dominates every point below
    s = MOASHA(rungs=(1,), eta=2, records={1: {"old0": (-0.9, 10.0), "old1": (-0.8, 20.0)}})
    # t0 (-0.5, 100): dominated by both, third of 3, ceil(3/2) = 2 -> stops (without the records it would continue)
    assert _report(s, "t0", 1, 0.5, [100]) == STOP
    assert MOASHA(rungs=(1,), eta=2).on_result("t0", {"epoch": 1, "val_top1": 0.5, "costs": [100]}) == GO


def test_a_report_without_an_accuracy_passes_unranked():
    # eval_every > 1: no val/top1 at the rung; nothing to rank it by, and it is not recorded
    s = MOASHA(rungs=(1,), eta=2, records={1: {"old0": (-0.9, 10.0)}})
    assert _report(s, "t0", 1, float("nan"), [100]) == GO
    assert set(s.records[1]) == {"old0"}
