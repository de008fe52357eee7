"""Receptive field and jump per stage, against the arithmetic done by hand: a layer of kernel k and stride s
takes (rf, jump) to (rf + (k - 1) * jump, jump * s), from (1, 1) at the input."""

import json
import random
import subprocess
import sys

import pytest

import nasx
from nasx import complexity, decode, families
from nasx.arch.blocks import (
    BLOCKS,
    Block,
    Fire,
    Inception,
    InceptionA,
    InceptionB,
    InceptionC,
    InceptionE,
)
from nasx.arch.receptive import grow, receptive_field
from tests.helpers.specgen import random_spec


def fields(spec):
    return [(f.rf, f.jump) for f in receptive_field(spec)]


def test_vgg16_per_stage():
    # each stage: r 3x3 convs at the incoming jump j (+2j each), then 2x2 pool s2 (+j, jump 2j)
    expected = [
        (1 + 2 * 1 + 2 * 1 + 1 * 1, 2),  # 2 convs: 3, 5; pool: 6
        (6 + 2 * 2 + 2 * 2 + 1 * 2, 4),  # 10, 14; 16
        (16 + 3 * 2 * 4 + 1 * 4, 8),  # 24, 32, 40; 44
        (44 + 3 * 2 * 8 + 1 * 8, 16),  # 60, 76, 92; 100
        (100 + 3 * 2 * 16 + 1 * 16, 32),  # 132, 164, 196; 212
    ]
    assert expected == [(6, 2), (16, 4), (44, 8), (100, 16), (212, 32)]
    assert fields(families.get("vgg16")) == expected


def test_resnet50_torchvision_stride_on_the_3x3():
    # stem: 7x7 s2 -> (7, 2); 3x3 max pool s2 -> (7 + 2*2, 4) = (11, 4)
    # a bottleneck adds its 3x3 at the jump before its stride: +2j; 1x1s add nothing
    stem = [(7, 2), (11, 4)]
    s0 = (11 + 3 * 2 * 4, 4)  # 3 blocks at j=4: 35
    s1 = (35 + 2 * 4 + 3 * 2 * 8, 8)  # first 3x3 s2 at j=4, then 3 at j=8: 43, 91
    s2 = (91 + 2 * 8 + 5 * 2 * 16, 16)  # 107, then 5 more: 267
    s3 = (267 + 2 * 16 + 2 * 2 * 32, 32)  # 299, then 2 more: 427
    assert [*stem, s0, s1, s2, s3] == [(7, 2), (11, 4), (35, 4), (91, 8), (267, 16), (427, 32)]
    assert fields(families.get("resnet50")) == [*stem, s0, s1, s2, s3]


def test_resnet50_v1_stride_on_the_1x1_sees_more():
    # se_resnet50 takes the stride on the first 1x1: the first 3x3 of stages 1-3 already runs at the doubled jump
    s1 = (35 + 2 * 8 + 3 * 2 * 8, 8)  # 51, then 3 more: 99
    s2 = (99 + 2 * 16 + 5 * 2 * 16, 16)  # 131, then 5 more: 291
    s3 = (291 + 2 * 32 + 2 * 2 * 32, 32)  # 355, then 2 more: 483
    assert fields(families.get("se_resnet50"))[3:] == [s1, s2, s3] == [(99, 8), (291, 16), (483, 32)]


def test_mobilenet_v2_per_stage():
    # stem 3x3 s2: (3, 2); every inverted residual adds its 3x3 depthwise at the jump before its stride: +2j
    stem = (3, 2)
    stages = [
        (3 + 2 * 2, 2),  # t1 c16 n1 s1: 7
        (7 + 2 * 2 + 2 * 4, 4),  # c24 n2 s2: 11, 19
        (19 + 2 * 4 + 2 * 2 * 8, 8),  # c32 n3 s2: 27, 43, 59
        (59 + 2 * 8 + 3 * 2 * 16, 16),  # c64 n4 s2: 75 .. 171
        (171 + 3 * 2 * 16, 16),  # c96 n3 s1: 267
        (267 + 2 * 16 + 2 * 2 * 32, 32),  # c160 n3 s2: 299, 363, 427
        (427 + 2 * 32, 32),  # c320 n1 s1: 491
    ]
    assert stages == [(7, 2), (19, 4), (59, 8), (171, 16), (267, 16), (427, 32), (491, 32)]
    assert fields(families.get("mobilenet_v2")) == [stem, *stages]


