"""Output directories are checked writable without creating anything."""

import os

import pytest

from nasx.writable import check_writable_dir


def test_a_new_directory_under_a_writable_one_passes_and_nothing_is_made(tmp_path):
    check_writable_dir(tmp_path / "a" / "b", "run_dir")
    check_writable_dir(tmp_path, "save")
    assert list(tmp_path.iterdir()) == []


def test_a_path_under_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match=r"^save=.*/f/out: .*/f is not a directory$"):
        check_writable_dir(tmp_path / "f" / "out", "save")


def test_a_directory_without_write_permission_is_refused(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes everywhere")
    (tmp_path / "ro").mkdir(mode=0o500)
    with pytest.raises(ValueError, match=r"^run_dir=.*/ro/run: cannot write in .*/ro \(Permission denied\)$"):
        check_writable_dir(tmp_path / "ro" / "run", "run_dir")
