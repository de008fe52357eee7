"""nasx follows no symbolic link inside a run directory: a command refuses a run holding one (one line naming
it, exit 2) and the file it points to is neither written nor read."""

import os

import pytest

from nasx.analysis import demo
from nasx.cli.main import main
from nasx.results import run_paths
from nasx.results.lock import writer_lock


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    run = demo.search_run(tmp_path_factory.mktemp("run") / "search", trials=8, failed=1)
    (run / "weights").mkdir()
    (run / "weights" / "s0001.pt").write_bytes(b"weights of s0001")
    return run


def _copy(src, dst):
    dst.mkdir(parents=True)
    for path in src.rglob("*"):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(exist_ok=True)
        else:
            target.write_bytes(path.read_bytes())
    return dst


@pytest.fixture
def outside(tmp_path):
    """A file outside every run: its bytes and mtime must never change."""
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_bytes(b"not nasx's to touch\n")
    os.utime(secret, ns=(10**18, 10**18))
    return secret


def _untouched(secret) -> bool:
    return secret.read_bytes() == b"not nasx's to touch\n" and secret.stat().st_mtime_ns == 10**18


def _one_line(capsys, command: str, link) -> None:
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err == f"nasx {command}: error: {link}: {run_paths.LINK}\n"


LINKS = ["writer.lock", "report.md", "figures/frontier_macs.png", "weights/s0001.pt", "results.csv", "config.yaml"]


@pytest.mark.parametrize("name", LINKS)
@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "{run}", "--quiet"],
        ["export", "{run}", "best", "--out", "{tmp}/export"],
        ["export", "{run}", "s0001", "--out", "{tmp}/export"],
        ["resume", "{run}"],
        ["confirm", "{run}"],
        ["export-optuna", "{run}", "--out", "{tmp}/optuna.log"],
    ],
    ids=lambda a: "-".join(a[:3]) if isinstance(a, list) else a,
)
def test_a_link_in_the_run_is_refused_and_its_target_untouched(clean_run, tmp_path, outside, capsys, argv, name):
    run = _copy(clean_run, tmp_path / "run")
    (run / name).unlink(missing_ok=True)
    (run / name).parent.mkdir(exist_ok=True)
    (run / name).symlink_to(outside)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    assert main([a.format(run=run, tmp=tmp_path) for a in argv]) == 2
    _one_line(capsys, argv[0], run / name)
    assert _untouched(outside)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before  # no export, no report written


def test_search_resuming_a_run_with_a_linked_lock_is_refused(clean_run, tmp_path, outside, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = _copy(clean_run, tmp_path / "run")
    (run / "writer.lock").symlink_to(outside)
    assert main(["search", "smoke=true", f"run_dir={run}", "resume=true"]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and f"{run / 'writer.lock'}: {run_paths.LINK}" in err, err
    assert _untouched(outside)


def test_the_lock_is_never_taken_through_a_link(tmp_path, outside):
    (tmp_path / "writer.lock").symlink_to(outside)
    with pytest.raises(ValueError, match=f"^{tmp_path / 'writer.lock'}: is a symbolic link"):
        with writer_lock(tmp_path):
            pass
    assert _untouched(outside)


def test_a_link_anywhere_in_the_run_is_refused_under_the_lock(tmp_path, outside):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "x.parquet").symlink_to(outside)
    with pytest.raises(ValueError, match=f"^{tmp_path / 'parts' / 'x.parquet'}: is a symbolic link"):
        with writer_lock(tmp_path):
            pass
    assert not (tmp_path / "writer.lock").read_bytes()  # refused before its pid was written


def test_a_linked_folder_is_named_and_not_entered(tmp_path, outside):
    (tmp_path / "weights").symlink_to(outside.parent, target_is_directory=True)
    with pytest.raises(ValueError, match=f"^{tmp_path / 'weights'}: is a symbolic link"):
        run_paths.check_no_links(tmp_path)


def test_the_run_directory_itself_may_be_a_link(clean_run, tmp_path, capsys):
    run = _copy(clean_run, tmp_path / "runs" / "2024")
    (tmp_path / "runs" / "latest").symlink_to(run, target_is_directory=True)
    run_paths.check_no_links(tmp_path / "runs" / "latest")
    assert main(["analyze", str(tmp_path / "runs" / "latest"), "--quiet", "--no-figures"]) == 0
    assert (run / "report.md").is_file() and not (run / "report.md").is_symlink()


def test_analyze_out_elsewhere_writes_no_report_through_a_link(clean_run, tmp_path, outside, capsys):
    run = _copy(clean_run, tmp_path / "run")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.md").symlink_to(outside)
    assert main(["analyze", str(run), "--out", str(tmp_path / "out"), "--quiet", "--no-figures"]) == 2
    _one_line(capsys, "analyze", tmp_path / "out" / "report.md")
    assert _untouched(outside)


def test_reads_and_copies_take_regular_files_only(tmp_path, outside):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ValueError, match="fifo: not a regular file"):  # opened without blocking: no hang
        run_paths.read_bytes(tmp_path / "fifo")
    with pytest.raises(ValueError, match="fifo: not a regular file"):
        run_paths.copy_regular(tmp_path / "fifo", tmp_path / "copy")
    (tmp_path / "link").symlink_to(outside)
    with pytest.raises(ValueError, match="link: is a symbolic link"):
        run_paths.read_bytes(tmp_path / "link")
    with pytest.raises(ValueError, match="link: is a symbolic link"):
        run_paths.write_bytes(tmp_path / "link", b"x")
    with pytest.raises(FileExistsError):  # a copy goes to a new file, never through a link
        run_paths.copy_regular(outside, tmp_path / "link")
    assert _untouched(outside)
    run_paths.copy_regular(outside, tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == outside.read_bytes()
