"""nasx logs on the logger "nasx" and leaves other libraries' log levels as it found them."""

import io
import logging

import pytest
import yaml

from nasx import log, results
from nasx.search import driver
from nasx.search.setup import SearcherSpec
from tests.helpers.search_setups import tiny_setup

THIRD_PARTY = ("", "ray", "ray.tune", "ray.tune.analysis.experiment_analysis", "optuna", "hydra")


def levels() -> dict[str, int]:
    return {name: logging.getLogger(name).level for name in THIRD_PARTY}


def test_a_library_call_logs_its_lines_on_nasx(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="nasx")
    driver.run_trials(tiny_setup(tmp_path), [], title="nothing")  # no trials: Ray is not started
    records = [r for r in caplog.records if r.name.startswith("nasx")]
    assert [r.name for r in records] == ["nasx.search"]
    assert records[0].levelno == logging.INFO and records[0].getMessage().startswith("nothing: 0 trials")
    assert records[0].filename == "driver.py"  # the record names the line that logged it


def test_a_warning_line_is_a_warning_record(caplog):
    caplog.set_level(logging.INFO, logger="nasx")
    log.lines("search")("warning: results.parquet/.csv not compacted")
    log.lines("search")("plain line")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("nasx.search", logging.WARNING, "results.parquet/.csv not compacted"),
        ("nasx.search", logging.INFO, "plain line"),
    ]


def test_the_command_line_handler_prints_plain_lines_and_is_removed_after():
    nasx_logger = logging.getLogger("nasx")
    before = (nasx_logger.level, nasx_logger.propagate, list(nasx_logger.handlers))
    stream = io.StringIO()
    with log.to_terminal(stream):
        log.lines("search")("[  1/2] s0000 val/top1 0.5")
        log.lines("search")("warning: disk full")
        logging.getLogger("nasx.search").debug("not shown")
    assert stream.getvalue() == "[  1/2] s0000 val/top1 0.5\nwarning: disk full\n"
    assert (nasx_logger.level, nasx_logger.propagate, list(nasx_logger.handlers)) == before


def test_quieter_restores_levels_whatever_the_block_set():
    name = "nasx-test-third-party"
    logging.getLogger(name).setLevel(logging.DEBUG)
    with log.quieter({name: logging.ERROR}):
        assert logging.getLogger(name).level == logging.ERROR
        logging.getLogger(name).setLevel(logging.INFO)  # what ray.init does to "ray"
    assert logging.getLogger(name).level == logging.DEBUG


@pytest.fixture
def users_levels():
    """A user's own levels for optuna and ray (set after their import-time configuration), put back after."""
    import optuna  # noqa: F401
    import ray  # noqa: F401

    saved = levels()
    logging.getLogger("optuna").setLevel(logging.DEBUG)
    logging.getLogger("ray").setLevel(logging.WARNING)
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.slow
def test_a_search_on_ray_logs_on_nasx_and_leaves_third_party_levels_alone(tmp_path, caplog, users_levels):
    before = levels()
    caplog.set_level(logging.INFO, logger="nasx")
    setup = tiny_setup(tmp_path / "run", budget=2, searcher=SearcherSpec("tpe"))
    run_dir = driver.run_search(setup, overrides=["search=tpe", "budget=2"])
    assert levels() == before
    assert logging.getLogger("optuna").level == logging.DEBUG
    messages = [r.getMessage() for r in caplog.records if r.name == "nasx.search"]
    assert messages[0].startswith("search test: space mnasnet, searcher tpe, budget 2")
    assert any(m.startswith("2 trials: 2 ok") for m in messages), messages
    assert len(results.load(run_dir)) == 2
    assert yaml.safe_load((run_dir / driver.OVERRIDES).read_text()) == ["search=tpe", "budget=2"]


def test_overrides_yaml_is_written_when_a_run_starts_and_kept_on_resume(tmp_path):
    driver.write_overrides(tmp_path, ["experiment=effnet_b0_search", "budget=4", "seed=1"], resume=False)
    driver.write_overrides(tmp_path, ["budget=40"], resume=True)
    driver.write_overrides(tmp_path, None, resume=False)  # a run without a command line: nothing to record
    assert yaml.safe_load((tmp_path / "overrides.yaml").read_text()) == [
        "experiment=effnet_b0_search",
        "budget=4",
        "seed=1",
    ]
