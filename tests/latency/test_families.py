"""The families `nasx latency --families` measures: chosen by glob and by fewest MACs, measured once."""

import pytest

from nasx import families
from nasx.latency.cache import LatencyCache
from nasx.latency.families import family_names, measure_families
from nasx.latency.full_scale import LatencyRequest


def test_every_family_without_a_filter():
    assert family_names() == families.names() and len(family_names()) == 127


def test_a_glob_keeps_registry_order():
    assert family_names("mobilenetv3_small_*") == [
        "mobilenetv3_small_050",
        "mobilenetv3_small_075",
        "mobilenetv3_small_100",
    ]


def test_limit_takes_the_fewest_macs():
    # lenet5: 5x5 convs 1->6 at 28x28 (117,600), 6->16 at 10x10 (240,000), 16->120 at 1x1 (48,000), linears
    # 120->84 and 84->10 (10,920): 416,520 MACs; then timm's mobilenetv3_small_050 (24,188,688) and
    # tinynet_e (24,356,848) of tests/golden/families.json; lcnet_035 (27,357,832) is next
    assert family_names(limit=3) == ["lenet5", "tinynet_e", "mobilenetv3_small_050"]
    assert family_names("mobilenetv3_small_*", limit=1) == ["mobilenetv3_small_050"]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"match": "zzz*"}, r"^--match='zzz\*': no family name matches it"), ({"limit": 0}, r"^--limit=0: must be")],
)
def test_bad_filters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        family_names(**kwargs)


def test_families_are_measured_once_with_progress(tmp_path):
    cache, lines = LatencyCache(tmp_path / "latency.jsonl"), []
    request = LatencyRequest(iters=1, warmup=0)
    rows = measure_families(["lenet5", "mobilenetv3_small_050"], request, cache, out=lines.append)
    assert [r["family"] for r in rows] == ["lenet5", "mobilenetv3_small_050"]
    assert [(r["resolution"], r["macs"], r["cached"]) for r in rows] == [(32, 416_520, False), (224, 24_188_688, False)]
    assert rows[1]["params"] == 1_593_224  # tests/golden/families.json, timm
    assert all(r["latency_ms"] > 0 and r["iters"] == 1 for r in rows)
    assert [line.split(":")[0] for line in lines] == ["[1/2] lenet5", "[2/2] mobilenetv3_small_050"]
    again = measure_families(["lenet5", "mobilenetv3_small_050"], request, cache, out=lines.append)
    assert [r["cached"] for r in again] == [True, True] and lines[-1].endswith("ms (cached)")
    assert [r["latency_ms"] for r in again] == [r["latency_ms"] for r in rows]
