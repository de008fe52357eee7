"""Realistic demo results tables (synthetic accuracies, exact analytic costs), for tests and examples.

`python -m nasx.analysis.demo OUT_DIR` writes three runs under OUT_DIR: `search` (an EfficientNet-B0 style
search of a MnasNet-like space with reference families, failed and pruned trials), `compound` (an α/β/γ
grid at φ=1 and φ=0..3 scaling curves) and `design_space` (RegNet and AnyNet samples).
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

import nasx
from nasx import results
from nasx.results.store import write_views

RESOLUTION, CLASSES, TARGET_MACS = 32, 10, 30e6
FAMILIES = ("efficientnet_b0", "mobilenet_v2", "mnasnet_a1", "resnet18")
VERSIONS = json.dumps({"nasx": nasx.__version__, "python": "3.11"})


def _proxy(spec):
    return nasx.proxy(spec, resolution=RESOLUTION, num_classes=CLASSES, stem_stride=1)


def _base():
    return _proxy(nasx.families.get("efficientnet_b0"))


def b0_choices() -> dict:
    """EfficientNet-B0's point in the demo space: kernel, expansion, SE ratio and repeats of stages 1..6."""
    out = {}
    for i, block in enumerate(_base().stages[1:], start=1):
        out.update({f"s{i}.k": block.k, f"s{i}.e": block.e, f"s{i}.se": block.se, f"s{i}.r": block.r})
    return out


def candidate(choices: dict, base=None):
    """The demo space's ArchSpec for `choices` (keys as in `b0_choices`), on `base` (default: B0 at the
    demo's proxy scale; EfficientNet-B0 itself gives the same candidate at full scale)."""
    base = base or _base()
    stages = [base.stages[0]] + [
        replace(b, k=choices[f"s{i}.k"], e=choices[f"s{i}.e"], se=choices[f"s{i}.se"], r=choices[f"s{i}.r"])
        for i, b in enumerate(base.stages[1:], start=1)
    ]
    return replace(base, stages=tuple(stages))


def _accuracy(macs: float, se_share: float, rng) -> float:
    acc = 0.62 + 0.11 * math.log10(macs / 1e6) + 0.03 * se_share + rng.normal(0, 0.012)
    return float(min(0.99, max(0.05, acc)))


def _row(run_dir, spec, **kw) -> dict:
    cost = nasx.complexity(spec)
    row = results.empty_row()
    row.update(
        {
            "status": "ok",
            "error": "",
            "arch": nasx.encode(spec),
            "arch_key": spec.key(),
            "params": cost.params,
            "macs": cost.macs,
            "latency_ms": round(cost.macs / 1e7 + 0.4, 3),
            "epochs": 3,
            "dataset": "digits",
            "resolution": spec.resolution,
            "git_commit": "0123abc",
            "versions": VERSIONS,
            "config_hash": "demo",
            "family": "",
            "choices": "{}",
        }
    )
    row.update(kw)
    return row


def _write(run_dir: Path, rows: list[dict], config: str) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    for i, row in enumerate(rows):
        row["trial_id"] = row.get("trial_id") or f"t{i:04d}"
        row["order"], row["finished_at"] = i, 1.7e9 + 30.0 * i
        results.append(run_dir, row, refresh_views=False)
    write_views(run_dir)
    (run_dir / "config.yaml").write_text(config)
    return run_dir


