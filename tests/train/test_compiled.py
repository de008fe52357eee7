"""train.compile: Inductor's caches under nasx's cache directory, set before compiling, and the `auto` rule
(torch.compile itself is replaced here: nothing compiles; tests/train/test_train.py compiles for real)."""

import dataclasses
import os
from pathlib import Path

import pytest
import torch

from nasx import build_model, data, decode
from nasx.latency.cache import CACHE_ENV
from nasx.search.rows import training_key
from nasx.train import TrainSpec, compiled, train_and_eval
from nasx.train.compiled import BREAK_EVEN_STEPS_COLD, BREAK_EVEN_STEPS_WARM
from tests.helpers.search_setups import tiny_setup

ARCH = "res8_cls4|stem:cn_r1_k3_s1_c8|ir_r1_k3_s2_e2_c8|head:c16_d0.0"
SPEC = TrainSpec(steps=2, batch_size=16, crop_pad=0, threads=1)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """NASX_CACHE_DIR in a fresh folder; torch's cache settings restored afterwards."""
    import torch._functorch.config
    import torch._inductor.config

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "nasx"))
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "elsewhere"))
    with (
        torch._inductor.config.patch(fx_graph_cache=False),
        torch._functorch.config.patch(enable_autograd_cache=False),
    ):
        yield tmp_path / "nasx"


@pytest.fixture
def calls(monkeypatch):
    """torch.compile replaced by a recorder of the Inductor cache directory at the time of the call."""
    seen: list[str] = []

    def fake_compile(model, **_):
        seen.append(os.environ["TORCHINDUCTOR_CACHE_DIR"])
        return model

    monkeypatch.setattr(torch, "compile", fake_compile)
    return seen


def tiny():
    return data.load("synthetic", resolution=8, num_samples=64, num_classes=4, seed=0)


def test_inductor_caches_live_under_nasx_cache_dir(cache):
    import torch._functorch.config
    import torch._inductor.config
    from torch._inductor.runtime.cache_dir_utils import cache_dir as inductor_cache_dir

    path = compiled.use_cache_dir()
    assert path == cache / "torch_compile"
    assert Path(inductor_cache_dir()) == cache / "torch_compile"  # where torch reads and writes its cache
    assert torch._inductor.config.fx_graph_cache and torch._functorch.config.enable_autograd_cache


def test_the_cache_dir_is_set_before_compiling_and_the_next_trial_finds_it_warm(cache, calls):
    first = train_and_eval(build_model(decode(ARCH)), tiny(), dataclasses.replace(SPEC, compile=True))
    assert calls == [str(cache / "torch_compile")] and first.compile == "cold"
    assert len(list((cache / "torch_compile" / "nasx_compiled").iterdir())) == 1
    second = train_and_eval(build_model(decode(ARCH)), tiny(), dataclasses.replace(SPEC, compile=True, seed=1))
    assert second.compile == "warm" and len(calls) == 2
    other = train_and_eval(build_model(decode(ARCH)), tiny(), dataclasses.replace(SPEC, compile=True, batch_size=8))
    assert other.compile == "cold"  # another batch shape is another graph
    eager = train_and_eval(build_model(decode(ARCH)), tiny(), SPEC)
    assert eager.compile == "off" and len(calls) == 3


def test_auto_compiles_from_the_break_even_step_count(cache, calls):
    key = compiled.network_key("net", (3, 8, 8), 16, "cpu", 1, "contiguous")
    assert compiled.decide("auto", key, BREAK_EVEN_STEPS_COLD - 1) == "off"
    assert compiled.decide("auto", key, BREAK_EVEN_STEPS_COLD) == "cold"
    compiled.mark_compiled(key)
    assert compiled.decide("auto", key, BREAK_EVEN_STEPS_WARM - 1) == "off"
    assert compiled.decide("auto", key, BREAK_EVEN_STEPS_WARM) == "warm"
    assert compiled.decide(True, key, 1) == "warm" and compiled.decide(False, key, 10**9) == "off"
    short = train_and_eval(build_model(decode(ARCH)), tiny(), dataclasses.replace(SPEC, compile="auto"))
    assert short.compile == "off" and calls == []  # 2 steps repay no compile


def test_config_hash_is_unchanged_by_compile_false(tmp_path):
    setup = tiny_setup(tmp_path)
    key = training_key(setup)
    assert key == "61db124c3134922d"  # tests/search/test_queue.py's KEY_TINY
    assert training_key(setup, train={"compile": False}) == key
    assert training_key(setup, train={"compile": "auto"}) not in (key, training_key(setup, train={"compile": True}))


@pytest.mark.parametrize("value", ["maybe", 1, None])
def test_bad_values_are_refused(value):
    with pytest.raises(ValueError, match="train.compile"):
        TrainSpec(compile=value)
