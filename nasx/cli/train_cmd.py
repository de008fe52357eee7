"""`nasx train ARCH_OR_FAMILY_OR_RUN:TRIAL [key=value ...]`: train one network at proxy scale and score it."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from nasx.cli import hydra_flags

if TYPE_CHECKING:  # imported where used: `nasx --help` stays light
    from nasx.arch.spec import ArchSpec
    from nasx.cli.convert import TrainSetup
    from nasx.data.dataset import Dataset


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train one family, arch string or trial of a run at proxy scale, print accuracy and reward",
        description="Overrides use Hydra syntax on conf/train.yaml: data=cifar10 data.root=PATH "
        "train.epochs=5 objective=hard proxy.width_mult=0.5 seed=1 save=DIR quantize=int8",
    )
    p.add_argument(
        "arch",
        metavar="ARCH_OR_FAMILY_OR_RUN:TRIAL",
        help="a family name (see `nasx families`; timm:NAME for timm's name), an arch string, "
        "RUN_DIR:TRIAL_ID (the network that trial trained) or a directory written by `nasx export`",
    )
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="Hydra overrides of conf/train.yaml")
    p.add_argument("--json", action="store_true", help="print the results row as JSON instead of progress lines")
    hydra_flags.add_arguments(p)
    p.set_defaults(run=run)


def trained_and_full(text: str) -> tuple[str, str] | None:
    """(trained arch string, full-scale arch string) of `RUN_DIR:TRIAL_ID` or of an export directory;
    None when `text` is neither."""
    from nasx.families.registry import TIMM_PREFIX
    from nasx.results.lookup import trial_row

    if "|" in text or text.startswith(TIMM_PREFIX):
        return None
    if Path(text).is_dir() and (Path(text) / "proxy_arch.txt").is_file():
        folder = Path(text)
        full = folder / "arch.txt"
        trained = (folder / "proxy_arch.txt").read_text().strip()
        return trained, full.read_text().strip() if full.is_file() else trained
    run_dir, sep, trial_id = text.rpartition(":")
    if sep and Path(run_dir).is_dir():
        row = trial_row(run_dir, trial_id)
        return row["arch"], row.get("full_arch") or row["arch"]
    if Path(text).is_dir():
        raise ValueError(f"{text}: a directory; give RUN_DIR:TRIAL_ID or a directory written by `nasx export`")
    if "/" in text:
        missing = run_dir if sep else text
        raise ValueError(
            f"{missing}: no such directory (expected RUN_DIR:TRIAL_ID, a directory written by "
            "`nasx export`, a family name or an arch string)"
        )
    return None


def proxy_specs(text: str, setup: TrainSetup, data: Dataset) -> tuple[ArchSpec, ArchSpec]:
    """(trained spec, full-scale spec). A family is shrunk by setup.proxy; an arch string is taken as
    written (it already describes the proxy network), adapted only to the data's size, classes, channels;
    a trial of a run or an exported network trains the network it names (its trained arch string)."""
    from nasx.arch.codec import decode
    from nasx.families import get as get_family
    from nasx.generators.proxy import proxy

    found = trained_and_full(text)
    if found is not None:
        trained, full = decode(found[0]), decode(found[1])
        spec = proxy(trained, resolution=data.resolution, num_classes=data.num_classes)
    elif "|" in text:
        full = decode(text)
        spec = proxy(full, resolution=data.resolution, num_classes=data.num_classes)
    else:
        full = get_family(text)
        spec = proxy(
            full,
            resolution=data.resolution,
            num_classes=data.num_classes,
            width_mult=setup.proxy.width_mult,
            depth_mult=setup.proxy.depth_mult,
            stem_stride=setup.proxy.stem_stride,
        )
    return replace(spec, in_channels=data.channels), full


WEIGHTS = "weights.pt"


def _plain(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def _fmt(value: float) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"


def int8_line(val_top1: float, test_top1: float, int8) -> str:
    """The INT8 scores beside the float ones: top-1, the drop, and the full-scale latency and speed-up."""
    speedup = int8.fp32_latency_ms / int8.latency_ms if int8.latency_ms > 0 else math.nan
    return (
        f"int8     val/top1 {_fmt(int8.val_top1)} (drop {_fmt(val_top1 - int8.val_top1)})   test/top1 "
        f"{_fmt(int8.test_top1)} (drop {_fmt(test_top1 - int8.test_top1)})   full-scale latency "
        f"{int8.latency_ms:.2f} ms int8, {int8.fp32_latency_ms:.2f} ms fp32 (x{speedup:.2f}; batch 1, "
        f"{int8.threads} thread{'s' if int8.threads != 1 else ''})"
    )


def run(args) -> int:
    if hydra_flags.shown(args, "train"):
        return 0
    from nasx.arch.codec import encode
    from nasx.cli.compose import compose
    from nasx.cli.convert import train_setup
    from nasx.complexity import complexity
    from nasx.evaluation import evaluate_candidate
    from nasx.memory import check_network_fits

    setup = train_setup(compose("train", args.overrides, args.config_dir))
    if setup.save:
        from nasx.writable import check_writable_dir

        check_writable_dir(setup.save, "save")
    if setup.train.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ValueError(f"train.device={setup.train.device}: CUDA is not available on this machine")
    if setup.train.compile:
        from nasx.train.compiler import check_compiler

        check_compiler(setup.train.device, setup.train.compile)
    data = setup.data.load()
    spec, full = proxy_specs(args.arch, setup, data)
    say = (lambda *a, **k: None) if args.json else print

    if setup.quantize is not None:  # before training: a network that does not quantize is bad input
        from nasx.quantize.scores import check_quantizes

        check_quantizes(spec)
    cost, full_cost = complexity(spec), complexity(full)
    check_network_fits(cost, setup.train.batch_size, setup.train.device, bf16=setup.train.bf16)
    say(f"data     {data.describe()}")
    say(f"arch     {encode(spec)}")
    say(
        f"params   {cost.params:,} (full scale {full_cost.params:,})   MACs {cost.macs:,} "
        f"(full scale {full_cost.macs:,} at {full.resolution}x{full.resolution})"
    )

    def progress(metrics, state) -> None:
        h = metrics.history[-1]
        say(
            f"epoch {h['epoch']:3d}  step {h['step']:5d}  lr {h['lr']:.4f}  train/loss {h['train/loss']:.4f}  "
            f"val/top1 {_fmt(h['val/top1'])}  {h['wall_s']:.1f}s",
            flush=True,
        )

    save = Path(setup.save).expanduser() if setup.save else None
    record = evaluate_candidate(
        spec,
        data,
        setup.train,
        setup.objective,
        seed=setup.seed,
        full_spec=full,
        on_epoch=progress,
        measure=setup.measure_latency,
        weights_path=save / WEIGHTS if save else None,
        quantize=setup.quantize,
        calibration_images=setup.calibration_images,
    )
    row = record.to_row()
    if save and record.ok:
        (save / "row.json").write_text(json.dumps(_plain(row), indent=1) + "\n")
        say(f"saved    {save / WEIGHTS} (state_dict of the trained network) and {save / 'row.json'}")
    if args.json:
        print(json.dumps(_plain(row), indent=1))
    else:
        latency = f"   latency {record.latency_ms:.3f} ms (batch 1)" if not math.isnan(record.latency_ms) else ""
        objective = setup.objective
        score = (
            (
                f"reward {_fmt(record.reward)} ({objective.name}: val/top1 x ({objective.metric} / "
                f"{objective.target:g}) ^ w, {objective.scale} scale)"
            )
            if objective.mode == "reward"
            else f"objectives (val/top1, {', '.join(objective.cost_columns())}) = "
            f"({', '.join([_fmt(record.val_top1), *(f'{float(row[c]):g}' for c in objective.cost_columns())])})"
        )
        print(
            f"val/top1 {_fmt(record.val_top1)}   test/top1 {_fmt(record.test_top1)}   "
            f"epochs {record.epochs}   {record.wall_s:.1f}s{latency}"
        )
        print(
            f"params {record.params:,}   MACs {record.macs:,}   full params {record.full_params:,}   "
            f"full MACs {record.full_macs:,}"
        )
        if record.ok:
            print(score)
        if record.int8 is not None:
            print(int8_line(record.val_top1, record.test_top1, record.int8))
    if not record.ok:
        print(f"nasx train: trial failed: {record.error}", file=sys.stderr)
        return 1
    return 0