def test_lenet5_c5_sees_the_whole_input():
    # C1 5x5: 5; S2 2x2 s2: 6, jump 2; C3 5x5: 6 + 4*2 = 14; S4: 14 + 2 = 16, jump 4; C5 5x5: 16 + 4*4 = 32
    assert fields(families.get("lenet5")) == [(5, 1), (6, 2), (14, 2), (16, 4), (32, 4)]


@pytest.mark.parametrize(
    "block, window",
    [
        (Fire(q=16, x=64), (3, 1)),  # squeeze 1x1, then 1x1 | 3x3
        (Inception(a=8, br=8, b=8, cr=8, c=8, ck=5, d=8), (5, 1)),  # 1x1 | 3x3 | 5x5 | 3x3 pool -> 1x1
        (Inception(a=8, br=8, b=8, cr=8, c=8, ck=3, d=8), (3, 1)),  # torchvision's "5x5" is a 3x3
        (InceptionA(pp=32), (5, 1)),  # 5x5, and 3x3 -> 3x3 = 5
        (InceptionB(), (5, 2)),  # 3x3 -> 3x3 s2 = 3 + 2, jump 2
        (InceptionC(m=128), (13, 1)),  # 7x1 1x7 7x1 1x7: 1 + 6 + 6 on each side
        (InceptionE(), (5, 1)),  # 3x3 -> (1x3 | 3x1): 3 + 2
        (Fire(r=3, q=16, x=64), (7, 1)),  # three fire modules: 1 + 3 * 2
    ],
)
def test_branch_blocks_count_their_largest_branch(block, window):
    assert grow(1, 1, block.windows()) == window


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_every_registered_block_type_lists_its_windows(kind):
    cls = BLOCKS[kind]
    assert cls.windows is not Block.windows or cls.unit_windows is not Block.unit_windows, kind


def test_every_block_of_every_family_agrees_with_the_sizes():
    """With valid padding a window (K, S) maps n pixels to (n - K) // S + 1; padding only adds, at most
    one per layer beyond ceil(n / S). A wrong stride or a too small kernel breaks one of the bounds."""
    specs = [families.get(name) for name in families.names()]
    rng = random.Random(7)
    specs += [random_spec(rng) for _ in range(300)]
    for spec in specs:
        for (where, block), row in zip(spec.layers(), complexity(spec).stages):
            k, s = grow(1, 1, block.windows())
            n, out = row.resolution_in, row.resolution_out
            assert (n - k) // s + 1 <= out <= -(-n // s) + len(block.windows()), (str(spec), where)


def test_jump_is_the_product_of_strides_and_nasx_exports_it():
    spec = decode("res64_cls10|stem:cn_r1_k3_s2_c8|ir_r2_k5_s2_e3_c16|basic_r1_s2_c16|head:")
    assert nasx.receptive_field(spec) == receptive_field(spec)
    # 3x3 s2: (3, 2); ir k5: +4*2 (s2) -> (11, 4), +4*4 -> (27, 4); basic: 3x3 s2 +2*4, 3x3 +2*8 -> (51, 8)
    assert fields(spec) == [(3, 2), (27, 4), (51, 8)]


def test_profile_prints_rf_and_jump_per_stage():
    run = [sys.executable, "-m", "nasx", "profile", "vgg16"]
    table = subprocess.run(run, capture_output=True, text=True, check=True).stdout.splitlines()
    header = table[1].split()
    assert header[-2:] == ["RF", "jump"]
    last = next(line for line in table if line.startswith("stages[4]")).split()
    assert last[-2:] == ["212", "32"]
    out = json.loads(subprocess.run(run + ["--json"], capture_output=True, text=True, check=True).stdout)
    assert [(s["rf"], s["jump"]) for s in out["stages"]] == [
        (6, 2),
        (16, 4),
        (44, 8),
        (100, 16),
        (212, 32),
        (None, None),
    ]
