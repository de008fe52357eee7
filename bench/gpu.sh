#!/usr/bin/env bash
# GPU throughput of nasx on one CUDA device, in under 8 minutes: the trainer's images/s with and without
# bf16 / channels_last / torch.compile, then proxy-search trials per hour with 1, 2, 4 and 8 trials
# sharing the GPU (CIFAR-shaped synthetic 32x32 data). See bench/gpu.py for what each step measures.
#   bench/gpu.sh                 # from the repository root; PYTHON=... picks the interpreter
# Without CUDA it prints one line and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "bench/gpu.sh: no CUDA device (torch.cuda.is_available() is False): skipped"
    exit 0
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
start=$(date +%s)
timeout 180 "$PY" -m bench.gpu speed --steps 200 --batch 256 || echo "bench/gpu.sh: the speed step ended with code $?"
timeout 300 "$PY" -m bench.gpu search --share 1,2,4,8 --trials-per-slot 3 --epochs 2 \
    || echo "bench/gpu.sh: the search step ended with code $?"
echo "bench/gpu.sh: $(( $(date +%s) - start )) s"
