"""`nasx space`: choices, size, acceptance and quantiles; bad inputs as one line with exit code 2."""

import re

import numpy as np
import pytest

from nasx import complexity, search_spaces
from nasx.cli.main import main
from nasx.cli.space_cmd import count


def run(capsys, *argv):
    code = main(["space", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_space_prints_choices_size_and_sample_quantiles(capsys):
    code, out, err = run(capsys, "mnasnet", "--macs", "300M", "400M", "--samples", "200", "--seed", "3")
    assert code == 0 and err == ""
    assert "b7_filters" in out and "{240, 320, 400}" in out
    assert "efficientnet_b0" in out and "mobilenet_v2" in out
    accepted = re.search(r"acceptance (\d+\.\d)% of ([\d,]+) tries", out)
    tries = int(accepted.group(2).replace(",", ""))
    assert float(accepted.group(1)) == pytest.approx(100 * 200 / tries, abs=0.05)
    space = search_spaces.get("mnasnet", macs=(3e8, 4e8))
    rng = np.random.default_rng(3)
    macs = [complexity(space.sample(rng)).macs for _ in range(200)]
    assert space.stats.tries == tries  # the command draws exactly these samples
    line = next(r for r in out.splitlines() if r.startswith("MACs"))
    assert line.split()[1:] == [f"{q / 1e6:.2f}M" for q in np.quantile(macs, (0, 0.1, 0.5, 0.9, 1))]
    # pins today's values (the sampler's draws under seed 3); 200 / 742 = 27.0%, 742 - 200 = 542 rejected
    assert line == "MACs    301.31M  311.12M  343.33M  386.94M  399.16M"
    assert (
        "200 samples (seed 3) with MACs in [300,000,000, 400,000,000]: acceptance 27.0% of 742 tries "
        "(0 invalid, 542 outside the budget), "
    ) in out


def test_space_list_and_options(capsys):
    code, out, _ = run(capsys)
    assert code == 0 and all(name in out for name in search_spaces.names())
    code, out, _ = run(capsys, "compound", "--set", "mode=grid", "tolerance=0.02", "--samples", "20")
    assert code == 0 and "size: " in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["nope"], "unknown search space 'nope'"),
        (["mnasnet", "--macs", "400M", "300M"], "inverted"),
        (["mnasnet", "--macs", "300M", "300M"], "empty"),
        (["mnasnet", "--macs", "lots", "300M"], "'lots' is not a count"),
        (["resnext", "--macs", "1M", "2M"], "no candidate with MACs in [1,000,000, 2,000,000]"),
        (["regnet", "--set", "colour=red"], "unexpected keyword argument 'colour'"),
        (["regnet", "--set", "ranges=huge"], "ranges='huge'"),
        (["mnasnet", "--samples", "0"], "--samples 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_counts_with_suffixes():
    assert count("400M") == 4e8 and count("1.5g") == 1.5e9 and count("2e6") == 2e6 and count("12k") == 12e3
