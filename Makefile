# Two commands on a fresh machine: `make package` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: package test bench lint play clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

package: $(STAMP)
	$(PY) -m packager build courses exports

test: $(STAMP)
	bash scripts/test-deps.sh
	$(PY) -m pytest

bench: $(STAMP)
	bash scripts/test-deps.sh
	$(PY) bench/run.py
	$(PY) bench/sync_bench.py
	$(PY) bench/updates_bench.py
	$(PY) bench/player_bench.py
	$(PY) bench/durability_bench.py

play: $(STAMP)
	$(PY) -m packager build courses exports
	$(PY) -m player serve --host 127.0.0.1 --port 5000 --import-dir exports

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m packager lint courses

clean:
	rm -rf exports/*.zip exports/index.html exports/.build-index.json
