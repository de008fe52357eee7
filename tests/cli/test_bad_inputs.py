"""Bad input, as a new user or an attacker would give it: each case is one line on stderr naming what is
wrong, exit code 2, no traceback, and nothing written or changed in the working directory."""

import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nasx.cli import compose
from nasx.cli.main import main
from nasx.latency.table import Setting
from tests.helpers.paths import ROOT

OK_ROW = {"trial_id": "a", "status": "ok", "arch": "x", "val/top1": 0.5, "order": 0}
ARCH = "res32_cls10|stem:cn_r1_k3_s1_c16|{}|head:"


@pytest.fixture(autouse=True)
def no_ray(monkeypatch):
    """No case may get as far as starting Ray."""

    def refuse(*args):
        raise AssertionError("Ray was started")

    monkeypatch.setattr("nasx.ray.session.connect", refuse)


# --- files the cases need, made in the working directory ------------------------------------------


def _npz(name, **arrays):
    def make(tmp):
        np.savez(tmp / name, **arrays)

    return make


def _rows(*lines):
    def make(tmp):
        (tmp / "run").mkdir()
        (tmp / "run" / "results.jsonl").write_text("".join(line + "\n" for line in lines))

    return make


def _raw(path, data: bytes):
    def make(tmp):
        (tmp / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp / path).write_bytes(data)

    return make


def _symlink(name):
    def make(tmp):
        (tmp / name).symlink_to(tmp / "gone")

    return make


def _images(empty_class: bool):
    def make(tmp):
        from PIL import Image

        for cls in ("a", "b"):
            (tmp / "img" / cls).mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(tmp / "img" / "a" / "0.png")
        if not empty_class:
            Image.new("RGB", (8, 8)).save(tmp / "img" / "b" / "0.png")
        (tmp / "img" / "b" / "notes.txt").write_text("no image here")

    return make


def _cifar(shape):
    def make(tmp):
        (tmp / "cifar").mkdir()
        batch = pickle.dumps({b"data": np.zeros(shape, np.uint8), b"labels": [0] * shape[0]})
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            (tmp / "cifar" / name).write_bytes(batch)

    return make


