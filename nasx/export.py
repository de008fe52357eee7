"""The found network leaves nasx as data: `export_trial(run_dir, trial_id, out_dir)` writes the full-scale
arch string, the trained (proxy) one, the ArchSpec JSON, the trial's row and provenance, a README saying
how to load it, and the trained weights when the run saved them."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from nasx import __version__
from nasx.arch.codec import decode
from nasx.ranking.stages import confirmed_table, search_ranking
from nasx.results import run_paths
from nasx.results.lookup import trial_row, weights_path
from nasx.results.store import load

BEST = "best"
README = """# {trial_id} of {run}

Exported by nasx {version} from `{run_dir}` ({stage} stage{rung}); {seed_note}.

- `arch.txt`: the architecture at full scale (the search space's resolution and classes).
- `proxy_arch.txt`: the network that was trained (proxy scale: {dataset} at {resolution}x{resolution}).
- `spec.json`, `proxy_spec.json`: the same two as ArchSpec JSON (`nasx.ArchSpec.from_dict`).
- `row.json`: the trial's results row (val/top1 {val}, test/top1 {test}, params, MACs, seed, config hash).
- `provenance.json`, `config.yaml`: git commit, library versions, and the run's resolved config.
{weights_line}
```python
import nasx
full = nasx.build_model(nasx.decode(open("arch.txt").read()))      # full-scale network, untrained
model = nasx.build_model(nasx.decode(open("proxy_arch.txt").read()))  # the trained network
{load_line}```

Retrain it under any protocol: `nasx train {out_name} train.epochs=30 seed=1` (the trained network), or
`nasx train "$(cat arch.txt)" data=...` (the full-scale architecture at the data's resolution).
"""


def best_trial_id(frame, run_dir: str | Path) -> str:
    """The best confirmed searched network, else the best searched one, by the search's objective (means
    over seeds); of that network's seed trials, the most accurate one whose weights were saved, else the
    most accurate one."""
    confirmed = confirmed_table(frame)
    best = confirmed if len(confirmed) else search_ranking(frame)
    if best.empty:
        raise ValueError(f"{run_dir}: no finished searched trial to export")
    ids = str(best["trials"].iloc[0]).split(",")
    ids = [t for t in ids if weights_path(run_dir, t).is_file()] or ids
    rows = frame[frame["trial_id"].isin(ids).fillna(False).to_numpy(bool)]
    return str(rows.sort_values("val/top1", ascending=False, kind="stable")["trial_id"].iloc[0])


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _jsonable(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def export_trial(run_dir: str | Path, trial_id: str, out_dir: str | Path) -> dict[str, Path]:
    """Write the export of `trial_id` (or `best`) of `run_dir` into the new directory `out_dir`; returns the
        written files by name. Only regular files of the run are copied: a run holding a symbolic link is refused
    (`run_paths`). Every check (unknown or failed trial, an out_dir that holds files) happens
        before anything is written; the directory appears whole (written aside, then renamed)."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    frame = load(run_dir)
    if trial_id == BEST:
        trial_id = best_trial_id(frame, run_dir)
    row = {k: _jsonable(v) for k, v in trial_row(run_dir, trial_id).items()}
    full_text, trained_text = row.get("full_arch") or "", row["arch"]
    if not full_text:
        raise ValueError(f"{run_dir}: trial {trial_id} has no full_arch (written before rows carried it)")
    full, trained = decode(full_text), decode(trained_text)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ValueError(f"--out {out_dir}: already exists and is not an empty directory")
    weights = weights_path(run_dir, trial_id)
    tmp = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    config = run_dir / "config.yaml"
    provenance = {
        "run_dir": str(run_dir.resolve()),
        "trial_id": trial_id,
        "exported_at": time.time(),
        "nasx": __version__,
        **{
            k: row.get(k)
            for k in ("stage", "rung", "seed", "git_commit", "versions", "config_hash", "dataset", "resolution")
        },
    }
    files = {
        "arch.txt": full_text,
        "proxy_arch.txt": trained_text,
        "spec.json": json.dumps(full.to_dict(), indent=1),
        "proxy_spec.json": json.dumps(trained.to_dict(), indent=1),
        "row.json": json.dumps(row, indent=1),
        "provenance.json": json.dumps(provenance, indent=1),
    }
    if config.is_file():
        files["config.yaml"] = run_paths.read_bytes(config).decode()
    has_weights = weights.is_file()
    files["README.md"] = README.format(
        trial_id=trial_id,
        run=run_dir.name,
        version=__version__,
        run_dir=run_dir,
        stage=row.get("stage") or "search",
        rung=f", {row['rung']}" if row.get("rung") else "",
        dataset=row.get("dataset"),
        resolution=row.get("resolution"),
        out_name=out_dir,
        seed_note=f"seed {row.get('seed')}",
        val=_fmt(row.get("val/top1")),
        test=_fmt(row.get("test/top1")),
        weights_line="- `weights.pt`: the trained state_dict; it loads into the trained network "
        "(`nasx.load_pretrained` reads it in either of nasx's layouts).\n"
        if has_weights
        else "- no `weights.pt`: the run did not save this trial's weights (`nasx confirm` does; a search "
        "with `save_weights=true`).\n",
        load_line='nasx.load_pretrained(model, torch.load("weights.pt", weights_only=True))\n' if has_weights else "",
    )
    if has_weights:
        files["README.md"] = files["README.md"].replace("import nasx\n", "import torch\nimport nasx\n", 1)
    for name, text in files.items():
        (tmp / name).write_text(text if text.endswith("\n") or name.endswith(".txt") else text + "\n")
    if has_weights:
        run_paths.copy_regular(weights, tmp / "weights.pt")
    if out_dir.exists():
        out_dir.rmdir()
    os.replace(tmp, out_dir)
    return {name: out_dir / name for name in sorted(os.listdir(out_dir))}
