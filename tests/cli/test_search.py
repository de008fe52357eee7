"""nasx search / nasx resume: the conf tree, presets, checks before Ray, multirun sweeps, resume."""

import re
from pathlib import Path

import pytest
import yaml

from nasx import search_spaces
from nasx.cli import compose, convert, search_cmd
from nasx.cli.main import main
from nasx.search import searchers
from nasx.search import setup as search_setup_module
from nasx.search.setup import SMOKE_BUDGET
from nasx.supernet import store

CONF = Path(compose.CONF_DIR)
PRESETS = sorted(
    p.stem for p in (CONF / "experiment").glob("*.yaml") if not p.stem.startswith("fidelity_")
)  # fidelity_*: nasx fidelity presets
SUPERNET_PRESETS = {"effnet_b0_supernet_demo"}  # scored by a supernet: 500 candidates, tested in the presets test


@pytest.fixture(autouse=True)
def no_runner(monkeypatch):
    """No test here may reach Ray."""

    def refuse(*args, **kwargs):
        raise AssertionError("run_search called")

    monkeypatch.setattr("nasx.search.driver.run_search", refuse)


@pytest.fixture
def launched(monkeypatch):
    """The setups `nasx search` would hand to the runner, instead of running them."""
    calls = []
    monkeypatch.setattr(search_cmd, "launch", lambda setup, resume, overrides=None: calls.append((setup, resume)))
    return calls


def setup_of(*overrides):
    return convert.search_setup(compose.compose("search", list(overrides)))


def test_groups_match_the_registries():
    assert sorted(p.stem for p in (CONF / "space").glob("*.yaml")) == search_spaces.names()
    assert sorted(p.stem for p in (CONF / "search").glob("*.yaml")) == searchers.names()
    assert PRESETS == [
        "compound_grid",
        "effnet_b0_demo",
        "effnet_b0_search",
        "effnet_b0_supernet_demo",
        "pareto_3obj",
        "pareto_nsga2",
        "regnet_sample",
        "resnext_cardinality",
    ]


def test_one_proxy_spec():
    assert convert.ProxySpec is search_setup_module.ProxySpec


def test_defaults():
    s = setup_of()
    assert (s.name, s.space.name, s.searcher.name, s.data.name, s.objective.name) == (
        "search",
        "mnasnet",
        "random",
        "digits",
        "efficientnet_b0",
    )
    assert s.address is None and not s.smoke and s.references == ()
    assert re.fullmatch(r"runs/search/\d{8}-\d{6}", s.run_dir)
    assert s.config["run_dir"] == s.run_dir and s.config["space"]["name"] == "mnasnet"


@pytest.mark.parametrize(
    "group,option",
    [(g, p.stem) for g in ("space", "search", "resources", "cluster") for p in sorted((CONF / g).glob("*.yaml"))],
)
def test_every_group_option_converts(group, option):
    s = setup_of(f"{group}={option}")
    if group == "space":
        assert s.space.name == option
        s.space.make()
    elif group == "search":
        assert s.searcher.name == option and not s.searcher.asha
    elif group == "resources":
        assert s.resources.gpus_per_trial == (0.25 if option == "gpu_shared" else 0)
    else:
        assert s.address == (None if option == "local" else "auto")


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_passes_every_check_in_smoke_mode(preset, tmp_path):
    scored = []
    if preset in SUPERNET_PRESETS:  # it scores with a supernet its command line names: one of this setup
        scored = [
            f"supernet.run={store.initial(tmp_path, setup_of(f'experiment={preset}', 'smoke=true', 'evaluator=train'))}"
        ]
    s = setup_of(f"experiment={preset}", "smoke=true", *scored)
    assert s.smoke and s.name == preset and s.budget <= SMOKE_BUDGET and s.train.epochs == 1
    assert s.config["smoke"] is True and s.run_dir.startswith(f"runs/{preset}/")
    search_cmd.validate(s)


