# Two commands for a newcomer: `make demo` and `make test` (both create .venv and install first).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The CPU build of torch. Here `pip install torch==2.13.0` finds it on disk; elsewhere pass
# TORCH_PIP_ARGS="--index-url <PyTorch's CPU wheel index>" (see README) to avoid a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
TORCH_PIP_ARGS ?=
DEMO_OUT ?= out/tour
# Test workers: one more than the cores, since the notebook, browser and cluster tests spend part of their time waiting
# on a kernel, a browser or a subprocess (on 2 cores: 5:39 with 2 workers, 5:00 with 3, run back to back).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

.PHONY: venv demo test lint lab app app-deps benchmarks clean

# The official liif-edsr weights go to the user cache (LIIF_EXPLAIN_CACHE, else the XDG cache): a no-op once cached.
venv: $(VENV)/.installed
	$(VENV)/bin/liif-explain weights fetch

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

demo: venv
	$(VENV)/bin/liif-explain tour --out $(DEMO_OUT)
	$(PY) -m explain.notebooks notebooks/00_why_the_blocks_disappeared.ipynb --html $(DEMO_OUT)/notebook_00.html --threads 1
	@echo "Results: $(abspath $(DEMO_OUT))/index.html"

test: venv app-deps
	$(VENV)/bin/ruff check explain tests benchmarks notebooks
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lab: venv
	$(PY) -m pip install --quiet -e ".[dev,lab]"
	$(VENV)/bin/jupyter lab notebooks/

# The page: `liif-explain app` serves notebook 09 with Voilà on http://127.0.0.1:8866/ (Ctrl-C stops it).
app: venv app-deps
	$(VENV)/bin/liif-explain app $(APP_ARGS)

app-deps: $(VENV)/.app-installed

$(VENV)/.app-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev,app]"
	touch $@

benchmarks: venv
	$(PY) benchmarks/upscale.py
	$(PY) benchmarks/attribution.py

clean:
	rm -rf out .pytest_cache .ruff_cache
