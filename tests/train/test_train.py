"""The trainer: determinism for a seed, exact resume, divergence as a failed run, budget and schedule."""

import math

import pytest
import torch
from torch import nn

from nasx import build_model, data, decode
from nasx.train import Metrics, TrainSpec, lr_factor, param_groups, train_and_eval

ARCH = "res8_cls4|stem:cn_r1_k3_s1_c8|ir_r1_k3_s2_e2_c16_se0.25|head:c32_d0.1"


@pytest.fixture(scope="module")
def tiny():
    return data.load("synthetic", resolution=8, num_samples=240, num_classes=4, seed=0)


def fresh(seed=0):
    torch.manual_seed(seed)
    return build_model(decode(ARCH))


SPEC = TrainSpec(epochs=3, batch_size=32, lr=0.05, crop_pad=1, hflip=True, threads=1)


def without_wall(history):
    return [{k: v for k, v in h.items() if k != "wall_s"} for h in history]


def same_params(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_same_seed_same_result(tiny):
    a, b = fresh(), fresh()
    ma, mb = train_and_eval(a, tiny, SPEC), train_and_eval(b, tiny, SPEC)
    assert ma.status == "ok" and ma.epochs == 3 and ma.steps == 3 * (168 // 32)
    assert (ma.val_top1, ma.test_top1, ma.train_loss) == (mb.val_top1, mb.test_top1, mb.train_loss)
    assert without_wall(ma.history) == without_wall(mb.history)
    assert same_params(a, b)
    c = fresh()
    mc = train_and_eval(c, tiny, TrainSpec(**{**SPEC.to_dict(), "seed": 1}))
    assert not same_params(a, c) and mc.train_loss != ma.train_loss


def test_training_learns_and_reports_splits():
    easy = data.load("synthetic", resolution=8, num_samples=240, num_classes=4, seed=0, noise=0.25)
    m = train_and_eval(fresh(), easy, TrainSpec(epochs=10, batch_size=32, lr=0.1, crop_pad=0, threads=1))
    d = m.to_dict()
    assert set(d) == {
        "val/top1",
        "test/top1",
        "train/loss",
        "epochs",
        "steps",
        "wall_s",
        "status",
        "error",
        "memory_format",
        "compile",
    }
    assert 0.0 <= d["val/top1"] <= 1.0 and 0.0 <= d["test/top1"] <= 1.0
    assert m.history[-1]["train/loss"] < m.history[0]["train/loss"]
    assert m.val_top1 > 0.5  # 4 well-separated synthetic classes; chance is 0.25


def test_resume_equals_uninterrupted(tiny):
    states = []
    full_model = fresh()
    full = train_and_eval(full_model, tiny, SPEC, on_epoch=lambda m, s: states.append(s))
    assert [s["epoch"] for s in states] == [1, 2, 3]
    for k in (1, 2):
        model = fresh(seed=123)  # different initial weights: the state must carry everything
        resumed = train_and_eval(model, tiny, SPEC, state=states[k - 1])
        assert (resumed.val_top1, resumed.test_top1, resumed.train_loss) == (
            full.val_top1,
            full.test_top1,
            full.train_loss,
        )
        assert (resumed.epochs, resumed.steps) == (full.epochs, full.steps)
        assert without_wall(resumed.history) == without_wall(full.history)
        assert same_params(model, full_model)


def test_callback_state_is_a_snapshot(tiny):
    states = []
    model = fresh()
    train_and_eval(model, tiny, TrainSpec(epochs=2, batch_size=32, threads=1), on_epoch=lambda m, s: states.append(s))
    first = states[0]["model"]
    assert any(not torch.equal(first[k], v) for k, v in model.state_dict().items() if v.is_floating_point())


def test_diverging_run_is_reported_failed(tiny):
    m = train_and_eval(fresh(), tiny, TrainSpec(epochs=3, batch_size=32, lr=1e10, threads=1))
    assert m.status == "failed" and not m.ok
    assert "non-finite training loss" in m.error
    assert math.isnan(m.val_top1) and math.isnan(m.test_top1)
    assert m.epochs < 3 or m.steps < 3 * 5


class EmitsNaN(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 8 * 8, 4)

    def forward(self, x):
        return self.fc(x.flatten(1)) * math.nan


def test_model_emitting_nan_fails_at_the_first_step(tiny):
    m = train_and_eval(EmitsNaN(), tiny, TrainSpec(epochs=2, batch_size=32))
    assert m.status == "failed" and m.steps == 1 and "epoch 1, step 1" in m.error


def test_steps_budget(tiny):
    m = train_and_eval(fresh(), tiny, TrainSpec(epochs=0, steps=7, batch_size=32, threads=1))
    assert m.steps == 7 and m.epochs == 2  # 5 steps per epoch (168 // 32)
    assert len(m.history) == 2 and m.history[0]["step"] == 5


def test_no_weight_decay_on_bn_and_biases():
    model = fresh()
    decay, no_decay = param_groups(model, 5e-4)
    assert decay["weight_decay"] == 5e-4 and no_decay["weight_decay"] == 0.0
    assert all(p.ndim > 1 for p in decay["params"]) and all(p.ndim == 1 for p in no_decay["params"])
    bn = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)][0]
    assert any(p is bn.weight for p in no_decay["params"])
    assert sum(p.numel() for g in (decay, no_decay) for p in g["params"]) == sum(p.numel() for p in model.parameters())


