"""Defaults stated once: every value a file in conf/ gives equals the default of the dataclass field it
sets, or is listed in DELIBERATE with its reason; a key that no dataclass field takes fails as well.
Within a group, an option's `name` may be its own file name (that is what tells the options apart).
Experiment presets (conf/experiment/) change defaults on purpose and are documented in experiments/."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from nasx.cli.compose import CONF_DIR
from nasx.cli.convert import TrainSetup
from nasx.data import DataSpec
from nasx.fidelity.spec import FidelitySpec, SupernetRungs
from nasx.reward import Objective
from nasx.search.setup import (
    ConfirmSpec,
    LoggingSpec,
    ProxySpec,
    Resources,
    SearcherSpec,
    SearchSetup,
    SpaceSpec,
    SupernetSpec,
)
from nasx.train.spec import TrainSpec

CONF = Path(CONF_DIR)

# a config group -> the dataclass its options fill (cluster/ sets SearchSetup.address)
GROUPS = {
    "train": TrainSpec,
    "data": DataSpec,
    "objective": Objective,
    "resources": Resources,
    "search": SearcherSpec,
    "space": SpaceSpec,
    "cluster": SearchSetup,
}
# a primary config -> its dataclass, and the dataclasses of its sections
PRIMARY = {
    "search.yaml": (
        SearchSetup,
        {"proxy": ProxySpec, "logging": LoggingSpec, "confirm": ConfirmSpec, "supernet": SupernetSpec},
    ),
    "supernet.yaml": (SearchSetup, {"proxy": ProxySpec, "supernet": SupernetSpec}),
    "fidelity.yaml": (
        SearchSetup,
        {"proxy": ProxySpec, "logging": LoggingSpec, "fidelity": FidelitySpec, "supernet": SupernetRungs},
    ),
    "train.yaml": (TrainSetup, {"proxy": ProxySpec}),
}

_RUN = "a run's name has no default in SearchSetup; the conversion takes the file's (or `search`)"
_CIFAR = "the CIFAR protocol: larger batches, one-cycle schedule, stronger regularisation and crops"
_FILES = "read from a path the user must give (??? until then); its images' own size"
_OPTIONS = "the option's own settings"

DELIBERATE: dict[str, dict[str, str]] = {
    "train/proxy.yaml": {
        "device": "null: cuda when resources.gpus_per_trial > 0, else cpu, decided at conversion "
        "(nasx.cli.convert.implied); TrainSpec, built without resources, says cpu",
        **dict.fromkeys(
            ("memory_format", "crop_kernels"),
            "measured (bench.memory_format_accuracy, docs/training.md): channels-last with cropped kernels trains "
            "the proxies about 2x as fast at the same accuracy; TrainSpec keeps the values runs stored before "
            "the keys existed resume with",
        ),
    },
    "train/cifar.yaml": dict.fromkeys(
        ("batch_size", "lr", "schedule", "warmup_fraction", "label_smoothing", "crop_pad"), _CIFAR
    ),
    "train/smoke.yaml": dict.fromkeys(
        ("epochs", "steps", "batch_size"), "a few steps that show a configuration runs, not a protocol"
    ),
    "data/cifar10.yaml": {
        **dict.fromkeys(("root", "resolution"), _FILES),
        "test_fraction": "the official test batch is the test split",
    },
    "data/imagefolder.yaml": {**dict.fromkeys(("root", "resolution"), _FILES), "options": "photographs may be flipped"},
    "data/npz.yaml": {
        **dict.fromkeys(("root", "resolution"), _FILES),
        "options": "flips stay off unless the user knows the images allow them",
    },
    "data/mnist5k.yaml": {"resolution": "MNIST's native 28x28"},
    "data/synthetic.yaml": {"options": "the generated set's size and classes"},
    "objective/hard.yaml": dict.fromkeys(("alpha", "beta"), "MnasNet's hard constraint: 0 up to the target, -1 above"),
    "objective/multi.yaml": {"mode": "Pareto search: (accuracy, cost), no scalar reward"},
    "resources/gpu_shared.yaml": dict.fromkeys(
        ("gpus_per_trial", "max_concurrent"), "four trials share one GPU, a quarter each"
    ),
    "cluster/attach.yaml": {"address": "attach to a running cluster (auto) instead of starting a local Ray"},
    "search/evolution.yaml": {"options": _OPTIONS},
    "search/grid.yaml": {"options": _OPTIONS},
    "search/nsga2.yaml": {"options": _OPTIONS},
    "search/reinforce.yaml": {"options": _OPTIONS},
    "search/tpe.yaml": {"options": _OPTIONS},
    "space/compound.yaml": {"options": _OPTIONS},
    "space/regnet.yaml": {"options": _OPTIONS},
    "space/mnasnet.yaml": {"options": "states the space's own default (reference_widths: true) where users see it"},
    "search.yaml": {
        "name": _RUN,
        "run_dir": "null: runs/<name>/<timestamp>, decided at conversion (the time it starts)",
        "resume": "a command-line switch of `nasx search`, not part of the setup",
        "confirm.train": "the longer confirmation protocol is stated where users change it; "
        "ConfirmSpec's {} retrains under the search's own training",
    },
    "supernet.yaml": {
        "name": _RUN,
        "run_dir": "null: runs/<name>/<timestamp>, decided at conversion (the time it starts)",
        "resume": "a command-line switch of `nasx supernet`, not part of the setup",
    },
    "fidelity.yaml": {
        "name": _RUN,
        "run_dir": "null: runs/<name>/<timestamp>, decided at conversion (the time it starts)",
        "resume": "a command-line switch of `nasx fidelity`, not part of the setup",
        "references": "null: every family that is a point of the space, found by `nasx fidelity`",
    },
}

_NONE = object()


def _defaults(cls) -> dict:
    """Field name -> default (_NONE where the field has none)."""
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
        else:
            out[f.name] = _NONE
    return out


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _values(path: Path) -> dict:
    values = yaml.safe_load(path.read_text()) or {}
    values.pop("defaults", None)  # group choices and inherited options, not values
    return values


def _disagreements(values: dict, cls, sections: dict, *, stem: str | None = None, where: str = "") -> dict[str, str]:
    """key path -> what is wrong, for every value that is not its field's default."""
    defaults = _defaults(cls)
    out = {}
    for key, value in values.items():
        path = f"{where}{key}"
        if key in sections and isinstance(value, dict):
            out.update(_disagreements(value, sections[key], {}, where=f"{path}."))
        elif key not in defaults:
            out[path] = f"no field {cls.__name__}.{key}"
        elif key == "name" and stem is not None and value == stem:
            continue
        elif defaults[key] is _NONE:
            out[path] = f"{cls.__name__}.{key} has no default"
        elif _plain(value) != _plain(defaults[key]):
            out[path] = f"{value!r} here, {defaults[key]!r} in {cls.__name__}"
    return out


