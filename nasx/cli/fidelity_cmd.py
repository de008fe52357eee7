"""`nasx fidelity [KEY=VALUE ...]`: compose conf/fidelity.yaml, train a ladder of budgets on Ray, rank the rungs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from nasx.cli import hydra_flags
from nasx.cli.compose import check_resumable, compose
from nasx.cli.convert import search_setup, to_dataclass
from nasx.cli.search_cmd import check_data, check_device, check_fresh
from nasx.search.setup import SearchSetup, check

if TYPE_CHECKING:
    from nasx.fidelity.spec import FidelitySpec

RESUME_MAY_CHANGE = ("resume", "run_dir", "resources", "cluster", "logging")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "fidelity",
        help="how well short training ranks networks: a ladder of training budgets and "
        "zero-cost scores against the longest budget (Hydra overrides of "
        "conf/fidelity.yaml)",
        description="Overrides use Hydra syntax on conf/fidelity.yaml: experiment=fidelity_mnasnet "
        "data=mnist5k fidelity.archs=32 fidelity.seeds=3 fidelity.rungs=[1,3,10] "
        "fidelity.unit=steps smoke=true run_dir=PATH resume=true.",
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
    """The composed fidelity config as a search config (a random draw of `fidelity.archs` candidates)."""
    out = {k: v for k, v in cfg.items() if k != "fidelity"}
    archs = (cfg.get("fidelity") or {}).get("archs", 1)
    out.update(search={"name": "random"}, budget=archs if isinstance(archs, int) and archs > 0 else 1)
    return out


def fidelity_setup(cfg: dict) -> tuple[SearchSetup, FidelitySpec]:
    """The composed `fidelity` config -> (checked SearchSetup of the trials, FidelitySpec); `setup.config`
    keeps the resolved config, references included."""
    from nasx.fidelity.spec import FidelitySpec, smoke

    cfg = dict(cfg)
    fields = dict(cfg.get("fidelity") or {})
    if isinstance(fields.get("rungs"), list):
        fields["rungs"] = tuple(fields["rungs"])
    fspec = to_dataclass(FidelitySpec, fields, "fidelity")
    if cfg.get("references") is None:
        cfg["references"] = space_families(cfg)
    setup = search_setup(search_cfg(cfg))
    cfg.update(name=setup.name, run_dir=setup.run_dir)
    setup = replace(setup, config=cfg)
    if cfg.get("smoke"):
        fspec = smoke(fspec)
    check(setup)
    if setup.supernet.run:  # the supernet rung's supernet serves this study's space, data and proxy
        from nasx.search.evaluators.supernet import check_serves

        check_serves(setup)
    check_data(setup)
    check_device(setup)
    return setup, fspec


def prepare(cfg: dict) -> tuple[SearchSetup, FidelitySpec]:
    setup, fspec = fidelity_setup(cfg)
    if cfg.get("resume"):
        check_resumable(
            cfg.get("run_dir") and setup.run_dir, setup.config, ignore=RESUME_MAY_CHANGE, what="fidelity run"
        )
    else:
        check_fresh(setup)
    return setup, fspec


def run(args) -> int:
    from nasx import results
    from nasx.analysis.fidelity import FIDELITY_JSON, notes, rung_table, study, write_json
    from nasx.analysis.tables import text
    from nasx.fidelity.ladder import candidates, fidelity_configs, rung_labels
    from nasx.search.driver import run_trials, write_config, write_overrides

    if hydra_flags.shown(args, "fidelity"):
        return 0
    setup, fspec = prepare(compose("fidelity", args.overrides, args.config_dir))
    data = setup.data.load()
    shape = {"resolution": data.resolution, "num_classes": data.num_classes, "channels": data.channels}
    cands = candidates(setup, fspec, shape)
    configs = fidelity_configs(setup, fspec, cands)
    run_dir = Path(setup.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_config(setup, run_dir)
    write_overrides(run_dir, args.overrides, resume=bool(setup.config.get("resume")))
    print(
        f"fidelity {setup.name}: space {setup.space.name}, {fspec.archs} architectures + "
        f"{len(cands) - fspec.archs} references, rungs {', '.join(rung_labels(setup, fspec))}, {fspec.seeds} seeds",
        flush=True,
    )
    run_trials(setup, configs, title=f"fidelity {setup.name}")
    summary = study(results.load(run_dir), setup.config)
    write_json(run_dir / FIDELITY_JSON, summary)
    print(text(rung_table(summary)))
    for line in notes(summary)[1:]:
        print(line)
    print(f"fidelity: {run_dir / FIDELITY_JSON}; report with `nasx analyze {run_dir}`")
    return 0
