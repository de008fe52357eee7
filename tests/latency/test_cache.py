"""The latency cache: every field of the key matters, entries survive the process, the newest wins."""

import json

import pytest

from nasx.latency.cache import CACHE_ENV, FILE, LatencyCache, cache_dir, entry_key, machine_of

MACHINE = {"cpu": "x", "cores": 2, "torch": "2.0", "python": "3.11", "device": "cpu", "device_name": "x"}
BASE = {"arch_key": "a" * 64, "machine": MACHINE, "batch_size": 1, "dtype": "fp32", "threads": 1}


@pytest.mark.parametrize(
    "field, value",
    [
        ("arch_key", "b" * 64),
        ("machine", {**MACHINE, "cpu": "y"}),
        ("machine", {**MACHINE, "torch": "2.1"}),
        ("machine", {**MACHINE, "device_name": "H100"}),
        ("batch_size", 8),
        ("dtype", "bf16"),
        ("threads", 2),
    ],
)
def test_every_field_changes_the_key(field, value):
    assert entry_key(**{**BASE, field: value}) != entry_key(**BASE)


def test_the_key_is_stable_and_ignores_the_order_of_the_machine_fields():
    assert entry_key(**BASE) == entry_key(**{**BASE, "machine": dict(reversed(list(MACHINE.items())))})


def test_the_thread_count_is_no_part_of_the_machine():
    assert machine_of({**MACHINE, "threads": 7}) == MACHINE


def test_the_cache_dir_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert cache_dir() == tmp_path and LatencyCache().path == tmp_path / FILE


def test_entries_survive_the_process_and_the_newest_wins(tmp_path):
    path = tmp_path / "sub" / FILE
    cache = LatencyCache(path)
    assert cache.get("k") is None and len(cache) == 0
    cache.put({"key": "k", "iters": 5, "median_ms": 1.0})
    cache.put({"key": "j", "iters": 5, "median_ms": 3.0})
    cache.put({"key": "k", "iters": 9, "median_ms": 2.0})
    again = LatencyCache(path)
    assert again.get("k")["median_ms"] == 2.0 and again.get("j")["median_ms"] == 3.0 and len(again) == 2
    assert len(path.read_text().splitlines()) == 3  # appended, never rewritten


def test_an_entry_with_fewer_iterations_than_asked_is_not_an_answer(tmp_path):
    cache = LatencyCache(tmp_path / FILE)
    cache.put({"key": "k", "iters": 5, "median_ms": 1.0})
    assert cache.get("k", 5)["iters"] == 5 and cache.get("k", 6) is None


def test_a_torn_last_line_is_skipped_and_the_next_entry_goes_on_a_line_of_its_own(tmp_path):
    path = tmp_path / FILE
    path.write_text(json.dumps({"key": "k", "iters": 5}) + '\n{"key": "j", "it')
    cache = LatencyCache(path)
    assert cache.get("k") is not None and cache.get("j") is None
    cache.put({"key": "i", "iters": 1})
    assert LatencyCache(path).get("i") == {"key": "i", "iters": 1}


def test_a_damaged_line_is_one_error_naming_the_file_and_line(tmp_path):
    path = tmp_path / FILE
    path.write_text('{"key": "k"}\n[1, 2]\n{"key": "j"}\n')
    with pytest.raises(ValueError, match=rf"^{path}: line 2 is not a latency record"):
        LatencyCache(path).get("k")
