# Two entry points: `make run` starts the app, `make test` runs every test.
# Both create .venv and install what is needed on first use (and again when pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint bench gpu-check
run: $(STAMP)
	$(VENV)/bin/optcourse-tui $(ARGS)

# Two workers more than cores, work-stealing: many tests wait on an engine process, a subprocess or
# a timer, and with torch on one thread per worker (tests/conftest.py) the extra workers fill that idle
# time (CI's 2 cores, same warm clone, 2026-12-08: 4 workers 236 s, 3 workers 283 s). At most 8 workers:
# each holds torch and textual in memory.
test: $(STAMP)
	$(VENV)/bin/python -m pytest -n $$(n=$$(nproc); echo $$(( n < 6 ? n + 2 : 8 ))) --dist worksteal $(PYTEST_ARGS)

# Linters CI runs after the tests: style and errors (ruff), layer contracts (import-linter), engine/'s and tui/'s types (mypy).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(VENV)/bin/python $$f || exit 1; done

# pip byte-compiles what it installs in one process (43 of its 110 s on 2 cores: torch has thousands
# of files); compileall does it on every core. It exits 1 on files written for newer Pythons (torch's
# py312 test helpers), which pip skips silently too.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --no-compile -e '.[test]'
	$(VENV)/bin/python -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	touch $(STAMP)

# GPU readiness (engine only: torch + numpy, no textual; works on a bare GPU box with torch installed).
# Without CUDA it says so and exits 0. PYTHON is used directly: no venv, no install.
gpu-check:
	$(PYTHON) scripts/gpu_check.py
