"""Full-scale latency: the request's checks, the cache answering instead of a second measurement, INT8 wired
to `nasx.quantize` where it exists."""

import pytest
import torch

import nasx.build.model as model_module
from nasx.arch.codec import decode
from nasx.latency import full_scale
from nasx.latency.cache import LatencyCache
from nasx.latency.full_scale import LatencyRequest, check_available, latency_of

TINY = decode("res16_cls10|stem:cn_r1_k3_s1_c8|ir_r1_k3_s1_e2_c8|head:")
QUICK = {"iters": 2, "warmup": 0}


@pytest.fixture
def counted(monkeypatch):
    """The number of real measurements made so far."""
    calls = []
    real = full_scale.measure_full_scale

    def measure(spec, request):
        calls.append(request)
        return real(spec, request)

    monkeypatch.setattr(full_scale, "measure_full_scale", measure)
    return calls


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("device", "tpu", "device='tpu': choose one of cpu, cuda"),
        ("dtype", "fp16", "dtype='fp16': choose one of fp32, bf16, int8"),
        ("batch", 0, "batch=0: must be an integer >= 1"),
        ("threads", 0, "threads=0: must be an integer >= 1"),
        ("iters", 0, "iters=0: must be an integer >= 1"),
        ("warmup", -1, "warmup=-1: must be a non-negative integer"),
        ("batch", True, "batch=True: must be an integer >= 1"),
    ],
)
def test_the_request_is_checked(field, value, message):
    with pytest.raises(ValueError) as err:
        LatencyRequest(**{field: value})
    assert str(err.value) == message


def test_a_cache_hit_measures_nothing(counted, tmp_path):
    path = tmp_path / "latency.jsonl"
    request = LatencyRequest(**QUICK)
    first, cached = latency_of(TINY, request, LatencyCache(path))
    assert not cached and len(counted) == 1 and first["iters"] == 2 and first["median_ms"] > 0
    again, cached = latency_of(TINY, request, LatencyCache(path))  # a new process reading the same file
    assert cached and again == first and len(counted) == 1
    cheaper, cached = latency_of(TINY, LatencyRequest(iters=1, warmup=0), LatencyCache(path))
    assert cached and cheaper == first and len(counted) == 1  # 2 timed iterations answer a request for 1


@pytest.mark.parametrize(
    "change", [{"batch": 2}, {"threads": 2}, {"dtype": "bf16"}, {"iters": 3}], ids=lambda c: next(iter(c))
)
def test_a_request_that_differs_is_measured_again(counted, tmp_path, change):
    cache = LatencyCache(tmp_path / "latency.jsonl")
    latency_of(TINY, LatencyRequest(**QUICK), cache)
    entry, cached = latency_of(TINY, LatencyRequest(**{**QUICK, **change}), cache)
    assert not cached and len(counted) == 2
    assert {k: entry[k] for k in ("batch_size", "threads", "dtype", "iters")} == {
        "batch_size": change.get("batch", 1),
        "threads": change.get("threads", 1),
        "dtype": change.get("dtype", "fp32"),
        "iters": change.get("iters", 2),
    }
    assert len(cache) == (1 if change == {"iters": 3} else 2)  # more iterations replace the entry


def test_another_network_is_measured_again(counted, tmp_path):
    cache = LatencyCache(tmp_path / "latency.jsonl")
    latency_of(TINY, LatencyRequest(**QUICK), cache)
    other = decode("res16_cls10|stem:cn_r1_k3_s1_c8|ir_r1_k5_s1_e2_c8|head:")
    _, cached = latency_of(other, LatencyRequest(**QUICK), cache)
    assert not cached and len(counted) == 2


def test_remeasure_and_no_cache_measure_every_time(counted, tmp_path):
    cache = LatencyCache(tmp_path / "latency.jsonl")
    latency_of(TINY, LatencyRequest(**QUICK), cache)
    _, cached = latency_of(TINY, LatencyRequest(**QUICK), cache, remeasure=True)
    assert not cached and len(counted) == 2 and len((tmp_path / "latency.jsonl").read_text().splitlines()) == 2
    latency_of(TINY, LatencyRequest(**QUICK), None)
    latency_of(TINY, LatencyRequest(**QUICK), None)
    assert len(counted) == 4


def test_the_entry_says_what_was_measured(tmp_path):
    entry, _ = latency_of(TINY, LatencyRequest(batch=3, **QUICK), LatencyCache(tmp_path / "latency.jsonl"))
    assert entry["arch_key"] == TINY.key() and decode(entry["arch"]) == TINY
    assert entry["resolution"] == 16 and entry["batch_size"] == 3 and entry["device"] == "cpu"
    assert "threads" not in entry["machine"] and entry["machine"]["device"] == "cpu"
    assert entry["min_ms"] <= entry["median_ms"] <= entry["p90_ms"]


def test_bf16_is_measured_in_bfloat16(monkeypatch):
    seen = []
    build = model_module.build_model

    def build_and_watch(spec):
        model = build(spec)
        model.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
        return model

    monkeypatch.setattr(model_module, "build_model", build_and_watch)
    entry, _ = latency_of(TINY, LatencyRequest(dtype="bf16", **QUICK))
    assert entry["dtype"] == "bf16" and seen == [torch.bfloat16] * 2


def test_int8_times_the_quantized_network_on_fp32_input(monkeypatch):
    from nasx import profile

    timed = []
    real = profile.measure_latency

    def watch(model, *args, **kwargs):
        timed.append((model, kwargs.get("dtype")))
        return real(model, *args, **kwargs)

    monkeypatch.setattr(profile, "measure_latency", watch)
    entry, _ = latency_of(TINY, LatencyRequest(dtype="int8", **QUICK))
    ((model, dtype),) = timed
    assert dtype == "fp32" and entry["dtype"] == "int8"
    assert any(isinstance(m, torch.ao.nn.quantized.Conv2d) for m in model.modules())


def test_int8_runs_on_the_cpu_only(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with pytest.raises(ValueError, match=r"^dtype='int8': quantized networks run on the CPU \(device=cpu\)$"):
        check_available(LatencyRequest(device="cuda", dtype="int8"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_that_is_not_there_is_one_line():
    with pytest.raises(ValueError, match=r"^device='cuda': CUDA is not available on this machine$"):
        check_available(LatencyRequest(device="cuda"))
