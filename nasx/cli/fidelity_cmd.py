"""`nasx fidelity [KEY=VALUE ...]`: compose conf/fidelity.yaml, train a ladder of budgets on Ray, rank the rungs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from nasx.cli import hydra_flags
from nasx.cli.compose import check_resumable, compose
from nasx.cli.convert import search_setup, to_dataclass
from nasx.cli.search_cmd import check_data, check_device, check_fresh
from nasx.search.setup import SearchSetup, check

if TYPE_CHECKING:
    from nasx.data.dataset import Dataset
    from nasx.fidelity.ladder import SupernetRung
    from nasx.fidelity.spec import FidelitySpec, SupernetRungs

RESUME_MAY_CHANGE = ("resume", "run_dir", "resources", "cluster", "logging")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "fidelity",
        help="how well short training ranks networks: a ladder of training budgets and "
        "zero-cost scores against the longest budget (Hydra overrides of "
        "conf/fidelity.yaml)",
        description="Overrides use Hydra syntax on conf/fidelity.yaml: experiment=fidelity_mnasnet "
        "data=mnist5k fidelity.archs=32 fidelity.seeds=3 fidelity.rungs=[1,3,10] "
        "fidelity.unit=steps supernet.train=true supernet.seeds=2 "
        "'supernet.variants={sandwich:{},uniform:{sampling:uniform}}' supernet.recalibration_images=[250,2000] "
        "smoke=true run_dir=PATH resume=true.",
    )
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="Hydra overrides of conf/fidelity.yaml")
    hydra_flags.add_arguments(p)
    p.set_defaults(run=run)


def space_families(cfg: dict) -> list[str]:
    """The families that are points of the configured space (the default references), one name per distinct
    network: timm's mnasnet_100 and mobilenetv2_100 are torchvision's mnasnet1_0 and mobilenet_v2."""
    from nasx import families

    space = search_setup({**search_cfg(cfg), "references": [], "smoke": False}).space.make()
    names, keys = [], set()
    for name in families.names():
        spec = families.get(name)
        if spec.key() not in keys and space.contains(spec):
            names.append(name)
            keys.add(spec.key())
    return names


def search_cfg(cfg: dict) -> dict:
    """The composed fidelity config as a search config (a random draw of `fidelity.archs` candidates); the
    `supernet` block is the study's supernet rungs (SupernetRungs), not a search's."""
    out = {k: v for k, v in cfg.items() if k not in ("fidelity", "supernet")}
    archs = (cfg.get("fidelity") or {}).get("archs", 1)
    out.update(search={"name": "random"}, budget=archs if isinstance(archs, int) and archs > 0 else 1)
    return out


def fidelity_setup(cfg: dict) -> tuple[SearchSetup, FidelitySpec, SupernetRungs]:
    """The composed `fidelity` config -> (checked SearchSetup of the trials, FidelitySpec, SupernetRungs);
    `setup.config` keeps the resolved config, references included."""
    from nasx.fidelity.spec import FidelitySpec, SupernetRungs, smoke, smoke_supernets

    cfg = dict(cfg)
    fields = dict(cfg.get("fidelity") or {})
    if isinstance(fields.get("rungs"), list):
        fields["rungs"] = tuple(fields["rungs"])
    fspec = to_dataclass(FidelitySpec, fields, "fidelity")
    supernets = to_dataclass(SupernetRungs, cfg.get("supernet"), "supernet")
    if cfg.get("references") is None:
        cfg["references"] = space_families(cfg)
    setup = search_setup(search_cfg(cfg))
    cfg.update(name=setup.name, run_dir=setup.run_dir)
    setup = replace(setup, config=cfg)
    if cfg.get("smoke"):
        fspec, supernets = smoke(fspec), smoke_supernets(supernets)
    check(setup)
    check_data(setup)
    check_device(setup)
    return setup, fspec, supernets


@dataclass(frozen=True)
class SupernetPlan:
    """The study's supernet rungs, and the setups of the supernets it trains (none when they are given)."""

    rungs: list[SupernetRung]
    trainings: list[SearchSetup]


