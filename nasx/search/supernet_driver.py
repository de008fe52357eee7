"""The supernet driver: a weight-sharing supernet trained for a search's space, data and proxy scaling, in a run
directory like a search's.

RUN_DIR holds `writer.lock` (taken before anything is written), `config.yaml` and `overrides.yaml` (as the
search driver writes them), `supernet.pt` (nasx.supernet.store: the tensors, what they serve, the training
state, the seed, how it was trained (`training`: sampling, networks per step, distillation, ...), the resolved
config and provenance; replaced atomically after every epoch) and
`curves.jsonl` (per epoch the rows of trial_id `largest` and `smallest`, stage `supernet`, appended after
the epoch's checkpoint). A resumed run continues from `supernet.pt` exactly: it first appends the curve rows
of checkpointed epochs that a kill kept out of the log; a run killed before its first epoch ended starts
again from its beginning.

`supernet.workers` > 1 trains data-parallel on Ray Train (nasx.ray.train_supernet), on the cluster a search
uses: Ray is connected, and its CPUs checked, before anything is written; worker 0 hands each epoch to this
process, which writes it as above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from nasx import log
from nasx.provenance import git_commit, versions
from nasx.results import curves
from nasx.results.lock import writer_lock
from nasx.search.driver import write_config, write_overrides
from nasx.search.setup import SearchSetup, SupernetSpec
from nasx.search.setup import check as check_setup
from nasx.supernet import store

STAGE = "supernet"
OUT = log.lines("supernet")


def check(setup: SearchSetup) -> None:
    """What a supernet run needs besides valid values, as one ValueError line: a space that shares weights
    (its own line when it cannot), one whose kernel and depth are elastic for progressive shrinking, the
    search's checks (a space with candidates in its MACs/params range, ...), and with several workers a
    cluster that can hold them (nasx.ray.train_supernet.check; Ray is not started)."""
    from nasx.supernet.sandwich import progressive_blocker

    space = setup.space.make()
    blocker = space.weight_sharing_blocker()
    if blocker:
        raise ValueError(blocker)
    if setup.supernet.progressive and progressive_blocker(space):
        raise ValueError(progressive_blocker(space))
    check_setup(setup)
    if setup.supernet.workers > 1:
        from nasx.ray.train_supernet import check as check_workers

        check_workers(setup)


@contextmanager
def trainer(setup: SearchSetup, run_dir: Path) -> Iterator[Callable[..., list[dict]]]:
    """What trains the supernet, with `train_supernet`'s arguments: `train_supernet` itself in this process
    (supernet.workers=1), or Ray Train's workers (Ray connected while open, its output in RUN_DIR/ray.log)."""
    if setup.supernet.workers == 1:
        from nasx.supernet.training import train_supernet

        yield train_supernet
        return
    from nasx.ray.train_supernet import DataParallel

    with DataParallel(setup, run_dir) as parallel:
        yield parallel.train


def check_fresh(run_dir: Path) -> None:
    if (run_dir / "config.yaml").is_file() or (run_dir / store.CHECKPOINT).is_file():
        raise ValueError(f"run_dir={run_dir} already holds a run; resume it (resume=true) or choose another")


def serves(setup: SearchSetup, data) -> dict[str, Any]:
    """What decides the networks the supernet holds (store.SERVES) for this setup and its loaded data."""
    shape = {"resolution": data.resolution, "num_classes": data.num_classes, "channels": data.channels}
    return store.serves(setup.space, setup.data, setup.proxy, shape, kernel_transform=setup.supernet.kernel_transform)


def _agrees(stored: dict[str, Any], wanted: dict[str, Any], path: Path) -> None:
    changed = [key for key in store.SERVES if store.plain(stored.get(key)) != wanted[key]]
    if changed:
        raise ValueError(
            f"{path / store.CHECKPOINT}: its supernet serves another {', '.join(changed)} than this "
            "config; choose another run_dir"
        )


def curve_rows(entries: list[dict], seed: int) -> list[dict]:
    """The curves.jsonl rows of per-epoch history entries: the largest's and the smallest's, epoch by epoch."""
    from nasx.supernet.training import ROLES, role_history

    return [
        row
        for entry in entries
        for role in ROLES
        for row in curves.curve_rows({"trial_id": role, "stage": STAGE, "seed": seed}, role_history([entry], role))
    ]


def catch_up_curves(run_dir: Path, history: list[dict], seed: int) -> None:
    """Append the rows of checkpointed epochs that the log lacks (a kill between checkpoint and append)."""
    curves.repair_tail(run_dir)
    logged = curves.load(run_dir)
    logged = logged[(logged["stage"] == STAGE) & (logged["trial_id"] == "largest")]
    last = int(logged["epoch"].max()) if len(logged) else 0
    curves.append(run_dir, curve_rows([h for h in history if h["epoch"] > last], seed))


def rule(options: SupernetSpec) -> str:
    """What each training step trains, in words."""
    if options.sampling == "uniform":
        return "each step one random network on the labels (single-path uniform sampling)"
    n = options.random_subnets
    return (
        f"each step the largest + the smallest + {n} random network{'s' if n != 1 else ''}, "
        f"{'distilled from the largest' if options.distill else 'on the labels'}"
        f"{', progressive shrinking' if options.progressive else ''}"
    )


