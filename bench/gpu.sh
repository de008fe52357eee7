#!/usr/bin/env bash
# GPU throughput of nasx on one CUDA device, in one call of under 8 minutes: the trainer's images/s and
# fraction of the GPU's attainable rate with and without bf16 / channels_last / torch.compile / CUDA graphs,
# proxy-search trials per hour with 1, 2, 4 and 8 trials sharing the GPU (and under CUDA MPS where it
# starts), and an airbench-class network's seconds per epoch; Markdown tables on stdout, card name in them.
# Each part runs with its own timeout (`python -m bench.gpu plan` lists them). See bench/gpu.py.
#   bench/gpu.sh                 # from the repository root; PYTHON=... picks the interpreter
#   bench/gpu.sh --device cpu    # the same parts at tiny sizes on the CPU: the check the test suite runs
# Without CUDA (and without --device cpu) it prints one line and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
if [ "${1:-}" != "--device" ] || [ "${2:-}" != "cpu" ]; then
    if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
        echo "bench/gpu.sh: no CUDA device (torch.cuda.is_available() is False): skipped"
        exit 0
    fi
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
fi
exec timeout 475 "$PY" -m bench.gpu all "$@"