@pytest.mark.parametrize("preset", sorted(set(PRESETS) - SUPERNET_PRESETS))
def test_preset_full_scale_passes_every_check(preset):
    s = setup_of(f"experiment={preset}")
    assert 6 <= s.budget <= 20 and 2 <= s.train.epochs <= 5 and s.references
    assert (s.proxy.width_mult, s.proxy.depth_mult, s.data.name, s.data.resolution) == (0.25, 0.5, "digits", 16)
    search_cmd.validate(s)


def test_presets_choose_what_they_reproduce():
    want = {
        "effnet_b0_search": ("mnasnet", "reinforce", "efficientnet_b0"),
        "compound_grid": ("compound", "grid", "efficientnet_b0"),
        "regnet_sample": ("regnet", "random", "efficientnet_b0"),
        "resnext_cardinality": ("resnext", "random", "efficientnet_b0"),
        "pareto_nsga2": ("mnasnet", "nsga2", "multi"),
        "pareto_3obj": ("mnasnet", "nsga2", "multi"),
        "effnet_b0_demo": ("mnasnet", "reinforce", "efficientnet_b0"),
    }
    for preset, names in want.items():
        s = setup_of(f"experiment={preset}")
        assert (s.space.name, s.searcher.name, s.objective.name) == names, preset
    three = setup_of("experiment=pareto_3obj")  # accuracy, and the trained network's MACs and measured latency
    assert three.objectives() == (("val/top1", "max"), ("macs", "min"), ("latency_ms", "min"))
    effnet = setup_of("experiment=effnet_b0_search")
    assert effnet.objective.target == 400e6 and effnet.objective.alpha == effnet.objective.beta == -0.07
    assert effnet.references == ("efficientnet_b0", "mobilenet_v2", "mnasnet_a1")
    assert setup_of("experiment=resnext_cardinality").references == ("resnet50", "resnext50_32x4d")
    timm_named = setup_of("references=[timm:mixnet_s,timm:efficientnet_b0,resnet50]")
    assert timm_named.references == ("mixnet_s", "efficientnet_b0", "resnet50")  # timm builds them at these sizes
    demo = setup_of("experiment=effnet_b0_demo")  # make demo: the same search, then its confirmation stage
    assert (demo.references, demo.objective, demo.train) == (effnet.references, effnet.objective, effnet.train)
    assert demo.budget < effnet.budget and demo.confirm.after_search and not effnet.confirm.after_search
    assert (demo.confirm.top_k, demo.confirm.seeds) == (3, 3) and demo.confirm.train["epochs"] > demo.train.epochs
    # make demo with weight sharing: the same search scored by a supernet, 500 candidates, the same confirmation
    shared = setup_of("experiment=effnet_b0_supernet_demo", "supernet.run=unused")
    assert shared.evaluator == "supernet" and shared.budget >= 500
    assert (shared.references, shared.objective, shared.proxy) == (effnet.references, effnet.objective, effnet.proxy)
    assert (shared.confirm.top_k, shared.confirm.seeds, shared.confirm.train) == (3, 3, demo.confirm.train)
    grid = setup_of("experiment=compound_grid")
    assert grid.space.options["mode"] == "grid" and grid.budget == sum(1 for _ in grid.space.make().grid())
    # conf/experiment/compound_grid.yaml states 13. By hand: 15 triples of the 0.1 grid have alpha * beta^2 *
    # gamma^2 within 5% of 2, and (1.2, 1.1, 1.2), (1.2, 1.2, 1.1) repeat the networks of (1.1, 1.1, 1.2),
    # (1.1, 1.2, 1.1): B0's repeats (1, 2, 2, 3, 3, 4, 1) times 1.1 or 1.2 both round up to (2, 3, 3, 4, 4, 5, 2)
    assert grid.budget == 13


def test_command_line_group_wins_over_the_preset():
    s = setup_of("experiment=regnet_sample", "space=anynet")
    assert s.space.name == "anynet" and s.space.macs == (350e6, 450e6)