def _files() -> list[tuple[str, object, dict, str | None]]:
    files = [(name, cls, sections, None) for name, (cls, sections) in PRIMARY.items()]
    for group, cls in GROUPS.items():
        files += [(f"{group}/{p.name}", cls, {}, p.stem) for p in sorted((CONF / group).glob("*.yaml"))]
    return files


def test_every_group_and_primary_config_is_compared():
    groups = {p.name for p in CONF.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert groups - {"experiment"} == set(GROUPS)
    assert {p.name for p in CONF.glob("*.yaml")} == set(PRIMARY)


@pytest.mark.parametrize("name, cls, sections, stem", _files(), ids=[f[0] for f in _files()])
def test_yaml_defaults_equal_the_dataclass_defaults(name, cls, sections, stem):
    found = _disagreements(_values(CONF / name), cls, sections, stem=stem)
    listed = DELIBERATE.get(name, {})
    unlisted = {k: v for k, v in found.items() if k not in listed}
    assert not unlisted, f"conf/{name} disagrees with the dataclass (make them equal, or list the reason): {unlisted}"
    stale = sorted(set(listed) - set(found))
    assert not stale, f"conf/{name}: listed as deliberate but equal to the dataclass now: {stale}"


def test_every_deliberate_difference_names_a_compared_file_and_a_reason():
    assert set(DELIBERATE) <= {f[0] for f in _files()}
    assert all(reason.strip() for reasons in DELIBERATE.values() for reason in reasons.values())


def test_the_objective_files_are_the_presets():
    from nasx.reward import PRESETS

    for path in sorted((CONF / "objective").glob("*.yaml")):
        assert _plain(_values(path)) == _plain(PRESETS[path.stem].to_dict()), path.name


def test_supernet_yaml_states_every_training_option():
    """`nasx supernet`'s options are stated where users change them, `supernet.workers` included; `run` is
    scoring's (search.yaml), and search.yaml leaves `workers` out: a search trains no supernet."""
    stated = set(_values(CONF / "supernet.yaml")["supernet"])
    assert stated == {f.name for f in dataclasses.fields(SupernetSpec)} - {"run"}
    assert "workers" not in _values(CONF / "search.yaml")["supernet"]
