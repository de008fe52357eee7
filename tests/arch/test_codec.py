"""The arch string: readable tokens, exact round trip, clear errors on malformed input."""

import pytest

from nasx import decode, encode, families
from nasx.arch import MBConv


def test_efficientnet_b0_reads_like_timm():
    text = encode(families.get("efficientnet_b0"))
    parts = text.split("|")
    assert parts[0] == "res224_cls1000_dp0.2"
    assert parts[1] == "stem:cn_r1_k3_s2_c32_nsw"
    assert parts[3] == "ir_r2_k3_s2_e6_c24_se0.25_nsw"
    assert parts[-1] == "head:c1280_nsw_d0.2"


def test_resnet_stem_and_vgg_head():
    assert encode(families.get("resnet50")).split("|")[1] == "stem:cn_r1_k7_s2_c64+mp_k3_s2"
    assert encode(families.get("vgg16")).split("|")[-1] == "head:p7_h4096x4096_d0.5"


@pytest.mark.parametrize("name", families.names())
def test_round_trip_every_family(name):
    spec = families.get(name)
    text = encode(spec)
    assert decode(text) == spec
    assert encode(decode(text)) == text


def test_decode_fills_defaults_and_tolerates_spaces():
    spec = decode(" res32_cls10 | stem:cn_r1_k3_s1_c16 | ir_r2_k5_s2_e3_c24_noskip | head:c64 ")
    assert spec.stages[0] == MBConv(r=2, k=5, s=2, e=3.0, c=24, skip=False)
    assert spec.head.c == 64 and spec.resolution == 32 and spec.num_classes == 10


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("res224_cls1000|xx_r1_c3", "unknown block type 'xx'"),
        ("res224_cls1000|ir_r1_k3_s1_c16_q7", "cannot read field 'q7'"),
        ("res224_cls1000|ir_r1_s1_c16", "missing field(s) k"),
        ("res224_cls1000|ir_r1_k3_k5_s1_c16", "given twice"),
        ("res224_cls1000|ir_r1_k4_s1_c16", "k=4"),
        ("res224_cls1000|ir_r1_k3_s3_c16", "s=3"),
        ("size224|ir_r1_k3_s1_c16", "header"),
        ("res224_cls1000||ir_r1_k3_s1_c16", "empty part"),
        ("res224_cls1000|ir_r1_k3_s1_c16_nzz", "cannot read field 'nzz'"),
    ],
)
def test_malformed_strings_raise_value_error(text, fragment):
    with pytest.raises(ValueError) as info:
        decode(text)
    assert fragment in str(info.value)


def test_mutated_strings_fail_only_with_value_error():
    """Random edits of valid strings either decode to a valid spec or raise ValueError, nothing else."""
    import random

    rng = random.Random(0)
    texts = [encode(families.get(name)) for name in families.names()]
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_|:+.x-"
    outcomes = {"ok": 0, "error": 0}
    for _ in range(3000):
        chars = list(rng.choice(texts))
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(chars))
            op = rng.random()
            if op < 0.4:
                chars[i] = rng.choice(alphabet)
            elif op < 0.7:
                del chars[i]
            else:
                chars.insert(i, rng.choice(alphabet))
        try:
            spec = decode("".join(chars))
        except ValueError:
            outcomes["error"] += 1
        else:
            assert decode(encode(spec)) == spec
            outcomes["ok"] += 1
    assert outcomes["ok"] > 0 and outcomes["error"] > 0