def test_lr_schedules():
    cos = TrainSpec(schedule="cosine", warmup_fraction=0.2)
    # 10 steps, 2 of warm-up: 0.5, 1.0, then 0.5 * (1 + cos(pi * t)), t = (step - 2) / 8
    assert [lr_factor(s, 10, cos) for s in (0, 1, 2)] == [0.5, 1.0, 1.0]
    assert lr_factor(6, 10, cos) == pytest.approx(0.5)
    one = TrainSpec(schedule="onecycle", warmup_fraction=0.2)
    assert lr_factor(6, 10, one) == pytest.approx(0.5) and lr_factor(9, 10, one) == pytest.approx(0.125)
    assert lr_factor(5, 10, TrainSpec(schedule="constant", warmup_fraction=0.0)) == 1.0


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"epochs": 0}, "train.epochs=0"),
        ({"lr": 0}, "train.lr"),
        ({"optimizer": "lion"}, "optimizer"),
        ({"schedule": "step"}, "schedule"),
        ({"batch_size": 0}, "batch_size"),
        ({"device": "tpu"}, "device"),
        ({"epochs": 2.5}, "epochs"),
    ],
)
def test_bad_train_specs(changes, fragment):
    with pytest.raises(ValueError, match=fragment):
        TrainSpec(**changes)


def test_adamw_runs(tiny):
    m = train_and_eval(
        fresh(),
        tiny,
        TrainSpec(epochs=1, batch_size=32, optimizer="adamw", lr=1e-3, schedule="onecycle", grad_clip=1.0, threads=1),
    )
    assert isinstance(m, Metrics) and m.ok and m.steps == 5


@pytest.mark.slow
def test_compiled_training_trains_the_models_own_weights(tiny):
    from dataclasses import replace

    from nasx.latency.cache import cache_dir
    from nasx.train.compiler import check_compiler

    check_compiler("cpu")  # this machine has a C++ compiler: no error
    eager, compiled = fresh(), fresh()
    me = train_and_eval(eager, tiny, replace(SPEC, epochs=1))
    mc = train_and_eval(compiled, tiny, replace(SPEC, epochs=1, compile=True))
    assert mc.status == "ok" and mc.steps == me.steps == 168 // 32
    assert not same_params(compiled, fresh())  # the module itself was trained, not a copy
    # compiled through Inductor's caches under NASX_CACHE_DIR (tests/conftest.py: a fresh folder)
    inductor = cache_dir() / "torch_compile"
    assert (mc.compile, me.compile) == ("cold", "off")
    assert any((inductor / "fxgraph").rglob("*")) and any((inductor / "aotautograd").rglob("*"))
    # the same steps from the same start: the compiled kernels differ from eager ones only in rounding
    assert math.isclose(mc.train_loss, me.train_loss, rel_tol=1e-3)
