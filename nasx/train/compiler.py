"""`train.compile=true` (or auto): the check that torch.compile has a working compiler backend on the trial's device."""

from __future__ import annotations

import os
import re
import subprocess
import sys

TIMEOUT_S = 300
# a small function compiled and run in a fresh process, torch's compile caches off: a cached kernel would
# hide a compiler that is missing now
PROBE = "import sys, torch; print(torch.compile(lambda x: x * 2 + 1)(torch.ones(4, device=sys.argv[1])).sum().item())"

RAISED = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Failed)\b.*: ")


def check_compiler(device: str, setting: bool | str = True) -> None:
    """ValueError (one line) unless torch.compile compiles and runs a small function on `device` (a C++
    compiler on a CPU, Triton on CUDA); some seconds, in a process of its own."""
    env = {**os.environ, "TORCHINDUCTOR_FORCE_DISABLE_CACHES": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, device], env=env, capture_output=True, text=True, timeout=TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        why = f"compiling a small function took over {TIMEOUT_S} s"
    else:
        if done.returncode == 0 and done.stdout.split()[-1:] == ["12.0"]:  # (1 * 2 + 1) * 4
            return
        raised = [line for line in done.stderr.splitlines() if RAISED.match(line)]  # the traceback's last line
        why = " ".join(raised[-1].split())[:200] if raised else f"exit code {done.returncode}"
    raise ValueError(
        f"train.compile={str(setting).lower()}: torch.compile has no working compiler backend on {device} ({why}); "
        "set train.compile=false"
    )
