"""ArchSpec as a value: frozen, hashable, canonical JSON and a stable key; invalid specs rejected."""

import dataclasses
import hashlib
import json
import subprocess
import sys

import pytest

from nasx import ArchSpec, Head, decode, encode, families
from nasx.arch import Basic, Bottleneck, ConvBNAct, MaxPool, MBConv, VGGStage


def small(**changes) -> ArchSpec:
    base = dict(
        stem=(ConvBNAct(k=3, s=2, c=16),),
        stages=(MBConv(r=2, k=3, s=2, e=6, c=24, se=0.25),),
        head=Head(c=64),
        resolution=32,
        num_classes=10,
    )
    return ArchSpec(**{**base, **changes})


def test_frozen_and_hashable():
    spec = small()
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.resolution = 64
    assert len({spec, small(), small(resolution=64)}) == 2


# Pinned keys: they pin today's canonical JSON of these two families. Every arch_key stored in a run's
# rows was computed this way, so a change to the canonical form (field names, ordering, number spelling,
# defaults written out or left out) would orphan them; such a change must be deliberate and update these.
EFFICIENTNET_B0_KEY = "c95128b74b3e3ff4eff2ff34eb68b3c481fc63241efaa44354b25624ab590c97"
RESNEXT50_32X4D_KEY = "f3af07b26a5fdfbd9cc70e2ccaae3178993a580116da8890cd1e2855086b0e5f"


def test_key_is_sha256_of_canonical_json():
    spec = families.get("efficientnet_b0")
    canonical = json.dumps(spec.to_dict(), sort_keys=True, separators=(",", ":"))
    assert spec.key() == hashlib.sha256(canonical.encode()).hexdigest()
    assert spec.key() == EFFICIENTNET_B0_KEY


def test_key_identical_across_processes():
    code = "import nasx; print(nasx.families.get('resnext50_32x4d').key())"
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
        ).stdout.strip()
        for seed in (1, 2)
    }
    assert keys == {families.get("resnext50_32x4d").key()}
    assert keys == {RESNEXT50_32X4D_KEY}


def test_key_changes_with_any_field():
    base = small()
    variants = [
        small(resolution=64),
        small(num_classes=11),
        small(drop_path=0.1),
        small(head=Head(c=72)),
        small(stages=(MBConv(r=2, k=5, s=2, e=6, c=24, se=0.25),)),
    ]
    assert len({base.key(), *(v.key() for v in variants)}) == 1 + len(variants)


def test_int_and_float_spellings_are_one_canonical_spec():
    a = MBConv(r=1, k=3, s=1, e=6, c=16)
    b = MBConv(r=1, k=3, s=1, e=6.0, c=16)
    assert small(stages=(a,)).key() == small(stages=(b,)).key()
    assert isinstance(a.e, float)


def test_se_settings_without_se_are_canonicalised():
    a = MBConv(r=1, k=3, s=1, e=6, c=16, se=0.0, se_gate="hsigmoid", se_base="mid")
    assert a == MBConv(r=1, k=3, s=1, e=6, c=16)


@pytest.mark.parametrize(
    "make, field, value",
    [
        (lambda: MBConv(r=1, k=4, s=1, e=6, c=16), "k", "4"),
        (lambda: MBConv(r=1, k=3, s=3, e=6, c=16), "s", "3"),
        (lambda: MBConv(r=1, k=3, s=1, e=6, c=0), "c", "0"),
        (lambda: MBConv(r=0, k=3, s=1, e=6, c=16), "r", "0"),
        (lambda: MBConv(r=1, k=3, s=1, e=-1, c=16), "e", "-1"),
        (lambda: MBConv(r=1, k=3, s=1, e=6, c=16, se=1.5), "se", "1.5"),
        (lambda: MBConv(r=1, k=3, s=1, e=6, c=16, act="gelu"), "act", "gelu"),
        (lambda: ConvBNAct(k=3, s=1, c=10, g=3), "g", "3"),
        (lambda: Bottleneck(r=1, s=1, c=64, b=0.25, g=3), "g", "3"),
        (lambda: Basic(r=1, s=1, c=2.5), "c", "2.5"),
        (lambda: VGGStage(r=1, c=-8), "c", "-8"),
        (lambda: MaxPool(k=3, s=2, p=2), "p", "2"),
        (lambda: Head(dropout=1.0), "dropout", "1.0"),
        (lambda: small(resolution=0), "resolution", "0"),
        (lambda: small(num_classes=True), "num_classes", "True"),
        (
            lambda: small(stem=(ConvBNAct(k=3, s=1, c=16, g=4),), stages=(MBConv(r=1, k=3, s=1, c=16),), in_channels=3),
            "g",
            "4",
        ),
        (lambda: small(stem=(MBConv(r=1, k=3, s=1, c=16),)), "stem[0].type", "ir"),
        (lambda: small(stages=()), "stages", "()"),
        (lambda: small(resolution=2, stem=(MaxPool(k=3, s=2, p=0),)), "stem[0]", "resolution=2"),
    ],
)
def test_invalid_specs_name_field_and_value(make, field, value):
    with pytest.raises(ValueError) as info:
        make()
    message = str(info.value)
    assert field in message and value in message


def test_from_dict_rejects_unknown_block_type_and_fields():
    data = small().to_dict()
    data["stages"][0]["type"] = "transformer"
    with pytest.raises(ValueError, match="stages\\[0\\].type='transformer'"):
        ArchSpec.from_dict(data)
    data = small().to_dict()
    data["stages"][0]["kernel"] = 3
    with pytest.raises(ValueError, match="kernel"):
        ArchSpec.from_dict(data)


def test_str_is_the_arch_string():
    spec = small()
    assert str(spec) == encode(spec)
    assert decode(str(spec)) == spec


def test_skip_flag_is_canonical_where_no_residual_is_possible():
    stride2 = small(stages=(MBConv(r=1, k=3, s=2, e=6, c=24, skip=False),))
    assert stride2 == small(stages=(MBConv(r=1, k=3, s=2, e=6, c=24),))
    repeated = small(stages=(MBConv(r=2, k=3, s=2, e=6, c=24, skip=False),))
    assert repeated.stages[0].skip is False  # the second block has a residual to switch off
    same_width = small(stages=(MBConv(r=1, k=3, s=1, e=6, c=16, skip=False),))
    assert same_width.stages[0].skip is False
