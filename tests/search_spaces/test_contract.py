"""Contract tests every registered search space is subject to."""

import importlib

import numpy as np
import optuna
import pytest
import torch

import nasx
from nasx import search_spaces
from nasx.arch.spec import ArchSpec
from nasx.ray.domains import param_space
from nasx.search_spaces.base import Rejected

SPACES = search_spaces.names()
N_SAMPLES = 200


def small(spec: ArchSpec) -> ArchSpec:
    """The proxy-scale network the contract builds and runs."""
    return nasx.proxy(spec, resolution=16, num_classes=10, width_mult=0.125, depth_mult=0.25, stem_stride=1)


def test_the_issue_spaces_are_registered():
    assert set(SPACES) >= {"mnasnet", "resnext", "regnet", "anynet", "compound"}


@pytest.fixture(scope="module", params=SPACES)
def sampled(request):
    space = search_spaces.get(request.param)
    rng = np.random.default_rng(7)
    return space, [space.sample_point(rng) for _ in range(N_SAMPLES)]


@pytest.mark.slow
def test_samples_build_run_and_count_exactly(sampled):
    space, points = sampled
    torch.manual_seed(0)
    for _values, spec in points:
        assert isinstance(spec, ArchSpec)
        proxy = small(spec)
        model = nasx.build_model(proxy).eval()
        assert sum(p.numel() for p in model.parameters()) == nasx.complexity(proxy).params, nasx.encode(spec)
        with torch.no_grad():
            out = model(torch.randn(1, 3, 16, 16))
        assert out.shape == (1, 10) and torch.isfinite(out).all()


def test_samples_are_points_and_params_of_regenerates_them(sampled):
    space, points = sampled
    for values, spec in points:
        assert space.contains(spec)
        found = space.params_of(spec)
        assert space.normalize(space.generate(found)) == space.normalize(spec)
        assert space.normalize(space.generate(values)) == space.normalize(spec)


def test_sampling_is_reproducible_from_the_seed(sampled):
    space, points = sampled
    again = search_spaces.get(space.name)
    keys = [again.sample(np.random.default_rng(7)).key()]
    assert keys[0] == points[0][1].key()
    assert [s.key() for s in map(again.sample, [11, 11])] == [again.sample(11).key()] * 2
    assert len({spec.key() for _, spec in points}) > 1


@pytest.mark.parametrize("name", SPACES)
def test_suggest_under_a_real_optuna_study(name):
    space = search_spaces.get(name)
    specs = {}

    def objective(trial):
        try:
            spec = space.suggest(trial)
        except Rejected:
            raise optuna.TrialPruned() from None
        specs[trial.number] = spec
        return nasx.complexity(spec).macs / 1e9

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=5))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(objective, n_trials=30)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert done
    for t in done:
        assert set(t.params) == {p.name for p in space.parameters()}
        assert space.generate(t.params) == specs[t.number]


@pytest.mark.parametrize("name", SPACES)
def test_ray_param_space_samples_generate_points(name):
    space = search_spaces.get(name)
    domains = param_space(space)
    assert set(domains) == {p.name for p in space.parameters()}
    np.random.seed(0)
    made = 0
    for _ in range(50):
        config = {k: d.sample() for k, d in domains.items()}
        try:
            spec = space.generate(config)
        except ValueError:
            continue
        made += 1
        assert space.contains(spec)
    assert made > 0


@pytest.mark.parametrize("name", SPACES)
def test_tiny_example_builds_and_runs(name):
    space = search_spaces.get(name)
    tiny = importlib.import_module(type(space).__module__).TINY
    spec = nasx.proxy(space.generate(tiny), resolution=16, num_classes=10, stem_stride=1)
    model = nasx.build_model(spec).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 16, 16)).shape == (2, 10)
    assert space.contains(space.generate(tiny))


@pytest.mark.parametrize("name", SPACES)
def test_budget_bounds_every_sample_and_reports_acceptance(name):
    probe = search_spaces.get(name)
    macs = sorted(nasx.complexity(probe.sample(s)).macs for s in range(30))
    low, high = macs[5], macs[25]
    space = search_spaces.get(name, macs=(low, high))
    for seed in range(20):
        assert low <= nasx.complexity(space.sample(seed)).macs <= high
    stats = space.stats
    assert stats.tries >= 20 and stats.accepted == 20
    assert stats.acceptance == pytest.approx(20 / stats.tries)


@pytest.mark.parametrize("name", SPACES)
def test_impossible_budget_is_a_clear_error_not_a_loop(name):
    space = search_spaces.get(name, macs=(1, 2), max_tries=200)
    with pytest.raises(ValueError, match=r"no candidate with MACs in \[1, 2\] in 200 samples"):
        space.sample(0)


@pytest.mark.parametrize(
    "bounds, message", [((5, 1), "inverted"), ((3, 3), "empty"), ((-1, 3), ">= 0"), (("a", 3), "two numbers")]
)
def test_bad_ranges_are_refused(bounds, message):
    with pytest.raises(ValueError, match=message):
        search_spaces.get("mnasnet", macs=bounds)


def test_unknown_space_and_option_are_one_line_errors():
    with pytest.raises(ValueError, match="unknown search space 'nope'"):
        search_spaces.get("nope")
    with pytest.raises(ValueError, match="unexpected keyword argument 'colour'"):
        search_spaces.get("regnet", colour=1)


# Sizes at default options.
#   resnext, exact, by hand: depths 8 * 8 * 36 * 8 = 18,432, se 2. Inner widths round(w * b) are
#     2^(4+e) * m, m in {2, 3, 4, 5, 6}, e = (stage - 1) + log2(4b) in 0..5; groups 2^j divide it for
#     5 / 3 / 1 / 0 values of m when j - 4 - e is <= 0 / 1 / 2 / >= 3. Over (groups, b): j <= 4 gives 5^4 each
#     (15 * 625 = 9,375), j = 5 gives 375 + 625 + 625, j = 6 gives 75 + 375 + 625: 12,075 width choices,
#     12,075 * 18,432 * 2 = 445,132,800.
#   regnet, upper bound, by hand: d 63 * w0 31 (8..248 by 8) * wa 2,481 (8..256 by 0.1) * wm 1,501
#     (1.5..3 by 0.001) * group_w 6 * b 3 * se 2 = 261,825,656,148.
#   anynet, upper bound, from its stated ranges: (d 16 * w 128 (8..1024 by 8) * b 3 * g 6)^4 * se 2
#     = 36,864^4 * 2 = 3,693,514,644,397,228,032.
#   compound (valid, distinct triples) and mnasnet (count over canonical assignments): pins today's values.
SIZES = {
    "resnext": 445_132_800,
    "regnet": 261_825_656_148,
    "anynet": 3_693_514_644_397_228_032,
    "compound": 50,
    "mnasnet": 80_947_325_572_743_168,
}


def test_size_is_reported_for_every_space():
    for name in SPACES:
        size = search_spaces.get(name).size()
        assert size.count > 1
    assert {name: search_spaces.get(name).size().count for name in SIZES} == SIZES
    assert (12_075 * 18_432 * 2, 63 * 31 * 2481 * 1501 * 6 * 3 * 2) == (SIZES["resnext"], SIZES["regnet"])
    assert (16 * 128 * 3 * 6) ** 4 * 2 == SIZES["anynet"]
    assert search_spaces.get("resnext").size().exact and search_spaces.get("compound").size().exact
