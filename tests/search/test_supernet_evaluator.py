"""evaluator=supernet: a search's candidates scored with a supernet's inherited weights, in process."""

import json
from dataclasses import replace

import pytest
import torch

from nasx import results
from nasx.complexity import complexity
from nasx.data.augment import normalize
from nasx.search.configs import proxy_spec, trial_config
from nasx.search.driver import run_search
from nasx.search.evaluators import get
from nasx.search.evaluators.supernet import check_serves, loaded
from nasx.search.inprocess import InProcess
from nasx.search.setup import SupernetSpec
from nasx.supernet import store
from nasx.supernet.recalibrate import recalibrate, recalibration_indices
from nasx.train.loop import accuracy
from tests.helpers.search_setups import tiny_setup


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """An (untrained, seeded) supernet of tiny_setup's search."""
    return store.initial(tmp_path_factory.mktemp("supernet"), tiny_setup("unused"))


def _setup(run_dir, supernet_dir, **changes):
    return tiny_setup(
        run_dir, evaluator="supernet", supernet=SupernetSpec(run=str(supernet_dir), recalibration_images=200), **changes
    )


def test_a_search_scores_every_candidate_from_the_supernet(tmp_path, trained):
    run_dir = run_search(_setup(tmp_path / "run", trained, budget=6), executor=InProcess(), out=lambda line: None)
    frame = results.load(run_dir)
    assert len(frame) == 6 and set(frame["status"]) == {"ok"}, frame["error"].tolist()
    assert set(frame["evaluator"]) == {"supernet"} and set(frame["supernet_run"]) == {str(trained)}
    assert set(frame["supernet_sha256"]) == {store.sha256(trained)}
    assert frame["val/top1"].between(0, 1).all() and frame["test/top1"].between(0, 1).all()
    assert (frame["epochs"] == 0).all() and frame["reward"].notna().all()


def test_a_score_is_the_extracted_network_recalibrated_and_measured(tmp_path, trained):
    """The row's accuracy is reproduced by hand: extract, recalibrate on the seed's images, measure."""
    setup = _setup(tmp_path, trained)
    data = setup.data.load()
    values, full = setup.space.make().sample_point(3)
    trained_spec = proxy_spec(
        setup,
        full,
        resolution=data.resolution,
        num_classes=data.num_classes,
        channels=data.channels,
        base_resolution=setup.space.make().resolution,
    )
    config = trial_config("s0003", full, trained_spec, proposal_id=3, values=values, seed=5)
    row = get("supernet")(config, data, setup, lambda progress: None)["row"]
    net, digest, _ = loaded(str(trained))
    model = recalibrate(net.extract(values), data, 200, seed=5)
    assert row["status"] == "ok" and row["supernet_sha256"] == digest
    assert row["val/top1"] == accuracy(model, data.val_x, data.val_y, data, setup.train, channels_last=True)
    assert row["test/top1"] == accuracy(model, data.test_x, data.test_y, data, setup.train, channels_last=True)
    assert sum(p.numel() for p in model.parameters()) == complexity(trained_spec).params
    assert json.loads(json.dumps(row)) == row  # crosses process boundaries unchanged


def test_recalibration_depends_on_its_images_and_is_repeatable(trained):
    setup = tiny_setup("unused")
    data = setup.data.load()
    net = loaded(str(trained)).net
    values = setup.space.make().sample_point(1)[0]
    a = recalibrate(net.extract(values), data, 100, seed=0)
    b = recalibrate(net.extract(values), data, 100, seed=0)
    c = recalibrate(net.extract(values), data, 100, seed=1)
    stats = lambda m: [t for k, t in m.state_dict().items() if k.endswith("running_mean")]
    assert all((x == y).all() for x, y in zip(stats(a), stats(b)))
    assert any((x != z).any() for x, z in zip(stats(a), stats(c)))


def test_channels_last_scoring_computes_the_same_network(trained):
    """Recalibration and scoring run channels-last for speed: the same statistics and logits as NCHW."""
    setup = tiny_setup("unused")
    data = setup.data.load()
    net = loaded(str(trained)).net
    values = setup.space.make().sample_point(2)[0]
    fast = recalibrate(net.extract(values), data, 100, seed=0)
    plain = net.extract(values).eval()
    for m in plain.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
            m.train()
    with torch.no_grad():
        plain(normalize(data.train_x[recalibration_indices(data, 100, 0)], data.mean, data.std))
        plain.eval()
        x = normalize(data.val_x, data.mean, data.std)
        assert fast(x.contiguous(memory_format=torch.channels_last)).allclose(plain(x), atol=1e-4)
    for (k, a), b in zip(fast.state_dict().items(), plain.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-5), k


def test_a_supernet_of_another_proxy_or_data_is_refused_naming_the_difference(tmp_path, trained):
    setup = _setup(tmp_path, trained)
    with pytest.raises(
        ValueError, match=r"a supernet of proxy.width_mult=0.125, this search has proxy.width_mult=0.25"
    ):
        check_serves(replace(setup, proxy=replace(setup.proxy, width_mult=0.25)))
    with pytest.raises(ValueError, match=r"a supernet of data.resolution=8, this search has data.resolution=16"):
        check_serves(replace(setup, data=replace(setup.data, resolution=16)))
    with pytest.raises(ValueError, match=r"a supernet of space.name='mnasnet', this search has space.name='compound'"):
        check_serves(replace(setup, space=replace(setup.space, name="compound")))
    check_serves(setup)  # its own search is served


def test_missing_corrupt_and_absent_supernets_are_one_line(tmp_path, trained):
    with pytest.raises(ValueError, match="evaluator=supernet needs supernet.run=DIR"):
        tiny_setup(tmp_path, evaluator="supernet")
    with pytest.raises(ValueError, match=r"no supernet.pt there \(train one with `nasx supernet`\)"):
        check_serves(_setup(tmp_path, tmp_path / "nothing"))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "supernet.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"not a readable supernet checkpoint"):
        check_serves(_setup(tmp_path, tmp_path / "bad"))
    with pytest.raises(ValueError, match="unknown evaluator"):
        get("nope")


def test_a_search_refused_for_its_supernet_writes_nothing(tmp_path, trained):
    setup = _setup(tmp_path / "run", trained, proxy=replace(tiny_setup(tmp_path).proxy, width_mult=0.25))
    with pytest.raises(ValueError, match="proxy.width_mult"):
        run_search(setup, executor=InProcess(), out=lambda line: None)
    assert not (tmp_path / "run").exists()