def given_supernets(setup: SearchSetup, supernets: SupernetRungs) -> tuple[tuple[int, str], ...]:
    """(seed, run directory) of each supernet of `supernet.run`, checked: each serves this study's space, data and
    proxy scaling, all were trained alike (one variant), each under its own seed. One ValueError line otherwise."""
    from nasx.fidelity.supernets import training_of
    from nasx.search.evaluators.supernet import check_serves

    out: list[tuple[int, str]] = []
    first: tuple[str, dict] | None = None
    for i, run in enumerate(supernets.runs):
        state = check_serves(setup, run)
        training = training_of(state)
        if first is None:
            first = (run, training)
        elif training != first[1]:
            changed = sorted(k for k in set(training) | set(first[1]) if training.get(k) != first[1].get(k))
            key = changed[0]
            raise ValueError(
                f"supernet.run: {run} was trained with {key}={training.get(key)!r}, {first[0]} with "
                f"{key}={first[1].get(key)!r}; a rung's supernets are one variant under several seeds"
            )
        seed = int(state["seed"]) if "seed" in state else setup.seed + i
        twin = next((r for s, r in out if s == seed), None)
        if twin is not None:
            raise ValueError(
                f"supernet.run: {twin} and {run} are both seed {seed}; a rung's supernets are one variant under "
                "several seeds"
            )
        out.append((seed, run))
    return tuple(out)


def supernet_config(
    cfg: dict, supernets: SupernetRungs, fspec: FidelitySpec, variant: str, options: dict, seed: int
) -> dict:
    """The config of one supernet the study trains, as `nasx supernet` composes one (conf/supernet.yaml's keys): the
    study's space, data, proxy, objective and training protocol (its budget `supernet.epochs`, else the reference
    rung's), the variant's training `options`, its own seed and run directory."""
    from nasx.fidelity.spec import supernet_dir

    run_dir = supernet_dir(cfg["run_dir"], variant, seed)
    return {
        "name": f"{cfg['name']}-{variant}-s{seed}",
        "seed": seed,
        "smoke": bool(cfg.get("smoke")),
        "run_dir": str(run_dir),
        "resume": False,
        **{key: cfg[key] for key in ("space", "data", "objective", "proxy") if key in cfg},
        "train": {**(cfg.get("train") or {}), **supernets.train_override(fspec)},
        "supernet": {**options, "recalibration_images": max(supernets.sizes)},
    }


def supernet_plan(setup: SearchSetup, fspec: FidelitySpec, supernets: SupernetRungs) -> SupernetPlan:
    """The supernet rungs of a study and, with `supernet.train`, the checked setups of the supernets it trains (a
    space that cannot share weights, ... fails here, before anything is written)."""
    from nasx.cli.supernet_cmd import RESUME_MAY_CHANGE as SUPERNET_RESUME
    from nasx.fidelity.ladder import supernet_rungs
    from nasx.search.supernet_driver import check as check_supernet

    if not supernets.on:
        return SupernetPlan([], [])
    cfg = setup.config
    if not supernets.train:
        given = given_supernets(setup, supernets)
        return SupernetPlan(supernet_rungs(supernets, setup.run_dir, setup.seed, given), [])
    trainings = []
    for variant, options in supernets.variant_items():
        for seed in range(setup.seed, setup.seed + supernets.seeds):
            sn_cfg = supernet_config(cfg, supernets, fspec, variant, options, seed)
            sn_setup = search_setup(sn_cfg)
            check_supernet(sn_setup)
            if cfg.get("resume") and (Path(sn_setup.run_dir) / "config.yaml").is_file():
                check_resumable(sn_setup.run_dir, sn_cfg, ignore=SUPERNET_RESUME, what="supernet run")
            trainings.append(sn_setup)
    return SupernetPlan(supernet_rungs(supernets, setup.run_dir, setup.seed), trainings)