def test_unknown_keys_are_named_by_their_path():
    cfg = compose.compose("search", [])
    cfg["space"]["bogus"] = 1
    with pytest.raises(ValueError, match=r"^space: unknown key\(s\) bogus"):
        convert.search_setup(cfg)
    with pytest.raises(ValueError, match=r"^unknown key\(s\) extra"):
        convert.search_setup({**compose.compose("search", []), "extra": 1})


BAD = [
    (["space=foo"], r"unknown space 'foo'; choose one of anynet, compound"),
    (["space.name=foo"], r"unknown search space 'foo'"),
    (["search=foo"], r"unknown searcher 'foo'; choose one of evolution"),
    (["search.name=foo"], r"unknown searcher 'foo'"),
    (["experiment=foo"], r"unknown experiment 'foo'; choose one of compound_grid"),
    (["budget=0"], r"budget=0: must be a positive"),
    (["budget=-3"], r"budget=-3: must be a positive"),
    (["train.epochs=0"], r"train.epochs=0"),
    (["space.macs=[5e8,1e8]"], r"MACs range .* is inverted"),
    (["space.macs=[1,2]", "+space.options.max_tries=20"], r"no candidate with MACs in \[1, 2\]"),
    (["data=cifar10"], r"data.root is required"),
    (["data=cifar10", "data.root=/nonexistent/cifar"], r"data.root=/nonexistent/cifar: no such file"),
    (["data=npz", "data.root=/nonexistent/x.npz"], r"no such file or directory \(dataset npz\)"),
    (["data=imagefolder", "data.root=/nonexistent/images"], r"no such file or directory \(dataset imagefolder\)"),
    (["data.name=mnist"], r"unknown dataset 'mnist'"),
    (["cluster.address=127.0.0.1:1"], r"cluster.address=127.0.0.1:1: nothing answers there"),
    (["cluster.address=nowhere"], r"expected auto or HOST:PORT"),
    (["seed=0,1"], r"seed=0,1 sweeps several values: add -m"),
    (["references=[nope]"], r"unknown family 'nope'"),
    (["references=[timm:nope]"], r"no family under this timm name"),
    (
        ["references=[timm:efficientnet_b2]"],
        r"efficientnet_b2 at timm's 256x256.*family's 288x288; use 'efficientnet_b2'",
    ),
    (["space=compound", "search=grid", "space.options.mode=continuous"], r"no grid"),
    (["search=evolution", "objective=multi"], r"optimizes one objective"),
    (["+search.options.bogus=1"], r"unknown options \['bogus'\]"),
    (["+space.options.bogus=1"], r"bogus"),
    (["resources.cpus_per_trial=0"], r"resources\.cpus_per_trial=0: must be a finite number > 0"),
    (["name=a/b"], r"name='a/b'"),
    (["nonsense=1"], r"Could not override 'nonsense'"),
    (["resume=true"], r"resume=true needs run_dir=PATH"),
    (["resume=true", "run_dir=/nonexistent/run"], r"run directory /nonexistent/run not found"),
    (["-m", "seed=0,1", "resume=true"], r"cannot be combined with -m"),
    (["-m", "seed=0,1", "budget=0"], r"budget=0"),
]


@pytest.mark.parametrize("overrides,message", BAD)
def test_bad_config_is_one_line_and_exit_2_before_ray(overrides, message, launched, capsys):
    import ray

    argv = ["search", *overrides]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("nasx search: error: ") and err.count("\n") == 1, err
    assert re.search(message, err), err
    assert launched == [] and not ray.is_initialized()


def test_existing_results_need_resume(tmp_path, launched, capsys):
    (tmp_path / "results.csv").write_text("trial_id\n")
    assert main(["search", f"run_dir={tmp_path}"]) == 2
    assert "already holds results; resume it" in capsys.readouterr().err and launched == []