class _Payload:
    """Unpickled by `pickle.loads`, this creates the file `marker` (os.system runs `touch`)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _cifar_payload(well_formed: bool):
    """Batches of which the first carries a payload: nothing may run, so the marker never appears."""

    def make(tmp):
        (tmp / "cifar").mkdir()
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1]} if well_formed else {b"data": b"x"}
            if name == "data_batch_1":
                batch[b"batch_label"] = _Payload(tmp / "ran")
            (tmp / "cifar" / name).write_bytes(pickle.dumps(batch, protocol=2))

    return make


def _run_linking(name: str):
    """A run with results whose `name` is a symbolic link to a file outside it (which must stay unchanged)."""

    def make(tmp):
        _run_with_results(tmp)
        (tmp / "outside.txt").write_text("not nasx's\n")
        (tmp / "run" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / "run" / name).symlink_to(tmp / "outside.txt")

    return make


# the "billion laughs": 10**9 scalars once its aliases are expanded, from 700 bytes
LAUGHS = (
    "l0: &l0 ["
    + ", ".join(["lol"] * 10)
    + "]\n"
    + "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 10))
)


def _image_folder_with(name: str, make_member):
    """The image folder of `_images` with img/b/NAME made by `make_member(path)`."""

    def make(tmp):
        _images(empty_class=False)(tmp)
        make_member(tmp / "img" / "b" / name)

    return make


def _png_header(width: int, height: int) -> bytes:
    """A PNG declaring width x height RGB pixels and holding none (what Pillow reads when it opens one)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def _npz_declaring_a_terabyte(tmp):
    """x.npz whose x declares a (10**6, 10**6) uint8 array and holds 64 bytes: a zip bomb's lie."""
    import io
    import zipfile

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (10**6, 10**6)})
    with zipfile.ZipFile(tmp / "x.npz", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x.npy", header.getvalue() + bytes(64))
        y = io.BytesIO()
        np.save(y, LABELS)
        z.writestr("y.npy", y.getvalue())


def _run_config(text: str):
    def make(tmp):
        (tmp / "run").mkdir(exist_ok=True)
        (tmp / "run" / "config.yaml").write_text(text)

    return make


def _good_run_config():
    cfg = compose.compose("search", ["smoke=true"])
    cfg["run_dir"] = "run"
    return cfg


def _newer_config(tmp):
    cfg = _good_run_config()
    cfg["placement"] = {"strategy": "spread"}
    _run_config(json.dumps(cfg))(tmp)


def _run_with_config(tmp):
    _run_config(json.dumps(_good_run_config()))(tmp)


def _run_with_results(tmp):
    _run_with_config(tmp)
    (tmp / "run" / "results.jsonl").write_text(json.dumps(OK_ROW) + "\n")


def _run_on_cluster(address: str):
    """run/config.yaml of a search on the cluster at `address`."""

    def make(tmp):
        cfg = _good_run_config()
        cfg["cluster"] = {"address": address}
        _run_config(json.dumps(cfg))(tmp)

    return make


def _experiment(name, text):
    def make(tmp):
        (tmp / "conf" / "experiment" / f"{name}.yaml").write_text(text)

    return make


def _locked(tmp):
    """run/ held by another process (started here, killed by the test)."""
    (tmp / "run").mkdir()
    code = (
        "import sys, time\nfrom nasx.results.lock import writer_lock\n"
        "with writer_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(120)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp / "run")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def _locked_resume(tmp):
    holder = _locked(tmp)
    (tmp / "run" / "config.yaml").write_text(json.dumps(_good_run_config()))
    return holder


def _locked_run(tmp):
    """run/: a search's record (config, rows, views, curves), held by another process."""
    holder = _locked(tmp)
    _run_with_config(tmp)
    _views_of(3)(tmp)
    return holder


def _views_of(rows: int, keep: int | None = None):
    """run/: `rows` rows with their views compacted; then, with `keep`, the log cut to its first `keep` rows."""

    def make(tmp):
        from nasx.results import curves, store

        (tmp / "run").mkdir(exist_ok=True)
        arch = ARCH.format("cn_r1_k3_c8")
        for i in range(rows):
            row = {**OK_ROW, "trial_id": f"s{i:04d}", "order": i, "arch": arch, "full_arch": arch, "arch_key": f"k{i}"}
            row.update(macs=1000 + i, params=100, reward=0.5, choices="{}", stage="search", config_hash="h")
            store.append(tmp / "run", row, refresh_views=False)
        curves.append(tmp / "run", [{"trial_id": "s0000", "epoch": 1, "val/top1": 0.5}])
        store.write_views(tmp / "run")
        if keep is not None:
            log = tmp / "run" / store.LOG
            log.write_bytes(b"".join(log.read_bytes().splitlines(keepends=True)[:keep]))

    return make


def _incomplete_config(tmp):
    cfg = _good_run_config()
    del cfg["budget"], cfg["search"]
    _run_config(json.dumps(cfg))(tmp)


def _supernet_search(supernet: str, *, other_supernet: bool = False):
    """run/: a finished search scored with evaluator=supernet supernet.run={tmp}/SUPERNET; with
    `other_supernet`, a supernet of another search (other space options, data and proxy scaling) is there."""

    def make(tmp):
        cfg = _good_run_config()
        cfg.update(evaluator="supernet", supernet={**cfg["supernet"], "run": str(tmp / supernet)})
        _run_config(json.dumps(cfg))(tmp)
        (tmp / "run" / "results.jsonl").write_text(json.dumps(OK_ROW) + "\n")
        if other_supernet:
            from nasx.supernet import store
            from tests.helpers.search_setups import tiny_setup

            store.initial(tmp / supernet, tiny_setup(tmp / "unused"))

    return make


def _user_conf(path, text):
    """A user's config directory {tmp}/mine holding `path`."""
    return _raw(f"mine/{path}", text.encode())


def _env(**variables):
    """Environment variables for the case ({tmp} is the working directory)."""
    return lambda tmp: {k: v.replace("{tmp}", str(tmp)) for k, v in variables.items()}


def _supernets(*runs):
    """Supernet runs at initialisation for `nasx fidelity smoke=true` in {tmp}: (name, seed, proxy width) each."""

    def make(tmp):
        from dataclasses import replace

        from nasx.cli.fidelity_cmd import fidelity_setup
        from nasx.supernet import store

        setup = fidelity_setup(compose.compose("fidelity", ["smoke=true", "references=[]"]))[0]
        for name, seed, width in runs:
            store.initial(tmp / name, replace(setup, proxy=replace(setup.proxy, width_mult=width)), seed=seed)

    return make


_CACHE = _env(NASX_CACHE_DIR="{tmp}/cache")


def _cache_and(make):
    """`make`, and the latency cache in {tmp}/cache."""

    def both(tmp):
        make(tmp)
        return _CACHE(tmp)

    return both


X8 = np.zeros((20, 8, 8), np.uint8)
LABELS = np.arange(20) % 2


# (id, argv with {tmp} for the working directory, regex of the message after "nasx CMD: error: ", setup)
def _latency_table(path, **changes):
    """A latency table file of one unit, measured on this machine unless `changes` say otherwise."""

    def make(tmp):
        from nasx.latency.table import LatencyTable
        from nasx.profile import fingerprint

        values = {"space": "mnasnet", "setting": Setting(), "fingerprint": fingerprint("cpu"), "units_ms": {"x": 1.0}}
        LatencyTable(**{**values, **changes}).save(tmp / path)

    return make


CASES = [
    # arch strings: bounded, exact, ASCII
    ("repeats-huge", ["profile", ARCH.format("ir_r999999999_k3_s1_c16")], r"^ir\.r=999999999: must be at most 1024$"),
    ("channels-huge", ["profile", ARCH.format("ir_r1_k3_s1_c999999999")], r"^ir\.c=999999999: must be at most 65536$"),
    (
        "resolution-huge",
        ["profile", "res999999999_cls10|cn_r1_k3_c8|head:"],
        r"^resolution=999999999: must be at most 4096$",
    ),
    ("classes-huge", ["profile", "res32_cls200000|cn_r1_k3_c8|head:"], r"^num_classes=200000: must be at most 100000$"),
    ("in-channels-huge", ["profile", "res32_cls10_in100|cn_r1_k3_c8|head:"], r"^in_channels=100: must be at most 64$"),
    ("kernel-huge", ["profile", ARCH.format("cn_r1_k33_c8")], r"^cn\.k=33: must be at most 31$"),
    ("groups-huge", ["profile", ARCH.format("cn_r1_k3_c16_g70000")], r"^cn\.g=70000: must be at most 65536$"),
    ("expansion-huge", ["profile", ARCH.format("ir_r1_k3_e1000_c16")], r"^ir\.e=1000\.0: must be at most 64$"),
    (
        "hidden-too-many",
        ["profile", "res32_cls10|cn_r1_k3_c8|head:h" + "x".join(["8"] * 17)],
        r"^hidden=.*at most 16 entries",
    ),
    (
        "too-many-stages",
        ["profile", "res32_cls10|" + "|".join(["cn_r1_k3_c8"] * 70) + "|head:"],
        r"^malformed arch string: 71 parts after the header, at most 65",
    ),
    (
        "string-too-long",
        ["profile", "res32_cls10|cn_r1_k3_c8" + "_n" + "re_n" * 3000 + "|head:"],
        r"^malformed arch string: \d+ characters, at most 8192$",
    ),
    (
        "fullwidth-digits",
        ["profile", ARCH.format("ir_r1_k3_s1_c２４")],
        r"^malformed arch string: non-ASCII character '２'",
    ),
    ("arabic-digits", ["profile", ARCH.format("ir_r1_k3_s1_c٢٤")], r"^malformed arch string: non-ASCII character"),
    ("fullwidth-header", ["profile", "res３２_cls10|cn_r1_k3_c8|head:"], r"^malformed arch string: non-ASCII"),
    ("empty-part", ["profile", "res32_cls10||head:"], r"^malformed arch string: empty part between"),
    ("unknown-block", ["profile", ARCH.format("zz_r1")], r"unknown block type 'zz'"),
    ("field-twice", ["profile", ARCH.format("cn_r1_k3_k3_c8")], r"field 'k' given twice$"),
    ("field-missing", ["profile", ARCH.format("cn_r1_k3")], r"missing field\(s\) c$"),
    ("bad-header", ["profile", "rez32_cls10|cn_r1_k3_c8|head:"], r"header 'rez32_cls10': cannot read 'rez32'"),
    ("even-kernel", ["profile", ARCH.format("ir_r1_k4_s1_c16")], r"^ir\.k=4: kernel size must be a positive odd"),
    ("stride-3", ["profile", ARCH.format("ir_r1_k3_s3_c16")], r"^ir\.s=3: stride must be 1 or 2$"),
    ("se-over-1", ["profile", ARCH.format("ir_r1_k3_c16_se1.5")], r"^ir\.se=1\.5: must be a ratio in \[0, 1\]$"),
    ("mixed-kernel-too-big", ["profile", ARCH.format("ir_r1_k3_s1_c16_mk20")], r"^ir\.mk=20: the largest mixed kernel"),
    (
        "mixed-split-too-fine",
        ["profile", "res32_cls10|stem:cn_r1_k3_s1_c4|ir_r1_k3_s1_c16_mk5|head:"],
        r"^stages\[0\]: ir: 4 mid channels cannot be split into mk=5",
    ),
    (
        "projection-groups-over-c",
        ["profile", ARCH.format("ir_r1_k3_s1_c2_pg3")],
        r"^ir\.pg=3: more projection groups than output channels c=2$",
    ),
    ("se-round-code", ["profile", ARCH.format("ir_r1_k3_s1_c16_se0.25_sr9")], r"cannot read field 'sr9'"),
    ("drop-path-1", ["profile", "res32_cls10_dp1.5|cn_r1_k3_c8|head:"], r"^drop_path=1\.5: must be in \[0, 1\)$"),
    ("shrinks-to-nothing", ["profile", "res2_cls10|cn_r1_k3_c8|mp_k3_s2_p0|head:"], r"shrinks to nothing"),
    ("unknown-family", ["profile", "resnet51"], r"^unknown family 'resnet51'"),
    ("unknown-timm-name", ["profile", "timm:resnet51"], r"^'timm:resnet51': nasx has no family under this timm name"),
    (
        "timm-name-nasx-lacks",
        ["profile", "timm:vit_base_patch16_224"],
        r"^'timm:vit_base_patch16_224': nasx has no family under this timm name",
    ),
    (
        "timm-arch-def-block-type",
        ["profile", 'timm:[["ds_r1_k3_s1_c16"], ["xx_r1_k3_s1_c16"]]'],
        r"^timm arch_def stage 1 block 0 'xx_r1_k3_s1_c16': unknown block type 'xx'",
    ),
    ("timm-arch-def-option", ["profile", 'timm:[["ir_r1_k3_s1_e6_c16_q7"]]'], r"unknown option 'q7' for a 'ir' block"),
    ("timm-arch-def-kernels", ["profile", 'timm:[["ir_r1_k3.7_s1_e6_c16"]]'], r"consecutive odd sizes"),
    ("timm-arch-def-json", ["profile", 'timm:[["ir_r1'], r"^timm arch_def: not JSON"),
    (
        "timm-arch-def-argument",
        ["profile", 'timm:{"arch_def": [["ds_r1_k3_s1_c16"]], "bn_eps": 0.001}'],
        r"^timm arch_def: unknown builder argument\(s\) bn_eps",
    ),
    (
        "timm-arch-def-act",
        ["profile", 'timm:{"arch_def": [["ds_r1_k3_s1_c16"]], "act_layer": "gelu"}'],
        r"^act_layer='gelu': must be one of",
    ),
    ("profile-resolution-0", ["profile", "resnet50", "--resolution", "0"], r"^resolution=0: must be a positive"),
    (
        "profile-resolution-huge",
        ["profile", "resnet50", "--resolution", "100000"],
        r"^resolution=100000: must be at most",
    ),
    ("profile-classes-0", ["profile", "resnet50", "--num-classes", "0"], r"^num_classes=0: must be a positive"),
    # nasx latency: checked before anything is measured or cached ({tmp}/cache stays absent)
    (
        "latency-device-tpu",
        ["latency", "lenet5", "--device", "tpu"],
        r"^device='tpu': choose one of cpu, cuda$",
        _CACHE,
    ),
    (
        "latency-dtype-fp16",
        ["latency", "lenet5", "--dtype", "fp16"],
        r"^dtype='fp16': choose one of fp32, bf16, int8$",
        _CACHE,
    ),
    ("latency-batch-0", ["latency", "lenet5", "--batch", "0"], r"^batch=0: must be an integer >= 1$", _CACHE),
    ("latency-threads-0", ["latency", "lenet5", "--threads", "0"], r"^threads=0: must be an integer >= 1$", _CACHE),
    ("latency-iters-0", ["latency", "lenet5", "--iters", "0"], r"^iters=0: must be an integer >= 1$", _CACHE),
    (
        "latency-warmup-negative",
        ["latency", "lenet5", "--warmup", "-1"],
        r"^warmup=-1: must be a non-negative integer$",
        _CACHE,
    ),
    ("latency-unknown-family", ["latency", "lenet5", "resnet51"], r"^unknown family 'resnet51'", _CACHE),
    ("latency-bad-arch", ["latency", "lenet5", ARCH.format("zz_r1")], r"unknown block type 'zz'", _CACHE),
    (
        "latency-nothing",
        ["latency"],
        r"^give NAME_OR_ARCH \.\.\. \(a family name or an arch string\) or --families$",
        _CACHE,
    ),
    (
        "latency-names-and-families",
        ["latency", "lenet5", "--families"],
        r"^give NAME_OR_ARCH \.\.\. or --families, not both$",
        _CACHE,
    ),
    (
        "latency-limit-without-families",
        ["latency", "lenet5", "--limit", "2"],
        r"^--limit: only with --families$",
        _CACHE,
    ),
    (
        "latency-families-limit-0",
        ["latency", "--families", "--limit", "0"],
        r"^--limit=0: must be an integer >= 1$",
        _CACHE,
    ),
    (
        "latency-families-no-match",
        ["latency", "--families", "--match", "zzz*"],
        r"^--match='zzz\*': no family name matches",
        _CACHE,
    ),
    (
        "latency-families-batch-0",
        ["latency", "--families", "--batch", "0"],
        r"^batch=0: must be an integer >= 1$",
        _CACHE,
    ),
    (
        "latency-families-out-is-a-file",
        ["latency", "--families", "--out", "taken"],
        r"^--out=taken: exists and is not a directory$",
        _cache_and(_raw("taken", b"mine")),
    ),
    (
        "train-arch-repeats-huge",
        ["train", ARCH.format("ir_r999999999_k3_s1_c16")],
        r"^ir\.r=999999999: must be at most",
    ),
    # config values of the wrong type, named by key path (int, float, bool, list, enum, mapping, str)
    ("train-lr-abc", ["train", "resnet18", "train.lr=abc"], r"^train\.lr=abc: expected a number$"),
    ("train-epochs-abc", ["train", "resnet18", "train.epochs=abc"], r"^train\.epochs=abc: expected an integer$"),
    ("train-epochs-float", ["train", "resnet18", "train.epochs=2.5"], r"^train\.epochs=2\.5: expected an integer$"),
    (
        "train-nesterov-maybe",
        ["train", "resnet18", "train.nesterov=maybe"],
        r"^train\.nesterov=maybe: expected true or false$",
    ),
    ("train-hflip-int", ["train", "resnet18", "train.hflip=1"], r"^train\.hflip=1: expected true or false$"),
    ("train-optimizer-int", ["train", "resnet18", "train.optimizer=1"], r"^train\.optimizer=1: expected a string$"),
    (
        "train-optimizer-enum",
        ["train", "resnet18", "train.optimizer=adam"],
        r"^train\.optimizer='adam': choose one of sgd, adamw$",
    ),
    (
        "train-schedule-enum",
        ["train", "resnet18", "train.schedule=linear"],
        r"^train\.schedule='linear': choose one of",
    ),
    ("train-device-tpu", ["train", "resnet18", "train.device=tpu"], r"^train\.device='tpu': must be cpu or cuda"),
    (
        "train-memory-format-enum",
        ["train", "resnet18", "train.memory_format=nhwc"],
        r"^train\.memory_format='nhwc': choose one of device, auto, channels_last, contiguous$",
    ),
    (
        "train-compile-maybe",
        ["train", "resnet18", "train.compile=maybe"],
        r"^train\.compile='maybe': must be true, false or auto$",
    ),
    (
        "train-crop-kernels-maybe",
        ["train", "resnet18", "train.crop_kernels=maybe"],
        r"^train\.crop_kernels=maybe: expected true or false$",
    ),
    (
        "train-fold-bn-maybe",
        ["train", "resnet18", "train.fold_bn=maybe"],
        r"^train\.fold_bn=maybe: expected true or false$",
    ),
    ("train-batch-0", ["train", "resnet18", "train.batch_size=0"], r"^train\.batch_size=0: must be an integer >= 1$"),
    (
        "train-momentum-1.5",
        ["train", "resnet18", "train.momentum=1.5"],
        r"^train\.momentum=1\.5: must be in \[0\.0, 1\.0\)$",
    ),
    ("train-lr-list", ["train", "resnet18", "train.lr=[1,2]"], r"^train\.lr=\[1, 2\]: expected a number$"),
    (
        "train-fault-unknown",
        ["train", "resnet18", "train.fault=boom@1"],
        r"^train\.fault=boom@1: cannot read 'boom@1'; expected KIND@EPOCH",
    ),
    ("train-fault-epoch-0", ["train", "resnet18", "train.fault=nan@0"], r"^train\.fault=nan@0: cannot read 'nan@0'"),
    ("train-fault-no-epoch", ["train", "resnet18", "train.fault=hang"], r"^train\.fault=hang: cannot read 'hang'"),
    (
        "train-timeout-negative",
        ["train", "resnet18", "train.timeout_s=-1"],
        r"^train\.timeout_s=-1: must be a number of seconds >= 0",
    ),
    ("train-timeout-abc", ["train", "resnet18", "train.timeout_s=abc"], r"^train\.timeout_s=abc: expected a number$"),
    ("train-seed-negative", ["train", "resnet18", "seed=-1"], r"^seed=-1: must be an integer in \[0, 4294967295\]$"),
    ("train-seed-abc", ["train", "resnet18", "seed=abc"], r"^seed=abc: must be an integer in \[0, 4294967295\]$"),
    (
        "train-measure-latency",
        ["train", "resnet18", "measure_latency=maybe"],
        r"^measure_latency=maybe: expected true or false$",
    ),
    (
        "data-resolution-abc",
        ["train", "resnet18", "data.resolution=abc"],
        r"^data\.resolution=abc: expected an integer$",
    ),
    ("data-channels-2", ["train", "resnet18", "data.channels=2"], r"^channels=2: must be 1 or 3$"),
    (
        "data-val-fraction-abc",
        ["train", "resnet18", "data.val_fraction=abc"],
        r"^data\.val_fraction=abc: expected a number$",
    ),
    ("data-options-int", ["train", "resnet18", "data.options=3"], r"^data\.options=3: expected a mapping"),
    (
        "data-root-int",
        ["train", "resnet18", "data=npz", "data.root=3"],
        r"^data\.root=3: expected a string \(or null\)$",
    ),
    ("proxy-width-abc", ["train", "resnet18", "proxy.width_mult=abc"], r"^proxy\.width_mult=abc: expected a number$"),
    (
        "objective-target-abc",
        ["train", "resnet18", "objective.target=abc"],
        r"^objective\.target=abc: expected a number$",
    ),
    ("objective-metric-int", ["train", "resnet18", "objective.metric=5"], r"^objective\.metric=5: expected a string$"),
    (
        "objective-metrics-unknown",
        ["search", "objective=multi", "objective.metrics=[macs,flops]"],
        r"^objective\.metrics=\['macs', 'flops'\]: unknown cost 'flops'; choose from macs, params, latency_ms$",
    ),
    (
        "objective-metrics-twice",
        ["search", "objective=multi", "objective.metrics=[macs,params,macs]"],
        r"^objective\.metrics=\['macs', 'params', 'macs'\]: 'macs' given twice$",
    ),
    (
        "objective-metrics-empty",
        ["search", "objective=multi", "objective.metrics=[]"],
        r"^objective\.metrics=\[\]: needs at least one cost \(macs, params, latency_ms\), or null$",
    ),
    (
        "objective-metrics-word",
        ["search", "objective=multi", "objective.metrics=macs"],
        r"^objective\.metrics=macs: expected a list of strings \(or null\)$",
    ),
    (
        "objective-metrics-reward-mode",
        ["search", "objective.metrics=[macs,params]"],
        r"^objective\.metrics=\['macs', 'params'\]: several costs are Pareto search: needs objective=multi",
    ),
    (
        "objective-metrics-latency-full",
        ["search", "objective=multi", "objective.metrics=[macs,latency_ms]", "objective.latency_measure=false"],
        r"^objective: latency_ms at scale=full needs objective\.latency_table=PATH",
    ),
    ("train-unknown-family", ["train", "resnet51"], r"^unknown family 'resnet51'"),
    ("train-unknown-timm-name", ["train", "timm:resnet51", "train=smoke"], r"^'timm:resnet51': nasx has no family"),
    (
        "train-timm-arch-def-option",
        ["train", 'timm:[["ds_r1_k3_s1_c16_nmi"]]', "train=smoke"],
        r"unknown activation 'nmi'",
    ),
    ("train-missing-export-dir", ["train", "{tmp}/exported/best"], r"^.*exported/best: no such directory \(expected"),
    ("train-missing-run-dir", ["train", "{tmp}/runs/gone:s0001"], r"^.*runs/gone: no such directory \(expected"),
    (
        "train-export-without-arch",
        ["train", "{tmp}/exp"],
        r"^.*exp: a directory; give RUN_DIR:TRIAL_ID or",
        _raw("exp/weights.pt", b""),
    ),
    # data roots
    (
        "npz-missing",
        ["train", "resnet18", "data=npz", "data.root={tmp}/nothing.npz"],
        r"^npz: .*nothing\.npz: does not exist",
    ),
    (
        "npz-broken-symlink",
        ["train", "resnet18", "data=npz", "data.root={tmp}/link.npz"],
        r"^npz: .*link\.npz: is a broken symbolic link \(to .*gone\)",
        _symlink("link.npz"),
    ),
    (
        "npz-labels-out-of-range",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*x\.npz: y holds label 1000000; labels must be below 100000 classes",
        _npz("x.npz", x=X8, y=np.where(LABELS == 1, 10**6, 0)),
    ),
    (
        "npz-negative-labels",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*y must be 20 non-negative integer labels",
        _npz("x.npz", x=X8, y=LABELS - 1),
    ),
    (
        "npz-count-mismatch",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*y must be 20 non-negative integer labels, got int64 \(19,\)",
        _npz("x.npz", x=X8, y=LABELS[:19]),
    ),
    (
        "npz-float-labels",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*y must be 20 non-negative integer labels, got float64",
        _npz("x.npz", x=X8, y=LABELS * 1.0),
    ),
    (
        "npz-images-out-of-range",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*x is float64 outside uint8 and floats in \[0, 1\]",
        _npz("x.npz", x=X8 + 2.0, y=LABELS),
    ),
    (
        "npz-images-1d",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*x has shape \(20,\)",
        _npz("x.npz", x=np.zeros(20, np.uint8), y=LABELS),
    ),
    (
        "npz-no-arrays",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*no arrays x and y \(found images\)",
        _npz("x.npz", images=X8),
    ),
    (
        "npz-x-without-y",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*x_test and y_test must come together",
        _npz("x.npz", x=X8, y=LABELS, x_test=X8),
    ),
    (
        "npz-declares-a-terabyte",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*x\.npz: x declares a \(1000000, 1000000\) uint8 array \(1000\.00GB\) but its member holds 192B",
        _npz_declaring_a_terabyte,
    ),
    (
        "npz-object-array",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*x\.npz: y is an array of Python objects \(a pickle\), which nasx does not load",
        _npz("x.npz", x=X8, y=np.array([object()] * 20, dtype=object)),
    ),
    (
        "npz-not-a-zip",
        ["train", "resnet18", "data=npz", "data.root={tmp}/x.npz"],
        r"^npz: .*x\.npz: unreadable",
        _raw("x.npz", b"PK\x03\x04 this is not a zip"),
    ),
    ("npz-is-a-directory", ["train", "resnet18", "data=npz", "data.root={tmp}"], r"^npz: .*: is not a file"),
    (
        "imagefolder-empty-class",
        ["train", "resnet18", "data=imagefolder", "data.root={tmp}/img"],
        r"^imagefolder: .*img/b: class folder holds no images",
        _images(empty_class=True),
    ),
    (
        "imagefolder-no-classes",
        ["train", "resnet18", "data=imagefolder", "data.root={tmp}/empty"],
        r"^imagefolder: .*empty: no class folders",
        _raw("empty/.keep", b""),
    ),
    (
        "imagefolder-unreadable-image",
        ["train", "resnet18", "data=imagefolder", "data.root={tmp}/img"],
        r"^imagefolder: .*0\.png: unreadable image",
        lambda tmp: (_images(False)(tmp), (tmp / "img" / "b" / "0.png").write_bytes(b"nope")),
    ),
    (
        "imagefolder-broken-symlink",
        ["train", "resnet18", "data=imagefolder", "data.root={tmp}/imgs"],
        r"^imagefolder: .*imgs: is a broken symbolic link",
        _symlink("imgs"),
    ),
    (
        "cifar-wrong-shapes",
        ["train", "resnet18", "data=cifar10", "data.root={tmp}/cifar"],
        r"^cifar10: .*data_batch_1: not a CIFAR-10 batch \(ValueError: cannot reshape",
        _cifar((10, 100)),
    ),
    (
        "imagefolder-fifo",
        ["train", "resnet18", "data=imagefolder", "data.root={tmp}/img"],
        r"^imagefolder: .*img/b/1\.png: a FIFO, not a regular file",
        _image_folder_with("1.png", os.mkfifo),
    ),
    (
        "imagefolder-pixel-bomb",
        ["train", "resnet18", "data=imagefolder", "data.root={tmp}/img"],
        r"^imagefolder: .*img/b/1\.png: an image of 900,000,000 pixels; nasx decodes at most 50,000,000 pixels",
        _image_folder_with("1.png", lambda p: p.write_bytes(_png_header(30000, 30000))),
    ),
    (
        "cifar-pickle-payload-well-formed",
        ["train", "resnet18", "data=cifar10", "data.root={tmp}/cifar"],
        r"^cifar10: .*data_batch_1: not a CIFAR-10 batch \(it names posix\.system, which a CIFAR-10 batch does "
        r"not hold; nothing was run\)",
        _cifar_payload(well_formed=True),
    ),
    (
        "cifar-pickle-payload-malformed",
        ["train", "resnet18", "data=cifar10", "data.root={tmp}/cifar"],
        r"^cifar10: .*data_batch_1: not a CIFAR-10 batch \(it names posix\.system",
        _cifar_payload(well_formed=False),
    ),
    (
        "cifar-missing-batches",
        ["train", "resnet18", "data=cifar10", "data.root={tmp}/cifar"],
        r"^cifar10: .*cifar: missing data_batch_1",
        _raw("cifar/readme", b""),
    ),
    (
        "cifar-broken-symlink",
        ["train", "resnet18", "data=cifar10", "data.root={tmp}/c10"],
        r"^cifar10: .*c10: is a broken symbolic link",
        _symlink("c10"),
    ),
    (
        "cifar-not-a-pickle",
        ["train", "resnet18", "data=cifar10", "data.root={tmp}/cifar"],
        r"^cifar10: .*data_batch_1: not a CIFAR-10 batch \(UnpicklingError",
        lambda tmp: [
            _raw(f"cifar/{n}", b"garbage")(tmp) for n in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
        ],
    ),
    # search: types, files, run directories
    ("search-lr-abc", ["search", "train.lr=abc"], r"^train\.lr=abc: expected a number$"),
    ("search-epochs-float", ["search", "train.epochs=2.5"], r"^train\.epochs=2\.5: expected an integer$"),
    ("search-asha-yes", ["search", "search.asha=yes"], r"^search\.asha=yes: expected true or false$"),
    ("search-grace-abc", ["search", "search.grace_epochs=abc"], r"^search\.grace_epochs=abc: expected an integer$"),
    ("search-eta-1", ["search", "search.reduction_factor=1"], r"^search\.reduction_factor=1: must be an integer >= 2$"),
    (
        "search-scheduler-unknown",
        ["search", "search.scheduler=successive_halving"],
        r"^search\.scheduler='successive_halving': choose one of asha, mo_asha, front_halving$",
    ),
    (
        "search-front-halving-one-objective",
        ["search", "search.scheduler=front_halving", "objective.mode=reward"],
        r"^search\.scheduler=front_halving: ranks a Pareto search's accuracy and costs; needs objective\.mode=multi",
    ),
    *(
        (
            f"search-cohort-{n}",
            ["search", "search.scheduler=front_halving", "objective.mode=multi", f"search.cohort={n}"],
            rf"^search\.cohort={n}: must be an integer >= 2$",
        )
        for n in ("1", "0", "-3")
    ),
    (
        "search-cohort-without-front-halving",
        ["search", "search.scheduler=mo_asha", "objective.mode=multi", "search.cohort=4"],
        r"^search\.cohort=4: needs search\.scheduler=front_halving \(trials per cohort\)$",
    ),
    (
        "search-mo-asha-one-objective",
        ["search", "search.scheduler=mo_asha", "objective.mode=reward"],
        r"^search\.scheduler=mo_asha: ranks a Pareto search's accuracy and costs; needs objective\.mode=multi",
    ),
    (
        "search-mo-asha-proxy-latency",
        [
            "search",
            "search.scheduler=mo_asha",
            "objective.mode=multi",
            "objective.metric=latency_ms",
            "objective.scale=proxy",
        ],
        r"^search\.scheduler=mo_asha: the proxy network's latency is measured after training, so a rung cannot rank it",
    ),
    (
        "search-rungs-not-increasing",
        ["search", "search.scheduler=mo_asha", "objective.mode=multi", "search.rungs=[2,1]"],
        r"^search\.rungs=\[2, 1\]: must be increasing epochs >= 1$",
    ),
    (
        "search-rungs-without-mo-asha",
        ["search", "search.rungs=[1,2]"],
        r"^search\.rungs: needs search\.scheduler=mo_asha or front_halving",
    ),
    (
        "search-asha-and-mo-asha",
        ["search", "search.asha=true", "search.scheduler=mo_asha", "objective.mode=multi"],
        r"^search\.asha=True: is scheduler=asha; it cannot go with search\.scheduler=mo_asha$",
    ),
    ("search-smoke-maybe", ["search", "smoke=maybe"], r"^smoke=maybe: expected true or false$"),
    (
        "search-tensorboard-maybe",
        ["search", "logging.tensorboard=maybe"],
        r"^logging\.tensorboard=maybe: expected true or false$",
    ),
    ("search-logging-number", ["search", "logging=5"], r"^logging=5: expected a mapping of logging settings$"),
    ("search-resume-maybe", ["search", "resume=maybe"], r"^resume=maybe: expected true or false$"),
    ("search-space-options-int", ["search", "space.options=3"], r"^space\.options=3: expected a mapping of options$"),
    (
        "search-search-options-int",
        ["search", "search.options=3"],
        r"^search\.options=3: expected a mapping of options$",
    ),
    (
        "search-max-concurrent-abc",
        ["search", "resources.max_concurrent=x"],
        r"^resources\.max_concurrent=x: expected an integer$",
    ),
    (
        "search-num-cpus-abc",
        ["search", "resources.num_cpus=abc"],
        r"^resources\.num_cpus=abc: expected an integer \(or null\)$",
    ),
    ("search-references-str", ["search", "references=abc"], r"^references='abc': must be a list of family names$"),
    (
        "search-references-timm-size",
        ["search", "references=[timm:efficientnet_b2]"],
        r"^references: 'timm:efficientnet_b2' is efficientnet_b2 at timm's 256x256, .*; use 'efficientnet_b2'$",
    ),
    ("search-scale-phis-str", ["search", "scale_phis=abc"], r"^scale_phis='abc': must be a list of numbers"),
    ("search-macs-str", ["search", "space.macs=abc"], r"^space\.macs=abc: must be null or \[min, max\]$"),
    ("search-macs-words", ["search", "space.macs=[a,b]"], r"^space\.macs=\[\"a\", \"b\"\]: bounds must be numbers$"),
    ("search-budget-abc", ["search", "budget=abc"], r"^budget=abc: must be a positive number of trials$"),
    ("search-name-unicode", ["search", "name='sörch'"], r"^name='sörch': must be a word"),
    ("search-address-int", ["search", "cluster.address=5"], r"^cluster\.address=5: must be null, auto or HOST:PORT$"),
    ("search-fault-bad", ["search", "train.fault=nan@x"], r"^train\.fault=nan@x: cannot read 'nan@x'"),
    (
        "search-data-broken-symlink",
        ["search", "data=npz", "data.root={tmp}/link.npz"],
        r"^data\.root=.*link\.npz: a broken symbolic link \(to .*gone; dataset npz\)$",
        _symlink("link.npz"),
    ),
    (
        "search-experiment-bad-yaml",
        ["search", "experiment=broken"],
        r"^.*conf/experiment/broken\.yaml: line 2, column \d+: not valid YAML \(",
        _experiment("broken", "budget: [1, 2\nx: : :\n"),
    ),
    (
        "search-experiment-list",
        ["search", "experiment=listed"],
        r"^.*conf/experiment/listed\.yaml: an experiment file must be a mapping .*; found a list$",
        _experiment("listed", "- 1\n- 2\n"),
    ),
    (
        "search-experiment-no-package",
        ["search", "experiment=nopkg"],
        r"^.*conf/experiment/nopkg\.yaml: an experiment file must be a mapping .*without its first line",
        _experiment("nopkg", "budget: 3\n"),
    ),
    (
        "search-run-dir-read-only",
        ["search", "smoke=true", "run_dir=/sys/nasx-run"],
        r"^run_dir=/sys/nasx-run: cannot write in /sys \((Operation not permitted|Permission denied)\)$",
    ),
    (
        "search-run-dir-locked",
        ["search", "smoke=true", "run_dir={tmp}/run"],
        r"^run_dir=.*/run is in use by pid \d+ \(a search, resume or confirm writing there\)",
        _locked,
    ),
    # resume
    (
        "resume-newer-config",
        ["resume", "{tmp}/run"],
        r"^.*run/config\.yaml: unknown key\(s\) placement; known: .*; was it written by a newer nasx\?$",
        _newer_config,
    ),
    (
        "resume-config-bad-yaml",
        ["resume", "{tmp}/run"],
        r"^.*run/config\.yaml: not readable YAML",
        _run_config("name: [unclosed\n"),
    ),
    (
        "resume-config-list",
        ["resume", "{tmp}/run"],
        r"^.*run/config\.yaml: expected a mapping of config keys$",
        _run_config("- 1\n"),
    ),
    ("resume-missing-dir", ["resume", "{tmp}/nowhere"], r"^run directory .*nowhere not found$"),
    (
        "resume-no-config",
        ["resume", "{tmp}/run"],
        r"^.*run/config\.yaml not found: .* is not the directory of a nasx search$",
        _raw("run/results.jsonl", b""),
    ),
    ("resume-lr-abc", ["resume", "{tmp}/run", "train.lr=abc"], r"^train\.lr=abc: expected a number$", _run_with_config),
    (
        "resume-unknown-key",
        ["resume", "{tmp}/run", "budgett=4"],
        r"^budgett: no such key in .*config\.yaml",
        _run_with_config,
    ),
    ("resume-locked", ["resume", "{tmp}/run"], r"^run_dir=.*/run is in use by pid \d+", _locked_resume),
    # supernet
    (
        "supernet-space-resnext",
        ["supernet", "space=resnext"],
        r"^resnext: `groups` \(cardinality\) sets the grouping of every 3x3 conv, so the weights",
    ),
    (
        "supernet-random-subnets-negative",
        ["supernet", "supernet.random_subnets=-1"],
        r"^supernet\.random_subnets=-1: must be a non-negative integer$",
    ),
    (
        "supernet-progressive-maybe",
        ["supernet", "supernet.progressive=maybe"],
        r"^supernet\.progressive=maybe: expected true or false$",
    ),
    (
        "supernet-progressive-compound",
        ["supernet", "space=compound", "supernet.progressive=true"],
        r"^supernet\.progressive=true: space compound declares no kernel-size or depth parameters",
    ),
    ("supernet-sweep", ["supernet", "seed=0,1"], r"^seed=0,1 sweeps several values: `nasx supernet` trains one"),
    (
        "supernet-resume-missing-dir",
        ["supernet", "resume=true", "run_dir={tmp}/nowhere"],
        r"^run directory .*nowhere not found$",
    ),
    ("supernet-resume-without-run-dir", ["supernet", "resume=true"], r"^resume=true needs run_dir=PATH"),
    (
        "supernet-resume-other-config",
        ["supernet", "resume=true", "run_dir={tmp}/run"],
        r"^resume: the configuration differs from .*run/config\.yaml at ",
        _run_with_config,
    ),
    (
        "supernet-run-dir-holds-a-run",
        ["supernet", "run_dir={tmp}/run"],
        r"^run_dir=.*/run already holds a run; resume it \(resume=true\) or choose another$",
        _run_with_config,
    ),
    # supernet.workers: data-parallel on Ray Train, refused before Ray starts
    ("supernet-workers-zero", ["supernet", "supernet.workers=0"], r"^supernet\.workers=0: must be an integer >= 1$"),
    ("supernet-workers-half", ["supernet", "supernet.workers=1.5"], r"^supernet\.workers=1\.5: expected an integer$"),
    (
        "supernet-workers-more-than-the-cpus",
        ["supernet", "supernet.workers=100000"],
        r"^supernet\.workers=100000: 100000 workers × 1 CPU \(resources\.cpus_per_trial\) need 100000 CPUs; "
        r"the local Ray \(this machine\) has \d+$",
    ),
    (
        "supernet-workers-more-than-num-cpus",
        ["supernet", "supernet.workers=2", "resources.cpus_per_trial=2", "resources.num_cpus=3"],
        r"^supernet\.workers=2: 2 workers × 2 CPU \(resources\.cpus_per_trial\) need 4 CPUs; "
        r"the local Ray \(resources\.num_cpus\) has 3$",
    ),
    (
        "supernet-workers-more-than-the-batch",
        ["supernet", "supernet.workers=2", "train.batch_size=1"],
        r"^supernet\.workers=2: more workers than images in a batch \(train\.batch_size=1\)$",
    ),
    # analyze: results rows
    (
        "analyze-row-not-object",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^.*run/results\.jsonl: line 2 is not a JSON object \(found list\)$",
        _rows(json.dumps(OK_ROW), "[1, 2, 3]", json.dumps(OK_ROW)),
    ),
    (
        "analyze-row-number",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^.*run/results\.jsonl: line 1 is not a JSON object \(found int\)$",
        _rows("5", json.dumps(OK_ROW)),
    ),
    (
        "analyze-numeric-string",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^.*run/results\.jsonl: line 2: val/top1='abc' is not a number$",
        _rows(json.dumps(OK_ROW), json.dumps({**OK_ROW, "val/top1": "abc"})),
    ),
    (
        "analyze-integer-fraction",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^.*run/results\.jsonl: line 1: order=1\.5 is not an integer$",
        _rows(json.dumps({**OK_ROW, "order": 1.5})),
    ),
    (
        "analyze-bool-number",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^.*run/results\.jsonl: line 1: macs=True is not an integer$",
        _rows(json.dumps({**OK_ROW, "macs": True})),
    ),
    (
        "analyze-torn-middle",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^.*run/results\.jsonl: line 1 is not a JSON object$",
        _rows('{"trial_id": "a", "sta', json.dumps(OK_ROW)),
    ),
    (
        "analyze-not-utf8",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^.*run/results\.jsonl: not UTF-8 text",
        _raw("run/results.jsonl", b'{"trial_id": "\xff\xfe"}\n'),
    ),
    ("analyze-missing-dir", ["analyze", "{tmp}/nowhere", "--no-figures"], r"^run directory not found: .*nowhere$"),
    ("analyze-no-table", ["analyze", "{tmp}/run", "--no-figures"], r"^.*run: no results table", _raw("run/notes", b"")),
    (
        "analyze-bad-parquet",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^.*results\.parquet: not a readable Parquet",
        _raw("run/results.parquet", b"PAR1 nonsense"),
    ),
    # export-optuna: the journal's path
    (
        "export-optuna-unwritable",
        ["export-optuna", "{tmp}/run", "--out", "/proc/x/optuna.log"],
        r"^cannot write the Optuna journal /proc/x/optuna\.log: No such file or directory$",
        _run_with_results,
    ),
    (
        "export-optuna-out-is-dir",
        ["export-optuna", "{tmp}/run", "--out", "{tmp}/run"],
        r"^cannot write the Optuna journal .*/run: it is a directory$",
        _run_with_results,
    ),
    ("export-optuna-missing-dir", ["export-optuna", "{tmp}/nowhere"], r"^run directory .*nowhere not found$"),
    (
        "export-optuna-no-config",
        ["export-optuna", "{tmp}/run"],
        r"^.*run/config\.yaml not found: .* is not the directory of a nasx search$",
        _rows(json.dumps(OK_ROW)),
    ),
    (
        "analyze-top-0",
        ["analyze", "{tmp}/run", "--top", "0"],
        r"^--top 0: must be at least 1$",
        _rows(json.dumps(OK_ROW)),
    ),
    # weight sharing: a supernet that is not there, not one, or not this search's
    (
        "supernet-without-run",
        ["search", "smoke=true", "evaluator=supernet"],
        r"^evaluator=supernet needs supernet\.run=DIR \(a run directory of `nasx supernet`\)$",
    ),
    (
        "supernet-run-missing",
        ["search", "smoke=true", "evaluator=supernet", "supernet.run={tmp}/none"],
        r"^supernet\.run=.*/none: no supernet\.pt there \(train one with `nasx supernet`\)$",
    ),
    (
        "supernet-run-corrupt",
        ["fidelity", "smoke=true", "supernet.run={tmp}/sn"],
        r"^.*/sn/supernet\.pt: not a readable supernet checkpoint \(\w+\)$",
        _raw("sn/supernet.pt", b"\x80garbage"),
    ),
    (
        "supernet-recalibration-zero",
        ["search", "smoke=true", "supernet.recalibration_images=0"],
        r"^supernet\.recalibration_images=0: must be an integer >= 1$",
    ),
    # the confirmation stage from a supernet's weights (confirm.init=inherited)
    (
        "confirm-init-unknown",
        ["confirm", "{tmp}/run", "init=warm"],
        r"^confirm\.init='warm': choose one of scratch, inherited$",
        _run_with_results,
    ),
    (
        "search-confirm-init-unknown",
        ["search", "smoke=true", "confirm.init=pretrained"],
        r"^confirm\.init='pretrained': choose one of scratch, inherited$",
    ),
    (
        "confirm-init-inherited-trained-search",
        ["confirm", "{tmp}/run", "init=inherited"],
        r"^confirm\.init=inherited needs a search scored with evaluator=supernet \(its supernet\.run holds the "
        r"weights to inherit\); this one has evaluator=train$",
        _run_with_results,
    ),
    (
        "search-confirm-init-inherited-trained",
        ["search", "smoke=true", "confirm.after_search=true", "confirm.init=inherited"],
        r"^confirm\.init=inherited needs a search scored with evaluator=supernet .*; this one has evaluator=train$",
    ),
    (
        "search-confirm-init-inherited-without-run",
        ["search", "smoke=true", "evaluator=supernet", "confirm.init=inherited"],
        r"^evaluator=supernet needs supernet\.run=DIR \(a run directory of `nasx supernet`\)$",
    ),
    (
        "confirm-init-inherited-supernet-missing",
        ["confirm", "{tmp}/run", "init=inherited"],
        r"^supernet\.run=.*/gone: no supernet\.pt there \(train one with `nasx supernet`\)$",
        _supernet_search("gone"),
    ),
    (
        "confirm-init-inherited-supernet-not-serving",
        ["confirm", "{tmp}/run", "init=inherited"],
        r"^supernet\.run=.*/sn: a supernet of space\.options=\{\}, this search has space\.options="
        r"\{'reference_widths': True\}$",
        _supernet_search("sn", other_supernet=True),
    ),
    # INT8 quantization (nasx.quantize): the dtype and the calibration size
    ("train-quantize-unknown", ["train", "resnet18", "quantize=int4"], r"^quantize='int4': choose one of int8$"),
    ("train-quantize-true", ["train", "resnet18", "quantize=true"], r"^quantize=True: choose one of int8$"),
    (
        "train-calibration-zero",
        ["train", "resnet18", "quantize=int8", "calibration_images=0"],
        r"^calibration_images=0: must be an integer >= 1$",
    ),
    (
        "train-calibration-abc",
        ["train", "resnet18", "calibration_images=abc"],
        r"^calibration_images=abc: must be an integer >= 1$",
    ),
    (
        "confirm-quantize-unknown",
        ["confirm", "{tmp}/run", "quantize=fp16"],
        r"^confirm\.quantize='fp16': choose one of int8$",
        _run_with_results,
    ),
    (
        "confirm-calibration-negative",
        ["confirm", "{tmp}/run", "quantize=int8", "calibration_images=-5"],
        r"^confirm\.calibration_images=-5: must be an integer >= 1$",
        _run_with_results,
    ),
    (
        "search-confirm-quantize-unknown",
        ["search", "smoke=true", "confirm.quantize=int16"],
        r"^confirm\.quantize='int16': choose one of int8$",
    ),
    # a fidelity study's supernet rungs: trained by the study, or given, never both; variants and sizes checked
    (
        "fidelity-supernet-train-and-run",
        ["fidelity", "smoke=true", "supernet.train=true", "supernet.run={tmp}/sn"],
        r"^supernet\.train=true trains the study's own supernets and supernet\.run gives them: set one of the two$",
    ),
    (
        "fidelity-supernet-seeds-zero",
        ["fidelity", "smoke=true", "supernet.train=true", "supernet.seeds=0"],
        r"^supernet\.seeds=0: must be an integer >= 1$",
    ),
    (
        "fidelity-supernet-variant-unknown-key",
        ["fidelity", "smoke=true", "supernet.train=true", "supernet.variants={fast: {epochs: 3}}"],
        r"^supernet\.variants\.fast: unknown key\(s\) epochs; known: sampling, random_subnets, distill, progressive, ",
    ),
    (
        "fidelity-supernet-variant-sampling",
        ["fidelity", "smoke=true", "supernet.train=true", "supernet.variants={spos: {sampling: single}}"],
        r"^supernet\.variants\.spos: supernet\.sampling='single': choose one of sandwich, uniform$",
    ),
    (
        "fidelity-supernet-variant-name",
        ["fidelity", "smoke=true", "supernet.train=true", "supernet.variants={r250: {}}"],
        r"^supernet\.variants='r250': must be a word of letters, digits and _ starting with a letter \(not r<N>",
    ),
    (
        "fidelity-supernet-variants-without-train",
        ["fidelity", "smoke=true", "supernet.run={tmp}/sn", "supernet.variants={uniform: {sampling: uniform}}"],
        r"^supernet\.variants: the study trains its variants; set supernet\.train=true",
    ),
    (
        "fidelity-supernet-recalibration-zero",
        ["fidelity", "smoke=true", "supernet.train=true", "supernet.recalibration_images=[250,0]"],
        r"^supernet\.recalibration_images=\[250, 0\]: must be an integer >= 1 or a list of them \(one rung each\)$",
    ),
    (
        "fidelity-supernet-space-resnext",
        ["fidelity", "smoke=true", "space=resnext", "supernet.train=true"],
        r"^resnext: `groups` \(cardinality\) sets the grouping of every 3x3 conv",
    ),
    (
        "fidelity-supernet-run-list-not-serving",
        ["fidelity", "smoke=true", "supernet.run=[{tmp}/a,{tmp}/b]"],
        r"^supernet\.run=.*/b: a supernet of proxy\.width_mult=0\.125, this search has proxy\.width_mult=0\.25$",
        _supernets(("a", 0, 0.25), ("b", 1, 0.125)),
    ),
    (
        "fidelity-supernet-run-list-one-seed",
        ["fidelity", "smoke=true", "supernet.run=[{tmp}/a,{tmp}/b]"],
        r"^supernet\.run: .*/a and .*/b are both seed 0; a rung's supernets are one variant under several seeds$",
        _supernets(("a", 0, 0.25), ("b", 0, 0.25)),
    ),
    (
        "fidelity-supernets-of-an-earlier-study",
        ["fidelity", "smoke=true", "supernet.train=true", "run_dir={tmp}/run"],
        r"^run_dir=.*/run already holds a study's supernets \(.*/run/supernets\); resume it \(resume=true\)",
        _raw("run/supernets/sandwich-s0/config.yaml", b"name: x\n"),
    ),
    (
        "supernet-sampling-unknown",
        ["supernet", "supernet.sampling=single"],
        r"^supernet\.sampling='single': choose one of sandwich, uniform$",
    ),
    (
        "supernet-progressive-uniform",
        ["supernet", "supernet.sampling=uniform", "supernet.progressive=true"],
        r"^supernet\.progressive=true: progressive shrinking starts from the largest network, which supernet\.sampling",
    ),
    (
        "evaluator-unknown",
        ["search", "smoke=true", "evaluator=oracle"],
        r"^evaluator='oracle': choose one of train, supernet$",
    ),
    # the user config path and Hydra's flags
    (
        "config-dir-missing",
        ["search", "--config-dir", "{tmp}/nowhere"],
        r"^--config-dir .*/nowhere: no such directory$",
    ),
    (
        "config-dir-file",
        ["train", "resnet18", "--config-dir", "{tmp}/x.yaml"],
        r"^--config-dir .*/x\.yaml: not a directory$",
        _raw("x.yaml", b"budget: 1\n"),
    ),
    (
        "resume-alias-bomb",
        ["resume", "{tmp}/run"],
        r"^.*/run/config\.yaml: YAML of more than 50,000 values once its aliases \(\*name\) are expanded",
        _run_config(LAUGHS),
    ),
    (
        "confirm-alias-bomb",
        ["confirm", "{tmp}/run"],
        r"^.*/run/config\.yaml: YAML of more than 50,000 values once its aliases",
        _run_config(LAUGHS),
    ),
    (
        "export-optuna-alias-bomb",
        ["export-optuna", "{tmp}/run", "--out", "{tmp}/optuna.log"],
        r"^.*/run/config\.yaml: YAML of more than 50,000 values once its aliases",
        _run_config(LAUGHS),
    ),
    (
        "config-dir-alias-bomb",
        ["search", "--config-dir", "{tmp}/mine", "experiment=laughs"],
        r"^.*/mine/experiment/laughs\.yaml: YAML of more than 50,000 values once its aliases",
        _user_conf("experiment/laughs.yaml", "# @package _global_\n" + LAUGHS),
    ),
    (
        "config-dir-deep-yaml",
        ["search", "--config-dir", "{tmp}/mine", "experiment=deep"],
        r"^.*/mine/experiment/deep\.yaml: YAML nested deeper than 64 levels$",
        _user_conf("experiment/deep.yaml", "# @package _global_\nx: " + "[" * 10000 + "]" * 10000 + "\n"),
    ),
    (
        "resume-config-is-a-fifo",
        ["resume", "{tmp}/run"],
        r"^.*/run/config\.yaml: not a regular file$",
        lambda tmp: ((tmp / "run").mkdir(), os.mkfifo(tmp / "run" / "config.yaml")),
    ),
    (
        "config-dir-bad-yaml",
        ["search", "--config-dir", "{tmp}/mine", "experiment=broken"],
        r"^.*/mine/experiment/broken\.yaml: line 3, column 1: not valid YAML",
        _user_conf("experiment/broken.yaml", "# @package _global_\nbudget: [1\n"),
    ),
    (
        "config-dir-bad-primary",
        ["fidelity", "--config-dir", "{tmp}/mine"],
        r"^.*/mine/fidelity\.yaml: line 2, column 1: not valid YAML",
        _user_conf("fidelity.yaml", "name: {oops\n"),
    ),
    (
        "config-path-env-missing",
        ["search", "smoke=true"],
        r"^NASX_CONFIG_PATH .*/gone: no such directory$",
        _env(NASX_CONFIG_PATH="{tmp}/gone"),
    ),
    ("cfg-hydra", ["search", "--cfg", "hydra"], r"^--cfg hydra: only `--cfg job` .* is available"),
    ("cfg-all", ["fidelity", "--cfg", "all"], r"^--cfg all: only `--cfg job`"),
    ("package-without-cfg", ["search", "--package", "train"], r"^--package train: only meaningful with --cfg job$"),
    (
        "package-unknown",
        ["search", "--cfg", "job", "--package", "train.nope"],
        r"^--package train\.nope: no such key in the composed config$",
    ),
    (
        "ray-client-address",
        ["search", "smoke=true", "cluster.address=ray://head:10001"],
        r"^cluster\.address=ray://head:10001: Ray Client \(ray://\) addresses are not supported",
    ),
    (
        "ray-client-env",
        ["search", "smoke=true"],
        r"^RAY_ADDRESS=ray://head:10001: Ray Client \(ray://\) addresses are not",
        _env(RAY_ADDRESS="ray://head:10001"),
    ),
    ("completion-zsh", ["completion", "zsh"], r"^shell 'zsh': only bash is supported$"),
    (
        "ray-address-env-unreachable",
        ["search", "smoke=true"],
        r"^cluster\.address=127\.0\.0\.1:1: nothing answers there",
        _env(RAY_ADDRESS="127.0.0.1:1"),
    ),
    (
        "analyze-linked-report",
        ["analyze", "{tmp}/run"],
        r"^.*/run/report\.md: is a symbolic link; nasx follows no link inside a run directory",
        _run_linking("report.md"),
    ),
    (
        "analyze-linked-lock",
        ["analyze", "{tmp}/run"],
        r"^.*/run/writer\.lock: is a symbolic link",
        _run_linking("writer.lock"),
    ),
    (
        "export-linked-weights",
        ["export", "{tmp}/run", "a", "--out", "{tmp}/out"],
        r"^.*/run/weights/a\.pt: is a symbolic link",
        _run_linking("weights/a.pt"),
    ),
    (
        "resume-linked-lock",
        ["resume", "{tmp}/run"],
        r"^.*/run/writer\.lock: is a symbolic link",
        _run_linking("writer.lock"),
    ),
    (
        "confirm-linked-results",
        ["confirm", "{tmp}/run"],
        r"^.*/run/results\.csv: is a symbolic link",
        _run_linking("results.csv"),
    ),
    (
        "resume-ray-client-env",
        ["resume", "{tmp}/run"],
        r"^RAY_ADDRESS=ray://head:10001: Ray Client",
        lambda tmp: (_run_with_config(tmp), {"RAY_ADDRESS": "ray://head:10001"})[1],
    ),
    # latency of the full-scale network as the objective
    (
        "search-latency-no-table-no-measure",
        ["search", "objective.metric=latency_ms", "objective.latency_measure=false"],
        r"^objective: latency_ms at scale=full needs objective\.latency_table=PATH",
    ),
    (
        "search-latency-table-missing",
        ["search", "objective.metric=latency_ms", "objective.latency_table=missing.json"],
        r"^latency table missing\.json: no such file$",
    ),
    (
        "search-latency-table-other-batch",
        ["search", "objective.metric=latency_ms", "objective.latency_table=t.json"],
        r"^objective\.latency_table=t\.json: the latency table was measured with batch=4, not batch=1$",
        _latency_table("t.json", setting=Setting(batch=4)),
    ),
    (
        "search-latency-table-other-space",
        ["search", "objective.metric=latency_ms", "objective.latency_table=t.json", "space=resnext"],
        r"^objective\.latency_table=t\.json: the table covers space mnasnet, not space resnext$",
        _latency_table("t.json"),
    ),
    (
        "search-latency-table-other-machine",
        ["search", "objective.metric=latency_ms", "objective.latency_table=t.json"],
        r"^objective\.latency_table=t\.json: the latency table was measured on another machine: "
        r"device_name 'elsewhere'",
        _latency_table("t.json", fingerprint={"device_name": "elsewhere"}),
    ),
    (
        "search-latency-batch-zero",
        ["search", "objective.metric=latency_ms", "objective.batch=0"],
        r"^objective\.batch=0: must be an integer >= 1$",
    ),
    (
        "search-latency-device-tpu",
        ["search", "objective.metric=latency_ms", "objective.device=tpu"],
        r"^objective\.device='tpu': choose one of cpu, cuda$",
    ),
    (
        "search-latency-budget-without-latency",
        ["search", "space.latency_ms=[0,30]"],
        r"^space\.latency_ms needs the full-scale latency it bounds",
    ),
    # refuse before working: every number in range, every limit counted before the work it bounds
    (
        "objective-alpha-nan",
        ["train", "resnet18", "objective.alpha=nan"],
        r"^objective\.alpha=nan: must be a finite number$",
    ),
    ("objective-beta-inf", ["search", "objective.beta=-inf"], r"^objective\.beta=-inf: must be a finite number$"),
    ("train-lr-inf", ["train", "resnet18", "train.lr=inf"], r"^train\.lr=inf: must be a finite number > 0$"),
    (
        "train-weight-decay-inf",
        ["search", "train.weight_decay=inf"],
        r"^train\.weight_decay=inf: must be a finite number >= 0$",
    ),
    (
        "data-val-fraction-nan",
        ["train", "resnet18", "data.val_fraction=nan"],
        r"^data\.val_fraction=nan: must be in \[0\.0, 1\.0\)$",
    ),
    ("proxy-width-zero", ["search", "proxy.width_mult=0"], r"^proxy\.width_mult=0: must be in \(0, 64\.0\]$"),
    ("proxy-width-negative", ["train", "resnet18", "proxy.width_mult=-0.5"], r"^proxy\.width_mult=-0\.5: must be in"),
    (
        "proxy-stem-stride-zero",
        ["search", "proxy.stem_stride=0"],
        r"^proxy\.stem_stride=0: must be an integer in \[1, 64\]$",
    ),
    (
        "train-crop-pad-huge",
        ["train", "resnet18", "train.crop_pad=100000"],
        r"^train\.crop_pad=100000: must be an integer in \[0, 256\]$",
    ),
    (
        "train-threads-huge",
        ["train", "resnet18", "train.threads=100000"],
        r"^train\.threads=100000: must be an integer in \[0, 1024\]$",
    ),
    (
        "data-resolution-huge",
        ["train", "resnet18", "data.resolution=100000"],
        r"^resolution=100000: must be an integer in \[1, 4096\]$",
    ),
    (
        "data-resolution-out-of-memory",
        ["search", "data=mnist5k", "data.resolution=4096"],
        r"^data\.resolution=4096: loading the 5,000 images of mnist5k at 4096x4096 takes at least [0-9.]+GB, more than",
    ),
    (
        "seed-2-to-the-64",
        ["search", "seed=18446744073709551616"],
        r"^seed=18446744073709551616: must be an integer in \[0, 4294967295\]$",
    ),
    ("train-seed-2-to-the-32", ["train", "resnet18", "seed=4294967296"], r"^seed=4294967296: must be an integer in"),
    (
        "search-grace-epochs-zero",
        ["search", "search.grace_epochs=0"],
        r"^search\.grace_epochs=0: must be an integer >= 1$",
    ),
    (
        "resources-num-cpus-negative",
        ["search", "resources.num_cpus=-1"],
        r"^resources\.num_cpus=-1: must be null \(all of this machine's\) or a non-negative integer$",
    ),
    (
        "network-needs-terabytes",
        ["train", ARCH.format("cn_r1_k3_s1_c65536"), "train.batch_size=65536"],
        r"^the network needs at least [0-9.]+GB of memory to train at train\.batch_size=65536 \(16,781,322 activations",
    ),
    (
        "save-under-a-file",
        ["train", "resnet18", "save={tmp}/x.txt/out"],
        r"^save=.*/x\.txt/out: .*/x\.txt is not a directory$",
        _raw("x.txt", b"x"),
    ),
    (
        "run-dir-under-a-file",
        ["search", "smoke=true", "run_dir={tmp}/x.txt/run"],
        r"^run_dir=.*/x\.txt/run: .*/x\.txt is not a directory$",
        _raw("x.txt", b"x"),
    ),
    ("save-in-proc", ["train", "resnet18", "save=/proc/nasx-out"], r"^save=/proc/nasx-out: cannot write in /proc"),
    (
        "space-samples-huge",
        ["space", "mnasnet", "--samples", "100000000"],
        r"^--samples 100000000: must be in \[1, 100,000\]$",
    ),
    (
        "space-seed-negative",
        ["space", "mnasnet", "--seed", "-1"],
        r"^--seed -1: must be an integer in \[0, 4294967295\]$",
    ),
    (
        "multirun-billion-jobs",
        ["search", "-m", "seed=range(0,1000000000)"],
        r"^-m: the sweep makes 1,000,000,000 searches, at most 100 in one command",
    ),
    (
        "multirun-product-of-sweeps",
        ["search", "-m", "seed=range(0,20)", "budget=1,2,3,4,5,6"],
        r"^-m: the sweep makes 120 searches, at most 100",
    ),
    (
        "timm-json-deep",
        ["profile", "timm:" + "[" * 100 + "]" * 100],
        r"^timm arch_def: nested 100 levels deep, at most 8$",
    ),
    (
        "timm-json-long",
        ["profile", "timm:" + "[" * 5000 + "]" * 5000],
        r"^timm arch_def: 10,000 characters, at most 8192$",
    ),
    (
        "arch-string-long",
        ["profile", "res32_cls10|" + "x" * 9000],
        r"^malformed arch string: 9012 characters, at most 8192$",
    ),
    (
        "resources-cpus-no-node-has",
        ["search", "smoke=true", "resources.cpus_per_trial=100000"],
        r"^resources\.cpus_per_trial=100000, resources\.gpus_per_trial=0: no node of the local Ray offers that",
    ),
    (
        "resources-gpus-on-a-cpu-ray",
        ["search", "resources.gpus_per_trial=1", "resources.num_gpus=0", "train.device=cpu"],
        r"^resources\.cpus_per_trial=1, resources\.gpus_per_trial=1: no node of the local Ray offers that \(1 node, "
        r"the most CPUs [0-9]+, the most GPUs 0\)",
    ),
    (
        "resources-gpu-share-not-dividing",
        ["search", "resources.gpus_per_trial=0.3", "train.device=cpu"],
        r"^resources\.gpus_per_trial=0\.3: must divide a GPU: 0, a whole number of GPUs, or 1/N of one",
    ),
    (
        "train-compile-without-compiler",
        ["search", "smoke=true", "train.compile=true"],
        r"^train\.compile=true: torch\.compile has no working compiler backend on cpu \(.*C\+\+ compiler.*\); "
        r"set train\.compile=false$",
        _env(CXX="{tmp}/no-such-compiler"),
    ),
    (
        "train-cmd-compile-without-compiler",
        ["train", "resnet18", "data.resolution=8", "train=smoke", "train.compile=true"],
        r"^train\.compile=true: torch\.compile has no working compiler backend on cpu",
        _env(CXX="{tmp}/no-such-compiler"),
    ),
    (
        "train-compile-auto-without-compiler",  # auto may compile: it needs a backend as much as true
        ["search", "smoke=true", "train.compile=auto"],
        r"^train\.compile=auto: torch\.compile has no working compiler backend on cpu \(.*\); "
        r"set train\.compile=false$",
        _env(CXX="{tmp}/no-such-compiler"),
    ),
    (
        "confirm-cluster-gone",
        ["confirm", "{tmp}/run"],
        r"^cluster\.address=127\.0\.0\.1:1: nothing answers there",
        _run_on_cluster("127.0.0.1:1"),
    ),
    # a run's record: the lock before any write, never --out onto a record file, a shorter log is damage
    (
        "fidelity-run-dir-locked",
        ["fidelity", "smoke=true", "references=[]", "run_dir={tmp}/run"],
        r"^run_dir=.*/run is in use by pid \d+ \(a search, resume or confirm writing there\)",
        _locked,
    ),
    (
        "supernet-run-dir-locked",
        ["supernet", "smoke=true", "run_dir={tmp}/run"],
        r"^run_dir=.*/run is in use by pid \d+",
        _locked,
    ),
    ("confirm-locked", ["confirm", "{tmp}/run"], r"^run_dir=.*/run is in use by pid \d+", _locked_run),
    (
        "analyze-locked",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^run_dir=.*/run is in use by pid \d+ .*; or write the report elsewhere with --out DIR$",
        _locked_run,
    ),
    ("export-optuna-locked", ["export-optuna", "{tmp}/run"], r"^run_dir=.*/run is in use by pid \d+", _locked_run),
    (
        "export-optuna-out-inside-a-locked-run",
        ["export-optuna", "{tmp}/run", "--out", "{tmp}/run/journal.log"],
        r"^run_dir=.*/run is in use by pid \d+",
        _locked_run,
    ),
    (
        "export-into-a-locked-run",
        ["export", "{tmp}/run", "s0001", "--out", "{tmp}/run/exported"],
        r"^run_dir=.*/run is in use by pid \d+",
        _locked_run,
    ),
    (
        "export-optuna-out-onto-the-results-log",
        ["export-optuna", "{tmp}/run", "--out", "{tmp}/run/results.jsonl", "--force"],
        r"^--out .*/run/results\.jsonl: results\.jsonl belongs to the record of the run in .*/run; nasx never "
        r"writes over it \(choose another path\)$",
        _run_with_results,
    ),
    (
        "export-optuna-out-onto-the-config",
        ["export-optuna", "{tmp}/run", "--out", "{tmp}/run/config.yaml"],
        r"^--out .*/run/config\.yaml: config\.yaml belongs to the record of the run",
        _run_with_results,
    ),
    (
        "export-optuna-out-onto-a-part",
        ["export-optuna", "{tmp}/run", "--out", "{tmp}/run/results.parts/x.parquet", "--force"],
        r"^--out .*/run/results\.parts/x\.parquet: results\.parts belongs to the record of the run",
        _run_with_results,
    ),
    (
        "export-optuna-out-onto-an-existing-file",
        ["export-optuna", "{tmp}/run", "--out", "{tmp}/mine.log"],
        r"^--out .*/mine\.log: the file exists; add --force to replace it$",
        lambda tmp: (_run_with_results(tmp), _raw("mine.log", b"keep me\n")(tmp)),
    ),
    (
        "export-into-the-weights-of-a-run",
        ["export", "{tmp}/run", "a", "--out", "{tmp}/run/weights"],
        r"^--out .*/run/weights: weights belongs to the record of the run",
        _run_with_results,
    ),
    (
        "analyze-log-shorter-than-its-view",
        ["analyze", "{tmp}/run", "--no-figures"],
        r"^.*run/results\.jsonl: holds \d+ bytes \(2 rows\), but results\.parquet was built from \d+ bytes \(3 rows\): "
        r"the log has lost rows; both files are kept as they are",
        _views_of(3, keep=2),
    ),
    (
        "resume-log-shorter-than-its-view",
        ["resume", "{tmp}/run"],
        r"^.*run/results\.jsonl: holds \d+ bytes \(1 rows\), but results\.parquet was built from \d+ bytes \(3 rows\)",
        lambda tmp: (_run_with_config(tmp), _views_of(3, keep=1)(tmp)),
    ),
    (
        "resume-config-incomplete",
        ["resume", "{tmp}/run"],
        r"^.*run/config\.yaml: incomplete: no budget, search, search\.asha, search\.asha_metric, search\.grace_epochs, "
        r"search\.name, search\.options, search\.reduction_factor; .*nasx does not guess them",
        _incomplete_config,
    ),
    (
        "export-out-read-only",
        ["export", "{tmp}/run", "a", "--out", "/sys/nasx-export"],
        r"^--out=/sys/nasx-export: cannot write in /sys \((Operation not permitted|Permission denied)\)$",
        _rows(json.dumps(OK_ROW)),
    ),
    (
        "export-out-under-a-file",
        ["export", "{tmp}/run", "a", "--out", "{tmp}/notes/out"],
        r"^--out=.*/notes/out: .*/notes is not a directory$",
        lambda tmp: (_rows(json.dumps(OK_ROW))(tmp), _raw("notes", b"mine")(tmp)),
    ),
    (
        "analyze-out-read-only",
        ["analyze", "{tmp}/run", "--out", "/sys/nasx-report"],
        r"^--out=/sys/nasx-report: cannot write in /sys \((Operation not permitted|Permission denied)\)$",
        _rows(json.dumps(OK_ROW)),
    ),
    (
        "analyze-out-under-a-file",
        ["analyze", "{tmp}/run", "--out", "{tmp}/notes/report"],
        r"^--out=.*/notes/report: .*/notes is not a directory$",
        lambda tmp: (_rows(json.dumps(OK_ROW))(tmp), _raw("notes", b"mine")(tmp)),
    ),
    (
        "confirm-config-incomplete",
        ["confirm", "{tmp}/run"],
        r"^.*run/config\.yaml: incomplete: no budget, search, search\.asha, search\.asha_metric, search\.grace_epochs, "
        r"search\.name, search\.options, search\.reduction_factor; .*nasx does not guess them \(restore the file\)$",
        _incomplete_config,
    ),
    (
        "export-optuna-damaged-view-without-log",
        ["export-optuna", "{tmp}/run"],
        r"^.*run/results\.parquet: its contents do not match their seal, and there is no results\.jsonl to rebuild",
        lambda tmp: (_run_with_config(tmp), _views_of(2)(tmp), _tamper(tmp / "run")),
    ),
    # `nasx latency table ...`
    ("latency-table-batch-zero", ["latency", "table", "--batch", "0"], r"^--batch=0: must be an integer >= 1$"),
    (
        "latency-table-threads-negative",
        ["latency", "table", "--threads", "-1"],
        r"^--threads=-1: must be an integer >= 1$",
    ),
    (
        "latency-table-device-unknown",
        ["latency", "table", "--device", "tpu"],
        r"^--device='tpu': choose one of cpu, cuda$",
    ),
    (
        "latency-table-dtype-unknown",
        ["latency", "table", "--dtype", "fp16"],
        r"^--dtype='fp16': choose one of fp32, bf16, int8$",
    ),
    (
        "latency-table-space-unknown",
        ["latency", "table", "--space", "nope"],
        r"^--space='nope': choose one of anynet, compound, mnasnet",
    ),
    (
        "latency-table-validate-negative",
        ["latency", "table", "--validate", "-1"],
        r"^--validate=-1: must be a non-negative integer$",
    ),
    (
        "latency-table-out-other-batch",
        ["latency", "table", "--out", "t.json"],
        r"^--out t\.json: the latency table was measured with batch=4, not batch=1; choose another --out$",
        _latency_table("t.json", setting=Setting(batch=4)),
    ),
    (
        "latency-table-out-other-space",
        ["latency", "table", "--space", "resnext", "--out", "t.json"],
        r"^--out t\.json holds the latency table of space mnasnet, not resnext$",
        _latency_table("t.json"),
    ),
    (
        "latency-table-out-not-a-table",
        ["latency", "table", "--out", "t.json"],
        r"^latency table t\.json: cannot be read",
        _raw("t.json", b"{"),
    ),
]


def _tamper(run_dir):
    """results.parquet rewritten with another value under its old metadata and seal; the log moved away."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(run_dir / "results.parquet")
    column = table.schema.get_field_index("val/top1")
    table = table.set_column(column, "val/top1", pa.array([0.5, 0.9]))
    pq.write_table(table, run_dir / "results.parquet")
    (run_dir / "results.jsonl").rename(run_dir.parent / "results.jsonl.moved")


def _tree(root: Path) -> dict[str, str]:
    """Every path under `root`: a file's sha256 and modification time, a link's target, a directory's entries,
    another kind of file's mode."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {path.stat().st_mtime_ns}"
        elif path.is_dir():
            out[rel] = "dir " + ",".join(sorted(os.listdir(path)))
        else:  # a FIFO, socket or device: never opened
            out[rel] = f"special {path.lstat().st_mode:o}"
    return out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path, monkeypatch, capsys):
    name, argv, message = case[:3]
    make = case[3] if len(case) > 3 else None
    shutil.copytree(compose.CONF_DIR, tmp_path / "conf")
    monkeypatch.setattr(compose, "CONF_DIR", tmp_path / "conf")
    monkeypatch.chdir(tmp_path)
    holder = make(tmp_path) if make else None
    for key, value in holder.items() if isinstance(holder, dict) else ():
        monkeypatch.setenv(key, value)
    try:
        before = _tree(tmp_path)
        code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
        out, err = capsys.readouterr()
        assert code == 2, (out, err)
        assert out == ""
        command = argv[0]
        assert err.startswith(f"nasx {command}: error: ") and err.endswith("\n") and err.count("\n") == 1, err
        assert re.search(message, err[len(f"nasx {command}: error: ") : -1]), err
        assert _tree(tmp_path) == before  # nothing written, nothing changed
    finally:
        if isinstance(holder, subprocess.Popen):
            holder.kill()
            holder.wait()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["profile", ARCH.format("ir_r999999999_k3_s1_c16")], "ir.r=999999999: must be at most 1024"),
        (["profile", ARCH.format("ir_r1_k3_s1_c２４")], "non-ASCII character"),
        (["train", "resnet18", "train.lr=abc"], "train.lr=abc: expected a number"),
    ],
)
def test_the_installed_command_exits_2_at_once(args, fragment):
    result = subprocess.run(
        [sys.executable, "-m", "nasx", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and fragment in result.stderr and "Traceback" not in result.stderr


def test_gpus_per_trial_without_cuda_say_why_the_device_is_cuda(tmp_path, monkeypatch, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    monkeypatch.chdir(tmp_path)
    assert main(["search", "resources=gpu_shared"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == (
        "nasx search: error: train.device=cuda: CUDA is not available on this machine "
        "(resources.gpus_per_trial=0.25 asks for GPUs; train.device=cpu runs on CPUs)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_latency_table_on_cuda_without_cuda_is_refused(tmp_path, monkeypatch, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    monkeypatch.chdir(tmp_path)
    assert main(["latency", "table", "--device", "cuda"]) == 2
    assert capsys.readouterr().err == "nasx latency: error: device=cuda: CUDA is not available on this machine\n"
    assert list(tmp_path.iterdir()) == []


def test_a_network_that_does_not_quantize_is_named_before_training(tmp_path, monkeypatch, capsys):
    """No nasx block fails to quantize; a BasicBlock made untraceable (data-dependent control flow) stands in for
    one that would: `nasx train quantize=int8` names it in one line, exit 2, before anything is trained or saved."""
    from nasx.build.resnet import BasicBlock

    def data_dependent(self, x):
        return x if x.sum() > 0 else -x

    monkeypatch.setattr(BasicBlock, "forward", data_dependent)
    monkeypatch.chdir(tmp_path)
    arch = "res8_cls10|stem:cn_r1_k3_s1_c16|ir_r1_k3_s1_e2_c16|basic_r1_s2_c24|head:"
    code = main(["train", arch, "data.resolution=8", "quantize=int8", f"save={tmp_path / 'out'}"])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert re.match(r"^nasx train: error: stages\[1\] \(basic_r1_s2_c24\) does not quantize: TraceError: ", err), err
    assert "epoch" not in out and list(tmp_path.iterdir()) == []
