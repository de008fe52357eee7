"""The exact hypervolume in any number of objectives, by hand and against Optuna's own implementation."""

import numpy as np
import pytest

from nasx.analysis import dominated_volume
from nasx.analysis import hypervolume as hv


def test_three_objectives_by_hand():
    # Minimised, reference (4, 4, 4). The boxes [p, ref] of
    #   A = (1, 2, 3): 3 x 2 x 1 = 6,   B = (2, 1, 2): 2 x 3 x 2 = 12,   C = (3, 3, 1): 1 x 1 x 3 = 3;
    # overlaps (the box from the coordinate-wise max to ref):
    #   A∩B = [2,4]x[2,4]x[3,4] = 4,  A∩C = [3,4]x[3,4]x[3,4] = 1,  B∩C = [3,4]x[3,4]x[2,4] = 2,  A∩B∩C = 1;
    # union by inclusion-exclusion: 6 + 12 + 3 - 4 - 1 - 2 + 1 = 15.
    a, b, c = (1, 2, 3), (2, 1, 2), (3, 3, 1)
    assert dominated_volume.volume([a, b, c], (4, 4, 4)) == pytest.approx(15.0, abs=1e-12)
    # D = (3, 3, 3) is dominated by B; a duplicate adds nothing; E lies beyond the reference in z
    assert dominated_volume.volume([a, b, c, (3, 3, 3), b, (0, 0, 5)], (4, 4, 4)) == pytest.approx(15.0, abs=1e-12)
    # the order of the points does not matter
    assert dominated_volume.volume([c, a, b], (4, 4, 4)) == pytest.approx(15.0, abs=1e-12)


def test_one_point_is_a_box_and_nothing_is_zero():
    # (1 - 0) x (2 - 0) x (3 - 0) x (4 - 0) = 24
    assert dominated_volume.volume([(0, 0, 0, 0)], (1, 2, 3, 4)) == 24.0
    assert dominated_volume.volume(np.empty((0, 3)), (1, 1, 1)) == 0.0
    assert dominated_volume.volume([(1, 0, 0)], (1, 1, 1)) == 0.0  # on the reference plane: no volume
    assert dominated_volume.volume([(np.nan, 0, 0)], (1, 1, 1)) == 0.0


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="points have 2 objectives, the reference point 3"):
        dominated_volume.volume([(0, 0)], (1, 1, 1))
    with pytest.raises(ValueError, match="every value must be finite"):
        dominated_volume.volume([(0, 0)], (1, np.inf))


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("seed", range(6))
def test_agrees_with_optuna_on_random_fronts(k, seed):
    """Optuna's hypervolume (its WFG / box decomposition; imported in this test only) on random point sets,
    some on a curved front (all non-dominated), some with dominated points and points beyond the reference."""
    from optuna._hypervolume import compute_hypervolume

    rng = np.random.default_rng(seed * 10 + k)
    n = int(rng.integers(1, 40))
    if seed % 2:
        directions = rng.normal(size=(n, k))
        points = np.abs(directions) / np.linalg.norm(directions, axis=1, keepdims=True)  # on a sphere: a front
    else:
        points = rng.uniform(0, 1.2, size=(n, k))  # mixed, some beyond the reference point 1
    ref = np.ones(k)
    inside = points[(points < ref).all(axis=1)]
    expected = compute_hypervolume(inside, ref) if len(inside) else 0.0
    assert dominated_volume.volume(points, ref) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_agrees_with_a_monte_carlo_estimate():
    """A second check that can fail: the share of uniform samples in [0, ref) dominated by the points estimates the
    volume; 200,000 samples give a standard error below 0.0012 of the unit cube, the tolerance is 5 of those."""
    rng = np.random.default_rng(7)
    points = rng.uniform(0, 1, size=(25, 3))
    samples = rng.uniform(0, 1, size=(200_000, 3))
    covered = np.zeros(len(samples), dtype=bool)
    for p in points:
        covered |= (samples >= p).all(axis=1)
    assert dominated_volume.volume(points, (1, 1, 1)) == pytest.approx(covered.mean(), abs=0.006)


def test_normalised_axes_in_three_objectives_by_hand():
    # reference: accuracy 0, MACs 1e4 (log10 = 4), latency 100 ms (log10 = 2); points in (accuracy, decades):
    #   (0.5, 10 MACs, 1 ms): 0.5 x (4 - 1) x (2 - 0) = 3.0;   (0.8, 100 MACs, 10 ms): 0.8 x (4 - 2) x (2 - 1) = 1.6;
    #   overlap: 0.5 x 2 x 1 = 1.0;  union 3.0 + 1.6 - 1.0 = 3.6
    box = hv.Box(0.0, (("macs", 1e4), ("latency_ms", 100.0)))
    assert hv.hypervolume_k([0.5, 0.8], [[10, 1], [100, 10]], box) == pytest.approx(3.6)
    # a NaN latency: that trial adds nothing
    assert hv.hypervolume_k([0.5, 0.9], [[10, 1], [10, np.nan]], box) == pytest.approx(3.0)
    assert str(box) == "(accuracy 0, macs 10,000, latency_ms 100)"


def test_one_cost_is_the_two_dimensional_area():
    rng = np.random.default_rng(3)
    acc, macs = rng.uniform(0, 1, 30), 10 ** rng.uniform(3, 6, 30)
    ref = hv.Reference(0.0, 2e6)
    box = hv.Box(0.0, (("macs", 2e6),))
    assert hv.hypervolume_k(acc, macs[:, None], box) == pytest.approx(hv.hypervolume(acc, macs, ref), rel=1e-12)