def check_fresh_study(setup: SearchSetup) -> None:
    """A new study's run directory holds neither results nor supernets of an earlier one."""
    from nasx.fidelity.spec import SUPERNETS

    check_fresh(setup)
    trained = Path(setup.run_dir) / SUPERNETS
    if trained.is_dir() and any(trained.iterdir()):
        raise ValueError(
            f"run_dir={setup.run_dir} already holds a study's supernets ({trained}); resume it (resume=true) or "
            "choose another"
        )


def prepare(cfg: dict) -> tuple[SearchSetup, FidelitySpec, SupernetPlan]:
    setup, fspec, supernets = fidelity_setup(cfg)
    if cfg.get("resume"):
        check_resumable(
            cfg.get("run_dir") and setup.run_dir, setup.config, ignore=RESUME_MAY_CHANGE, what="fidelity run"
        )
    else:
        check_fresh_study(setup)
    return setup, fspec, supernet_plan(setup, fspec, supernets)


def run_study(setup: SearchSetup, fspec: FidelitySpec, plan: SupernetPlan, overrides: list[str]) -> dict:
    """Draw the study's candidates, then, holding its run directory's writer lock, write its config, train its
    supernets and its ladder of trials; returns its summary."""
    from nasx.fidelity.ladder import candidates, fidelity_configs
    from nasx.results.lock import writer_lock

    data = setup.data.load()
    shape = {"resolution": data.resolution, "num_classes": data.num_classes, "channels": data.channels}
    cands = candidates(setup, fspec, shape)
    configs = fidelity_configs(setup, fspec, cands, plan.rungs)
    with writer_lock(setup.run_dir):  # the lock first: nothing is written in a study another process runs
        return _run_ladder(setup, fspec, plan, overrides, data, cands, configs)


def _run_ladder(
    setup: SearchSetup,
    fspec: FidelitySpec,
    plan: SupernetPlan,
    overrides: list[str],
    data: Dataset,
    cands: list,
    configs: list[dict],
) -> dict:
    from nasx import results
    from nasx.analysis.fidelity import FIDELITY_JSON, study, write_json
    from nasx.fidelity.ladder import rung_labels
    from nasx.fidelity.supernets import train_supernets
    from nasx.search.driver import run_trials, write_config, write_overrides

    run_dir = Path(setup.run_dir)
    write_config(setup, run_dir)
    write_overrides(run_dir, overrides, resume=bool(setup.config.get("resume")))
    supernet_seeds = f" ({len(plan.rungs[0].supernets)} supernets each)" if plan.rungs else ""
    print(
        f"fidelity {setup.name}: space {setup.space.name}, {fspec.archs} architectures + "
        f"{len(cands) - fspec.archs} references, rungs {', '.join(rung_labels(fspec, plan.rungs))}, "
        f"{fspec.seeds} seeds{supernet_seeds}",
        flush=True,
    )
    train_supernets(plan.trainings, len(data.train_y), overrides=overrides)
    run_trials(setup, configs, title=f"fidelity {setup.name}")
    summary = study(results.load(run_dir), setup.config)
    write_json(run_dir / FIDELITY_JSON, summary)
    return summary


def run(args) -> int:
    from nasx.analysis.fidelity import FIDELITY_JSON, notes, rung_table
    from nasx.analysis.tables import text

    if hydra_flags.shown(args, "fidelity"):
        return 0
    setup, fspec, plan = prepare(compose("fidelity", args.overrides, args.config_dir))
    run_dir = Path(setup.run_dir)
    summary = run_study(setup, fspec, plan, args.overrides)
    print(text(rung_table(summary)))
    for line in notes(summary)[1:]:
        print(line)
    print(f"fidelity: {run_dir / FIDELITY_JSON}; report with `nasx analyze {run_dir}`")
    return 0