def progress(entry: dict, total_epochs: int) -> str:
    """One line per epoch."""

    def acc(role: str) -> str:
        return f"{entry[f'{role}/val/top1']:.3f}" if entry["evaluated"] else "-"

    phase = f", phase {entry['phase']}" if entry["phase"] != "every" else ""
    return (
        f"supernet epoch {entry['epoch']}/{total_epochs}: val top-1 largest {acc('largest')}, smallest "
        f"{acc('smallest')}; train loss {entry['train/loss']:.3f}{phase}; {entry['wall_s']:.1f} s"
    )


def again() -> str:
    """How to go on after a write that failed."""
    command = log.program() if log.program() != "nasx" else "nasx supernet"
    return f"free space and run the same `{command}` command with resume=true to go on"


def not_recorded(path: Path, exc: OSError, epoch: int, *, checkpointed: bool = False) -> ValueError:
    """The one line of an epoch whose record could not be written (a full disk): its checkpoint (nothing of
    the epoch is kept; a resume trains it again) or, `checkpointed`, its curve rows (a resume appends them)."""
    why = f"{path}: {exc.strerror or exc}: stopped at epoch {epoch}"
    if checkpointed:
        return ValueError(
            f"{why}: its curve rows were not written (its checkpoint was; a resume appends them); "
            f"{store.CHECKPOINT} keeps epoch {epoch}: {again()}"
        )
    kept = f"{store.CHECKPOINT} keeps epoch {epoch - 1}" if epoch > 1 else "no epoch is checkpointed yet"
    return ValueError(
        f"{why}: trained but not recorded (neither its checkpoint nor its curve rows were written); {kept}, "
        f"{curves.LOG} the rows of the epochs before: {again()}"
    )


def run_supernet(
    setup: SearchSetup, *, resume: bool = False, overrides: list[str] | None = None, out: Callable[[str], None] = OUT
) -> Path:
    """Train (or continue training) the supernet of `setup` in setup.run_dir; returns the run directory.
    `overrides`, the command line's, go to RUN_DIR/overrides.yaml."""
    import torch

    from nasx.supernet.net import Supernet
    from nasx.supernet.sandwich import Sandwich
    from nasx.supernet.training import budget

    check(setup)
    run_dir = Path(setup.run_dir)
    with writer_lock(run_dir), trainer(setup, run_dir) as train:  # the lock first: nothing is written before it
        checkpoint = store.read(run_dir) if resume and (run_dir / store.CHECKPOINT).is_file() else None
        if not resume:
            check_fresh(run_dir)
        setup = replace(setup, run_dir=str(run_dir))
        write_config(setup, run_dir)
        write_overrides(run_dir, overrides, resume=resume)

        data = setup.data.load()
        meta = serves(setup, data)
        if checkpoint is not None:
            _agrees(checkpoint, meta, run_dir)
        space, options = setup.space.make(), setup.supernet
        torch.manual_seed(setup.seed)
        supernet = Supernet(space, store.shrink_of(meta, space), kernel_transform=options.kernel_transform)
        sandwich = Sandwich(
            supernet, options.random_subnets, progressive=options.progressive, sampling=options.sampling
        )
        total_epochs = budget(setup.train, len(data.train_y))[3]
        done = int(checkpoint["epoch"]) if checkpoint else 0
        out(
            f"supernet {setup.name}: space {setup.space.name}, {sum(p.numel() for p in supernet.parameters()):,} "
            f"parameters, data {data.describe()}; {rule(options)}; {total_epochs} epoch"
            f"{'s' if total_epochs != 1 else ''}"
            + (f", {options.workers} workers" if options.workers > 1 else "")
            + (f", resuming after epoch {done}" if checkpoint else "")
        )
        if checkpoint:
            try:
                catch_up_curves(run_dir, checkpoint["history"], setup.seed)
            except OSError as exc:
                raise ValueError(
                    f"{run_dir / curves.LOG}: {exc.strerror or exc}: the curve rows of checkpointed epochs up to "
                    f"{done} were not appended; {store.CHECKPOINT} keeps epoch {done}: {again()}"
                ) from None
        provenance = {"git_commit": git_commit(), "versions": versions()}

        def on_epoch(entry: dict, state: dict) -> None:
            epoch = int(entry["epoch"])
            try:
                store.save(
                    run_dir,
                    {
                        **meta,
                        **state,
                        "seed": setup.seed,
                        "training": options.training(),
                        "config": dict(setup.config),
                        "provenance": provenance,
                    },
                )
            except OSError as exc:
                raise not_recorded(run_dir / store.CHECKPOINT, exc, epoch) from None
            try:
                curves.append(run_dir, curve_rows([entry], setup.seed))
            except OSError as exc:
                raise not_recorded(run_dir / curves.LOG, exc, epoch, checkpointed=True) from None
            out(progress(entry, total_epochs))

        train(
            supernet,
            data,
            setup.train,
            sandwich,
            distill=options.distill,
            seed=setup.seed,
            recalibration_images=options.recalibration_images,
            state=checkpoint,
            on_epoch=on_epoch,
        )
    out(
        f"supernet: {run_dir / store.CHECKPOINT}, curves {run_dir / curves.LOG}; score a search's candidates "
        f"with it: nasx search evaluator=supernet supernet.run={run_dir}"
    )
    return run_dir