def test_search_hands_the_setup_to_the_runner(tmp_path, launched):
    assert main(["search", "experiment=pareto_nsga2", "smoke=true", f"run_dir={tmp_path / 'r'}", "seed=3"]) == 0
    [(s, resume)] = launched
    assert not resume and s.run_dir == str(tmp_path / "r") and s.seed == 3 and s.smoke
    assert s.config["run_dir"] == s.run_dir and s.config["name"] == "pareto_nsga2"
    yaml.safe_dump(s.config)  # the runner writes it as config.yaml


# --- multirun ---


def test_expand_is_the_cartesian_product():
    assert search_cmd.expand(["seed=0,1,2"]) == [["seed=0"], ["seed=1"], ["seed=2"]]
    assert search_cmd.expand(["space=regnet,anynet", "budget=3", "seed=range(0,2)"]) == [
        ["space=regnet", "budget=3", "seed=0"],
        ["space=regnet", "budget=3", "seed=1"],
        ["space=anynet", "budget=3", "seed=0"],
        ["space=anynet", "budget=3", "seed=1"],
    ]
    assert search_cmd.expand(["budget=3"]) == [["budget=3"]]
    assert search_cmd.expand(["space.macs=[1e8,2e8],[3e8,4e8]"]) == [
        ["space.macs=[100000000.0,200000000.0]"],
        ["space.macs=[300000000.0,400000000.0]"],
    ]


def test_multirun_runs_each_job_in_its_own_directory(tmp_path, launched, capsys):
    argv = [
        "search",
        "-m",
        "experiment=regnet_sample",
        "space=regnet,anynet",
        "seed=0,1",
        "smoke=true",
        f"run_dir={tmp_path}",
    ]
    assert main(argv) == 0
    got = [(s.space.name, s.seed, s.run_dir) for s, resume in launched]
    assert got == [
        ("regnet", 0, str(tmp_path / "space=regnet,seed=0")),
        ("regnet", 1, str(tmp_path / "space=regnet,seed=1")),
        ("anynet", 0, str(tmp_path / "space=anynet,seed=0")),
        ("anynet", 1, str(tmp_path / "space=anynet,seed=1")),
    ]
    assert "multirun job 4/4" in capsys.readouterr().out


def test_multirun_default_directories_share_one_timestamp(launched):
    assert main(["search", "-m", "seed=0,1", "smoke=true"]) == 0
    a, b = (Path(s.run_dir) for s, _ in launched)
    assert a.parent == b.parent and re.fullmatch(r"runs/search/\d{8}-\d{6}", str(a.parent))
    assert (a.name, b.name) == ("seed=0", "seed=1")


def test_multirun_checks_every_job_before_the_first(launched, capsys):
    assert main(["search", "-m", "space.macs=[1e8,4e8],[4e8,1e8]", "smoke=true"]) == 2
    assert "inverted" in capsys.readouterr().err and launched == []


# --- resume ---


def write_run(run_dir: Path, *overrides) -> dict:
    """A run directory as the runner leaves it: config.yaml from setup.config."""
    s = setup_of(*overrides, f"run_dir={run_dir}")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(s.config, sort_keys=False))
    return s.config


def test_resume_reads_config_yaml_and_raises_the_budget(tmp_path, launched):
    write_run(tmp_path / "run", "experiment=effnet_b0_search", "smoke=true")
    assert main(["resume", str(tmp_path / "run"), "budget=7", "resources.max_concurrent=1"]) == 0
    [(s, resume)] = launched
    assert resume and s.run_dir == str(tmp_path / "run") and s.name == "effnet_b0_search"
    assert s.searcher.name == "reinforce" and s.smoke and s.resources.max_concurrent == 1
    assert s.budget == min(7, SMOKE_BUDGET) and s.config["budget"] == 7


