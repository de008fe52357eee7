# The two commands of README: `make demo` and `make test`. Each sets up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH_VERSION := 2.13.0
TIMM_VERSION := 1.0.31
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet torch==$(TORCH_VERSION)
	$(PY) -m pip install --quiet -e '.[dev]'
	# timm for tests/build/test_pretrained.py, without its dependencies: its torchvision would pull another torch
	# (it is not in the dev extra for that reason); the test stands in for what timm imports of torchvision
	$(PY) -m pip install --quiet --no-deps timm==$(TIMM_VERSION)
	touch $(STAMP)

DEMO_RUN ?= runs/demo/$(shell date +%Y%m%d-%H%M%S)

# The main job, with weight sharing: the supernet of an EfficientNet-B0 style search on the embedded digits
# data at proxy scale (both cores, one process); a search of 500 candidates scored with its inherited
# weights on local Ray, EfficientNet-B0, MobileNetV2 and MnasNet-A1 scored alongside; then the confirmation
# stage (top 3 and the families trained from scratch under 3 seeds, verdicts beyond seed noise); the report.
demo: $(STAMP)
	$(VENV)/bin/nasx supernet experiment=effnet_b0_supernet_demo train.threads=2 run_dir=$(DEMO_RUN)/supernet
	$(VENV)/bin/nasx search experiment=effnet_b0_supernet_demo supernet.run=$(DEMO_RUN)/supernet \
		run_dir=$(DEMO_RUN)/search
	$(VENV)/bin/nasx analyze $(DEMO_RUN)/search --quiet

# lint, format and types first (seconds), then the suite; `make lint` runs only the first three
test: lint
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench.complexity
	$(PY) -m bench.cli_start
	$(PY) -m bench.train_speed
	$(PY) -m bench.search_overhead
	$(PY) -m bench.driver_cost
	$(PY) -m bench.utilization
	$(PY) -m bench.searchers
	$(PY) -m bench.searcher_overhead
	PYTHON=$(PY) bench/gpu.sh

clean:
	rm -rf $(VENV) .pytest_cache