def search_run(
    run_dir,
    *,
    seed: int = 0,
    searcher: str = "random",
    trials: int = 40,
    failed: int = 3,
    families: tuple[str, ...] = FAMILIES,
) -> Path:
    """A search run: `trials` searched candidates (of which `failed` fail and one is pruned), then the families."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(trials):
        base = b0_choices()
        choices = {}
        for i in range(1, 7):
            choices.update(
                {
                    f"s{i}.k": int(rng.choice([3, 5])),
                    f"s{i}.e": float(rng.choice([3.0, 6.0])),
                    f"s{i}.se": float(rng.choice([0.0, 0.25])),
                    f"s{i}.r": max(1, base[f"s{i}.r"] + int(rng.integers(-1, 2))),
                }
            )
        spec = candidate(choices)
        full = nasx.encode(candidate(choices, nasx.families.get("efficientnet_b0")))
        common = {
            "space": "mnasnet",
            "searcher": searcher,
            "seed": seed,
            "choices": json.dumps(choices),
            "full_arch": full,
        }
        if t % max(1, trials // max(1, failed)) == 3 and failed:
            rows.append(_row(run_dir, spec, status="failed", error="loss is nan at epoch 2", **common))
            continue
        macs = nasx.complexity(spec).macs
        acc = _accuracy(macs, sum(choices[f"s{i}.se"] > 0 for i in range(1, 7)) / 6, rng)
        row = _row(
            run_dir,
            spec,
            **common,
            **{
                "val/top1": acc,
                "test/top1": acc - 0.005,
                "reward": acc * (macs / TARGET_MACS) ** -0.07,
                "wall_s": 20.0 + macs / 2e6,
            },
        )
        if t == 5:
            row.update(status="pruned", epochs=1)
        rows.append(row)
    for name in families:
        spec = _proxy(nasx.families.get(name))
        macs = nasx.complexity(spec).macs
        acc = _accuracy(macs, 1.0 if name == "efficientnet_b0" else 0.0, np.random.default_rng(seed + len(name)))
        acc += {"resnet18": -0.15, "efficientnet_b0": 0.01}.get(name, 0.0)
        rows.append(
            _row(
                run_dir,
                spec,
                space="mnasnet" if name == "efficientnet_b0" else "",
                family=name,
                full_arch=nasx.encode(nasx.families.get(name)),
                searcher="reference",
                seed=seed,
                choices=json.dumps(b0_choices()) if name == "efficientnet_b0" else "{}",
                **{
                    "val/top1": acc,
                    "test/top1": acc - 0.005,
                    "reward": acc * (macs / TARGET_MACS) ** -0.07,
                    "wall_s": 30.0,
                },
            )
        )
    config = (
        f"experiment: effnet_b0_search\nseed: {seed}\nspace: mnasnet\nsearch:\n  name: {searcher}\n"
        f"  trials: {trials}\ndata:\n  name: digits\n  resolution: {RESOLUTION}\n"
    )
    return _write(Path(run_dir), rows, config)


def compound_run(run_dir, *, seed: int = 0, best: tuple[float, float, float] = (1.2, 1.1, 1.15)) -> Path:
    """A compound_grid run: α, β in {1.0, 1.1, ..., 1.4} with γ from α·β²·γ² = 2 at φ=1, then φ=0..3 under
    compound (with `best`), depth-, width- and resolution-only scaling. The accuracy peaks at `best`."""
    rng = np.random.default_rng(seed)
    base = nasx.complexity(_base()).macs
    rows = []

    def add(alpha, beta, gamma, phi, scaling, acc):
        macs = int(base * (alpha * beta**2 * gamma**2) ** phi)
        row = results.empty_row()
        row.update(
            {
                "status": "ok",
                "error": "",
                "family": "",
                "choices": "{}",
                "space": "mnasnet",
                "searcher": "grid",
                "macs": macs,
                "params": int(4e6 * beta ** (2 * phi)),
                "alpha": alpha,
                "beta": beta,
                "gamma": gamma,
                "phi": float(phi),
                "scaling": scaling,
                "seed": seed,
                "val/top1": acc,
                "dataset": "digits",
                "resolution": round(RESOLUTION * gamma**phi),
                "git_commit": "0123abc",
                "versions": VERSIONS,
                "epochs": 3,
                "arch": f"efficientnet_b0 a{alpha} b{beta} g{gamma} phi{phi}",
            }
        )
        rows.append(row)

    for alpha in (1.0, 1.1, 1.2, 1.3, 1.4):
        for beta in (1.0, 1.1, 1.2, 1.3):
            if alpha * beta**2 > 2.0:
                continue
            gamma = round(math.sqrt(2.0 / (alpha * beta**2)), 2)
            distance = abs(alpha - best[0]) + abs(beta - best[1]) + abs(gamma - best[2])
            add(alpha, beta, gamma, 1, "compound", 0.86 - 0.1 * distance + rng.normal(0, 0.002))
    for phi in range(4):
        a, b, g = best
        add(a, b, g, phi, "compound", 0.80 + 0.05 * phi - 0.006 * phi**2)
        add(2.0, 1.0, 1.0, phi, "depth", 0.80 + 0.03 * phi - 0.006 * phi**2)
        add(1.0, math.sqrt(2.0), 1.0, phi, "width", 0.80 + 0.035 * phi - 0.006 * phi**2)
        add(1.0, 1.0, math.sqrt(2.0), phi, "resolution", 0.80 + 0.04 * phi - 0.007 * phi**2)
    return _write(Path(run_dir), rows, f"experiment: compound_grid\nseed: {seed}\n")


def design_space_run(run_dir, *, seed: int = 0, samples: int = 60) -> Path:
    """RegNet and AnyNet samples: log-uniform MACs, the RegNet errors lower, choices d (depth), w0, wa, wm."""
    rng = np.random.default_rng(seed)
    rows = []
    for space, offset in (("regnet", 0.0), ("anynet", 0.03)):
        for _ in range(samples):
            macs = int(10 ** rng.uniform(7.0, 8.5))
            choices = {
                "d": int(rng.integers(6, 20)),
                "w0": int(rng.choice([16, 24, 32, 48])),
                "wa": float(rng.choice([8.0, 16.0, 24.0])),
                "wm": float(rng.choice([2.0, 2.5, 3.0])),
            }
            error = 0.45 - 0.12 * (math.log10(macs) - 7) + offset + 0.004 * abs(choices["d"] - 13) + rng.normal(0, 0.01)
            row = results.empty_row()
            row.update(
                {
                    "status": "ok",
                    "error": "",
                    "family": "",
                    "space": space,
                    "searcher": "random",
                    "choices": json.dumps(choices),
                    "macs": macs,
                    "params": macs // 10,
                    "val/top1": 1.0 - error,
                    "seed": seed,
                    "dataset": "digits",
                    "epochs": 3,
                    "arch": f"{space} d{choices['d']} w0{choices['w0']}",
                    "git_commit": "0123abc",
                }
            )
            rows.append(row)
    return _write(Path(run_dir), rows, f"experiment: regnet_sample\nseed: {seed}\n")


def main(argv: list[str] | None = None) -> int:
    out = Path((argv if argv is not None else sys.argv[1:] or ["runs/demo_analysis"])[0])
    for name, make in (("search", search_run), ("compound", compound_run), ("design_space", design_space_run)):
        print(make(out / name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