def test_resume_keeps_the_stored_config_over_the_defaults(tmp_path, launched):
    write_run(tmp_path / "run", "space=regnet", "search=evolution", "seed=5", "budget=30")
    assert main(["resume", str(tmp_path / "run")]) == 0
    [(s, _)] = launched
    assert (s.space.name, s.searcher.name, s.seed, s.budget) == ("regnet", "evolution", 5, 30)


def test_a_run_written_before_later_keys_resumes_with_their_defaults(tmp_path, launched):
    """A config.yaml from before the keys of compose.LATER_KEYS existed lacks exactly those: it resumes, each taking
    its default, while the run's own values stay."""
    from nasx.cli.compose import LATER_KEYS

    config = write_run(tmp_path / "run", "search=evolution", "seed=5", "budget=30")
    for path in LATER_KEYS:
        *parents, key = path.split(".")
        section = config
        for name in parents:
            section = section[name]
        del section[key]
    (tmp_path / "run" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    assert main(["resume", str(tmp_path / "run")]) == 0
    [(s, _)] = launched
    assert (s.searcher.name, s.seed, s.budget) == ("evolution", 5, 30)
    assert s.train.memory_format == "device" and not s.train.compile and s.objective.metrics is None


@pytest.mark.parametrize(
    "argv,message",
    [
        (["resume", "{missing}"], r"run directory .*missing not found"),
        (["resume", "{empty}"], r"config.yaml not found: .* is not the directory of a nasx search"),
        (["resume", "{run}", "space=regnet"], r"space is a section; a group choice cannot change"),
        (["resume", "{run}", "bogus=1"], r"bogus: no such key"),
        (["resume", "{run}", "budget=0"], r"budget=0: must be a positive"),
        (["resume", "{run}", "seed=1,2"], r"a sweep cannot be applied here"),
        (["search", "resume=true", "run_dir={empty}"], r"config.yaml not found"),
        (
            ["search", "resume=true", "run_dir={run}", "smoke=true", "space=regnet"],
            r"differs from .*config.yaml at space.name",
        ),
    ],
)
def test_resume_errors(tmp_path, launched, capsys, argv, message):
    write_run(tmp_path / "run", "smoke=true")
    (tmp_path / "empty").mkdir()
    paths = {k: str(tmp_path / k) for k in ("missing", "empty", "run")}
    assert main([a.format(**paths) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(message, err), err
    assert launched == []


def test_search_resume_true_repeats_the_original_overrides(tmp_path, launched):
    run = tmp_path / "run"
    write_run(run, "experiment=regnet_sample", "smoke=true")
    (run / "results.csv").write_text("trial_id\n")
    assert main(["search", "experiment=regnet_sample", "smoke=true", "resume=true", f"run_dir={run}", "budget=30"]) == 0
    [(s, resume)] = launched
    assert resume and s.space.name == "regnet" and s.config["budget"] == 30


def test_apply_overrides_changes_values_only():
    cfg = {"budget": 3, "space": {"name": "mnasnet", "macs": None}, "references": []}
    out = compose.apply_overrides(cfg, ["budget=9", "space.macs=[1e8,4e8]", "references=[resnet50]", "+seed=2"])
    assert out == {"budget": 9, "space": {"name": "mnasnet", "macs": [1e8, 4e8]}, "references": ["resnet50"], "seed": 2}
    assert cfg["budget"] == 3


def test_differences_name_the_paths():
    a = {"budget": 1, "space": {"name": "regnet", "macs": [1, 2]}, "seed": 0}
    b = {"budget": 2, "space": {"name": "anynet", "macs": [1, 2]}, "seed": 0, "x": 1}
    assert compose.differences(a, b) == ["budget", "space.name", "x"]
    assert compose.differences(a, b, ignore=("budget",)) == ["space.name", "x"]
    assert compose.differences(a, b, ignore=("budget", "space.name")) == ["x"]  # a dotted path: that key alone
    assert compose.differences(a, b, ignore=("space",)) == ["budget", "x"]
