"""Ray's output during a run goes to the run's ray.log: file descriptor 2 and the cluster's error messages."""

import os
import subprocess
import sys
import textwrap

from tests.helpers.paths import ROOT

WRITER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    import ray._private.worker as worker
    from nasx.ray import output
    with output.into(Path(sys.argv[1])) as terminal:
        os.write(2, b"C++ core worker line\\n")
        print("Python stderr line", file=sys.stderr)
        worker.print_to_stdstream({"lines": ["node marked dead"], "pid": "raylet", "is_err": False}, False)
        os.write(terminal, b"to the terminal\\n")
        print("nasx progress line", flush=True)
    print("stderr again", file=sys.stderr)
""")


def test_stderr_and_the_clusters_messages_go_to_the_log_and_stderr_comes_back(tmp_path):
    log = tmp_path / "ray.log"
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(log)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "nasx progress line\n"
    assert done.stderr == "to the terminal\nstderr again\n"
    text = log.read_text()
    assert "C++ core worker line\n" in text and "Python stderr line\n" in text and "node marked dead" in text
